// One customer's month with everything that makes money hard: two providers that bill in different
// currencies, a price change (made in the admin UI) in the middle of a meter period, a meter period
// across the month boundary, and a top-up. Every byte and amount the web app shows for it must be a
// SQL sum over proxy_usage_logs, grouped by currency, and no sum anywhere may add two currencies.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { meterChipUsage } from '@chipgate/activities/chip/usage-metering';
import { flushTrafficCounters } from '@chipgate/activities/chip/traffic-counters';
import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { apportionByTime, monthStartsWithin } from '@chipgate/workflows/rules/billing-periods';
import { usageCost } from '@chipgate/workflows/rules/money';
import { appRouter } from '../../web/src/server/routers/_app';
import { createCallerFactory, type Context } from '../../web/src/server/trpc';
import { providerForm } from '../support/provider-form';
import { webTestDb } from '../support/web-test';

process.env.STRIPE_WEBHOOK_SECRET ??= 'whsec_reproducible_money_test';

const db = webTestDb();
const run = randomBytes(4).toString('hex');
const createCaller = createCallerFactory(appRouter);
const noTemporal = async (): Promise<Client> => {
  throw new Error('these procedures need no Temporal');
};
const callerFor = (user: NonNullable<Context['user']>) => createCaller({ db, user, temporal: noTemporal });

interface CurrencySum {
  currency: string;
  bytes: bigint;
  cost: string;
}

/** The reference: PostgreSQL's own sums over the usage rows, per currency. */
async function sqlSums(where: { userId?: string; chipId?: string; proxyIds?: string[]; month: string }): Promise<CurrencySum[]> {
  const rows = await db.$queryRawUnsafe<Array<{ currency: string; bytes: string; cost: string }>>(
    `SELECT trim(currency) AS currency, sum(bytes_total)::text AS bytes, sum(cost)::text AS cost
       FROM proxy_usage_logs
      WHERE month = $1::date
        AND ($2::uuid IS NULL OR user_id = $2::uuid)
        AND ($3::uuid IS NULL OR chip_id = $3::uuid)
        AND ($4::uuid[] IS NULL OR proxy_id = ANY($4::uuid[]))
      GROUP BY currency ORDER BY currency`,
    where.month,
    where.userId ?? null,
    where.chipId ?? null,
    where.proxyIds ?? null,
  );
  return rows.map((r) => ({ currency: r.currency, bytes: BigInt(r.bytes), cost: r.cost }));
}

const bytesOf = (sums: CurrencySum[]) => sums.reduce((total, s) => total + s.bytes, 0n);
const costsOf = (sums: CurrencySum[]) => sums.map((s) => ({ amount: s.cost, currency: s.currency }));
/** Amounts compared as numbers of the same scale: "1.50000000" and "1.5" are the same money. */
const normalised = (costs: ReadonlyArray<{ amount: string; currency: string }>) =>
  costs.map((c) => ({ currency: c.currency.trim(), amount: c.amount.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '') })).sort((a, b) => a.currency.localeCompare(b.currency));

