import { Prisma, type Db } from '@chipgate/db';
import { monthlyAllowanceBytes } from '@chipgate/workflows/rules/quota';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';
import type { BillingMonth } from './month';
import { decimalString, type Money } from './money';

/**
 * Every byte and amount here is a SUM over proxy_usage_logs computed by PostgreSQL (bigint/numeric),
 * so what the dashboard shows is exactly what the logs say; nothing is added up in floating point.
 */

export interface UsageTotals {
  bytes: bigint;
  /** One entry per currency the logs were priced in (normally just one). */
  costs: Money[];
}

export async function usageTotals(db: Db, where: Prisma.ProxyUsageLogWhereInput): Promise<UsageTotals> {
  const groups = await db.proxyUsageLog.groupBy({
    by: ['currency'],
    where,
    _sum: { bytesTotal: true, cost: true },
    orderBy: { currency: 'asc' },
  });
  let bytes = 0n;
  const costs: Money[] = [];
  for (const group of groups) {
    bytes += group._sum.bytesTotal ?? 0n;
    costs.push({ amount: decimalString(group._sum.cost), currency: group.currency });
  }
  return { bytes, costs };
}

/** Bytes per key (chip, user, proxy) for a filter: one grouped query, bigint sums. */
export async function bytesBy(
  db: Db,
  key: 'chipId' | 'userId' | 'proxyId',
  where: Prisma.ProxyUsageLogWhereInput,
): Promise<Map<string, bigint>> {
  const groups = await db.proxyUsageLog.groupBy({ by: [key], where, _sum: { bytesTotal: true } });
  return new Map(groups.map((g) => [g[key], g._sum.bytesTotal ?? 0n]));
}

/** Costs per user (per currency) for a month. */
export async function costsByUser(db: Db, where: Prisma.ProxyUsageLogWhereInput): Promise<Map<string, Money[]>> {
  const groups = await db.proxyUsageLog.groupBy({
    by: ['userId', 'currency'],
    where,
    _sum: { cost: true },
    orderBy: [{ userId: 'asc' }, { currency: 'asc' }],
  });
  const out = new Map<string, Money[]>();
  for (const g of groups) {
    const list = out.get(g.userId) ?? [];
    list.push({ amount: decimalString(g._sum.cost), currency: g.currency });
    out.set(g.userId, list);
  }
  return out;
}

export interface Allowance {
  planBytes: bigint;
  creditBytes: bigint;
  allowanceBytes: bigint;
}

/** Plan GB + this month's top-up credits, the same rule the chip workflow enforces. */
export async function allowanceFor(db: Db, userId: string, month: BillingMonth): Promise<Allowance & { plan: PlanInfo }> {
  const [user, credits] = await Promise.all([
    db.user.findUniqueOrThrow({ where: { id: userId }, select: { plan: { select: planInfoSelect } } }),
    db.topUpCredit.findMany({ where: { userId, month: month.date }, select: { bytes: true } }),
  ]);
  const limit = user.plan.proxyGbLimit.toFixed();
  const creditList = credits.map((c) => c.bytes);
  return {
    plan: toPlanInfo(user.plan),
    planBytes: gbToBytes(limit, 'proxyGbLimit'),
    creditBytes: creditList.reduce((a, b) => a + b, 0n),
    allowanceBytes: monthlyAllowanceBytes(limit, creditList),
  };
}

const planInfoSelect = { id: true, code: true, name: true, proxyGbLimit: true, monthlyPrice: true, currency: true } as const;

export interface PlanInfo {
  id: string;
  code: string;
  name: string;
  proxyGbLimit: string;
  monthlyPrice: string;
  currency: string;
}

function toPlanInfo(plan: { id: string; code: string; name: string; proxyGbLimit: Prisma.Decimal; monthlyPrice: Prisma.Decimal; currency: string }): PlanInfo {
  return { ...plan, proxyGbLimit: plan.proxyGbLimit.toFixed(), monthlyPrice: plan.monthlyPrice.toFixed() };
}

