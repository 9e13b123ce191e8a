import { z } from 'zod';
import { billingMonthDate, billingMonthOf, nextBillingMonthStart } from '@chipgate/workflows/rules/billing-month';

/** A billing month as the web app names it: "2026-11". */
export const monthInput = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'Month must look like 2026-11 (YYYY-MM)' });

export interface BillingMonth {
  /** "2026-11" */
  key: string;
  /** The `month` column value: first day of the month, midnight UTC. */
  date: Date;
  /** Number of days in the month. */
  days: number;
}

/** The given month, or the current billing month (UTC) when none is given. */
export function billingMonth(month?: string, now = new Date()): BillingMonth {
  const key = month ?? billingMonthOf(now).slice(0, 7);
  const date = billingMonthDate(`${key}-01`);
  const days = new Date(nextBillingMonthStart(date).getTime() - 1).getUTCDate();
  return { key, date, days };
}
