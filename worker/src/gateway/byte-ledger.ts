/** Bytes a chip moved, in each direction. */
export interface ByteCounts {
  sent: bigint;
  received: bigint;
}

/** A connection's running totals as proxy-chain reports them; null before it has reached its upstream. */
export interface ConnectionReading {
  sent: number | null;
  received: number | null;
}

/**
 * A chip's cumulative bytes, built from repeated readings of its connections' running totals: each
 * reading adds only what the connection moved since the previous one, so a connection is counted
 * once whether it is read live many times, at close, or both.
 */
export class ByteLedger {
  private sent = 0n;
  private received = 0n;
  private readonly seen = new Map<number, { sent: number; received: number }>();

  open(connectionId: number): void {
    if (!this.seen.has(connectionId)) this.seen.set(connectionId, { sent: 0, received: 0 });
  }

  /** Answers the bytes this reading added. */
  observe(connectionId: number, reading: ConnectionReading): bigint {
    const seen = this.seen.get(connectionId);
    if (!seen) return 0n;
    let added = 0n;
    // Node's bytesWritten includes bytes still queued, which a destroyed socket discards; keeping the
    // high-water mark means totals never go backwards, since the meter persists their differences.
    if (isByteCount(reading.sent) && reading.sent > seen.sent) {
      added += BigInt(reading.sent - seen.sent);
      this.sent += BigInt(reading.sent - seen.sent);
      seen.sent = reading.sent;
    }
    if (isByteCount(reading.received) && reading.received > seen.received) {
      added += BigInt(reading.received - seen.received);
      this.received += BigInt(reading.received - seen.received);
      seen.received = reading.received;
    }
    return added;
  }

  close(connectionId: number, finalReading: ConnectionReading | undefined): bigint {
    const added = finalReading ? this.observe(connectionId, finalReading) : 0n;
    this.seen.delete(connectionId);
    return added;
  }

  connectionIds(): number[] {
    return [...this.seen.keys()];
  }

  totals(): ByteCounts {
    return { sent: this.sent, received: this.received };
  }
}

function isByteCount(value: number | null): value is number {
  return value !== null && Number.isSafeInteger(value) && value >= 0;
}
