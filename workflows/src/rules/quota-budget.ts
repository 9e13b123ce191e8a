// The live budget: each metering gateway draws a user's remaining bytes in small leases, so the sum
// of what every gateway may still let through never exceeds the allowance, across workers.
import { quotaThresholdsReached, type QuotaThreshold } from './quota';

const KIB = 1024n;
const MIN_LEASE = 64n * KIB;
const MAX_LEASE = 1024n * KIB;

/**
 * How much a gateway asks for at a time: 1/64 of the allowance within 64 KiB–1 MiB. Small enough that
 * leases idle on other gateways hold back little of a small plan; large enough that a full-speed
 * download asks the database a few times a second, not per packet.
 */
export function leaseChunkBytes(allowanceBytes: bigint): bigint {
  assertBytes(allowanceBytes, 'allowanceBytes');
  return clamp(allowanceBytes / 64n, MIN_LEASE, MAX_LEASE);
}

/**
 * How much of its lease a gateway keeps in hand when it asks for the next: what arrived while it last
 * asked, and half as much again, so the answer comes before the lease is spent and the user's tunnels
 * need not wait (and, at the end, the gateway learns "nothing left" while it still has bytes to spend,
 * so it cuts at the last leased byte instead of after an ask, while the provider kept sending). At
 * least half the last grant, at most all of it: a lease is asked for as soon as a grant starts to be spent.
 */
export function askAheadBytes(lastGrantBytes: bigint, arrivedDuringLastAsk: bigint): bigint {
  assertBytes(lastGrantBytes, 'lastGrantBytes');
  assertBytes(arrivedDuringLastAsk, 'arrivedDuringLastAsk');
  return clamp(arrivedDuringLastAsk + arrivedDuringLastAsk / 2n, lastGrantBytes / 2n, lastGrantBytes);
}

/**
 * Bytes of the allowance spoken for: what gateways reported moving plus what they hold in leases,
 * or what the meter billed if that is more (a worker that died before reporting its last lease).
 */
export function committedBytes({ billedBytes, consumedBytes, leasedBytes }: { billedBytes: bigint; consumedBytes: bigint; leasedBytes: bigint }): bigint {
  assertBytes(billedBytes, 'billedBytes');
  assertBytes(consumedBytes, 'consumedBytes');
  assertBytes(leasedBytes, 'leasedBytes');
  const live = consumedBytes + leasedBytes;
  return live > billedBytes ? live : billedBytes;
}

/**
 * The most one lease may be, in chunks. Leased bytes count as used (the 100% alert and pause come when
 * the last lease is granted), so a larger lease would pause a fast user earlier, by what it leaves unspent.
 */
const MAX_LEASE_CHUNKS = 2n;

/**
 * What a gateway may be granted now: what it wants (at least a chunk, at most two), or whatever is
 * left of the allowance if that is less.
 */
export function leaseGrant(allowanceBytes: bigint, committed: bigint, wantedBytes = 0n): bigint {
  assertBytes(committed, 'committed');
  assertBytes(wantedBytes, 'wantedBytes');
  const left = allowanceBytes - committed;
  const chunk = leaseChunkBytes(allowanceBytes);
  const size = clamp(wantedBytes, chunk, chunk * MAX_LEASE_CHUNKS);
  return left <= 0n ? 0n : left < size ? left : size;
}

/**
 * What a gateway asks for: what arrived while it last asked, twice over, so that it can ask again
 * ahead (`askAheadBytes`) with a full ask's worth still in hand; the lessor grants at least a chunk.
 */
export function wantedLeaseBytes(arrivedDuringLastAsk: bigint): bigint {
  assertBytes(arrivedDuringLastAsk, 'arrivedDuringLastAsk');
  return arrivedDuringLastAsk * 2n;
}

/** The thresholds a change of committed bytes crossed, under one allowance: announced once, by whoever moved it. */
export function thresholdsCrossed(before: bigint, after: bigint, allowanceBytes: bigint): QuotaThreshold[] {
  const already = new Set(quotaThresholdsReached(before, allowanceBytes));
  return quotaThresholdsReached(after, allowanceBytes).filter((threshold) => !already.has(threshold));
}

function clamp(value: bigint, least: bigint, most: bigint): bigint {
  return value < least ? least : value > most ? most : value;
}

function assertBytes(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n) throw new RangeError(`${field} must be a non-negative bigint, got ${typeof value} ${String(value)}`);
}
