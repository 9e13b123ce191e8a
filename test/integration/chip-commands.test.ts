// Commands against a chip in every awkward moment: during the meter that continues the run as new,
// with its worker just killed, with bad input. The chip workflow's only terminal states are
// RELEASED and LOGGED_OUT: none of these may fail it, hang it, or lose what was asked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { chipWorkflowId, type ChipState } from '@chipgate/workflows/chip/contract';
import { startWhatsAppStandIn, type WhatsAppStandIn } from '../standins/whatsapp';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { chipPairing } from '../support/chip-pairing';
import { recordHistories } from '../support/history';
import { startWorkerFleet, type WorkerFleet } from '../support/worker-fleet';

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Holds the owner's monthly roll-up row locked, so the chip's next meter blocks inside its transaction. */
async function lockMeter(databaseUrl: string, userId: string) {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  await lock.query('BEGIN');
  await lock.query('SELECT 1 FROM user_proxy_costs WHERE user_id = $1 FOR UPDATE', [userId]);
  const pid = (await lock.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    /** Whether some session waits on this lock (the meter). */
    blocking: async () => (await lock.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid])).rows[0]!.n !== '0',
    release: async () => {
      await lock.query('ROLLBACK');
      await lock.end();
    },
  };
}

describe('chip commands during continue-as-new, and refused input (one worker)', { timeout: 300_000 }, () => {
  let world: ChipWorld;
  let whatsapp: WhatsAppStandIn;
  before(async () => {
    whatsapp = await startWhatsAppStandIn({ fault: { kind: 'silent', sendBytes: 256 } });
    // Every meter ends its run: each one is a continue-as-new meter.
    world = await startChipWorld({ meterIntervalSeconds: 1, metersPerRun: 1, waWebSocketUrl: whatsapp.url });
  });
  after(async () => {
    await world?.close();
    await whatsapp?.close();
  });

  /** A connected chip whose next meter is blocked in its transaction; `lock.release()` lets it finish. */
  async function chipInItsContinueAsNewMeter() {
    const user = await world.createUser('ENTERPRISE');
    const chipId = await world.startChip(user.id, 'can-meter');
    await world.waitForState(chipId, (s) => s.workerQueue !== null && s.exitIp !== null, 'connected');
    await world.throughChip(chipId, '/bytes/1000');
    await until('a first meter to create the roll-up', async () => (await world.db.userProxyCost.count({ where: { userId: user.id } })) === 1);
    const lock = await lockMeter(world.databaseUrl, user.id);
    await until('the meter to block on the lock', () => lock.blocking());
    const handle = world.temporal.workflow.getHandle(chipWorkflowId(chipId));
    return { chipId, userId: user.id, lock, handle, runId: (await handle.describe()).runId };
  }

  it('a release during the continue-as-new meter finishes within seconds of the meter, instead of hanging', async () => {
    const { chipId, lock, handle } = await chipInItsContinueAsNewMeter();
    const released = world.chips.release(chipId, 'deleted during the meter');
    await new Promise((r) => setTimeout(r, 1500));
    const unlockedAt = Date.now();
    await lock.release();
    const state = await Promise.race([released, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('release still waiting 20 s after the meter')), 20_000))]);
    assert.equal(state.status, 'RELEASED');
    assert.ok(Date.now() - unlockedAt < 20_000);
    assert.equal((await handle.describe()).status.name, 'COMPLETED');
    assert.equal(await world.db.chipProxyAssignment.count({ where: { chipId, releasedAt: null } }), 0, 'the proxy assignment is released');
    assert.equal((await world.chips.release(chipId, 'again')).status, 'RELEASED', 'releasing twice is harmless');
    await recordHistories(world.temporal, chipWorkflowId(chipId), 'chip/release-during-continue-as-new-meter');
  });

  it('a reassign accepted just before continue-as-new is carried out by the next run', async () => {
    const { chipId, lock, handle, runId } = await chipInItsContinueAsNewMeter();
    const before = await world.chips.reassignProxy(chipId, 'operator moves it');
    await lock.release();
    const moved = await world.waitForState(chipId, (s) => s.sessionId !== null && s.sessionId !== before.sessionId && s.workerQueue !== null, 'a new sticky session');
    assert.notEqual((await handle.describe()).runId, runId, 'the run continued as new in between');
    const events = await world.db.chipEvent.count({ where: { chipId, type: 'proxy_reassigned', detail: { path: ['reason'], equals: 'operator moves it' } } });
    assert.equal(events, 1, 'the reassign happened once, with its reason');
    assert.ok(moved.sessionId);
    await world.chips.release(chipId, 'done');
    await recordHistories(world.temporal, chipWorkflowId(chipId), 'chip/reassign-across-continue-as-new');
  });

  it('refuses bad input with a non-retryable failure of a named type, and changes nothing', async () => {
    const user = await world.createUser('BUSINESS');
    const chipId = await world.startChip(user.id, 'bad-input');
    await world.waitForState(chipId, (s) => s.workerQueue !== null, 'connected');
    const handle = world.temporal.workflow.getHandle(chipWorkflowId(chipId));
    for (const args of [[{ reason: 42 }], ['not an object'], [{ reason: ' ' }]]) {
      const err = await handle.executeUpdate('pauseChip', { args: args as [unknown] }).then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, 'InvalidChipCommand');
      assert.equal(err.cause.nonRetryable, true);
    }
    assert.equal((await world.chips.state(chipId)).paused, false);
    await world.chips.release(chipId, 'done');
    const late = await handle.executeUpdate('pauseChip', { args: [{ reason: 'too late' }] }).catch((e: unknown) => e);
    assert.ok(late instanceof Error);
  });
});

