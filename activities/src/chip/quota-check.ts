import type { Db } from '@chipgate/db';
import { billingMonthDate } from '@chipgate/workflows/rules/billing-month';
import { isOverQuota, monthlyAllowanceBytes, quotaThresholdsReached, type QuotaThreshold } from '@chipgate/workflows/rules/quota';
import { NotFoundError } from '../errors';

export interface QuotaStanding {
  month: string;
  usedBytes: string;
  allowanceBytes: string;
  overQuota: boolean;
  thresholdsReached: QuotaThreshold[];
  /** An admin disabled the owner: their chips stay paused whatever the quota. */
  accountDisabled: boolean;
}

/** Where the user stands this month: metered usage against the allowance (plan + top-ups). */
export async function quotaStanding(db: Db, userId: string, month: string): Promise<QuotaStanding> {
  const monthDate = billingMonthDate(month);
  const [user, usage, credits] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { disabledAt: true, plan: { select: { proxyGbLimit: true } } } }),
    // The roll-up, written in the same transaction as each usage row, so it always equals their sum;
    // summing a month of usage rows on every meter of every chip would grow with the month.
    db.userProxyCost.findUnique({ where: { userId_month: { userId, month: monthDate } }, select: { bytesTotal: true } }),
    db.topUpCredit.findMany({ where: { userId, month: monthDate }, select: { bytes: true } }),
  ]);
  if (!user) throw new NotFoundError(`user ${userId} does not exist`);
  const used = usage?.bytesTotal ?? 0n;
  const allowance = monthlyAllowanceBytes(user.plan.proxyGbLimit.toString(), credits.map((c) => c.bytes));
  return {
    month,
    usedBytes: used.toString(),
    allowanceBytes: allowance.toString(),
    overQuota: isOverQuota(used, allowance),
    thresholdsReached: quotaThresholdsReached(used, allowance),
    accountDisabled: user.disabledAt !== null,
  };
}
