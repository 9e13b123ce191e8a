import { TRPCError } from '@trpc/server';

/** Field name → messages, as forms render them next to each input. */
export type FieldErrors = Record<string, string[]>;

/** A business-rule failure about specific input fields (e.g. "name already taken"). */
export class FieldValidationError extends Error {
  override name = 'FieldValidationError';
  constructor(readonly fields: FieldErrors) {
    super(
      Object.entries(fields)
        .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
        .join(' · '),
    );
  }
}

/** BAD_REQUEST naming one field; the error formatter copies `fields` into `data.fieldErrors`. */
export function fieldError(field: string, message: string): TRPCError {
  const cause = new FieldValidationError({ [field]: [message] });
  return new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
}

/**
 * Normalises the different shapes validation errors carry (`{ port: 'msg' }`, `{ port: ['msg'] }`,
 * `['port']`) into FieldErrors.
 */
export function normaliseFieldErrors(fields: unknown, fallbackMessage = 'Invalid value'): FieldErrors {
  const out: FieldErrors = {};
  if (Array.isArray(fields)) {
    for (const item of fields) {
      if (typeof item === 'string') (out[item] ??= []).push(fallbackMessage);
      else if (item && typeof item === 'object' && 'field' in item) {
        const { field, message } = item as { field: unknown; message?: unknown };
        (out[String(field)] ??= []).push(typeof message === 'string' ? message : fallbackMessage);
      }
    }
    return out;
  }
  if (fields && typeof fields === 'object') {
    for (const [field, value] of Object.entries(fields)) {
      if (Array.isArray(value)) out[field] = value.map(String);
      else if (typeof value === 'string') out[field] = [value];
      else if (value !== undefined && value !== null) out[field] = [fallbackMessage];
    }
  }
  return out;
}

/** What went wrong, in the caller's terms; mapped to a tRPC code in one place (`toTRPCError`). */
export type AppErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'TOO_MANY_REQUESTS';

/**
 * The web app's domain error: services throw it, knowing nothing of tRPC; the procedures' error
 * middleware (trpc.ts) turns it into a TRPCError. `retryAfterSeconds` reaches the browser as
 * `data.retryAfterSeconds`, `fields` as `data.fieldErrors`.
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly retryAfterSeconds?: number;
  readonly fields?: FieldErrors;
  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; fields?: FieldErrors } = {},
  ) {
    super(message);
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.fields) this.fields = options.fields;
  }
}

export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: error.code, message: error.message, cause: error });
}
