import { z } from 'zod';

/** The web process's settings that are not secrets owned elsewhere (those load where they are used). */
const ZWebEnv = z.object({
  /**
   * How many reverse proxies in front of the app append to X-Forwarded-For. The client address is the
   * entry the outermost trusted proxy wrote; with 0 (the app reached directly) Next.js fills the header
   * from the socket only when the client sent none, so per-address limits trust what the client says.
   */
  CHIPGATE_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** When set, `GET /api/metrics` answers only `Authorization: Bearer <token>`. */
  CHIPGATE_METRICS_TOKEN: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  /** The app's public URL: its origin is accepted on cookie-carrying mutations besides the request's own. */
  CHIPGATE_APP_URL: z.url().optional(),
});

export type TWebEnv = z.infer<typeof ZWebEnv>;

let parsed: TWebEnv | undefined;

/** Read once, on first use; a bad value names the variable. */
export function webEnv(): TWebEnv {
  if (!parsed) {
    const result = ZWebEnv.safeParse(process.env);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new Error(`invalid web environment: ${problems}`);
    }
    parsed = result.data;
  }
  return parsed;
}
