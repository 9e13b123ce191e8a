/**
 * Failed sign-ins per email, in memory (per web process): after MAX_FAILURES inside WINDOW_MS the
 * email is locked until the window that started with its first failure ends. A success clears it.
 */
export const MAX_FAILURES = 5;
export const WINDOW_MS = 15 * 60 * 1000;
const MAX_TRACKED = 10_000;

interface Entry {
  failures: number;
  windowStart: number;
}

export class SignInRateLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxFailures = MAX_FAILURES,
    private readonly windowMs = WINDOW_MS,
  ) {}

  /** Milliseconds until the key may try again, or 0 when it may try now. */
  retryAfterMs(key: string, now = Date.now()): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const windowEnd = entry.windowStart + this.windowMs;
    if (now >= windowEnd) {
      this.entries.delete(key);
      return 0;
    }
    return entry.failures >= this.maxFailures ? windowEnd - now : 0;
  }

  recordFailure(key: string, now = Date.now()): void {
    const entry = this.entries.get(key);
    if (!entry || now >= entry.windowStart + this.windowMs) {
      this.prune(now);
      this.entries.set(key, { failures: 1, windowStart: now });
    } else {
      entry.failures += 1;
    }
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private prune(now: number): void {
    if (this.entries.size < MAX_TRACKED) return;
    for (const [key, entry] of this.entries) {
      if (now >= entry.windowStart + this.windowMs) this.entries.delete(key);
    }
    // Still full of live entries: drop the oldest rather than grow without bound.
    while (this.entries.size >= MAX_TRACKED) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

const globalForLimiter = globalThis as typeof globalThis & { chipgateSignInLimiter?: SignInRateLimiter };
/** One limiter per process (kept across dev-server module reloads). */
export const signInRateLimiter = (globalForLimiter.chipgateSignInLimiter ??= new SignInRateLimiter());
