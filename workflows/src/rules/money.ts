import { BYTES_PER_GB } from './bytes';
import { divideRoundingHalfUp, formatFixed, parseDecimal, powerOfTen } from './decimal';

/** Decimals of every computed amount; proxy_usage_logs.cost is numeric(18, 8). */
export const MONEY_SCALE = 8;

/** What `bytes` cost at `costPerGb` (a decimal string), rounded half-up to MONEY_SCALE decimals. */
export function usageCost(bytes: bigint, costPerGb: string): string {
  if (bytes < 0n) throw new RangeError(`bytes must not be negative, got ${bytes}`);
  const price = parseDecimal(costPerGb, 'costPerGb');
  const numerator = bytes * price.units * powerOfTen(MONEY_SCALE);
  const denominator = BYTES_PER_GB * powerOfTen(price.scale);
  return formatFixed(divideRoundingHalfUp(numerator, denominator), MONEY_SCALE);
}

/** Exact sum of two decimal strings, kept at the larger of their scales (nothing is rounded). */
export function addMoney(a: string, b: string): string {
  const x = parseDecimal(a, 'first amount', { allowNegative: true });
  const y = parseDecimal(b, 'second amount', { allowNegative: true });
  const scale = Math.max(x.scale, y.scale);
  return formatFixed(x.units * powerOfTen(scale - x.scale) + y.units * powerOfTen(scale - y.scale), scale);
}
