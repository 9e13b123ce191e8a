import { divideRoundingHalfUp, parseDecimal, powerOfTen } from './decimal';

/** The one definition of a GB in Chipgate: plans, top-ups, provider prices and the dashboard all use it. */
export const BYTES_PER_GB = 1024n ** 3n;

/**
 * Exact bytes in a decimal amount of GB ("0.1", "5"). Rounds down: a plan or top-up never grants a
 * fraction of a byte more than it says.
 */
export function gbToBytes(gb: string, field = 'GB amount'): bigint {
  const { units, scale } = parseDecimal(gb, field);
  return (units * BYTES_PER_GB) / powerOfTen(scale);
}

const DISPLAY_UNITS = [
  { name: 'TB', size: BYTES_PER_GB * 1024n, decimals: 2 },
  { name: 'GB', size: BYTES_PER_GB, decimals: 2 },
  { name: 'MB', size: 1024n ** 2n, decimals: 1 },
  { name: 'KB', size: 1024n, decimals: 1 },
] as const;

/** "512.0 MB", "1.25 GB": for people, never for arithmetic. */
export function formatBytes(bytes: bigint): string {
  if (bytes < 0n) throw new RangeError(`bytes must not be negative, got ${bytes}`);
  for (const unit of DISPLAY_UNITS) {
    const one = powerOfTen(unit.decimals);
    const shown = divideRoundingHalfUp(bytes * one, unit.size);
    // Chosen by the rounded figure, so 1023.99 MB reads "1.00 GB" rather than "1024.0 MB".
    if (shown >= one) return `${shown / one}.${(shown % one).toString().padStart(unit.decimals, '0')} ${unit.name}`;
  }
  return `${bytes} B`;
}
