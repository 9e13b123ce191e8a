import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';
import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { until } from '../support/until';

// 0.020 GB = 21,474,836 bytes (≈ 20.5 MiB): the plan's whole allowance.
const PLAN_GB = '0.020';
const ALLOWANCE = gbToBytes(PLAN_GB);
const MIB = 1024n * 1024n;
/** The most a user may move past 100% (issue 9): max(1 MiB, 0.5% of the allowance). */
const overshootBound = (allowance: bigint) => (allowance / 200n > MIB ? allowance / 200n : MIB);
/**
 * The stand-in's largest body, far more than any allowance here, so only the gateway stops a download;
 * at the full speed of a residential exit (the 2 MB/s per chip), not at loopback speed (hundreds
 * of MB/s, which no residential proxy carries, and at which the provider counts megabytes that sat in
 * its send buffers when the gateway cut: README, "Live budget").
 */
const FULL_SPEED = '/bytes/52428800?rate=2000000';

describe('live budget: the gateways hold a user to 100% across chips on two workers, and a raise re-arms the alerts', () => {
  let world: ChipWorld;
  before(async () => {
    // Meters 20 s apart (a chip connects at its first one): alerts and pauses seconds after a cut are the live budget's.
    world = await startChipWorld({ meterIntervalSeconds: 20, planGbLimit: PLAN_GB, maxChips: 2 });
    await world.startAnotherWorker();
  });
  after(() => world.close());

  it('cuts full-speed downloads at 100% within the bound, pauses every chip, alerts once; a top-up resumes them and warns again at 80% and 100%', { timeout: 600_000 }, async () => {
    const user = await world.createUser('FREE');
    const chips: string[] = [];
    for (const label of ['a', 'b', 'c', 'd']) chips.push(await world.startChip(user.id, label));
    for (const chipId of chips) await world.waitForState(chipId, (s) => s.workerQueue !== null, 'chip connected', 120_000);
    const holders = new Set(chips.map((chipId) => world.holderOf(chipId).workerId));
    assert.equal(holders.size, 2, 'the chips are spread over both workers');
    /** Every byte the chips moved on the provider leg, as their gateways counted it. */
    const carried = (ids: string[]) =>
      ids.reduce((sum, chipId) => {
        const counts = world.holderOf(chipId).gateway.readCounters(chipId);
        return sum + counts.sent + counts.received;
      }, 0n);
    const month = billingMonthOf(new Date());
    const monthDate = new Date(`${month}T00:00:00Z`);
    const alertsOf = (threshold: 'PERCENT_80' | 'PERCENT_100', bytesAllowed: bigint) =>
      world.db.quotaAlert.count({ where: { userId: user.id, month: monthDate, threshold, bytesAllowed } });

    // Every chip downloads as fast as the machine allows until the gateways stop it.
    await Promise.all(chips.map((chipId) => world.throughChip(chipId, FULL_SPEED).catch((err: unknown) => err)));
    const firstCut = Date.now();
    for (const chipId of chips) await world.waitForState(chipId, (s) => s.status === 'PAUSED', 'chip paused for quota', 60_000);
    const providerBytes = world.provider.standIn.accountBytes().total;
    const gatewayBytes = carried(chips);
    console.log(`[figures] allowance ${ALLOWANCE} B; gateways carried ${gatewayBytes} B (past 100%: ${gatewayBytes - ALLOWANCE} B); provider billed ${providerBytes} B (past 100%: ${providerBytes - ALLOWANCE} B); bound ${overshootBound(ALLOWANCE)} B`);
    assert.ok(gatewayBytes - ALLOWANCE <= overshootBound(ALLOWANCE), `the gateways let ${gatewayBytes - ALLOWANCE} bytes through past 100%, more than ${overshootBound(ALLOWANCE)}`);
    // The provider's count also holds its exit-IP probes and what sat in its buffers at the cut. On this
    // shared box it is mostly within the bound (README), but one slow lease at the end can take it past;
    // four times the bound still catches a gateway that lets the provider run on (loopback: 15 MB).
    assert.ok(providerBytes - ALLOWANCE <= 4n * overshootBound(ALLOWANCE), `the provider counted ${providerBytes - ALLOWANCE} bytes past 100%`);
    await until('100% alert', async () => (await alertsOf('PERCENT_100', ALLOWANCE)) === 1, 60_000);
    console.log(`[figures] 100% alert recorded ${Date.now() - firstCut} ms after the downloads were cut`);
    assert.equal(await alertsOf('PERCENT_80', ALLOWANCE), 1, 'the 80% alert of this allowance, once');
    const refused = await world.throughChip(chips[0]!, '/json').catch((err: Error) => err);
    assert.ok(refused instanceof Error || refused.status === 403, 'a paused chip is refused at the gateway');

    // A top-up as large as the plan: the credit path tells the chips, which resume and carry traffic again.
    const raised = ALLOWANCE * 2n;
    await world.db.topUpCredit.create({ data: { userId: user.id, month: monthDate, bytes: ALLOWANCE, note: 'test top-up' } });
    const toppedUpAt = Date.now();
    await Promise.all(chips.map((chipId) => world.chips.quotaChanged(chipId)));
    for (const chipId of chips) await world.waitForState(chipId, (s) => s.status === 'CONNECTED', 'chip resumed', 60_000);
    console.log(`[figures] every chip resumed ${Date.now() - toppedUpAt} ms after the top-up`);
    const echoed = await world.throughChip(chips[1]!, '/json');
    assert.equal(echoed.status, 200, 'traffic flows again');

    // ~70% more of the first allowance, over all chips at once: 80% of the raised allowance is crossed.
    const slice = (ALLOWANCE * 70n) / 100n / BigInt(chips.length);
    await Promise.all(chips.map((chipId) => world.throughChip(chipId, `/bytes/${slice}`)));
    await until('80% alert of the raised allowance', async () => (await alertsOf('PERCENT_80', raised)) === 1, 60_000);
    assert.equal(await alertsOf('PERCENT_100', raised), 0, 'not at 100% of the raised allowance yet');
    assert.ok(chips.every((chipId) => world.holderOf(chipId).connections.has(chipId)), 'every chip still connected');

    await Promise.all(chips.map((chipId) => world.throughChip(chipId, FULL_SPEED).catch((err: unknown) => err)));
    for (const chipId of chips) await world.waitForState(chipId, (s) => s.status === 'PAUSED', 'chip paused at 100% of the raised allowance', 60_000);
    await until('100% alert of the raised allowance', async () => (await alertsOf('PERCENT_100', raised)) === 1, 60_000);
    const raisedProviderBytes = world.provider.standIn.accountBytes().total;
    const raisedGatewayBytes = carried(chips);
    console.log(`[figures] raised allowance ${raised} B; gateways carried ${raisedGatewayBytes} B (past 100%: ${raisedGatewayBytes - raised} B); provider billed ${raisedProviderBytes} B (past 100%: ${raisedProviderBytes - raised} B)`);
    assert.ok(raisedGatewayBytes - raised <= overshootBound(raised), `the gateways let ${raisedGatewayBytes - raised} bytes through past 100% of the raised allowance`);
    assert.ok(raisedProviderBytes - raised <= 4n * overshootBound(raised), `the provider counted ${raisedProviderBytes - raised} bytes past 100% of the raised allowance`);
    // Settled: no level of either allowance was announced twice.
    await new Promise((r) => setTimeout(r, 3000));
    for (const [threshold, allowance] of [['PERCENT_80', ALLOWANCE], ['PERCENT_100', ALLOWANCE], ['PERCENT_80', raised], ['PERCENT_100', raised]] as const) {
      assert.equal(await alertsOf(threshold, allowance), 1, `${threshold} of ${allowance} B once`);
    }
    for (const chipId of chips) await world.chips.release(chipId, 'done');
  });
});