describe('commands to a chip whose worker was just killed (worker processes)', { timeout: 600_000 }, () => {
  let world: ChipWorld;
  let whatsapp: WhatsAppStandIn;
  let fleet: WorkerFleet;
  let chips: WorkerFleet['chips'];
  let pairing: ReturnType<typeof chipPairing>;

  before(async () => {
    // The pairing stand-in: chips log in and stay connected, so every login is counted per device.
    whatsapp = await startWhatsAppStandIn();
    // The world's own worker polls another queue: only the fleet's worker processes serve these chips.
    world = await startChipWorld({ waWebSocketUrl: whatsapp.url });
    fleet = await startWorkerFleet(world, whatsapp);
    chips = fleet.chips;
    pairing = chipPairing(world, whatsapp, { firstNumber: 5511955500001, chips });
  });
  after(async () => {
    await fleet?.close();
    await world?.close();
    await whatsapp?.close();
  });

  const startWorker = (name: string, env?: NodeJS.ProcessEnv) => fleet.startWorker(name, env);
  /** Starts a chip and pairs it by scanning the QR its worker wrote to the chip row. */
  async function pairedChip(label: string) {
    const { chipId, device } = await pairing.pair(label);
    return { chipId, device, sockets: () => whatsapp.connections.filter((c) => c.deviceJid === device.jid) };
  }
  const stateOf = (chipId: string, predicate: (s: ChipState) => boolean, what: string, ms = 120_000) =>
    until(what, async () => {
      const s = await chips.state(chipId);
      return predicate(s) ? s : undefined;
    }, ms);

  it('pause to a dead worker is remembered and applied where the chip lands next; resume connects it there; release with a dead worker takes seconds', async () => {
    const a = await startWorker('worker_a');
    const { chipId, device } = await pairedChip('dead-worker');
    const onA = await stateOf(chipId, (s) => s.workerQueue === a.workerId && s.exitIp !== null, 'connected on worker A');
    const b = await startWorker('worker_b');

    a.child.kill('SIGKILL');
    await a.exited;
    const paused = await chips.pause(chipId, 'operator hold');
    assert.equal(paused.paused, true, 'the pause is accepted at once, whatever the worker');
    // The workflow learns the worker is gone (heartbeat or schedule-to-start timeout) and does not reconnect a paused chip.
    const settled = await stateOf(chipId, (s) => s.workerQueue === null && s.status === 'PAUSED', 'paused with no worker holding it');
    assert.equal(settled.pauseReason, 'operator hold');
    await new Promise((r) => setTimeout(r, 5000));
    const still = await chips.state(chipId);
    assert.equal(still.workerQueue, null, 'a paused chip is not connected anywhere');
    assert.equal((await world.temporal.workflow.getHandle(chipWorkflowId(chipId)).describe()).status.name, 'RUNNING', 'the workflow did not fail');

    await chips.resume(chipId);
    const onB = await stateOf(chipId, (s) => s.workerQueue === b.workerId && s.status === 'CONNECTED', 'connected on worker B');
    assert.equal(onB.sessionId, onA.sessionId, 'the same sticky session');
    await whatsapp.waitFor('the chip to log in from worker B', () => device.logins >= 2, 60_000);
    assert.equal(device.logins, 2, 'one login on A, one on B after the resume: none while paused');

    await startWorker('worker_c');
    b.child.kill('SIGKILL');
    await b.exited;
    const started = Date.now();
    const released = await chips.release(chipId, 'released with its worker dead');
    const took = Date.now() - started;
    assert.equal(released.status, 'RELEASED');
    assert.ok(took < 20_000, `release took ${took} ms`);
    assert.equal(await world.db.chipProxyAssignment.count({ where: { chipId, releasedAt: null } }), 0);
    await recordHistories(fleet.temporal, chipWorkflowId(chipId), 'chip/commands-to-a-dead-worker');
  });

  it('a stall nobody acted on reconnects nothing: the woken worker takes a new lease and keeps its chip', async () => {
    await fleet.stopAll();
    // WhatsApp Web's 30 s keep-alive: Baileys itself sits out a 10 s stall, so any reconnect would be ours.
    const a = await startWorker('lone_a', { CHIPGATE_WA_KEEPALIVE_MS: '30000' });
    const { chipId, device, sockets } = await pairedChip('lone-stall');
    await stateOf(chipId, (s) => s.workerQueue === a.workerId && s.exitIp !== null, 'connected on worker A');
    const leaseLapsed = async () => (await world.db.$queryRaw<Array<{ lapsed: boolean }>>`SELECT expires_at < now() AS lapsed FROM chip_workers WHERE id = ${a.workerId}`)[0]?.lapsed;

    a.child.kill('SIGSTOP');
    await until('A’s lease to lapse', leaseLapsed, 30_000);
    await new Promise((r) => setTimeout(r, 2000));
    a.child.kill('SIGCONT');
    await until('A to hold a lease again', async () => (await leaseLapsed()) === false, 30_000);
    await new Promise((r) => setTimeout(r, 5000));

    assert.equal(device.logins, 1, 'the chip logged in once: the stall reconnected nothing');
    assert.equal(sockets().length, 1, 'one connection of the account throughout');
    assert.equal(sockets()[0]!.closed, false);
    assert.equal((await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).workerId, a.workerId, 'the chip is still A’s');
    const after = await stateOf(chipId, (s) => s.status === 'CONNECTED', 'still connected');
    assert.equal(after.workerQueue, a.workerId);
    await chips.release(chipId, 'done');
  });

  it('a stalled worker is fenced: its chip moves once its lease lapses, and when it wakes it drops its socket and opens none', async () => {
    await fleet.stopAll();
    const a = await startWorker('stalled_a');
    const { chipId, device, sockets: fromChip } = await pairedChip('stalled');
    const onA = await stateOf(chipId, (s) => s.workerQueue === a.workerId && s.exitIp !== null, 'connected on worker A');
    const b = await startWorker('live_b');

    a.child.kill('SIGSTOP');
    const stalledAt = Date.now();
    const onB = await stateOf(chipId, (s) => s.workerQueue === b.workerId && s.status === 'CONNECTED', 'placed on worker B', 120_000);
    assert.ok(Date.now() - stalledAt < 120_000);
    assert.equal(onB.sessionId, onA.sessionId, 'the same sticky session');
    await whatsapp.waitFor('the chip to log in from worker B', () => device.logins >= 2, 60_000);
    assert.equal((await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).workerId, b.workerId, 'the chip is B’s in the database');
    const seenBeforeWake = fromChip().length;

    a.child.kill('SIGCONT');
    // Woken, A finds its lease gone and drops what it held; its gateway lets nothing of the chip through.
    await until('A’s stale socket to close', async () => fromChip().filter((c) => !c.closed).length === 1, 30_000);
    await new Promise((r) => setTimeout(r, 5000));
    assert.equal(fromChip().length, seenBeforeWake, 'the woken worker opened no new connection for the chip');
    assert.equal(device.logins, 2, 'logged in once on A and once on B: never again from A');
    assert.equal(fromChip().find((c) => !c.closed)?.remoteAddress, onA.exitIp, 'from the same sticky exit IP');
    assert.equal(fromChip().filter((c) => !c.closed).length, 1, 'one connection of the account, B’s');
    const after = await chips.state(chipId);
    assert.equal(after.workerQueue, b.workerId, 'the chip stays on B');
    assert.equal((await world.db.chip.findUniqueOrThrow({ where: { id: chipId } })).workerId, b.workerId);
    await chips.release(chipId, 'done');
  });
});
