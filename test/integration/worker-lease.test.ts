// Every worker process leaves a lease row in chip_workers, and a quota budget lease per user it
// carried: a fleet deployed daily would add rows forever. A live worker tidies rows of workers reaped
// long ago, and nothing else: a recently reaped worker's row and every live lease stay.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { WorkerLease } from '@chipgate/worker/chip-runtime/worker-lease';
import { emptyDatabase } from '../support/database';
import { until } from '../support/until';

describe('worker leases: rows of workers reaped long ago are tidied', () => {
  let database: Awaited<ReturnType<typeof emptyDatabase>>;
  let db: Db;
  before(async () => {
    database = await emptyDatabase();
    applyMigrations(database.url);
    db = createDb(database.url);
  });
  after(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  it('deletes workers reaped over 7 days ago with their quota budget leases, clears chips still naming them, and keeps the rest', async () => {
    const plan = await db.plan.findFirstOrThrow({ where: { code: 'FREE' } });
    const user = await db.user.create({ data: { email: `${randomUUID()}@lease.test`, name: 'Lease', passwordHash: 'x', planId: plan.id } });
    const day = 24 * 3600_000;
    const ago = (ms: number) => new Date(Date.now() - ms);
    const workers = {
      longGone: { id: 'worker-long-gone', taskQueue: 'q', expiresAt: ago(9 * day), stoppedAt: ago(9 * day), reapedAt: ago(8 * day), reapedBy: 'x' },
      recentlyGone: { id: 'worker-recently-gone', taskQueue: 'q', expiresAt: ago(2 * day), reapedAt: ago(day), reapedBy: 'x' },
      // Expired long ago but never reaped: the live worker reaps it now, and its row stays for a week.
      unreaped: { id: 'worker-unreaped', taskQueue: 'q', expiresAt: ago(30 * day) },
    };
    for (const data of Object.values(workers)) await db.chipWorker.create({ data });
    const chip = await db.chip.create({ data: { ownerId: user.id, label: 'stale claim', workerId: workers.longGone.id } });
    const month = new Date('2026-12-01T00:00:00Z');
    for (const { id } of Object.values(workers)) await db.quotaBudgetLease.create({ data: { userId: user.id, month, workerId: id, reservedBytes: 1000n } });

    const lease = await WorkerLease.acquire({ db, workerId: 'worker-live', taskQueue: 'q', onDeadWorker: async () => {}, onFenced: async () => {} });
    try {
      await until('the long-gone worker to be tidied', async () => (await db.chipWorker.count({ where: { id: workers.longGone.id } })) === 0, 20_000);
      const left = (await db.chipWorker.findMany({ orderBy: { id: 'asc' } })).map((w) => ({ id: w.id, reaped: w.reapedAt !== null }));
      assert.deepEqual(left, [
        { id: 'worker-live', reaped: false },
        { id: workers.recentlyGone.id, reaped: true },
        { id: workers.unreaped.id, reaped: true },
      ]);
      assert.equal((await db.chip.findUniqueOrThrow({ where: { id: chip.id } })).workerId, null, 'the chip no longer names a worker that is gone');
      const leases = (await db.quotaBudgetLease.findMany({ orderBy: { workerId: 'asc' } })).map((l) => l.workerId);
      assert.deepEqual(leases, [workers.recentlyGone.id, workers.unreaped.id], 'only the tidied worker’s budget lease is gone');
    } finally {
      await lease.stop();
    }
  });
});
