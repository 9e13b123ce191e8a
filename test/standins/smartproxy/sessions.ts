/**
 * Smartproxy STAND-IN (test double, loopback only) — exit address allocation.
 *
 * Exit addresses are 127.0.1.1–127.0.1.254. Outgoing sockets are bound to them, so any loopback
 * server sees the chosen address as the client, which is how tests observe stickiness.
 */

export const EXIT_ADDRESSES: readonly string[] = Array.from({ length: 254 }, (_, i) => `127.0.1.${i + 1}`);

export class ExitAddressPool {
  private cursor = 0;
  private readonly holds = new Map<string, number>();

  /**
   * Round robin, skipping addresses held by live sticky sessions so that concurrent sessions see
   * distinct exits, and an expired session's successor gets a different address (the cursor has
   * moved past the old one). When every address is held the pool is oversubscribed and sharing is
   * the only option, as with a real residential pool.
   */
  next(): string {
    const size = EXIT_ADDRESSES.length;
    for (let step = 0; step < size; step++) {
      const index = (this.cursor + step) % size;
      const address = EXIT_ADDRESSES[index]!;
      if (!this.holds.has(address)) {
        this.cursor = (index + 1) % size;
        return address;
      }
    }
    const address = EXIT_ADDRESSES[this.cursor]!;
    this.cursor = (this.cursor + 1) % size;
    return address;
  }

  hold(address: string): void {
    this.holds.set(address, (this.holds.get(address) ?? 0) + 1);
  }

  release(address: string): void {
    const count = this.holds.get(address) ?? 0;
    if (count <= 1) this.holds.delete(address);
    else this.holds.set(address, count - 1);
  }
}

type StickySession = { address: string; expiresAt: number };

/** Sticky sessions: one exit address per key for a fixed lifetime counted from the session's start. */
export class StickySessions {
  private readonly sessions = new Map<string, StickySession>();

  constructor(
    private readonly pool: ExitAddressPool,
    private readonly now: () => number = Date.now,
  ) {}

  /** The live session's address, or a fresh session with the next address once it has expired. */
  addressFor(key: string, lifetimeMs: number): string {
    this.expire();
    const live = this.sessions.get(key);
    if (live) return live.address;
    return this.begin(key, lifetimeMs);
  }

  /** Starts the session over now, even if it is still live: an extraction hands out a fresh lease. */
  restart(key: string, lifetimeMs: number): string {
    this.expire();
    return this.begin(key, lifetimeMs);
  }

  isLive(key: string): boolean {
    this.expire();
    return this.sessions.has(key);
  }

  expiresAt(key: string): number | undefined {
    this.expire();
    return this.sessions.get(key)?.expiresAt;
  }

  private begin(key: string, lifetimeMs: number): string {
    const previous = this.sessions.get(key);
    if (previous) this.pool.release(previous.address);
    const address = this.pool.next();
    this.pool.hold(address);
    this.sessions.set(key, { address, expiresAt: this.now() + lifetimeMs });
    return address;
  }

  /** Expired sessions give their address back even if nobody asks for that key again. */
  private expire(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) {
      if (session.expiresAt <= now) {
        this.sessions.delete(key);
        this.pool.release(session.address);
      }
    }
  }
}
