import type { Db } from '@chipgate/db';
import { billingMonthDate } from '@chipgate/workflows/rules/billing-month';
import type { QuotaThreshold } from '@chipgate/workflows/rules/quota';

/**
 * Claims the user's crossing into over-quota for the month: true for exactly one caller, however
 * many of the user's chips (or gateways) see the crossing at once. The claimer tells the user's other
 * chips, so pausing N chips costs N messages, not N(N−1). A gateway can see the crossing before any
 * meter wrote the month's roll-up, so the claim creates it.
 */
export async function claimOverQuotaCrossing(db: Db, userId: string, month: string): Promise<boolean> {
  const claimed = await db.$queryRaw<Array<{ id: string }>>`
    INSERT INTO user_proxy_costs (id, user_id, month, quota_paused_at, updated_at)
    VALUES (gen_random_uuid(), ${userId}::uuid, ${billingMonthDate(month).toISOString().slice(0, 10)}::date, now(), now())
    ON CONFLICT (user_id, month) DO UPDATE SET quota_paused_at = EXCLUDED.quota_paused_at
     WHERE user_proxy_costs.quota_paused_at IS NULL
    RETURNING id`;
  return claimed.length === 1;
}

/** The user is under the allowance again (a top-up, a plan change): a later crossing is news again. */
export async function clearOverQuotaCrossing(db: Db, userId: string, month: string): Promise<void> {
  await db.userProxyCost.updateMany({ where: { userId, month: billingMonthDate(month), quotaPausedAt: { not: null } }, data: { quotaPausedAt: null } });
}

/** The user's chips that may have a workflow to tell. */
export async function ownerChipIds(db: Db, userId: string, exceptChipId?: string): Promise<string[]> {
  const chips = await db.chip.findMany({ where: { ownerId: userId, deletedAt: null, ...(exceptChipId ? { id: { not: exceptChipId } } : {}) }, select: { id: true } });
  return chips.map((c) => c.id);
}

/**
 * A gateway's lease carried the user across a threshold: the chips hear of it now, not at their next
 * meter, and their workflows pause and deliver the alert through the durable alert path. At 100% the
 * one claimer tells every chip; at 80% the chip whose traffic crossed it is enough (it owes the alert).
 */
export async function announceQuotaCrossing(
  db: Db,
  signalQuotaChanged: (chipIds: string[]) => Promise<unknown>,
  crossing: { userId: string; month: string; chipId: string; crossed: readonly QuotaThreshold[] },
): Promise<void> {
  if (crossing.crossed.includes('PERCENT_100')) {
    if (await claimOverQuotaCrossing(db, crossing.userId, crossing.month)) await signalQuotaChanged(await ownerChipIds(db, crossing.userId));
  } else if (crossing.crossed.length > 0) {
    await signalQuotaChanged([crossing.chipId]);
  }
}

/**
 * The chips of users whose crossing into over-quota was claimed in `month`: paused for quota when
 * that month ended, and due to resume now that the new month's allowance is untouched.
 */
export async function chipsPausedForQuotaIn(db: Db, month: string): Promise<string[]> {
  const chips = await db.chip.findMany({
    where: { deletedAt: null, owner: { monthlyCosts: { some: { month: billingMonthDate(month), quotaPausedAt: { not: null } } } } },
    select: { id: true },
    orderBy: { id: 'asc' },
  });
  return chips.map((c) => c.id);
}
