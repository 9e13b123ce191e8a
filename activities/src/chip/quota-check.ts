import type { Db } from '@chipgate/db';
import { isOverQuota, quotaThresholdsReached, type QuotaThreshold } from '@chipgate/workflows/rules/quota';
import { monthAllowance, monthCommitment } from './quota-budget';

export interface QuotaStanding {
  month: string;
  usedBytes: string;
  allowanceBytes: string;
  overQuota: boolean;
  thresholdsReached: QuotaThreshold[];
  /** An admin disabled the owner: their chips stay paused whatever the quota. */
  accountDisabled: boolean;
}

/**
 * Where the user stands this month against the allowance (plan + top-ups). Usage counts what the
 * gateways hold in leases: those bytes may cross them without asking, so they are the user's already.
 */
export async function quotaStanding(db: Db, userId: string, month: string): Promise<QuotaStanding> {
  const [allowance, used, user] = await Promise.all([
    monthAllowance(db, userId, month),
    monthCommitment(db, userId, month),
    db.user.findUnique({ where: { id: userId }, select: { disabledAt: true } }),
  ]);
  return {
    month,
    usedBytes: used.toString(),
    allowanceBytes: allowance.toString(),
    overQuota: isOverQuota(used, allowance),
    thresholdsReached: quotaThresholdsReached(used, allowance),
    accountDisabled: (user?.disabledAt ?? null) !== null,
  };
}
