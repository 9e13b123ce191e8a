/**
 * What an admin (or the seed) may submit to create or update a proxy provider. Every bad field is
 * reported at once, by name, so a form can show all of them and nothing is written.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DEFAULT_USERNAME_TEMPLATE, validateUsernameTemplate } from '@chipgate/workflows/rules/session-naming';

export class ProviderInputError extends Error {
  override name = 'ProviderInputError';

  /** Field name → what is wrong with it. */
  readonly fields: Readonly<Record<string, string>>;

  constructor(fields: Record<string, string>) {
    super(`invalid provider: ${Object.entries(fields).map(([field, problem]) => `${field}: ${problem}`).join('; ')}`);
    this.fields = fields;
  }
}

const RULES = {
  name: 'must be 1 to 80 characters',
  type: 'must be one of RESIDENTIAL, DATACENTER, MOBILE',
  region: 'must be a lower-case code of 2 to 32 letters, digits, - or _ (e.g. "br", "us-east")',
  server: 'must be a hostname or IP address',
  port: 'must be an integer between 1 and 65535',
  protocol: 'must be one of HTTP, HTTPS, SOCKS5',
  username: 'must be 1 to 128 characters',
  password: 'must be 1 to 256 characters',
  apiKey: 'must be 1 to 256 characters',
  apiBaseUrl: 'must be an http:// or https:// URL',
  usernameTemplate: 'must be a string',
  stickySessionMinutes: 'must be an integer between 1 and 1440',
  costPerGb: 'must be a decimal number ≥ 0 with at most 8 digits before and 4 after the point (e.g. "12.5")',
  currency: 'must be a 3-letter currency code such as BRL',
  isActive: 'must be true or false',
} as const;

/** Missing fields say so; anything else gets the field's rule. */
function rule(text: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : text) };
}

/** Form fields left blank mean "not given". */
const blankAsAbsent = (value: unknown) => (value === '' || value === null ? undefined : value);

const REGION = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const DECIMAL = /^(\d{1,8})(?:\.(\d{1,4}))?$/;

/** Why `server` is not a bare hostname or IP address, or null. */
function serverProblem(server: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(server)) return 'must be a hostname or IP address without a scheme (drop the "…://")';
  if (/[/?#]/.test(server)) return 'must be a hostname or IP address without a path';
  if (isIP(server) !== 0) return null;
  if (/:\d*$/.test(server)) return 'must not include a port: put it in the port field';
  const labels = server.split('.');
  if (server.length > 253 || !labels.every((label) => HOST_LABEL.test(label))) return RULES.server;
  if (labels.every((label) => /^\d+$/.test(label))) return 'is not a valid IPv4 address';
  return null;
}

/** Money stays a decimal string from input to the numeric column: a float would round it. */
function normaliseDecimal(value: string | number): string | null {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const whole = match[1]!.replace(/^0+(?=\d)/, '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

const shape = {
  name: z.string(rule(RULES.name)).trim().min(1, RULES.name).max(80, RULES.name),
  type: z.enum(['RESIDENTIAL', 'DATACENTER', 'MOBILE'], rule(RULES.type)),
  region: z
    .string(rule(RULES.region))
    .trim()
    .toLowerCase()
    .min(2, RULES.region)
    .max(32, RULES.region)
    .regex(REGION, RULES.region),
  server: z
    .string(rule(RULES.server))
    .trim()
    .toLowerCase()
    // Bracketed IPv6 is how it appears in URLs; stored bare, the URL builder adds the brackets.
    .transform((server) => (/^\[.*\]$/.test(server) ? server.slice(1, -1) : server))
    .superRefine((server, ctx) => {
      const problem = serverProblem(server);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
  port: z.int(rule(RULES.port)).min(1, RULES.port).max(65535, RULES.port),
  protocol: z.enum(['HTTP', 'HTTPS', 'SOCKS5'], rule(RULES.protocol)),
  username: z
    .string(rule(RULES.username))
    .min(1, RULES.username)
    .max(128, RULES.username)
    .refine((username) => !username.includes(':'), "must not contain ':' (it separates username and password in proxy auth)"),
  password: z.string(rule(RULES.password)).min(1, RULES.password).max(256, RULES.password),
  apiKey: z.preprocess(blankAsAbsent, z.string(RULES.apiKey).min(1, RULES.apiKey).max(256, RULES.apiKey).optional()),
  apiBaseUrl: z.preprocess(
    blankAsAbsent,
    z
      .url({ protocol: z.regexes.httpProtocol, error: RULES.apiBaseUrl })
      // The client appends paths to it; one canonical form avoids `//web_v1/...`.
      .transform((url) => url.replace(/\/+$/, ''))
      .optional(),
  ),
  usernameTemplate: z
    .string(RULES.usernameTemplate)
    .default(DEFAULT_USERNAME_TEMPLATE)
    .superRefine((template, ctx) => {
      const problem = validateUsernameTemplate(template);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
  stickySessionMinutes: z
    .int(RULES.stickySessionMinutes)
    .min(1, RULES.stickySessionMinutes)
    .max(1440, RULES.stickySessionMinutes)
    .default(30),
  costPerGb: z.union([z.string(), z.number()], rule(RULES.costPerGb)).transform((value, ctx) => {
    const normalised = normaliseDecimal(value);
    if (normalised === null) {
      ctx.addIssue({ code: 'custom', message: RULES.costPerGb });
      return z.NEVER;
    }
    return normalised;
  }),
  currency: z
    .string(RULES.currency)
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{3}$/, RULES.currency)
    .default('BRL'),
  isActive: z.boolean(RULES.isActive).default(true),
};

const NOT_AN_OBJECT = { error: 'must be an object of provider fields' };

export const providerCreateSchema = z.strictObject(shape, NOT_AN_OBJECT);

/** On update the UI never has the stored secrets: a blank password or API key means "keep it". */
export const providerUpdateSchema = z.strictObject({
  ...shape,
  password: z.preprocess(blankAsAbsent, shape.password.optional()),
}, NOT_AN_OBJECT);

export type ProviderInput = z.output<typeof providerCreateSchema>;
export type ProviderUpdateInput = z.output<typeof providerUpdateSchema>;

export function parseProviderInput(input: unknown): ProviderInput;
export function parseProviderInput(input: unknown, mode: 'create'): ProviderInput;
export function parseProviderInput(input: unknown, mode: 'update'): ProviderUpdateInput;
export function parseProviderInput(input: unknown, mode: 'create' | 'update' = 'create') {
  const result = (mode === 'create' ? providerCreateSchema : providerUpdateSchema).safeParse(input);
  if (result.success) return result.data;
  const fields: Record<string, string> = {};
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[key] ??= 'is not a provider field';
    } else {
      fields[issue.path.length > 0 ? issue.path.join('.') : 'input'] ??= issue.message;
    }
  }
  throw new ProviderInputError(fields);
}
