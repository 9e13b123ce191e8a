import type { Db } from '@chipgate/db';
import { isOverQuota, monthlyAllowanceBytes, quotaThresholdsReached, type QuotaThreshold } from '@chipgate/workflows/rules/quota';
import { NotFoundError } from '../errors';

export interface QuotaStanding {
  month: string;
  usedBytes: string;
  allowanceBytes: string;
  overQuota: boolean;
  thresholdsReached: QuotaThreshold[];
}

/** Where the user stands this month: usage from proxy_usage_logs, allowance from plan + top-ups. */
export async function quotaStanding(db: Db, userId: string, month: string): Promise<QuotaStanding> {
  const monthDate = new Date(`${month}T00:00:00Z`);
  const [user, usage, credits] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { plan: { select: { proxyGbLimit: true } } } }),
    db.proxyUsageLog.aggregate({ where: { userId, month: monthDate }, _sum: { bytesTotal: true } }),
    db.topUpCredit.findMany({ where: { userId, month: monthDate }, select: { bytes: true } }),
  ]);
  if (!user) throw new NotFoundError(`user ${userId} does not exist`);
  const used = usage._sum.bytesTotal ?? 0n;
  const allowance = monthlyAllowanceBytes(user.plan.proxyGbLimit.toString(), credits.map((c) => c.bytes));
  return {
    month,
    usedBytes: used.toString(),
    allowanceBytes: allowance.toString(),
    overQuota: isOverQuota(used, allowance),
    thresholdsReached: quotaThresholdsReached(used, allowance),
  };
}
