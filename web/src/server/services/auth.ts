import type { Db } from '@chipgate/db';
import { hashPassword, needsRehash, verifyPassword } from '@chipgate/activities/auth/password-hash';
import { AppError } from '../errors';
import { createSession, type SessionUser } from '../auth/session';
import { claimSignInAttempt, recordSignInSuccess } from '../auth/sign-in-throttle';
import { normaliseEmail } from '../auth/throttle-policy';

/** One message for an unknown email and a wrong password, so sign-in does not reveal who has an account. */
export const INVALID_CREDENTIALS = 'Invalid email or password.';

export const ACCOUNT_DISABLED = 'This account is disabled. Ask your administrator to enable it again.';

let dummyHash: Promise<string> | undefined;
/** Verified against when the email is unknown, so both failures take the same time. */
function timingDummyHash(): Promise<string> {
  dummyHash ??= hashPassword('chipgate-timing-equaliser');
  return dummyHash;
}

export interface SignInInput {
  email: string;
  password: string;
  /** The client's address (see http/client-address.ts). */
  address: string;
}

/**
 * Password sign-in. The attempt is counted (per account and per client address, in PostgreSQL) before
 * the password is looked at; a caller over its allowance waits, whatever the password.
 */
export async function signInWithPassword(
  db: Db,
  input: SignInInput,
  verify: typeof verifyPassword = verifyPassword,
): Promise<{ token: string; expiresAt: Date; user: SessionUser }> {
  const email = normaliseEmail(input.email);
  const decision = await claimSignInAttempt(db, { email, address: input.address });
  if (!decision.allowed) {
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    throw new AppError('TOO_MANY_REQUESTS', `Too many sign-in attempts. Try again in ${waitText(seconds)}.`, { retryAfterSeconds: seconds });
  }
  const user = await db.user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, role: true, passwordHash: true, disabledAt: true },
  });
  // An invited account without a password yet answers like an unknown one, in the same time.
  const stored = user?.passwordHash;
  const ok = stored ? await verify(input.password, stored) : (await verify(input.password, await timingDummyHash()), false);
  if (!user || !stored || !ok) throw new AppError('UNAUTHORIZED', INVALID_CREDENTIALS);
  // Said only to whoever knows the password, so it reveals nothing to a guesser.
  if (user.disabledAt) throw new AppError('FORBIDDEN', ACCOUNT_DISABLED);
  await recordSignInSuccess(db, { email, address: input.address });
  // A hash from before the current parameters is redone now, while the password is at hand.
  if (needsRehash(stored)) {
    await db.user.updateMany({ where: { id: user.id, passwordHash: stored }, data: { passwordHash: await hashPassword(input.password) } });
  }
  const session = await createSession(db, user.id);
  return { ...session, user: { id: user.id, email: user.email, name: user.name, role: user.role } };
}

function waitText(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
