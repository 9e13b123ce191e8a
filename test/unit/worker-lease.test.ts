// The worker lease keeps itself alive whatever its callbacks cost: dropping sockets, or telling a dead
// worker's hundreds of chips, runs beside the renewals and never holds one up. A renewal that waited
// behind them let a busy, live worker's lease lapse, and the fleet then reaped it and moved its chips.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '@chipgate/db';
import { WorkerLease, type WorkerLeaseOptions } from '@chipgate/worker/chip-runtime/worker-lease';

const TTL_MS = 3000;
const RENEW_MS = 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** chip_workers as the lease's SQL sees it, for one worker: its row's expiry, and expired leases of others to reap. */
function leaseTable(deadWorkers: string[] = []) {
  const table = { expiresAt: 0, renewals: 0, lapse: () => (table.expiresAt = 0) };
  const db = {
    $executeRaw: async (sql: TemplateStringsArray) => {
      await sleep(1);
      const text = sql.join('?');
      if (text.includes('INSERT INTO chip_workers')) {
        table.expiresAt = Date.now() + TTL_MS;
        return 1;
      }
      if (text.includes('UPDATE chip_workers SET expires_at') && table.expiresAt > Date.now()) {
        table.expiresAt = Date.now() + TTL_MS;
        table.renewals++;
        return 1;
      }
      return 0;
    },
    $queryRaw: async (sql: TemplateStringsArray) =>
      sql.join('?').includes('SET reaped_at') ? deadWorkers.splice(0).map((id) => ({ id })) : [],
    chip: { findMany: async () => [{ id: 'chip-of-the-dead-worker' }] },
    $transaction: async (work: (tx: unknown) => Promise<unknown>) => work(db),
  };
  return { table, db: db as unknown as Db };
}

async function withLease(opts: Partial<WorkerLeaseOptions> & { db: Db }, body: (lease: WorkerLease) => Promise<void>) {
  const lease = await WorkerLease.acquire({
    workerId: 'w1',
    taskQueue: 'q',
    ttlMs: TTL_MS,
    renewMs: RENEW_MS,
    onDeadWorker: async () => {},
    onFenced: async () => {},
    ...opts,
  });
  try {
    await body(lease);
  } finally {
    await lease.stop();
  }
}

/** Samples valid() every 20 ms for `ms`: how many samples found the lease not valid. */
async function invalidSamples(lease: WorkerLease, ms: number) {
  let invalid = 0;
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (!lease.valid()) invalid++;
  return invalid;
}

describe('worker lease', { timeout: 30_000 }, () => {
  it('stays valid while a slow onRenewed (dropping sockets through a busy pool) takes longer than the TTL', async () => {
    const { table, db } = leaseTable();
    let slow = 0;
    await withLease({ db, onRenewed: () => (slow++ === 0 ? sleep(TTL_MS + 1500) : Promise.resolve()) }, async (lease) => {
      assert.equal(await invalidSamples(lease, TTL_MS + 1000), 0, 'the lease never lapsed');
      assert.ok(table.renewals > 10, `renewed ${table.renewals} times meanwhile`);
    });
  });

  it('stays valid while it tells a dead worker’s chips, however long that takes', async () => {
    const { table, db } = leaseTable(['dead-worker']);
    const told: string[] = [];
    const onDeadWorker = async (id: string) => {
      await sleep(TTL_MS + 1500);
      told.push(id);
    };
    await withLease({ db, onDeadWorker }, async (lease) => {
      assert.equal(await invalidSamples(lease, TTL_MS + 1000), 0, 'the reaper’s own lease never lapsed');
      assert.ok(table.renewals > 10, `renewed ${table.renewals} times meanwhile`);
      await sleep(1000);
      assert.deepEqual(told, ['dead-worker'], 'the dead worker’s chips were told, once');
    });
  });

  it('after a lapse, counts again only once onFenced has dropped what others took, and keeps its row alive meanwhile', async () => {
    const { table, db } = leaseTable();
    let fenced = 0;
    let fenceDone = false;
    const onFenced = async () => {
      fenced++;
      await sleep(TTL_MS + 500);
      fenceDone = true;
    };
    await withLease({ db, onFenced }, async (lease) => {
      assert.equal(lease.valid(), true);
      table.lapse();
      await until(() => !lease.valid() && fenced === 1);
      const renewalsAtFence = table.renewals;
      while (!fenceDone) {
        assert.equal(lease.valid(), false, 'no socket may open before onFenced returns');
        await sleep(20);
      }
      assert.ok(table.renewals > renewalsAtFence + 10, 'the row was renewed while onFenced ran (the fleet does not reap it again)');
      assert.ok(table.expiresAt > Date.now(), 'the row is alive');
      await until(() => lease.valid());
      assert.equal(fenced, 1, 'one lapse, one fence');
    });
  });
});

async function until(probe: () => boolean, timeoutMs = 10_000) {
  for (const end = Date.now() + timeoutMs; !probe(); await sleep(10)) if (Date.now() > end) throw new Error('timed out');
}
