import { Prisma, type Db } from '@chipgate/db';
import { billingMonthDate, billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { usageCost } from '@chipgate/workflows/rules/money';
import { NotFoundError } from '../errors';

export interface MeterPeriod {
  chipId: string;
  periodStart: string;
  periodEnd: string;
}

export interface MeterResult {
  bytesSent: string;
  bytesReceived: string;
  cost: string;
  /** The owner's metered bytes in the period's month after this meter. */
  monthBytes: string;
  month: string;
}

/**
 * Bills every byte flushed for the chip since its last bill: one usage row per chip, period and
 * proxy (idempotency key), the proxy's total, and the owner's monthly roll-up, all in one
 * transaction. A retried meter finds its rows and bills nothing more; an interrupted one commits
 * nothing, so the next one bills those bytes.
 */
/** One usage row a meter committed, for observers (metrics); told after the transaction commits. */
export interface BilledUsage {
  provider: string;
  bytesSent: bigint;
  bytesReceived: bigint;
  periodEnd: Date;
}

export async function meterChipUsage(db: Db, period: MeterPeriod, onBilled?: (usage: BilledUsage) => void): Promise<MeterResult> {
  const periodStart = new Date(period.periodStart);
  const periodEnd = new Date(period.periodEnd);
  const month = billingMonthOf(periodEnd);
  const monthDate = billingMonthDate(month);
  const billed: BilledUsage[] = [];
  const result = await db.$transaction(async (tx) => {
    billed.length = 0;
    const chip = await tx.chip.findUnique({ where: { id: period.chipId }, select: { ownerId: true } });
    if (!chip) throw new NotFoundError(`chip ${period.chipId} does not exist`);
    const counters = await tx.$queryRaw<Array<{ id: string; proxy_id: string; bytes_sent: bigint; bytes_received: bigint; billed_sent: bigint; billed_received: bigint }>>`
      SELECT id, proxy_id, bytes_sent, bytes_received, billed_sent, billed_received
        FROM chip_traffic_counters WHERE chip_id = ${period.chipId}::uuid
         AND (bytes_sent > billed_sent OR bytes_received > billed_received)
       ORDER BY id FOR UPDATE`;
    const byProxy = new Map<string, { sent: bigint; received: bigint }>();
    for (const c of counters) {
      const sum = byProxy.get(c.proxy_id) ?? { sent: 0n, received: 0n };
      sum.sent += c.bytes_sent - c.billed_sent;
      sum.received += c.bytes_received - c.billed_received;
      byProxy.set(c.proxy_id, sum);
    }
    let sent = 0n;
    let received = 0n;
    let cost = new Prisma.Decimal(0);
    const billedProxies = new Set<string>();
    for (const [proxyId, bytes] of byProxy) {
      const proxy = await tx.proxy.findUniqueOrThrow({ where: { id: proxyId }, select: { provider: { select: { name: true, costPerGb: true, currency: true } } } });
      const total = bytes.sent + bytes.received;
      const rowCost = usageCost(total, proxy.provider.costPerGb.toString());
      const inserted = await tx.proxyUsageLog.createMany({
        data: [
          {
            idempotencyKey: `${period.chipId}:${periodStart.toISOString()}:${proxyId}`,
            userId: chip.ownerId,
            chipId: period.chipId,
            proxyId,
            bytesSent: bytes.sent,
            bytesReceived: bytes.received,
            bytesTotal: total,
            cost: rowCost,
            currency: proxy.provider.currency,
            month: monthDate,
            periodStart,
            periodEnd,
          },
        ],
        skipDuplicates: true,
      });
      // A row for this key already exists only when a previous attempt committed; then these
      // counters were billed by it and what remains belongs to the next period.
      if (inserted.count === 0) continue;
      await tx.proxy.update({ where: { id: proxyId }, data: { totalBytesUsed: { increment: total } } });
      await tx.userProxyCost.upsert({
        where: { userId_month: { userId: chip.ownerId, month: monthDate } },
        create: { userId: chip.ownerId, month: monthDate, bytesTotal: total, cost: rowCost, currency: proxy.provider.currency },
        update: { bytesTotal: { increment: total }, cost: { increment: rowCost } },
      });
      billedProxies.add(proxyId);
      billed.push({ provider: proxy.provider.name, bytesSent: bytes.sent, bytesReceived: bytes.received, periodEnd });
      sent += bytes.sent;
      received += bytes.received;
      cost = cost.add(rowCost);
    }
    for (const c of counters) {
      if (billedProxies.has(c.proxy_id)) {
        await tx.$executeRaw`UPDATE chip_traffic_counters SET billed_sent = ${c.bytes_sent}, billed_received = ${c.bytes_received} WHERE id = ${c.id}::uuid`;
      }
    }
    const monthly = await tx.userProxyCost.findUnique({ where: { userId_month: { userId: chip.ownerId, month: monthDate } }, select: { bytesTotal: true } });
    return { bytesSent: sent.toString(), bytesReceived: received.toString(), cost: cost.toFixed(8), monthBytes: (monthly?.bytesTotal ?? 0n).toString(), month };
  }, METER_TRANSACTION);
  for (const usage of billed) onBilled?.(usage);
  return result;
}

/** Thousands of chips meter on one pool: a meter waits its turn for a connection rather than failing after Prisma's 2 s. */
const METER_TRANSACTION = { maxWait: 15_000, timeout: 15_000 };