describe('every R$ and byte the web app shows equals SQL over proxy_usage_logs, per currency', () => {
  const thisMonth = billingMonthOf(new Date());
  const monthKey = thisMonth.slice(0, 7);
  const monthBegan = new Date(`${thisMonth}T00:00:00Z`);
  const lastMonth = billingMonthOf(new Date(monthBegan.getTime() - 1));
  let admin: NonNullable<Context['user']>;
  let customer: NonNullable<Context['user']>;
  let brl: { providerId: string; proxyId: string };
  let usd: { providerId: string; proxyId: string };
  let chipBrl: string;
  let chipUsd: string;
  const across = { start: new Date(monthBegan.getTime() - 3 * 60_000), end: new Date(monthBegan.getTime() + 2 * 60_000) };

  async function provider(name: string, costPerGb: string, currency: string) {
    const saved = await callerFor(admin).admin.providers.create(providerForm(`${name} ${run}`, { password: 'pw', costPerGb, currency }));
    const proxy = await db.proxy.create({ data: { providerId: saved.id, kind: 'ROTATING', protocol: 'HTTP', region: 'br' } });
    return { providerId: saved.id, proxyId: proxy.id };
  }

  /** The gateway's counters of a chip grow by `sent`/`received`, then the chip is metered for `period`. */
  async function carryAndMeter(chipId: string, proxyId: string, counterId: string, totals: { sent: bigint; received: bigint }, period: { start: Date; end: Date }) {
    await flushTrafficCounters(db, [{ counterId, chipId, proxyId, workerId: `money-${run}`, bytesSent: totals.sent, bytesReceived: totals.received }]);
    return meterChipUsage(db, { chipId, periodStart: period.start.toISOString(), periodEnd: period.end.toISOString() });
  }

  before(async () => {
    const business = await db.plan.findUniqueOrThrow({ where: { code: 'BUSINESS' } });
    const person = (role: 'ADMIN' | 'USER') =>
      db.user.create({ data: { email: `${role.toLowerCase()}-${run}@money.test`, name: `${role} ${run}`, role, planId: business.id, passwordHash: 'unused' } });
    const [a, c] = await Promise.all([person('ADMIN'), person('USER')]);
    admin = { id: a.id, email: a.email, name: a.name, role: 'ADMIN' };
    customer = { id: c.id, email: c.email, name: c.name, role: 'USER' };
    brl = await provider('Money BRL', '4.50', 'BRL');
    usd = await provider('Money USD', '0.80', 'USD');
    chipBrl = (await db.chip.create({ data: { ownerId: customer.id, label: 'on BRL' } })).id;
    chipUsd = (await db.chip.create({ data: { ownerId: customer.id, label: 'on USD' } })).id;
    await db.topUpCredit.create({ data: { userId: customer.id, month: monthBegan, bytes: 1n << 30n, note: `money test ${run}` } });
  });

  it('bills a period across the month boundary as two rows, each in the month its bytes moved in, losing no byte', async () => {
    const counter = randomUUID();
    const moved = { sent: 1_000_003n, received: 200_001n };
    const result = await carryAndMeter(chipBrl, brl.proxyId, counter, moved, across);
    const rows = await db.proxyUsageLog.findMany({ where: { chipId: chipBrl }, orderBy: { periodStart: 'asc' } });
    const expected = apportionByTime(across, moved, monthStartsWithin(across));
    assert.equal(rows.length, 2, 'one row per month');
    assert.deepEqual(
      rows.map((r) => ({ month: r.month.toISOString().slice(0, 10), start: r.periodStart, end: r.periodEnd, sent: r.bytesSent, received: r.bytesReceived })),
      expected.map((p, i) => ({ month: i === 0 ? lastMonth : thisMonth, start: p.start, end: p.end, sent: p.sent, received: p.received })),
    );
    assert.equal(rows.reduce((s, r) => s + r.bytesTotal, 0n), moved.sent + moved.received, 'the rows add up to every byte counted');
    assert.deepEqual([result.month, result.monthChipBytes], [thisMonth, rows[1]!.bytesTotal.toString()], 'the chip’s month figure gets only this month’s part');
    for (const row of rows) {
      assert.equal(row.pricePerGb.toFixed(2), '4.50');
      assert.equal(row.cost.toFixed(8), usageCost(row.bytesTotal, '4.50'));
    }
    const rollUps = await db.userProxyCost.findMany({ where: { userId: customer.id }, orderBy: { month: 'asc' } });
    assert.deepEqual(
      rollUps.map((r) => [r.month.toISOString().slice(0, 10), r.bytesTotal]),
      rows.map((r) => [r.month.toISOString().slice(0, 10), r.bytesTotal]),
      "each month's quota roll-up has that month's bytes",
    );
  });

  it('bills bytes after a price edit at the new price, from the edit on, and re-prices nothing already billed', async () => {
    const billedBefore = await db.proxyUsageLog.findMany({ where: { chipId: chipBrl }, select: { id: true, cost: true, pricePerGb: true } });
    const periodStart = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const edited = (await callerFor(admin).admin.providers.list()).find((p) => p.id === brl.providerId)!;
    await callerFor(admin).admin.providers.update({ ...providerForm(edited.name, { costPerGb: '6.00', currency: 'BRL' }), id: brl.providerId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const period = { start: periodStart, end: new Date() };

    const prices = (await callerFor(admin).admin.providers.list()).find((p) => p.id === brl.providerId)!.prices;
    assert.deepEqual(
      prices.map((p) => `${p.costPerGb} ${p.currency}`),
      ['6 BRL', '4.5 BRL'],
      'the admin sees the new price and the one before it, newest first',
    );
    const changedAt = new Date(prices[0]!.effectiveFrom);
    assert.ok(changedAt > period.start && changedAt < period.end, 'the change falls inside the next meter period');

    const counter = randomUUID();
    const moved = { sent: 4_000_000n, received: 1_000_000n };
    await carryAndMeter(chipBrl, brl.proxyId, counter, moved, period);
    const rows = await db.proxyUsageLog.findMany({ where: { chipId: chipBrl, periodStart: { gte: period.start } }, orderBy: { periodStart: 'asc' } });
    const [before, after] = apportionByTime(period, moved, [changedAt]);
    assert.deepEqual(
      rows.map((r) => [r.bytesSent, r.bytesReceived, r.pricePerGb.toFixed(2), r.cost.toFixed(8)]),
      [
        [before!.sent, before!.received, '4.50', usageCost(before!.sent + before!.received, '4.50')],
        [after!.sent, after!.received, '6.00', usageCost(after!.sent + after!.received, '6.00')],
      ],
      'bytes before the change at the old price, after it at the new one',
    );
    const billedAfter = await db.proxyUsageLog.findMany({ where: { id: { in: billedBefore.map((b) => b.id) } }, select: { id: true, cost: true, pricePerGb: true } });
    assert.deepEqual(
      billedAfter.map((b) => [b.id, b.cost.toFixed(8), b.pricePerGb.toFixed(4)]).sort(),
      billedBefore.map((b) => [b.id, b.cost.toFixed(8), b.pricePerGb.toFixed(4)]).sort(),
      'rows billed before the change keep their price and cost',
    );
  });

  it('bills a provider in another currency in its own currency: no roll-up adds USD to BRL', async () => {
    await carryAndMeter(chipUsd, usd.proxyId, randomUUID(), { sent: 3_000_000n, received: 500_000n }, { start: new Date(Date.now() - 60_000), end: new Date() });
    const sums = await sqlSums({ userId: customer.id, month: thisMonth });
    assert.deepEqual(
      sums.map((s) => s.currency),
      ['BRL', 'USD'],
    );
    const rollUps = await db.userMonthlyCost.findMany({ where: { userId: customer.id, month: monthBegan }, orderBy: { currency: 'asc' } });
    assert.deepEqual(
      rollUps.map((r) => ({ currency: r.currency.trim(), bytes: r.bytesTotal, cost: r.cost.toFixed(8) })),
      sums.map((s) => ({ currency: s.currency, bytes: s.bytes, cost: s.cost })),
      'the monthly cost roll-up has one row per currency, each equal to its usage rows',
    );
  });

  it("shows the customer's usage (summary, daily, chips) exactly as SQL sums it", async () => {
    const me = callerFor(customer);
    const sums = await sqlSums({ userId: customer.id, month: thisMonth });
    const credits = (await db.topUpCredit.aggregate({ where: { userId: customer.id, month: monthBegan }, _sum: { bytes: true } }))._sum.bytes ?? 0n;

    const summary = await me.usage.summary({ month: monthKey });
    assert.equal(summary.usedBytes, bytesOf(sums));
    assert.deepEqual(normalised(summary.costs), normalised(costsOf(sums)));
    assert.equal(summary.creditBytes, credits, 'the top-up is in the allowance');
    assert.equal(summary.allowanceBytes, summary.planBytes + credits);

    const daily = await me.usage.daily({ month: monthKey });
    assert.equal(daily.reduce((s, d) => s + d.bytes, 0n), bytesOf(sums));
    const dailyCosts = new Map<string, number>();
    for (const day of daily) for (const c of day.costs) dailyCosts.set(c.currency, (dailyCosts.get(c.currency) ?? 0) + Math.round(Number(c.amount) * 1e8));
    for (const s of sums) assert.equal(dailyCosts.get(s.currency), Math.round(Number(s.cost) * 1e8), `daily ${s.currency} amounts add up to the month's`);

    const chips = await me.chips.list();
    for (const chipId of [chipBrl, chipUsd]) {
      assert.equal(chips.find((c) => c.id === chipId)?.bytesThisMonth, bytesOf(await sqlSums({ chipId, month: thisMonth })));
    }

    const last = await me.usage.summary({ month: lastMonth.slice(0, 7) });
    assert.equal(last.usedBytes, bytesOf(await sqlSums({ userId: customer.id, month: lastMonth })), "the boundary period's first part is in last month");
    assert.ok(last.usedBytes > 0n);
  });

  it('shows admins (usage report, customers, chips, proxies) exactly what SQL sums', async () => {
    const staff = callerFor(admin);
    const mine = await sqlSums({ userId: customer.id, month: thisMonth });

    const report = await staff.admin.usage.report({ month: monthKey });
    const everyone = await sqlSums({ month: thisMonth });
    assert.equal(report.totals.bytes, bytesOf(everyone));
    assert.deepEqual(normalised(report.totals.costs), normalised(costsOf(everyone)));
    const inReport = report.customers.find((c) => c.id === customer.id)!;
    assert.equal(inReport.bytes, bytesOf(mine));
    assert.deepEqual(normalised(inReport.costs), normalised(costsOf(mine)));
    for (const p of [brl, usd]) {
      const byProvider = report.providers.find((r) => r.id === p.providerId)!;
      const expected = await sqlSums({ proxyIds: [p.proxyId], month: thisMonth });
      assert.equal(byProvider.bytes, bytesOf(expected));
      assert.deepEqual(normalised(byProvider.costs), normalised(costsOf(expected)));
      assert.equal(byProvider.costs.length, 1, 'a provider row carries one currency');
    }

    const customers = await staff.admin.customers.list({ month: monthKey });
    const row = customers.find((c) => c.id === customer.id)!;
    assert.equal(row.usedBytes, bytesOf(mine));
    assert.deepEqual(normalised(row.costs), normalised(costsOf(mine)));
    assert.equal(row.creditBytes, 1n << 30n);

    const chips = await staff.admin.chips.list({ month: monthKey });
    for (const chipId of [chipBrl, chipUsd]) {
      assert.equal(chips.find((c) => c.id === chipId)?.bytesThisMonth, bytesOf(await sqlSums({ chipId, month: thisMonth })));
    }

    const proxies = await staff.admin.proxies.list({ month: monthKey });
    for (const p of [brl, usd]) {
      assert.equal(proxies.find((x) => x.id === p.proxyId)?.bytesThisMonth, bytesOf(await sqlSums({ proxyIds: [p.proxyId], month: thisMonth })));
    }
  });
});
