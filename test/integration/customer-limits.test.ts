// One customer must not be able to hold unbounded worker slots or checkouts: 50 parallel chip adds on a
// FREE plan, 20 parallel top-up purchases. Temporal is a stand-in recording starts: these tests count rows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { TRPCError } from '@trpc/server';
import { appRouter } from '../../web/src/server/routers/_app';
import { createCallerFactory, type Context } from '../../web/src/server/trpc';
import { testDb } from '../support/database';

process.env.STRIPE_WEBHOOK_SECRET ??= 'whsec_customer_limits_test';

const db = testDb();
after(() => db.$disconnect());
const run = randomBytes(4).toString('hex');
const createCaller = createCallerFactory(appRouter);

let started = 0;
/** Just enough of a Temporal client: workflow starts succeed, a checkout "opens" at once. */
const fakeTemporal = {
  workflow: {
    start: async () => {
      started += 1;
      return {};
    },
    getHandle: () => ({ executeUpdate: async () => undefined, signal: async () => undefined }),
  },
  withAbortSignal: <T>(_signal: AbortSignal, fn: () => Promise<T>) => fn(),
} as unknown as Client;

type Role = 'ADMIN' | 'USER';
async function user(label: string, role: Role = 'USER', plan: 'FREE' | 'BUSINESS' = 'FREE') {
  const planRow = await db.plan.findUniqueOrThrow({ where: { code: plan } });
  const row = await db.user.create({ data: { email: `${label}-${run}@limits.test`, name: label, role, planId: planRow.id, passwordHash: 'unused' } });
  return { id: row.id, email: row.email, name: row.name, role };
}
const callerFor = (u: Context['user']) => createCaller({ db, user: u, temporal: async () => fakeTemporal });

function outcomes(results: PromiseSettledResult<unknown>[]) {
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  return { ok: results.length - refused.length, refused };
}

let packId: string;
before(async () => {
  const pack = await db.topUpPack.create({ data: { name: `limits pack ${run}`, sizeGb: '1', price: '19.90' } });
  packId = pack.id;
});
after(() => db.topUpPack.update({ where: { id: packId }, data: { isActive: false } }));

describe('limits per customer', () => {
  it('50 parallel chip adds on the FREE plan create only as many chips as the plan allows', async () => {
    const owner = await user('chips');
    const plan = await db.plan.findUniqueOrThrow({ where: { code: 'FREE' } });
    const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => callerFor(owner).chips.create({ label: `chip ${i}` })));
    const { ok, refused } = outcomes(results);
    const rows = await db.chip.count({ where: { ownerId: owner.id, deletedAt: null } });
    console.log(`50 parallel chip adds on FREE: ${rows} chips created, ${refused.length} refused`);
    const limit = (plan as { chipLimit?: number }).chipLimit;
    assert.ok(limit !== undefined && limit >= 1, 'plans have a chip limit');
    assert.equal(rows, limit);
    assert.equal(ok, limit);
    const first = refused[0];
    assert.ok(first instanceof TRPCError, String(first));
    assert.equal(first.code, 'FORBIDDEN');
    assert.match(first.message, new RegExp(`${plan.name} plan allows ${limit} chip`));
  });

  it('an admin raises the chip limit of a plan, and the owner may add more', async () => {
    const owner = await user('raised', 'USER', 'BUSINESS');
    const admin = await user('admin', 'ADMIN', 'BUSINESS');
    const plan = await db.plan.findUniqueOrThrow({ where: { code: 'BUSINESS' } });
    const original = (plan as unknown as { chipLimit: number }).chipLimit;
    try {
      await callerFor(admin).admin.plans.update({ id: plan.id, name: plan.name, proxyGbLimit: plan.proxyGbLimit.toFixed(), monthlyPrice: plan.monthlyPrice.toFixed(2), chipLimit: 1 });
      await callerFor(owner).chips.create({ label: 'one' });
      await assert.rejects(callerFor(owner).chips.create({ label: 'two' }), /allows 1 chip\b/);
      await callerFor(admin).admin.plans.update({ id: plan.id, name: plan.name, proxyGbLimit: plan.proxyGbLimit.toFixed(), monthlyPrice: plan.monthlyPrice.toFixed(2), chipLimit: 2 });
      await callerFor(owner).chips.create({ label: 'two' });
      const listed = await callerFor(admin).admin.plans.list();
      assert.equal(listed.find((p) => p.id === plan.id)?.chipLimit, 2);
    } finally {
      await db.plan.update({ where: { id: plan.id }, data: { chipLimit: original } as never });
    }
  });

  it('20 parallel top-up purchases by one user leave one pending order', async () => {
    const buyer = await user('buyer');
    started = 0;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => callerFor(buyer).topUps.createOrder({ packId })));
    const { ok, refused } = outcomes(results);
    const pending = await db.topUpOrder.count({ where: { userId: buyer.id, status: 'PENDING' } });
    console.log(`20 parallel purchases: ${pending} pending orders, ${started} workflows started, ${refused.length} refused`);
    assert.equal(pending, 1);
    assert.equal(ok, 1);
    assert.equal(started, 1, 'one purchase workflow, one checkout');
    const first = refused[0];
    assert.ok(first instanceof TRPCError, String(first));
    assert.equal(first.code, 'CONFLICT');
    assert.match(first.message, /already have a top-up waiting for payment/);
  });
});
