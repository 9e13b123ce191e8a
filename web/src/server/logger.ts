import { createLogger } from '@chipgate/activities/logging/logger';

/** The web process's JSON log (pino, secrets redacted). */
export const webLog = createLogger('chipgate-web');
