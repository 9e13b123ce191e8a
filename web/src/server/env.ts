import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { temporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';
import { requireDatabaseUrl } from '@chipgate/db';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';

/**
 * The few variables a shared loader (written for a whole environment) is given, once parsed here. Next's
 * types make NODE_ENV required in every ProcessEnv; the loaders never read it.
 */
export function only(variables: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return variables as NodeJS.ProcessEnv;
}

/** A value the shared loaders accept (they throw with a message naming the variable), kept as the raw string. */
function checkedBy(check: (value: string | undefined) => unknown) {
  return z.string().optional().transform((value, ctx) => {
    try {
      check(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      return z.NEVER;
    }
    return value!;
  });
}

const HOST_PORT = /^([^\s/:]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/;
const TEMPORAL_ADDRESS_UNSET = 'TEMPORAL_ADDRESS is not set: give the Temporal frontend as host:port (required when NODE_ENV=production)';
const WEBHOOK_SECRET_UNSET = "STRIPE_WEBHOOK_SECRET is not set: give the signing secret of Chipgate's Stripe webhook endpoint (whsec_…)";

/**
 * Every setting of the web process, read once at boot (`instrumentation.ts`) and then through webEnv().
 * Nothing else in the web app reads `process.env`.
 */
const webEnvSchema = (production: boolean) =>
  z.object({
    DATABASE_URL: checkedBy((value) => requireDatabaseUrl(only({ DATABASE_URL: value }))),
    /** Temporal frontend host:port; required in production, where a silent local default would hide a misconfiguration. */
    TEMPORAL_ADDRESS: production
      ? z.string({ error: TEMPORAL_ADDRESS_UNSET }).trim().min(1, { error: TEMPORAL_ADDRESS_UNSET }).regex(HOST_PORT, { error: 'must be host:port' })
      : z.string().trim().regex(HOST_PORT, { error: 'must be host:port' }).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    /** Base URL of the Temporal Web UI, for links to chip workflows. */
    TEMPORAL_UI_URL: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .transform((url) => url.replace(/\/+$/, ''))
        .optional(),
    ),
    /** The provider-credential key; a wrong or missing key stops the app at boot, not on the first credential read. */
    CHIPGATE_SECRET_KEY: checkedBy((value) => loadCredentialCipher(only({ CHIPGATE_SECRET_KEY: value }))),
    /** Signing secret of `POST /api/payments/webhook`; only the web app holds it. */
    STRIPE_WEBHOOK_SECRET: z
      .string({ error: WEBHOOK_SECRET_UNSET })
      .min(1, { error: WEBHOOK_SECRET_UNSET }),
    /**
     * Read by @chipgate/workflows where chips start (the shared task queue, new chips' meter interval);
     * checked here so a bad value stops the app at boot rather than at the first chip.
     */
    CHIPGATE_TASK_QUEUE: z.string().optional(),
    CHIPGATE_METER_INTERVAL_SECONDS: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.coerce
        .number()
        .int({ error: 'must be a whole number of seconds from 1 to 86400' })
        .min(1, { error: 'must be a whole number of seconds from 1 to 86400' })
        .max(86_400, { error: 'must be a whole number of seconds from 1 to 86400' })
        .optional(),
    ),
    /**
     * How many reverse proxies in front of the app append to X-Forwarded-For. The client address is the
     * entry the outermost trusted proxy wrote; with 0 (the app reached directly) Next.js fills the header
     * from the socket only when the client sent none, so per-address limits trust what the client says.
     */
    CHIPGATE_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    /** When set, `GET /api/metrics` answers only `Authorization: Bearer <token>`. */
    CHIPGATE_METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
    /** The app's public URL: its origin is accepted on cookie-carrying mutations besides the request's own. */
    CHIPGATE_APP_URL: z.preprocess((value) => (value === '' ? undefined : value), z.url().optional()),
    /** Where invitation and password-reset emails go out; unset, admins are told no invitation could be sent. */
    SMTP_URL: z.preprocess(
      (value) => (value === '' ? undefined : value),
      // The value stays out of the message: it may carry the SMTP password.
      z.string().refine((value) => /^smtps?:\/\//i.test(value), { error: 'must be an smtp:// or smtps:// URL, like smtp://user:pass@mail.example.com:587' }).optional(),
    ),
    ACCOUNT_EMAIL_FROM: z.preprocess((value) => (value === '' ? undefined : value), z.string().default('Chipgate <accounts@chipgate.local>')),
  })
  // A link built from the request's Host header could be pointed at another site by whoever asks for a reset.
  .refine((env) => !env.SMTP_URL || env.CHIPGATE_APP_URL, {
    path: ['CHIPGATE_APP_URL'],
    error: 'CHIPGATE_APP_URL is not set but SMTP_URL is: invitation and password-reset links need the public URL of the web app',
  });

export type TWebEnv = z.infer<ReturnType<typeof webEnvSchema>>;

/** The web environment is missing or malforms the variables named in its message. */
export class WebEnvError extends Error {
  override name = 'WebEnvError';
}

/** Every problem of `env`, each naming its variable (the shared loaders' messages already start with it). */
export function parseWebEnv(env: NodeJS.ProcessEnv): TWebEnv {
  const result = webEnvSchema(env.NODE_ENV === 'production').safeParse(env);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`;
      });
  // The TLS / mTLS / API-key settings have their own parser (shared with the worker); at boot it names a bad one too.
  try {
    temporalConnectionSettings(env, (path) => readFileSync(path));
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  if (result.success && problems.length === 0) return result.data;
  throw new WebEnvError(`invalid web environment:\n- ${problems.join('\n- ')}`);
}

let parsed: TWebEnv | undefined;

/** Read once (at boot, by `instrumentation.ts`, or on first use in tests that call the server code directly). */
export function webEnv(): TWebEnv {
  parsed ??= parseWebEnv(process.env);
  return parsed;
}
