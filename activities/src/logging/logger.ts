import pino, { type DestinationStream, type Logger } from 'pino';
import { withoutCredentials } from './redact';

export type { Logger };

/**
 * Fields that hold a secret wherever they appear (one or two levels down): their values never reach
 * a log line. Secrets inside free text (a proxy URL with its password in an error message) are
 * removed by `withoutCredentials` from every string of every line.
 */
const SECRET_FIELDS = ['password', 'apiKey', 'api_key', 'secret', 'token', 'authorization', 'cookie', 'passwordHash', 'proxyUrl', 'upstreamUrl'];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`), ...SECRET_FIELDS.map((f) => `*.*.${f}`), 'headers["proxy-authorization"]'];

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return withoutCredentials(value);
  // Errors keep their class for pino's err serializer, which scrubs them itself.
  if (depth > 6 || value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, depth + 1)]));
}

/**
 * The JSON logger of every Chipgate process (pino): one line per event, `name` says which process,
 * secrets redacted by field name and scrubbed out of text. LOG_LEVEL sets the level (default info).
 */
export function createLogger(name: string, options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: (err: Error) => scrub(pino.stdSerializers.err(err)) as ReturnType<typeof pino.stdSerializers.err> },
      formatters: { log: (object) => scrub(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? withoutCredentials(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
