import { createLogger } from '@chipgate/activities/logging/logger';

/** The worker process's JSON log (pino, secrets redacted); modules take children of it. */
export const workerLog = createLogger('chipgate-worker');
