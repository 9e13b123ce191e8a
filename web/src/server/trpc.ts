import { initTRPC, TRPCError } from '@trpc/server';
import type { FetchCreateContextFnOptions } from '@trpc/server/adapters/fetch';
import type { Client } from '@temporalio/client';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { db as sharedDb, type Db } from '@chipgate/db';
import {
  clearedSessionCookieHeader,
  isSecureRequest,
  readSessionCookie,
  sessionCookieHeader,
  validateSessionToken,
  type SessionUser,
} from './auth/session';
import type { AccountMailer } from '@chipgate/activities/auth/account-mail';
import { AppError, normaliseFieldErrors, toTRPCError, type FieldErrors } from './errors';
import { webEnv } from './env';
import { clientAddress } from './http/client-address';
import { temporalClient } from './temporal';

/** Lets auth procedures write the session cookie; absent when a procedure is called in-process. */
export interface SessionCookieJar {
  /** The session token the request carried, if any. */
  readonly token: string | null;
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

export interface Context {
  db: Db;
  user: SessionUser | null;
  /** Lazily connected, cached Temporal client (TEMPORAL_ADDRESS). */
  temporal(): Promise<Client>;
  cookies?: SessionCookieJar;
  /** The caller's address as the trusted proxies saw it (http/client-address.ts); `unknown` in-process. */
  clientAddress?: string;
  /** Sends invitation and reset links; absent, the process's SMTP mailer (account-mail.ts). */
  accountMailer?: AccountMailer;
  /** Tests count password checks through this; production uses scrypt. */
  verifyPassword?: (password: string, stored: string) => Promise<boolean>;
}

export async function createContext({ req, resHeaders }: FetchCreateContextFnOptions): Promise<Context> {
  const db = sharedDb();
  const secure = isSecureRequest(req);
  const token = readSessionCookie(req.headers.get('cookie'), secure);
  const session = await validateSessionToken(db, token);
  if (token && session?.extended) resHeaders.append('Set-Cookie', sessionCookieHeader(token, session.expiresAt, secure));
  // A cookie whose session is gone (signed out elsewhere, expired) is removed from the browser.
  if (token && !session) resHeaders.append('Set-Cookie', clearedSessionCookieHeader(secure));
  return {
    db,
    user: session?.user ?? null,
    temporal: temporalClient,
    clientAddress: clientAddress(req.headers, webEnv().CHIPGATE_TRUSTED_PROXY_HOPS),
    cookies: {
      token,
      set: (value, expiresAt) => resHeaders.append('Set-Cookie', sessionCookieHeader(value, expiresAt, secure)),
      clear: () => resHeaders.append('Set-Cookie', clearedSessionCookieHeader(secure)),
    },
  };
}

/** Field errors from zod input validation, or from a domain error that names fields (`.fields`). */
function fieldErrorsOf(cause: unknown): FieldErrors | null {
  if (cause instanceof ZodError) {
    const out: FieldErrors = {};
    for (const issue of cause.issues) {
      const key = issue.path.map(String).join('.') || '_form';
      (out[key] ??= []).push(issue.message);
    }
    return out;
  }
  if (cause instanceof Error && 'fields' in cause) {
    const fields = normaliseFieldErrors((cause as Error & { fields: unknown }).fields, cause.message);
    return Object.keys(fields).length ? fields : null;
  }
  return null;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const fieldErrors = fieldErrorsOf(error.cause);
    // Never ship server stack traces to the browser.
    const { stack: _stack, ...data } = shape.data;
    // An unexpected fault's message can quote a query and its values (Prisma does): it stays in the
    // server log (see the route's onError), the browser gets a generic one.
    const message = error.code === 'INTERNAL_SERVER_ERROR' ? 'Something went wrong on the server. Please try again.' : shape.message;
    const retryAfterSeconds = error.cause instanceof AppError ? error.cause.retryAfterSeconds : undefined;
    return { ...shape, message, data: { ...data, fieldErrors, ...(retryAfterSeconds !== undefined && { retryAfterSeconds }) } };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** The one place a domain error (AppError) becomes a tRPC error. */
const mapAppErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) throw toTRPCError(result.error.cause);
  return result;
});

export const publicProcedure = t.procedure.use(mapAppErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Sign in to continue.' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (ctx.user.role !== 'ADMIN') throw new TRPCError({ code: 'FORBIDDEN', message: 'This needs an administrator.' });
  return next({ ctx });
});
