/** Usage is billed to calendar months in UTC, whatever the user's or the worker's time zone. */

/** The billing month an instant falls in, as its first day: "2026-11-01". */
export function billingMonthOf(instant: Date): string {
  assertValidDate(instant);
  const year = String(instant.getUTCFullYear()).padStart(4, '0');
  const month = String(instant.getUTCMonth() + 1).padStart(2, '0');
  return `${year}-${month}-01`;
}

/** The value stored in `month` (DATE) columns for a billing month given as "2026-11-01". */
export function billingMonthDate(month: string): Date {
  if (!/^\d{4}-(0[1-9]|1[0-2])-01$/.test(month)) throw new RangeError(`month must be the first day of a month like 2026-11-01, got "${month}"`);
  return new Date(`${month}T00:00:00Z`);
}

/** Midnight UTC on the first day of the month after the instant's: when its billing month ends. */
export function nextBillingMonthStart(instant: Date): Date {
  assertValidDate(instant);
  const start = new Date(0);
  // setUTCFullYear rolls month 12 into January of the next year (and, unlike Date.UTC, keeps years below 100).
  start.setUTCFullYear(instant.getUTCFullYear(), instant.getUTCMonth() + 1, 1);
  return start;
}

/** The billing month before `month` (both as their first day): the one a new month's first hour closes. */
export function previousBillingMonth(month: string): string {
  const start = billingMonthDate(month);
  return billingMonthOf(new Date(start.getTime() - 1));
}

function assertValidDate(instant: Date): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError(`instant must be a valid Date, got ${String(instant)}`);
  }
}
