/**
 * Exact decimal arithmetic on strings (how Prisma hands out `numeric`), backed by bigint: money and
 * GB amounts must not pass through floating point, and workflow code must stay deterministic.
 */

/** `units / 10^scale`, e.g. "4.50" is { units: 450n, scale: 2 }. */
export interface Decimal {
  units: bigint;
  scale: number;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

export function parseDecimal(text: string, field: string, { allowNegative = false } = {}): Decimal {
  const match = typeof text === 'string' ? DECIMAL.exec(text) : null;
  if (!match || (match[1] === '-' && !allowNegative)) {
    const kind = allowNegative ? 'a decimal string' : 'a non-negative decimal string';
    throw new RangeError(`${field} must be ${kind} like "4.50", got ${describe(text)}`);
  }
  const fraction = match[3] ?? '';
  const magnitude = BigInt(`${match[2]}${fraction}`);
  return { units: match[1] === '-' ? -magnitude : magnitude, scale: fraction.length };
}

export function formatFixed(units: bigint, scale: number): string {
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  return scale === 0 ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(digits.length - scale)}`;
}

/** numerator / denominator rounded half-up, for a non-negative numerator and a positive denominator. */
export function divideRoundingHalfUp(numerator: bigint, denominator: bigint): bigint {
  return (numerator * 2n + denominator) / (denominator * 2n);
}

export function powerOfTen(exponent: number): bigint {
  return 10n ** BigInt(exponent);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : `${typeof value} ${String(value)}`;
}
