import { TRPCError } from '@trpc/server';
import type { Db } from '@chipgate/db';
import { hashPassword, verifyPassword } from '@chipgate/activities/auth/password-hash';
import { createSession, type SessionUser } from '../auth/session';
import { signInRateLimiter, type SignInRateLimiter } from '../auth/rate-limit';

/** One message for an unknown email and a wrong password, so sign-in does not reveal who has an account. */
export const INVALID_CREDENTIALS = 'Invalid email or password.';

let dummyHash: Promise<string> | undefined;
/** Verified against when the email is unknown, so both failures take the same time. */
function timingDummyHash(): Promise<string> {
  dummyHash ??= hashPassword('chipgate-timing-equaliser');
  return dummyHash;
}

export async function signInWithPassword(
  db: Db,
  input: { email: string; password: string },
  limiter: SignInRateLimiter = signInRateLimiter,
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  const email = input.email.trim().toLowerCase();
  const wait = limiter.retryAfterMs(email);
  if (wait > 0) {
    const minutes = Math.ceil(wait / 60_000);
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `Too many failed sign-in attempts for this email. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    });
  }
  const user = await db.user.findFirst({
    where: { email: { equals: email, mode: 'insensitive' } },
    select: { id: true, email: true, name: true, role: true, passwordHash: true },
  });
  const ok = user ? await verifyPassword(input.password, user.passwordHash) : (await verifyPassword(input.password, await timingDummyHash()), false);
  if (!user || !ok) {
    limiter.recordFailure(email);
    throw new TRPCError({ code: 'UNAUTHORIZED', message: INVALID_CREDENTIALS });
  }
  limiter.reset(email);
  const session = await createSession(db, user.id);
  return { ...session, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}
