import type { Db } from '@chipgate/db';
import { billingMonthDate } from '@chipgate/workflows/rules/billing-month';

/**
 * Claims the user's crossing into over-quota for the month: true for exactly one caller, however
 * many of the user's chips see the crossing at once. The claimer tells the user's other chips, so
 * pausing N chips costs N messages, not N(N−1).
 */
export async function claimOverQuotaCrossing(db: Db, userId: string, month: string): Promise<boolean> {
  const claimed = await db.userProxyCost.updateMany({ where: { userId, month: billingMonthDate(month), quotaPausedAt: null }, data: { quotaPausedAt: new Date() } });
  return claimed.count === 1;
}

/** The user is under the allowance again (a top-up, a plan change): a later crossing is news again. */
export async function clearOverQuotaCrossing(db: Db, userId: string, month: string): Promise<void> {
  await db.userProxyCost.updateMany({ where: { userId, month: billingMonthDate(month), quotaPausedAt: { not: null } }, data: { quotaPausedAt: null } });
}
