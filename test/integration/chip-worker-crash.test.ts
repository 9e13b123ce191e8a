import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { chipWorkflowClient, type ChipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import { chipWorkflowId, type ChipState } from '@chipgate/workflows/chip/contract';
import { addMoney } from '@chipgate/workflows/rules/money';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { emptyDatabase } from '../support/database';
import { testEnv } from '../support/environment';
import { saveStandInProvider, startTestStandIn } from '../support/standin';
import { killChildren as killAll, startWorkerChild, stopChild } from '../support/worker-child';
import { platformBytes } from '../support/platform-traffic';

/**
 * A worker process is SIGKILLed while the chip's meter transaction is open, and a new worker
 * process takes over. The kill is made to land inside the meter deterministically, without any
 * fault hook in production code: the test holds a row lock on the owner's `user_proxy_costs` row,
 * so the worker's meter blocks in the middle of its transaction (usage row inserted, proxy total
 * raised, counters locked, nothing committed) until the worker is dead.
 *
 * What "nothing lost" can mean for an uncatchable SIGKILL: bytes the gateway counted but had not
 * yet flushed to `chip_traffic_counters` die with the process. The flush interval bounds that
 * loss. The test therefore (1) pushes its known payload and waits until the counter rows show it,
 * (2) asserts that every byte flushed by either worker is billed exactly once, and (3) measures,
 * with the provider's own account meter, what the dead worker moved after its counters were last
 * seen in step with the provider, and asserts the loss is no more than that (0 in a quiet chip).
 */

const PAYLOAD = 2_000_000;
const METER_INTERVAL_SECONDS = 5;
const FLUSH_MS = 200;

describe('a worker killed in the middle of a meter cycle', () => {
  const children: ChildProcess[] = [];
  const killChildren = killAll(children);
  // Should this test process die some other way, its worker processes must not outlive it.
  process.once('exit', killChildren);

  let database: Awaited<ReturnType<typeof emptyDatabase>> | undefined;
  let db: Db | undefined;
  let provider: Awaited<ReturnType<typeof startTestStandIn>> | undefined;
  let chat: WhatsAppStandIn | undefined;
  let connection: Connection | undefined;
  let temporal: Client;
  let chips: ChipWorkflowClient;
  let lock: pg.Client | undefined;
  let chipId: string | undefined;
  let proxyId: string;
  const taskQueue = `crash-${randomUUID()}`;

  before(async () => {
    database = await emptyDatabase();
    applyMigrations(database.url);
    db = createDb(database.url);
    provider = await startTestStandIn();
    // Each chat connection is held open silently until the test asks for a payload.
    chat = await startWhatsAppStandIn({ fault: { kind: 'silent' } });
    ({ proxyId } = await saveStandInProvider(db, provider));
    connection = await Connection.connect({ address: testEnv.temporalAddress });
    temporal = new Client({ connection });
    chips = chipWorkflowClient(temporal, taskQueue);
  });

  after(async () => {
    if (chipId) await temporal.workflow.getHandle(chipWorkflowId(chipId)).terminate('test over').catch(() => {});
    await lock?.end().catch(() => {});
    await Promise.all(children.map((child) => stopChild(child)));
    process.off('exit', killChildren);
    await connection?.close();
    await chat?.close();
    await provider?.standIn.close();
    await db?.$disconnect();
    await database?.drop();
  });

  /** A worker process on this test's queue and database. */
  const startWorker = (name: string) =>
    startWorkerChild(
      name,
      {
        // application_name tells this worker's database sessions apart in pg_stat_activity.
        DATABASE_URL: `${database!.url}?application_name=${name}`,
        TEMPORAL_ADDRESS: testEnv.temporalAddress,
        CHIPGATE_TASK_QUEUE: taskQueue,
        CHIPGATE_IP_ECHO_URL: provider!.standIn.echoUrl,
        CHIPGATE_WA_WEBSOCKET_URL: chat!.url,
        CHIPGATE_COUNTER_FLUSH_MS: String(FLUSH_MS),
        // main.ts points the shared maintenance Schedules at this queue; at these intervals none fires
        // during the test, so no health check adds provider traffic that is not the chip's.
        CHIPGATE_HEALTH_CHECK_MINUTES: '1440',
        CHIPGATE_RECONCILE_MINUTES: '10080',
        SMTP_URL: '',
        ALERT_WEBHOOK_URL: '',
      },
      children,
    );

  async function waitForState(predicate: (state: ChipState) => boolean, what: string, timeoutMs = 60_000): Promise<ChipState> {
    let last: ChipState | undefined;
    await waitFor(
      async () => {
        last = await chips.state(chipId!).catch(() => last);
        return last !== undefined && predicate(last);
      },
      () => `${what}; last state ${JSON.stringify(last)}`,
      timeoutMs,
    );
    return last!;
  }

  /** The chip's flushed counters, and what of them is billed, summed over every worker's rows. */
  /** What the provider carried for the chip's owner: its account's bytes less the platform's exit-IP probes, billed to nobody. */
  async function customerBytesCarried() {
    const carried = provider!.standIn.accountBytes();
    const platform = await platformBytes(db!);
    const sent = carried.sent - platform.sent;
    const received = carried.received - platform.received;
    return { sent, received, total: sent + received };
  }

  async function counters() {
    const rows = await db!.chipTrafficCounter.findMany({ where: { chipId } });
    const sum = (pick: (r: (typeof rows)[number]) => bigint) => rows.reduce((total, r) => total + pick(r), 0n);
    return { rows, sent: sum((r) => r.bytesSent), received: sum((r) => r.bytesReceived), billedSent: sum((r) => r.billedSent), billedReceived: sum((r) => r.billedReceived) };
  }

  async function usage() {
    const logs = await db!.proxyUsageLog.findMany({ where: { chipId }, orderBy: { periodStart: 'asc' } });
    const sent = logs.reduce((total, l) => total + l.bytesSent, 0n);
    const received = logs.reduce((total, l) => total + l.bytesReceived, 0n);
    return { logs, sent, received, total: sent + received };
  }

  /**
   * A worker's database sessions as PostgreSQL sees them: whom each waits for, and the tables its
   * open transaction has written to (uncommitted). pg_stat_activity's query text can lag behind a
   * session waiting inside the extended protocol, so locks are what identify the meter.
   */
  const sessionsOf = async (name: string) =>
    (
      await lock!.query<{ pid: number; blocked_by: number[]; written: string[] }>(
        `SELECT a.pid, pg_blocking_pids(a.pid) AS blocked_by,
                coalesce(array_agg(l.relation::regclass::text) FILTER (WHERE l.mode = 'RowExclusiveLock' AND l.granted), '{}') AS written
           FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'relation'
          WHERE a.application_name = $1 GROUP BY a.pid`,
        [name],
      )
    ).rows;

  it('bills every flushed byte exactly once after a new worker takes the chip over', { timeout: 600_000 }, async (t) => {
    const workerA = await startWorker('chipgate_worker_a');
    const user = await db!.user.create({
      data: { email: `${randomUUID()}@chipgate.test`, name: 'Crash Test', passwordHash: 'unused', plan: { connect: { code: 'ENTERPRISE' } } },
    });
    chipId = (await db!.chip.create({ data: { ownerId: user.id, label: 'crash', region: 'br' } })).id;
    await chips.start({ chipId, userId: user.id, settings: { meterIntervalSeconds: METER_INTERVAL_SECONDS, metersPerRun: 100, proxyRetrySeconds: 1 } });
    const connected = await waitForState((s) => s.workerQueue !== null && s.exitIp !== null, 'connected on worker A');
    assert.equal(connected.workerQueue, workerA.workerId, "the chip's socket lives on worker A");
    await chat!.waitForFirstFrames(1, 30_000);
    // A first meter bills the connect traffic and creates the owner's monthly row, the one to lock.
    await waitFor(async () => (await db!.userProxyCost.count({ where: { userId: user.id } })) === 1, 'a first meter');

    lock = new pg.Client({ connectionString: database!.url });
    await lock.connect();
    const lockPid = (await lock.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    // Push the payload right after a meter, wait until it is flushed, then lock before the next meter
    // can bill it. Should a slow machine let a meter bill it first, try again with a new payload.
    let inSync: { sent: bigint; received: bigint } | undefined;
    let receivedBeforePayload = 0n;
    let blockedPeriodStart: string | null = null;
    let attempts = 0;
    for (let attempt = 1; attempt <= 4 && !blockedPeriodStart; attempt++) {
      attempts = attempt;
      const meteredAt = (await chips.state(chipId)).lastMeterAt;
      await waitForState((s) => s.lastMeterAt !== meteredAt, 'a meter to finish');
      const before = await counters();
      const seen = chat!.connections.length;
      chat!.setFault({ kind: 'silent', sendBytes: PAYLOAD });
      for (const c of chat!.connections) if (!c.closed) c.close();
      await chat!.waitForFirstFrames(seen + 1, 30_000);
      chat!.setFault({ kind: 'silent' });
      // Flushed, and quiet: the counter rows hold everything the provider carried for the account.
      await waitFor(
        async () => {
          const now = await counters();
          const carried = await customerBytesCarried();
          if (now.received < before.received + BigInt(PAYLOAD) || now.sent !== carried.sent || now.received !== carried.received) return false;
          inSync = carried;
          return true;
        },
        'the payload flushed to chip_traffic_counters',
      );
      receivedBeforePayload = before.received;

      await lock.query('BEGIN');
      await lock.query('SELECT 1 FROM user_proxy_costs WHERE user_id = $1 FOR UPDATE', [user.id]);
      const flushed = await counters();
      const billed = await usage();
      if (flushed.received - billed.received < BigInt(PAYLOAD)) {
        await lock.query('ROLLBACK');
        continue;
      }
      // The next meter takes the counters (payload included), writes its usage row and waits on the lock.
      let sessions: Awaited<ReturnType<typeof sessionsOf>> = [];
      await waitFor(
        async () => (sessions = await sessionsOf(workerA.name)).some((s) => s.blocked_by.includes(lockPid)),
        () => `worker A's meter transaction to block on user_proxy_costs; its sessions: ${JSON.stringify(sessions)}`,
        4 * METER_INTERVAL_SECONDS * 1000,
      );
      const meter = sessions.find((s) => s.blocked_by.includes(lockPid))!;
      for (const table of ['proxy_usage_logs', 'proxies', 'user_proxy_costs']) {
        assert.ok(meter.written.includes(table), `the blocked meter has written ${table}, uncommitted (it wrote ${meter.written.join(', ')})`);
      }
      blockedPeriodStart = (await chips.state(chipId)).lastMeterAt;
    }
    assert.ok(blockedPeriodStart && inSync, 'the meter is blocked with the payload unbilled');
    assert.equal((await usage()).logs.filter((l) => l.periodStart.toISOString() === blockedPeriodStart).length, 0, 'nothing of the blocked meter is committed');

    // The kill: no signal handler, no final flush, no activity completion.
    workerA.child.kill('SIGKILL');
    await workerA.exited;
    const killedAt = Date.now();
    const connectionsOfA = chat!.connections.length;
    await waitFor(async () => chat!.connections.every((c) => c.closed), "the dead worker's chat connection to close");
    const carriedAtKill = await customerBytesCarried();
    await lock.query('ROLLBACK');
    // The dead worker's sessions end once they find their client gone; the meter's is rolled back.
    await waitFor(async () => (await sessionsOf(workerA.name)).length === 0, "worker A's database sessions to end");
    const afterKill = await counters();
    assert.equal(afterKill.rows.length, 1, "only worker A's registration so far");
    assert.equal((await usage()).logs.filter((l) => l.periodStart.toISOString() === blockedPeriodStart).length, 0, 'the killed meter committed nothing');
    const proxyAfterKill = await db!.proxy.findUniqueOrThrow({ where: { id: proxyId } });
    assert.equal(proxyAfterKill.totalBytesUsed, (await usage()).total, "the killed meter's raise of the proxy total was rolled back");

    const workerB = await startWorker('chipgate_worker_b');
    // The meter's attempt on A times out (start-to-close) and is retried on B; the supervise
    // activity's heartbeat timeout tells the workflow A is gone, and the chip reconnects on B.
    const resumed = await waitForState((s) => s.workerQueue === workerB.workerId && s.exitIp !== null, 'reconnected on worker B', 300_000);
    t.diagnostic(`payload locked in on attempt ${attempts}; the chip was back on worker B ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`);
    assert.equal(resumed.sessionId, connected.sessionId, 'the same sticky session');
    assert.equal(resumed.exitIp, connected.exitIp, 'and so the same exit IP');
    const retried = (await usage()).logs.filter((l) => l.periodStart.toISOString() === blockedPeriodStart);
    assert.equal(retried.length, 1, 'the retried meter wrote the blocked period exactly once');
    assert.ok(retried[0]!.bytesReceived >= BigInt(PAYLOAD), `the retried meter billed the payload (${retried[0]!.bytesReceived} bytes received)`);
    // The connect activity returns once the socket is placed; its WebSocket reaches WhatsApp just after.
    await waitFor(async () => chat!.connections.length > connectionsOfA, 'B to open a new chat connection');
    const reconnect = chat!.connections.at(-1)!;
    assert.equal(reconnect.remoteAddress, connected.exitIp, "WhatsApp sees the chip from its sticky exit IP again, now through B's gateway");

    const released = await chips.release(chipId, 'crash test done');
    assert.equal(released.status, 'RELEASED');
    await waitFor(async () => chat!.connections.every((c) => c.closed), "B's chat connection to close");
    const carriedAtEnd = await customerBytesCarried();

    // (a) Nothing counted twice: every flushed byte of both workers is billed, once.
    const final = await counters();
    const billed = await usage();
    assert.equal(final.rows.length, 2, 'one counter row per registration: worker A, then worker B');
    for (const row of final.rows) {
      assert.deepEqual({ sent: row.billedSent, received: row.billedReceived }, { sent: row.bytesSent, received: row.bytesReceived }, `counter of ${row.workerId} fully billed`);
    }
    assert.equal(billed.sent, final.sent, 'billed sent bytes = flushed sent bytes');
    assert.equal(billed.received, final.received, 'billed received bytes = flushed received bytes');
    assert.equal(new Set(billed.logs.map((l) => `${l.periodStart.toISOString()}:${l.proxyId}`)).size, billed.logs.length, 'one usage row per period and proxy');

    // (b) Nothing lost: the payload flushed before the kill is billed, and the dead worker lost no
    // more than what it moved after its counters were last seen in step with the provider.
    assert.ok(billed.received >= receivedBeforePayload + BigInt(PAYLOAD), 'the payload is billed');
    const rowA = afterKill.rows[0]!;
    const lostSent = carriedAtKill.sent - rowA.bytesSent;
    const lostReceived = carriedAtKill.received - rowA.bytesReceived;
    const unflushedSent = carriedAtKill.sent - inSync!.sent;
    const unflushedReceived = carriedAtKill.received - inSync!.received;
    assert.ok(lostSent >= 0n && lostSent <= unflushedSent, `sent bytes lost with worker A: ${lostSent}, moved after its last seen flush: ${unflushedSent}`);
    assert.ok(lostReceived >= 0n && lostReceived <= unflushedReceived, `received bytes lost with worker A: ${lostReceived}, moved after its last seen flush: ${unflushedReceived}`);
    t.diagnostic(`bytes lost with worker A: ${lostSent} sent, ${lostReceived} received (bound: ${unflushedSent}, ${unflushedReceived}); billed ${billed.total} bytes in ${billed.logs.length} usage rows`);
    // Worker B ended cleanly, so everything it carried is flushed and billed.
    const rowB = final.rows.find((r) => r.workerId === workerB.workerId);
    assert.ok(rowB, "worker B's counter row");
    assert.equal(rowB.bytesSent, carriedAtEnd.sent - carriedAtKill.sent, 'B: sent bytes = what the provider carried after the kill');
    assert.equal(rowB.bytesReceived, carriedAtEnd.received - carriedAtKill.received, 'B: received bytes = what the provider carried after the kill');
    assert.equal(carriedAtEnd.total - billed.total, lostSent + lostReceived, 'the provider and the bill differ only by what died unflushed with worker A');

    // (c) The monthly roll-up and the proxy total are the usage rows' sums.
    const roll = await db!.userProxyCost.findFirstOrThrow({ where: { userId: user.id } });
    assert.equal(roll.bytesTotal, billed.total, 'user_proxy_costs bytes = sum of usage rows');
    const [costs] = await db!.userMonthlyCost.findMany({ where: { userId: user.id } });
    assert.equal(costs?.cost.toFixed(8), billed.logs.map((l) => l.cost.toFixed(8)).reduce((a, b) => addMoney(a, b), '0'), 'user_monthly_costs cost = sum of usage rows');
    assert.equal((await db!.proxy.findUniqueOrThrow({ where: { id: proxyId } })).totalBytesUsed, billed.total, 'proxy total = sum of usage rows');

    await stopChild(workerB.child);
    assert.equal(workerB.child.exitCode, 0, `worker B stops cleanly on SIGTERM:\n${workerB.output()}`);
  });
});

async function waitFor(check: () => Promise<boolean>, what: string | (() => string), timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}
