import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';
import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import protos from '@temporalio/proto';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { notifyQuotaChanged } from '../../web/src/server/services/chips';

// 0.002 GB = 2,147,483 bytes: small enough to cross both thresholds with a few local transfers.
const PLAN_GB = '0.002';
const ALLOWANCE = gbToBytes(PLAN_GB);
/** Chips of one user in the fleet test; CHIPGATE_QUOTA_FLEET_CHIPS=5000 for the full-size run (see README). */
const FLEET = Number(process.env.CHIPGATE_QUOTA_FLEET_CHIPS ?? 100);
/** How long each fleet-wide wait may take: at 100 chips each takes seconds here, and grows with the fleet. */
const FLEET_WAIT_MS = Math.max(600_000, FLEET * 500);
const { EventType } = protos.temporal.api.enums.v1;

describe('quota: 80% alert once, 100% pauses every chip of the owner, a top-up resumes them', () => {
  let world: ChipWorld;
  before(async () => {
    world = await startChipWorld({ meterIntervalSeconds: 1, planGbLimit: PLAN_GB });
  });
  after(() => world.close());

  it('alerts at 80% once, pauses at 100%, and resumes after a top-up credit', async () => {
    const user = await world.createUser('FREE');
    const a = await world.startChip(user.id, 'a');
    const b = await world.startChip(user.id, 'b');
    await world.waitForState(a, (s) => s.workerQueue !== null, 'chip a connected');
    await world.waitForState(b, (s) => s.workerQueue !== null, 'chip b connected');

    // ~82% of the allowance through chip a.
    await world.throughChip(a, `/bytes/${(ALLOWANCE * 82n) / 100n}`);
    await world.waitForState(a, (s) => BigInt(s.bytesThisMonth) >= (ALLOWANCE * 80n) / 100n, '80% metered');
    const month = new Date(`${billingMonthOf(new Date())}T00:00:00Z`);
    await waitFor(async () => (await world.db.quotaAlert.count({ where: { userId: user.id, month, threshold: 'PERCENT_80' } })) === 1, '80% alert');
    // Several more meter cycles at the same standing must not add a second alert.
    await world.throughChip(a, '/bytes/1000');
    await world.waitForState(a, (s) => s.lastPeriod !== null && BigInt(s.bytesThisMonth) > (ALLOWANCE * 82n) / 100n, 'more metered');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await world.db.quotaAlert.count({ where: { userId: user.id, threshold: 'PERCENT_80' } }), 1, 'the 80% alert exists exactly once');
    assert.equal((await world.chips.state(a)).paused, false, 'below 100% nothing is paused');

    // Past 100% through chip b: the gateway cuts the download at 100%, and both chips stop.
    await world.throughChip(b, `/bytes/${(ALLOWANCE * 25n) / 100n}`).catch((err: unknown) => err);
    const pausedA = await world.waitForState(a, (s) => s.status === 'PAUSED', 'chip a paused at the gateway');
    const pausedB = await world.waitForState(b, (s) => s.status === 'PAUSED', 'chip b paused at the gateway');
    assert.match(pausedA.pauseReason ?? '', /quota/);
    assert.match(pausedB.pauseReason ?? '', /quota/);
    assert.equal(await world.db.quotaAlert.count({ where: { userId: user.id, threshold: 'PERCENT_100' } }), 1, 'the 100% alert exists exactly once');
    const refused = await world.throughChip(a, '/json').catch((err: Error) => err);
    assert.ok(refused instanceof Error || refused.status === 403, 'a new connection of a paused chip is refused at the gateway');
    if (refused instanceof Error) assert.match(refused.message, /403|paused|quota/i);
    const chipRow = await world.db.chip.findUniqueOrThrow({ where: { id: b } });
    assert.equal(chipRow.status, 'PAUSED');

    // A 1 GB top-up credited this month raises the allowance; the chips resume by themselves.
    await world.db.topUpCredit.create({ data: { userId: user.id, month, bytes: gbToBytes('1'), note: 'test top-up' } });
    await world.chips.quotaChanged(a);
    await world.waitForState(a, (s) => s.status === 'CONNECTED', 'chip a resumed');
    await world.chips.quotaChanged(b);
    await world.waitForState(b, (s) => s.status === 'CONNECTED', 'chip b resumed');
    const echoed = await world.throughChip(a, '/json');
    assert.equal(echoed.status, 200, 'the gateway lets the chip through again');

    await world.chips.release(a, 'done');
    await world.chips.release(b, 'done');
  });

  it(`a user with ${FLEET} chips crosses 100%: every chip pauses, with one message per chip and small histories; a top-up resumes them all`, { timeout: 4 * FLEET_WAIT_MS }, async (t) => {
    const user = await world.createUser('FREE');
    const live = await world.startChip(user.id, 'live');
    await world.waitForState(live, (s) => s.workerQueue !== null, 'the live chip connected');
    // The rest have no socket: their region has no proxy, and they neither retry nor meter during the test.
    const idle: string[] = [];
    for (let i = 0; i < FLEET - 1; i++) idle.push((await world.db.chip.create({ data: { ownerId: user.id, label: `idle-${i}`, region: 'nowhere' } })).id);
    for (let i = 0; i < idle.length; i += 50) {
      await Promise.all(idle.slice(i, i + 50).map((chipId) => world.chips.start({ chipId, userId: user.id, settings: { meterIntervalSeconds: 86_400, metersPerRun: 100, proxyRetrySeconds: 3600 } })));
    }
    // Queries in batches of 100, and a chip once seen where it should be is not asked again: with
    // thousands of chips, asking all of them on every pass would only measure the test's own pile-up.
    const allReach = async (chipIds: string[], predicate: (s: Awaited<ReturnType<typeof world.chips.state>>) => boolean, what: string) => {
      let left = chipIds;
      await waitFor(async () => {
        const pending: string[] = [];
        for (let i = 0; i < left.length; i += 100) {
          const batch = left.slice(i, i + 100);
          const states = await Promise.all(batch.map((chipId) => world.chips.state(chipId).catch(() => null)));
          pending.push(
            ...batch.filter((_, k) => {
              const state = states[k];
              return !state || !predicate(state);
            }),
          );
        }
        left = pending;
        return left.length === 0;
      }, what, FLEET_WAIT_MS);
    };
    const started = Date.now();
    await allReach(idle, (s) => s.lastError?.startsWith('no healthy proxy') === true, 'every idle chip waiting for a proxy');
    const startedSeconds = (Date.now() - started) / 1000;
    // Progress as it happens: a full-size run takes long enough that a stopped one should still tell how far it got.
    console.log(`${FLEET} chips: every idle chip waiting for a proxy after ${startedSeconds.toFixed(0)} s`);

    // The gateway cuts the download at 100%.
    await world.throughChip(live, `/bytes/${(ALLOWANCE * 110n) / 100n}`).catch((err: unknown) => err);
    // Every chip of the user is told at once: with thousands, the live chip waits its turn like the rest.
    await world.waitForState(live, (s) => s.status === 'PAUSED', 'the live chip paused', FLEET_WAIT_MS);
    const crossed = Date.now();
    await allReach(idle, (s) => s.paused && /quota/.test(s.pauseReason ?? ''), 'every chip paused for quota');
    const pausedSeconds = (Date.now() - crossed) / 1000;
    console.log(`${FLEET} chips: all paused ${pausedSeconds.toFixed(0)} s after the crossing`);

    // Messages: the crossing chip told each other chip once; no chip signalled its siblings itself.
    let signals = 0;
    let maxEvents = 0;
    for (const chipId of [live, ...idle]) {
      const events = (await world.temporal.workflow.getHandle(chipWorkflowId(chipId)).fetchHistory()).events ?? [];
      maxEvents = Math.max(maxEvents, events.length);
      signals += events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
      assert.equal(events.filter((e) => e.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED).length, 0, 'no chip signals its siblings from its own history');
    }
    assert.ok(signals <= FLEET + 1, `${signals} signals for ${FLEET} chips: O(N)`);
    assert.ok(maxEvents < 10_000, `largest history ${maxEvents} events`);

    // A top-up raises the allowance; the web app tells each chip once, and every chip runs again.
    await world.db.topUpCredit.create({ data: { userId: user.id, month: new Date(`${billingMonthOf(new Date())}T00:00:00Z`), bytes: gbToBytes('1'), note: 'fleet top-up' } });
    const toppedUp = Date.now();
    await notifyQuotaChanged(world.db, async () => world.temporal, { userId: user.id });
    await allReach([live, ...idle], (s) => !s.paused, 'every chip resumed');
    await world.waitForState(live, (s) => s.status === 'CONNECTED', 'the live chip connected again', FLEET_WAIT_MS);
    const resumedSeconds = (Date.now() - toppedUp) / 1000;
    let maxEventsAfter = 0;
    for (const chipId of [live, ...idle]) maxEventsAfter = Math.max(maxEventsAfter, (await world.temporal.workflow.getHandle(chipWorkflowId(chipId)).fetchHistory()).events?.length ?? 0);
    assert.ok(maxEventsAfter < 10_000, `largest history after resuming ${maxEventsAfter} events`);
    t.diagnostic(
      `${FLEET} chips: started in ${startedSeconds.toFixed(0)} s; all paused ${pausedSeconds.toFixed(0)} s after the crossing with ${signals} signals in all, largest history ${maxEvents} events; ` +
        `all resumed ${resumedSeconds.toFixed(0)} s after the top-up, largest history ${maxEventsAfter} events`,
    );
    for (const chipId of [live, ...idle]) await world.temporal.workflow.getHandle(chipWorkflowId(chipId)).terminate('test over');
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
