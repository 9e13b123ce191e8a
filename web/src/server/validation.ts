import { z } from 'zod';

export const idInput = z.object({ id: z.uuid({ error: 'Must be a valid id' }) });

/**
 * A non-negative decimal typed by a person ("19,90" or "19.90"), kept as an exact string for a
 * numeric(precision, scale) column.
 */
export function decimalText(opts: { integerDigits: number; scale: number; positive?: boolean }) {
  const pattern = new RegExp(`^\\d{1,${opts.integerDigits}}(\\.\\d{1,${opts.scale}})?$`);
  const rule = `Enter a number${opts.positive ? ' above 0' : ' of 0 or more'} with at most ${opts.scale} decimals (e.g. ${opts.scale >= 2 ? '19.90' : '1.5'})`;
  return z
    .string({ error: rule })
    .trim()
    .transform((value) => value.replace(',', '.'))
    .pipe(
      z
        .string()
        .regex(pattern, { error: rule })
        .refine((value) => !opts.positive || /[1-9]/.test(value), { error: rule }),
    );
}

export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, { error: 'Must be a 3-letter currency code such as BRL' });
