import { gbToBytes } from './bytes';

/** Same names as the QuotaThreshold enum in prisma/schema.prisma. */
export type QuotaThreshold = 'PERCENT_80' | 'PERCENT_100';

const THRESHOLD_PERCENT: ReadonlyArray<readonly [QuotaThreshold, bigint]> = [
  ['PERCENT_80', 80n],
  ['PERCENT_100', 100n],
];

/** A user's bytes for a month: the plan's GB limit plus every top-up credited to that month. */
export function monthlyAllowanceBytes(planGbLimit: string, topUpCreditBytes: readonly bigint[]): bigint {
  let allowance = gbToBytes(planGbLimit, 'planGbLimit');
  topUpCreditBytes.forEach((credit, index) => {
    assertBytes(credit, `topUpCreditBytes[${index}]`);
    allowance += credit;
  });
  return allowance;
}

/**
 * The thresholds usage is at or past now. It depends only on where usage stands, not on how it got
 * there: a lowered allowance can put a user past 100% without new traffic, and the unique
 * quota_alerts row makes a repeated answer harmless.
 */
export function quotaThresholdsReached(usedBytes: bigint, allowanceBytes: bigint): QuotaThreshold[] {
  assertBytes(usedBytes, 'usedBytes');
  assertBytes(allowanceBytes, 'allowanceBytes');
  return THRESHOLD_PERCENT.filter(([, percent]) => reaches(usedBytes, allowanceBytes, percent)).map(([threshold]) => threshold);
}

/** Over quota means the whole allowance is used: the chip is paused once it reaches 100%. */
export function isOverQuota(usedBytes: bigint, allowanceBytes: bigint): boolean {
  assertBytes(usedBytes, 'usedBytes');
  assertBytes(allowanceBytes, 'allowanceBytes');
  return reaches(usedBytes, allowanceBytes, 100n);
}

function reaches(usedBytes: bigint, allowanceBytes: bigint, percent: bigint): boolean {
  // With no allowance every percentage of it is 0 bytes, yet a month with no use has reached nothing.
  return usedBytes > 0n && usedBytes * 100n >= allowanceBytes * percent;
}

function assertBytes(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n) {
    throw new RangeError(`${field} must be a non-negative bigint, got ${typeof value} ${String(value)}`);
  }
}

/**
 * An alert is owed once per level and allowance: a top-up that raises the allowance makes 80% and
 * 100% of the new figure news again.
 */
export function quotaAlertKey(month: string, threshold: QuotaThreshold, allowanceBytes: string): string {
  return `${month}:${threshold}:${allowanceBytes}`;
}

/** Why a chip is paused when its owner's allowance is used up: shown on the chip and counted by metrics. */
export const QUOTA_PAUSE_REASON = 'monthly quota reached';

/** Why a chip is paused while an admin has its owner's account disabled. */
export const ACCOUNT_DISABLED_PAUSE_REASON = 'account disabled';
