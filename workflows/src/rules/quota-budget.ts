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
  const share = allowanceBytes / 64n;
  return share < MIN_LEASE ? MIN_LEASE : share > MAX_LEASE ? MAX_LEASE : share;
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

/** What a gateway may be granted now: a chunk, or whatever is left of the allowance if that is less. */
export function leaseGrant(allowanceBytes: bigint, committed: bigint): bigint {
  assertBytes(committed, 'committed');
  const left = allowanceBytes - committed;
  const chunk = leaseChunkBytes(allowanceBytes);
  return left <= 0n ? 0n : left < chunk ? left : chunk;
}

/** The thresholds a change of committed bytes crossed, under one allowance: announced once, by whoever moved it. */
export function thresholdsCrossed(before: bigint, after: bigint, allowanceBytes: bigint): QuotaThreshold[] {
  const already = new Set(quotaThresholdsReached(before, allowanceBytes));
  return quotaThresholdsReached(after, allowanceBytes).filter((threshold) => !already.has(threshold));
}

function assertBytes(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n) throw new RangeError(`${field} must be a non-negative bigint, got ${typeof value} ${String(value)}`);
}
