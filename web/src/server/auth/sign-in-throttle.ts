import { Prisma, type Db } from '@chipgate/db';
import { ACCOUNT_POLICY, ADDRESS_POLICY, delayAfterAttempt, type ThrottlePolicy } from './throttle-policy';

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

const seconds = (ms: number) => ms / 1000;

/** `delayAfterAttempt` in SQL, for the attempt number `n` (an SQL expression). */
function delaySql(n: Prisma.Sql, policy: ThrottlePolicy): Prisma.Sql {
  // Mirrors delayAfterAttempt; the unit test of the policy pins the numbers, the integration test this SQL.
  return Prisma.sql`CASE WHEN ${n} <= ${policy.freeAttempts} THEN 0
    ELSE LEAST(${policy.maxDelayMs}::float8, ${policy.baseDelayMs}::float8 * power(2, LEAST(${n} - ${policy.freeAttempts} - 1, 40))) END`;
}

/**
 * Counts one attempt for `key` if the key may try now, atomically: concurrent attempts queue on the row
 * lock and each sees the one before, so a thousand parallel guesses cannot all pass. Shared by every web
 * process through PostgreSQL's clock.
 */
export async function claimAttempt(db: Db, key: string, policy: ThrottlePolicy): Promise<ThrottleDecision> {
  const idle = Prisma.sql`make_interval(secs => ${seconds(policy.idleResetMs)}::float8)`;
  const next = Prisma.sql`CASE WHEN t.last_attempt_at < now() - ${idle} THEN 1 ELSE t.attempts + 1 END`;
  const claimed = await db.$queryRaw<Array<{ attempts: number }>>`
    INSERT INTO sign_in_throttles AS t (key, attempts, next_attempt_at, last_attempt_at)
    VALUES (${key}, 1, now() + make_interval(secs => ${seconds(delayAfterAttempt(1, policy))}::float8), now())
    ON CONFLICT (key) DO UPDATE SET
      attempts = ${next},
      next_attempt_at = now() + make_interval(secs => (${delaySql(next, policy)}) / 1000.0),
      last_attempt_at = now()
    WHERE t.next_attempt_at <= now() OR t.last_attempt_at < now() - ${idle}
    RETURNING t.attempts`;
  if (claimed.length > 0) return { allowed: true };
  const rows = await db.$queryRaw<Array<{ ms: number }>>`
    SELECT GREATEST(0, EXTRACT(EPOCH FROM next_attempt_at - now()) * 1000)::float8 AS ms FROM sign_in_throttles WHERE key = ${key}`;
  return { allowed: false, retryAfterMs: Math.ceil(rows[0]?.ms ?? 1000) };
}

export const accountKey = (email: string) => `account:${email}`;
export const addressKey = (address: string) => `address:${address}`;

/**
 * One sign-in attempt against both limits. The address (the caller's own) is claimed first: a caller it
 * holds back never touches the account's count, so an attacker cannot make the owner wait longer by
 * being refused.
 */
export async function claimSignInAttempt(db: Db, { email, address }: { email: string; address: string }): Promise<ThrottleDecision> {
  const byAddress = await claimAttempt(db, addressKey(address), ADDRESS_POLICY);
  if (!byAddress.allowed) return byAddress;
  const byAccount = await claimAttempt(db, accountKey(email), ACCOUNT_POLICY);
  if (Math.random() < 0.01) await forgetIdleKeys(db);
  return byAccount;
}

/** After the right password: the account starts afresh, the address gets this attempt back. */
export async function recordSignInSuccess(db: Db, { email, address }: { email: string; address: string }): Promise<void> {
  await db.$executeRaw`DELETE FROM sign_in_throttles WHERE key = ${accountKey(email)}`;
  await db.$executeRaw`UPDATE sign_in_throttles SET attempts = GREATEST(attempts - 1, 0) WHERE key = ${addressKey(address)}`;
}

/** Rows idle for longer than any policy remembers; live rows are never dropped, however many there are. */
export async function forgetIdleKeys(db: Db): Promise<number> {
  const idleMs = Math.max(ACCOUNT_POLICY.idleResetMs, ADDRESS_POLICY.idleResetMs);
  return db.$executeRaw`DELETE FROM sign_in_throttles WHERE last_attempt_at < now() - make_interval(secs => ${seconds(idleMs)}::float8)`;
}
