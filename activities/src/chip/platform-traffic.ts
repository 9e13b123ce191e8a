import type { Db } from '@chipgate/db';
import { billingMonthDate, billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { usageCost } from '@chipgate/workflows/rules/money';

export interface PlatformTrafficReading {
  proxyId: string;
  bytesSent: bigint;
  bytesReceived: bigint;
  at: Date;
}

/**
 * Adds bytes the platform itself moved through a chip's proxy (the exit-IP probe) to its provider's
 * month, priced at the provider's cost: what the provider bills Chipgate for, and no customer pays.
 */
export async function recordPlatformTraffic(db: Db, reading: PlatformTrafficReading): Promise<void> {
  const { provider } = await db.proxy.findUniqueOrThrow({ where: { id: reading.proxyId }, select: { provider: { select: { id: true, costPerGb: true, currency: true } } } });
  const bytesTotal = reading.bytesSent + reading.bytesReceived;
  const cost = usageCost(bytesTotal, provider.costPerGb.toString());
  const month = billingMonthDate(billingMonthOf(reading.at));
  await db.platformTraffic.upsert({
    where: { providerId_month: { providerId: provider.id, month } },
    create: { providerId: provider.id, month, bytesSent: reading.bytesSent, bytesReceived: reading.bytesReceived, bytesTotal, cost, currency: provider.currency },
    update: { bytesSent: { increment: reading.bytesSent }, bytesReceived: { increment: reading.bytesReceived }, bytesTotal: { increment: bytesTotal }, cost: { increment: cost } },
  });
}
