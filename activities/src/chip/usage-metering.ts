import { Prisma, type Db } from '@chipgate/db';
import { billingMonthDate, billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { apportionByTime, monthStartsWithin, priceAt, type DatedPrice } from '@chipgate/workflows/rules/billing-periods';
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
  /** What the period cost, one entry per currency (providers of a chip may bill in different ones). */
  costs: Array<{ amount: string; currency: string }>;
  /** The owner's metered bytes in the period's month after this meter. */
  monthBytes: string;
  month: string;
  /** This meter's bytes billed to `month`: all of them, unless the period began in the month before. */
  monthChipBytes: string;
}

/** One usage row a meter committed, for observers (metrics); told after the transaction commits. */
export interface BilledUsage {
  provider: string;
  bytesSent: bigint;
  bytesReceived: bigint;
  periodEnd: Date;
}

/**
 * Bills every byte flushed for the chip since its last bill: one usage row per chip, period and
 * proxy (idempotency key) — or per part of the period, when a month boundary or a price change falls
 * inside it, each at the month and price of its time — the proxy's total, and the owner's monthly
 * roll-ups, all in one transaction. A retried meter finds its rows and bills nothing more; an
 * interrupted one commits nothing, so the next one bills those bytes.
 */
export async function meterChipUsage(db: Db, period: MeterPeriod, onBilled?: (usage: BilledUsage) => void): Promise<MeterResult> {
  const periodStart = new Date(period.periodStart);
  const periodEnd = new Date(period.periodEnd);
  // What the quota reads: the month the period ends in, where the chip's latest bytes went.
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
    let monthChipBytes = 0n;
    const costs = new Map<string, Prisma.Decimal>();
    const billedProxies = new Set<string>();
    const span = { start: periodStart, end: periodEnd };
    for (const [proxyId, bytes] of byProxy) {
      const { provider } = await tx.proxy.findUniqueOrThrow({ where: { id: proxyId }, select: { provider: { select: providerPricing } } });
      const prices = priceHistory(provider);
      const cuts = [...monthStartsWithin(span), ...prices.map((p) => p.effectiveFrom)];
      const rows = apportionByTime(span, bytes, cuts)
        .filter((piece) => piece.sent + piece.received > 0n)
        .map((piece) => {
          const price = priceAt(prices, piece.start);
          const total = piece.sent + piece.received;
          return {
            // The first piece starts the period, so its key is the period's: a retry of a committed meter finds it.
            idempotencyKey: `${period.chipId}:${piece.start.toISOString()}:${proxyId}`,
            userId: chip.ownerId,
            chipId: period.chipId,
            proxyId,
            bytesSent: piece.sent,
            bytesReceived: piece.received,
            bytesTotal: total,
            pricePerGb: price.costPerGb,
            cost: usageCost(total, price.costPerGb),
            currency: price.currency,
            month: billingMonthDate(billingMonthOf(piece.start)),
            periodStart: piece.start,
            periodEnd: piece.end,
          };
        });
      const inserted = await tx.proxyUsageLog.createMany({ data: rows, skipDuplicates: true });
      // A row for these keys already exists only when a previous attempt committed; then these
      // counters were billed by it and what remains belongs to the next period.
      if (inserted.count === 0) continue;
      const total = bytes.sent + bytes.received;
      await tx.proxy.update({ where: { id: proxyId }, data: { totalBytesUsed: { increment: total } } });
      for (const row of rows) await rollUp(tx, row);
      billedProxies.add(proxyId);
      billed.push({ provider: provider.name, bytesSent: bytes.sent, bytesReceived: bytes.received, periodEnd });
      sent += bytes.sent;
      received += bytes.received;
      for (const row of rows) if (row.month.getTime() === monthDate.getTime()) monthChipBytes += row.bytesTotal;
      for (const row of rows) costs.set(row.currency, (costs.get(row.currency) ?? new Prisma.Decimal(0)).add(row.cost));
    }
    for (const c of counters) {
      if (billedProxies.has(c.proxy_id)) {
        await tx.$executeRaw`UPDATE chip_traffic_counters SET billed_sent = ${c.bytes_sent}, billed_received = ${c.bytes_received} WHERE id = ${c.id}::uuid`;
      }
    }
    const monthly = await tx.userProxyCost.findUnique({ where: { userId_month: { userId: chip.ownerId, month: monthDate } }, select: { bytesTotal: true } });
    return {
      bytesSent: sent.toString(),
      bytesReceived: received.toString(),
      costs: [...costs].map(([currency, amount]) => ({ amount: amount.toFixed(8), currency })),
      monthBytes: (monthly?.bytesTotal ?? 0n).toString(),
      month,
      monthChipBytes: monthChipBytes.toString(),
    };
  }, METER_TRANSACTION);
  for (const usage of billed) onBilled?.(usage);
  return result;
}

const providerPricing = { name: true, costPerGb: true, currency: true, createdAt: true, prices: { select: { costPerGb: true, currency: true, effectiveFrom: true } } } as const;

/**
 * The provider's dated prices. A provider saved without one (created straight in the database, as
 * fixtures do) has only ever had its current price.
 */
function priceHistory(provider: { costPerGb: Prisma.Decimal; currency: string; createdAt: Date; prices: Array<{ costPerGb: Prisma.Decimal; currency: string; effectiveFrom: Date }> }): DatedPrice[] {
  const dated = provider.prices.length > 0 ? provider.prices : [{ costPerGb: provider.costPerGb, currency: provider.currency, effectiveFrom: provider.createdAt }];
  return dated.map((p) => ({ costPerGb: p.costPerGb.toString(), currency: p.currency.trim(), effectiveFrom: p.effectiveFrom }));
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/** The owner's bytes for the quota, and the cost in the row's own currency: amounts of two currencies never share a sum. */
async function rollUp(tx: Tx, row: { userId: string; month: Date; currency: string; bytesTotal: bigint; cost: string }): Promise<void> {
  const { userId, month, currency, bytesTotal, cost } = row;
  await tx.userProxyCost.upsert({
    where: { userId_month: { userId, month } },
    create: { userId, month, bytesTotal },
    update: { bytesTotal: { increment: bytesTotal } },
  });
  await tx.userMonthlyCost.upsert({
    where: { userId_month_currency: { userId, month, currency } },
    create: { userId, month, currency, bytesTotal, cost },
    update: { bytesTotal: { increment: bytesTotal }, cost: { increment: cost } },
  });
}

/** Thousands of chips meter on one pool: a meter waits its turn for a connection rather than failing after Prisma's 2 s. */
const METER_TRANSACTION = { maxWait: 15_000, timeout: 15_000 };
