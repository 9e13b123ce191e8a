// A new billing month is a new allowance: chips paused for quota when the month ended must resume
// within seconds of midnight UTC, not at their next meter (up to 5 minutes later in production). The
// meter interval here is 10 minutes, so only the rollover can resume them within the test.
//
// The clock cannot be moved, so the month that ends is simulated: once the user is over quota in the
// current month, every row of that month (usage, budget, leases, the over-quota claim, alerts) is moved
// to the month before, as if the current month had just begun; then the rollover runs for that month,
// as its Schedule does at 00:00 UTC on the first.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gbToBytes } from '@chipgate/workflows/rules/bytes';
import { billingMonthOf, previousBillingMonth } from '@chipgate/workflows/rules/billing-month';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { rawQuery } from '../support/database';

const PLAN_GB = '0.002';
const ALLOWANCE = gbToBytes(PLAN_GB);
const MONTH_TABLES = ['proxy_usage_logs', 'user_proxy_costs', 'user_monthly_costs', 'user_quota_budgets', 'quota_budget_leases', 'quota_alerts'];

describe('a new month resumes the chips paused for quota within seconds', () => {
  let world: ChipWorld;
  before(async () => {
    world = await startChipWorld({ meterIntervalSeconds: 600, planGbLimit: PLAN_GB });
  });
  after(() => world?.close());

  it('the rollover tells exactly the chips of users over quota in the ended month, and they reconnect', async () => {
    const user = await world.createUser('FREE');
    const a = await world.startChip(user.id, 'a');
    const b = await world.startChip(user.id, 'b');
    await world.waitForState(a, (s) => s.workerQueue !== null, 'chip a connected');
    await world.waitForState(b, (s) => s.workerQueue !== null, 'chip b connected');
    // Another customer under quota last month: nothing to resume.
    const other = await world.createUser('FREE');
    await world.db.chip.create({ data: { ownerId: other.id, label: 'under quota', region: 'br' } });

    // Past 100% through chip a: the gateway cuts it and both chips pause, long before any meter.
    await world.throughChip(a, `/bytes/${(ALLOWANCE * 110n) / 100n}`).catch((err: unknown) => err);
    await world.waitForState(a, (s) => s.status === 'PAUSED', 'chip a paused for quota');
    await world.waitForState(b, (s) => s.status === 'PAUSED', 'chip b paused for quota');

    const thisMonth = billingMonthOf(new Date());
    const endedMonth = previousBillingMonth(thisMonth);
    for (const table of MONTH_TABLES) {
      await rawQuery(world.databaseUrl, `UPDATE ${table} SET month = $1::date WHERE month = $2::date AND user_id IN ($3::uuid, $4::uuid)`, [endedMonth, thisMonth, user.id, other.id]);
    }
    await world.db.userProxyCost.create({ data: { userId: other.id, month: new Date(`${endedMonth}T00:00:00Z`) } });
    await new Promise((r) => setTimeout(r, 3000));
    for (const chipId of [a, b]) assert.equal((await world.chips.state(chipId)).status, 'PAUSED', 'nothing but the rollover resumes a paused chip before its next meter');

    const rolledOver = await world.temporal.workflow.execute('quotaMonthRolloverWorkflow', {
      taskQueue: world.taskQueue,
      workflowId: `quota-month-rollover-${user.id}`,
      args: [{ endedMonth }],
    });
    assert.deepEqual(rolledOver, { endedMonth, chips: 2, told: 2 }, 'one message per chip paused for quota, none to anyone else');
    const resumedA = await world.waitForState(a, (s) => s.status === 'CONNECTED', 'chip a resumed', 30_000);
    await world.waitForState(b, (s) => s.status === 'CONNECTED', 'chip b resumed', 30_000);
    assert.equal(resumedA.paused, false);
    const echoed = await world.throughChip(a, '/json');
    assert.equal(echoed.status, 200, 'the gateway carries the chip in its new month');

    await world.chips.release(a, 'done');
    await world.chips.release(b, 'done');
  });
});
