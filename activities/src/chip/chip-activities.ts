import type { ChipStatus, Db } from '@chipgate/db';
import type { QuotaThreshold } from '@chipgate/workflows/rules/quota';
import { recordChipStatus } from './chip-records';
import { assignProxy, releaseAssignment } from './proxy-assignment';
import { quotaStanding } from './quota-check';
import { chipsPausedForQuotaIn, claimOverQuotaCrossing, clearOverQuotaCrossing, ownerChipIds } from './quota-crossing';
import { Context } from '@temporalio/activity';
import { billOrphanedCounters } from './orphaned-counters';
import { meterChipUsage, type BilledUsage, type MeterPeriod } from './usage-metering';

export interface QuotaAlertInput {
  userId: string;
  month: string;
  threshold: QuotaThreshold;
  bytesUsed: string;
  bytesAllowed: string;
}

export interface ChipActivityDeps {
  db: Db;
  /**
   * Sends quotaChanged to these chips' workflows (from the worker's Temporal client), calling
   * `progress` as it goes; answers how many were running. Absent: nobody is told (tests without Temporal).
   */
  signalQuotaChanged?(chipIds: string[], progress: () => void): Promise<number>;
  deliverQuotaAlert(alert: { userId: string; month: string; threshold: QuotaThreshold; bytesUsed: bigint; bytesAllowed: bigint }): Promise<unknown>;
  /** Told of every usage row a meter commits (the worker's metrics). */
  onUsageBilled?(usage: BilledUsage): void;
}

/** The running activity's context, or none when called outside an activity (unit tests). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Database side of a chip's lifecycle; any worker can run these. Arguments and results carry ids, never secrets. */
export function createChipActivities({ db, deliverQuotaAlert, signalQuotaChanged, onUsageBilled }: ChipActivityDeps) {
  return {
    assignProxy: (input: { chipId: string; reason: string; avoidProxyId?: string; onlyOther?: boolean }) =>
      assignProxy(db, input.chipId, input.reason, input.avoidProxyId ? { proxyId: input.avoidProxyId, onlyOther: input.onlyOther ?? false } : undefined),
    releaseAssignment: (input: { chipId: string; reason: string }) => releaseAssignment(db, input.chipId, input.reason),
    recordChipStatus: (input: { chipId: string; status: ChipStatus; reason?: string; lastError?: string | null }) =>
      recordChipStatus(db, input.chipId, input.status, { reason: input.reason, lastError: input.lastError }),
    meterChipUsage: (period: MeterPeriod) => meterChipUsage(db, period, onUsageBilled),
    /** Scheduled: bills the counters of registrations no chip workflow meters any more. */
    billOrphanedCounters: (input: { idleSeconds: number }) => billOrphanedCounters(db, { idleMs: input.idleSeconds * 1000 }, onUsageBilled),
    quotaStanding: (input: { userId: string; month: string }) => quotaStanding(db, input.userId, input.month),
    /**
     * The chip workflow's steady meter tick in one call (it runs as a local activity): bills the
     * period, then answers the owner's standing for the period's month. A retry bills nothing twice.
     */
    async meterChip(input: MeterPeriod & { userId: string }) {
      const usage = await meterChipUsage(db, input, onUsageBilled);
      const [standing, chip] = await Promise.all([
        quotaStanding(db, input.userId, usage.month),
        db.chip.findUnique({ where: { id: input.chipId }, select: { workerId: true, worker: { select: { expiresAt: true } } } }),
      ]);
      // Who holds the chip's socket, and whether that worker's lease lives: the workflow's backstop for a lost signal.
      const holder = { workerId: chip?.workerId ?? null, alive: chip?.worker ? chip.worker.expiresAt.getTime() > Date.now() : false };
      if (!standing.overQuota) await clearOverQuotaCrossing(db, input.userId, usage.month);
      return { usage, standing, holder };
    },
    async deliverQuotaAlert(alert: QuotaAlertInput): Promise<void> {
      await deliverQuotaAlert({ ...alert, bytesUsed: BigInt(alert.bytesUsed), bytesAllowed: BigInt(alert.bytesAllowed) });
    },
    /**
     * The chip saw its owner cross into over-quota in its own meter. The first such chip this month
     * claims the crossing and tells the owner's other chips; any other finds it claimed and does nothing.
     */
    async tellOwnerChipsOverQuota(input: { userId: string; month: string; chipId: string }): Promise<{ told: number }> {
      if (!signalQuotaChanged) return { told: 0 };
      const ctx = activityContext();
      // A retry of the claimer finds its own claim: it carries on telling (quotaChanged twice is harmless).
      const retry = (ctx?.info.attempt ?? 1) > 1;
      if (!(await claimOverQuotaCrossing(db, input.userId, input.month)) && !retry) return { told: 0 };
      return { told: await signalQuotaChanged(await ownerChipIds(db, input.userId, input.chipId), () => ctx?.heartbeat()) };
    },
    listLiveChipIds: (input: { userId: string }): Promise<string[]> => ownerChipIds(db, input.userId),
    /**
     * A new month began: the chips paused for quota in the month that ended hear of it now, and
     * resume within seconds, not at their next meter (up to an interval later).
     */
    async tellChipsPausedForQuotaIn(input: { month: string }): Promise<{ chips: number; told: number }> {
      const chipIds = await chipsPausedForQuotaIn(db, input.month);
      if (!signalQuotaChanged || chipIds.length === 0) return { chips: chipIds.length, told: 0 };
      const ctx = activityContext();
      return { chips: chipIds.length, told: await signalQuotaChanged(chipIds, () => ctx?.heartbeat()) };
    },
  };
}

export type ChipActivities = ReturnType<typeof createChipActivities>;
