import type { Db } from '@chipgate/db';
import type { BillingMonth } from './month';
import { decimalString, type Money } from './money';

/** What the platform's own requests (the chips' exit-IP probes) cost at one provider in a month. */
export interface ProviderPlatformTraffic {
  id: string;
  label: string;
  bytes: bigint;
  cost: Money;
}

/** Platform traffic per provider for a month: billed to Chipgate by the provider, to no customer. */
export async function platformTrafficByProvider(db: Db, month: BillingMonth): Promise<ProviderPlatformTraffic[]> {
  const rows = await db.platformTraffic.findMany({
    where: { month: month.date },
    select: { bytesTotal: true, cost: true, currency: true, provider: { select: { id: true, name: true } } },
    orderBy: [{ bytesTotal: 'desc' }, { provider: { name: 'asc' } }],
  });
  return rows.map((row) => ({ id: row.provider.id, label: row.provider.name, bytes: row.bytesTotal, cost: { amount: decimalString(row.cost), currency: row.currency.trim() } }));
}