/** Used / allowance in percent with two decimals, exact up to display ("83.47"). */
export function percentOf(used: bigint, allowance: bigint): string {
  if (allowance <= 0n) return used > 0n ? '100.00' : '0.00';
  const hundredths = (used * 10000n) / allowance;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}`;
}

export interface UsageSummary extends Allowance {
  month: string;
  plan: PlanInfo;
  usedBytes: bigint;
  costs: Money[];
  percent: string;
}

export async function usageSummary(db: Db, userId: string, month: BillingMonth): Promise<UsageSummary> {
  const [allowance, totals] = await Promise.all([
    allowanceFor(db, userId, month),
    usageTotals(db, { userId, month: month.date }),
  ]);
  return {
    month: month.key,
    ...allowance,
    usedBytes: totals.bytes,
    costs: totals.costs,
    percent: percentOf(totals.bytes, allowance.allowanceBytes),
  };
}

export interface DailyUsage {
  /** "2026-11-07" (UTC day the metered period started) */
  day: string;
  bytes: bigint;
  costs: Money[];
}

interface SumRow {
  key: string;
  label: string;
  currency: string;
  bytes: string;
  cost: string;
}

function monthFilter(month: BillingMonth, userId?: string): Prisma.Sql {
  const day = `${month.key}-01`;
  return userId
    ? Prisma.sql`l.month = ${day}::date AND l.user_id = ${userId}::uuid`
    : Prisma.sql`l.month = ${day}::date`;
}

/** Every day of the month (zeros included), summed per UTC day of period_start. */
export async function dailyUsage(db: Db, month: BillingMonth, userId?: string): Promise<DailyUsage[]> {
  const rows = await db.$queryRaw<SumRow[]>(Prisma.sql`
    SELECT to_char(l.period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key,
           '' AS label,
           l.currency AS currency,
           sum(l.bytes_total)::text AS bytes,
           sum(l.cost)::text AS cost
      FROM proxy_usage_logs l
     WHERE ${monthFilter(month, userId)}
     GROUP BY 1, 3
     ORDER BY 1, 3`);
  const byDay = new Map<string, DailyUsage>();
  for (let d = 1; d <= month.days; d++) {
    const day = `${month.key}-${String(d).padStart(2, '0')}`;
    byDay.set(day, { day, bytes: 0n, costs: [] });
  }
  for (const row of rows) {
    const entry = byDay.get(row.key) ?? { day: row.key, bytes: 0n, costs: [] };
    entry.bytes += BigInt(row.bytes);
    entry.costs.push({ amount: row.cost, currency: row.currency.trim() });
    byDay.set(row.key, entry);
  }
  return [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
}

export interface GroupUsage {
  id: string;
  label: string;
  detail: string;
  bytes: bigint;
  costs: Money[];
}

function collect(rows: Array<SumRow & { detail: string }>): GroupUsage[] {
  const out = new Map<string, GroupUsage>();
  for (const row of rows) {
    const entry = out.get(row.key) ?? { id: row.key, label: row.label, detail: row.detail, bytes: 0n, costs: [] };
    entry.bytes += BigInt(row.bytes);
    entry.costs.push({ amount: row.cost, currency: row.currency.trim() });
    out.set(row.key, entry);
  }
  return [...out.values()].sort((a, b) => (a.bytes === b.bytes ? a.label.localeCompare(b.label) : a.bytes > b.bytes ? -1 : 1));
}

export async function usageByProvider(db: Db, month: BillingMonth): Promise<GroupUsage[]> {
  const rows = await db.$queryRaw<Array<SumRow & { detail: string }>>(Prisma.sql`
    SELECT pp.id::text AS key, pp.name AS label, pp.region AS detail, l.currency AS currency,
           sum(l.bytes_total)::text AS bytes, sum(l.cost)::text AS cost
      FROM proxy_usage_logs l
      JOIN proxies p ON p.id = l.proxy_id
      JOIN proxy_providers pp ON pp.id = p.provider_id
     WHERE ${monthFilter(month)}
     GROUP BY pp.id, pp.name, pp.region, l.currency`);
  return collect(rows);
}

export async function usageByCustomer(db: Db, month: BillingMonth): Promise<GroupUsage[]> {
  const rows = await db.$queryRaw<Array<SumRow & { detail: string }>>(Prisma.sql`
    SELECT u.id::text AS key, u.name AS label, u.email AS detail, l.currency AS currency,
           sum(l.bytes_total)::text AS bytes, sum(l.cost)::text AS cost
      FROM proxy_usage_logs l
      JOIN users u ON u.id = l.user_id
     WHERE ${monthFilter(month)}
     GROUP BY u.id, u.name, u.email, l.currency`);
  return collect(rows);
}

const alertSelect = {
  id: true,
  month: true,
  threshold: true,
  bytesUsed: true,
  bytesAllowed: true,
  emailSentAt: true,
  webhookSentAt: true,
  createdAt: true,
} as const;

export function alertsForUser(db: Db, userId: string, take = 50) {
  return db.quotaAlert.findMany({ where: { userId }, select: alertSelect, orderBy: { createdAt: 'desc' }, take });
}

export function alertsForMonth(db: Db, month: BillingMonth, take = 500) {
  return db.quotaAlert.findMany({
    where: { month: month.date },
    select: { ...alertSelect, user: { select: { id: true, email: true, name: true } } },
    orderBy: { createdAt: 'desc' },
    take,
  });
}
