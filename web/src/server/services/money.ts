import type { Prisma } from '@chipgate/db';

/** An exact amount (decimal string, never a float) in a currency. */
export interface Money {
  amount: string;
  currency: string;
}

/** Decimal → plain decimal string (never exponent notation). */
export function decimalString(value: Prisma.Decimal | null | undefined): string {
  return value ? value.toFixed() : '0';
}
