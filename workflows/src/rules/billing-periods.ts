import { nextBillingMonthStart } from './billing-month';

/**
 * How one meter period's bytes are billed when a month boundary or a price change falls inside it:
 * the period is cut at those instants and its bytes apportioned by time, so each piece goes to the
 * month it moved in, at the price in effect then. The gateway counts bytes per period, not per
 * instant, so time is the fairest measure of when they moved that the counters allow.
 */

export interface TimeSpan {
  start: Date;
  end: Date;
}

export interface ByteSplit {
  sent: bigint;
  received: bigint;
}

export interface BilledPiece extends TimeSpan, ByteSplit {}

/** First instants of the UTC months that begin strictly inside the span. */
export function monthStartsWithin({ start, end }: TimeSpan): Date[] {
  const starts: Date[] = [];
  for (let next = nextBillingMonthStart(start); next < end; next = nextBillingMonthStart(next)) starts.push(next);
  return starts;
}

/**
 * The span cut at every instant of `cuts` strictly inside it, with `bytes` apportioned to the pieces in
 * proportion to their duration. Rounded down on the running total, so the pieces always add up to the
 * counted bytes exactly and no piece is short by more than one byte of its share. A span without
 * duration (start = end) is one piece.
 */
export function apportionByTime(span: TimeSpan, bytes: ByteSplit, cuts: readonly Date[]): BilledPiece[] {
  if (span.end < span.start) throw new RangeError(`period ends (${span.end.toISOString()}) before it starts (${span.start.toISOString()})`);
  if (bytes.sent < 0n || bytes.received < 0n) throw new RangeError('bytes must not be negative');
  const inside = [...new Set(cuts.map((c) => c.getTime()))].filter((t) => t > span.start.getTime() && t < span.end.getTime()).sort((a, b) => a - b);
  const bounds = [span.start.getTime(), ...inside, span.end.getTime()];
  const duration = BigInt(span.end.getTime() - span.start.getTime());
  if (duration === 0n) return [{ ...span, ...bytes }];
  const pieces: BilledPiece[] = [];
  const through = (total: bigint, at: number) => (total * BigInt(at - span.start.getTime())) / duration;
  for (let i = 1; i < bounds.length; i++) {
    const from = bounds[i - 1]!;
    const to = bounds[i]!;
    pieces.push({
      start: new Date(from),
      end: new Date(to),
      sent: through(bytes.sent, to) - through(bytes.sent, from),
      received: through(bytes.received, to) - through(bytes.received, from),
    });
  }
  return pieces;
}

export interface DatedPrice {
  costPerGb: string;
  currency: string;
  effectiveFrom: Date;
}

/**
 * The price in effect at an instant: the latest one that took effect at or before it. Bytes from before
 * a provider's first recorded price are billed at that first price (it is the only one ever known).
 */
export function priceAt(prices: readonly DatedPrice[], instant: Date): DatedPrice {
  if (prices.length === 0) throw new RangeError('a provider without any price cannot be billed');
  const sorted = [...prices].sort((a, b) => a.effectiveFrom.getTime() - b.effectiveFrom.getTime());
  let current = sorted[0]!;
  for (const price of sorted) if (price.effectiveFrom <= instant) current = price;
  return current;
}
