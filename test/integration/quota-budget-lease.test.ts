// The live budget's ledger, on PostgreSQL: gateways on several workers lease a user's allowance at
// once, and whatever the interleaving the leases add up to the allowance exactly, never more.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { leaseQuotaBudget } from '@chipgate/activities/chip/quota-budget';
import { billingMonthDate, billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { leaseChunkBytes } from '@chipgate/workflows/rules/quota-budget';
import { monthlyAllowanceBytes } from '@chipgate/workflows/rules/quota';
import { testDb } from '../support/database';

describe('leaseQuotaBudget', () => {
  const db = testDb();
  after(() => db.$disconnect());
  const month = billingMonthOf(new Date());

  async function freeUser() {
    const plan = await db.plan.findFirstOrThrow({ where: { code: 'FREE' } });
    const user = await db.user.create({ data: { email: `${randomUUID()}@lease.test`, name: 'Lease', passwordHash: 'x', planId: plan.id } });
    return { user, allowance: monthlyAllowanceBytes(plan.proxyGbLimit.toString(), []) };
  }
  async function worker(expiresInMs: number) {
    const id = `lease-test-${randomUUID()}`;
    await db.chipWorker.create({ data: { id, taskQueue: 'lease-test', expiresAt: new Date(Date.now() + expiresInMs) } });
    return id;
  }

  it('leases exactly the allowance to gateways asking at once on two workers, ignores a dead worker’s lease, and announces 80% and 100% once', async () => {
    const { user, allowance } = await freeUser();
    const dead = await worker(-60_000);
    await db.quotaBudgetLease.create({ data: { userId: user.id, month: billingMonthDate(month), workerId: dead, reservedBytes: 5_000_000n } });
    const workers = [await worker(600_000), await worker(600_000)];
    const crossed: string[] = [];
    let granted = 0n;
    // Each worker's gateway spends all of its lease, then reports it and asks for more, until refused.
    await Promise.all(
      workers.map(async (workerId) => {
        let held = 0n;
        for (;;) {
          const answer = await leaseQuotaBudget(db, { userId: user.id, month, workerId, spentBytes: held, wantMore: true });
          crossed.push(...answer.crossed);
          granted += answer.grantedBytes;
          assert.ok(answer.committedBytes <= allowance, `committed ${answer.committedBytes} of ${allowance}`);
          held = answer.grantedBytes;
          if (held === 0n) {
            assert.equal(answer.exhausted, true, 'refused only when the allowance is spoken for');
            return;
          }
        }
      }),
    );
    assert.equal(granted, allowance, 'the live workers were leased the allowance to the byte, the dead worker’s lease not counted');
    assert.deepEqual(crossed.sort(), ['PERCENT_100', 'PERCENT_80'], 'each level announced by exactly one caller');
    const budget = await db.userQuotaBudget.findUniqueOrThrow({ where: { userId_month: { userId: user.id, month: billingMonthDate(month) } } });
    assert.equal(budget.consumedBytes, allowance, 'every leased byte reported spent');

    const returned = await leaseQuotaBudget(db, { userId: user.id, month, workerId: workers[0]!, spentBytes: 0n, wantMore: false });
    assert.equal(returned.grantedBytes, 0n);
    assert.equal(await db.quotaBudgetLease.count({ where: { userId: user.id, workerId: workers[0]! } }), 0, 'a gateway that only reports gives its lease row back');
  });

  it('grants a fast gateway what it wants, up to two chunks', async () => {
    const { user, allowance } = await freeUser();
    const workerId = await worker(600_000);
    const chunk = leaseChunkBytes(allowance);
    const answer = await leaseQuotaBudget(db, { userId: user.id, month, workerId, spentBytes: 0n, wantMore: true, wantedBytes: chunk * 5n });
    assert.equal(answer.grantedBytes, chunk * 2n);
    const lease = await db.quotaBudgetLease.findUniqueOrThrow({ where: { userId_month_workerId: { userId: user.id, month: billingMonthDate(month), workerId } } });
    assert.equal(lease.reservedBytes, chunk * 2n, 'the lease row holds what was granted');
    await assert.rejects(leaseQuotaBudget(db, { userId: user.id, month, workerId, spentBytes: 0n, wantMore: true, wantedBytes: -1n }), /wantedBytes must not be negative/);
  });

  it('refuses an unknown user and a malformed month by name, writing nothing', async () => {
    const workerId = await worker(600_000);
    const nobody = randomUUID();
    await assert.rejects(leaseQuotaBudget(db, { userId: nobody, month, workerId, spentBytes: 0n, wantMore: true }), { name: 'NotFoundError', message: `user ${nobody} does not exist` });
    assert.equal(await db.userQuotaBudget.count({ where: { userId: nobody } }), 0);
    const { user } = await freeUser();
    await assert.rejects(leaseQuotaBudget(db, { userId: user.id, month: '2026-13-01', workerId, spentBytes: 0n, wantMore: true }), /month must be the first day of a month/);
    await assert.rejects(leaseQuotaBudget(db, { userId: user.id, month, workerId, spentBytes: -1n, wantMore: true }), /spentBytes must not be negative/);
    assert.equal(await db.userQuotaBudget.count({ where: { userId: user.id } }), 0);
  });
});
