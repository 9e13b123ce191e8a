/**
 * How sign-in attempts are slowed. Every attempt is counted before its password is checked; the first
 * `freeAttempts` in a row cost nothing, each later one makes the key wait a delay that doubles from
 * `baseDelayMs` up to `maxDelayMs`. A key that stays quiet for `idleResetMs` starts again from zero.
 * There is no lock-out: the owner of an attacked account waits at most `maxDelayMs`.
 */
export interface ThrottlePolicy {
  freeAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  idleResetMs: number;
}

const MINUTE_MS = 60_000;

/** Per account (normalised email), whichever address the guesses come from. */
export const ACCOUNT_POLICY: ThrottlePolicy = { freeAttempts: 3, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE_MS, idleResetMs: 60 * MINUTE_MS };

/** Per client address, whichever accounts it tries; a successful sign-in gives its attempt back. */
export const ADDRESS_POLICY: ThrottlePolicy = { freeAttempts: 30, baseDelayMs: 1000, maxDelayMs: 15 * MINUTE_MS, idleResetMs: 60 * MINUTE_MS };

/** The wait a key must observe after its `attempt`-th attempt (1-based). */
export function delayAfterAttempt(attempt: number, policy: ThrottlePolicy): number {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a positive integer, got ${attempt}`);
  if (attempt <= policy.freeAttempts) return 0;
  const doublings = Math.min(attempt - policy.freeAttempts - 1, 40);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** doublings);
}

/** Trimmed, lower case, NFC: the one form emails are stored and looked up in. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** Password-reset requests per email: a few in a row, then at most about one a minute (each one sends an email). */
export const RESET_ACCOUNT_POLICY: ThrottlePolicy = { freeAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 60 * MINUTE_MS, idleResetMs: 60 * MINUTE_MS };
