import type { Db } from '@chipgate/db';
import { meterChipUsage, type BilledUsage } from './usage-metering';

export interface OrphanSweep {
  /** Chips whose orphaned counters were billed. */
  chipIds: string[];
  bytes: string;
}

/**
 * Bills counter rows that no chip workflow meters any more: a registration whose chip was released, or
 * whose workflow was terminated, keeps bytes its worker flushed (on shutdown, say) that no meter will
 * ever read. A chip none of whose unbilled rows was flushed for `idleMs` has had no meter in that time,
 * as a live workflow meters every few minutes. Billing one that is in fact still metered is harmless:
 * the meter locks the rows and bills only `bytes − billed`, so nothing is counted twice whoever bills.
 *
 * Each chip's bytes are billed for the span since its last bill (or its oldest unbilled row) up to
 * their last flush: the time they can have moved in.
 */
export async function billOrphanedCounters(db: Db, { idleMs, now = new Date() }: { idleMs: number; now?: Date }, onBilled?: (usage: BilledUsage) => void): Promise<OrphanSweep> {
  const idle = await db.$queryRaw<Array<{ chip_id: string; since: Date; until: Date }>>`
    SELECT c.chip_id,
           COALESCE((SELECT max(l.period_end) FROM proxy_usage_logs l WHERE l.chip_id = c.chip_id), min(c.created_at)) AS since,
           max(c.updated_at) AS until
      FROM chip_traffic_counters c
     WHERE c.bytes_sent > c.billed_sent OR c.bytes_received > c.billed_received
     GROUP BY c.chip_id
    HAVING max(c.updated_at) < ${new Date(now.getTime() - idleMs)}
     ORDER BY c.chip_id`;
  const chipIds: string[] = [];
  let bytes = 0n;
  for (const { chip_id: chipId, since, until } of idle) {
    const periodStart = since < until ? since : until;
    const usage = await meterChipUsage(db, { chipId, periodStart: periodStart.toISOString(), periodEnd: until.toISOString() }, onBilled);
    const billed = BigInt(usage.bytesSent) + BigInt(usage.bytesReceived);
    if (billed === 0n) continue;
    chipIds.push(chipId);
    bytes += billed;
  }
  return { chipIds, bytes: bytes.toString() };
}
