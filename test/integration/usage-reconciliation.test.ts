import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { ProxyAgent, request } from 'undici';
import { ensureMaintenanceSchedules } from '@chipgate/worker/maintenance-schedules';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { testEnv } from '../support/environment';

const SCHEDULE_IDS = ['chipgate-proxy-health-check', 'chipgate-provider-usage-reconciliation', 'chipgate-orphaned-counter-sweep', 'chipgate-quota-month-rollover'] as const;

interface ReconciliationResult {
  providerId: string;
  reconciliationId?: string;
  providerBytes?: string;
  meteredBytes?: string;
  skipped?: string;
}

describe("provider usage reconciliation: the provider's account usage API against the metered sums", () => {
  let world: ChipWorld;
  before(async () => {
    world = await startChipWorld({ meterIntervalSeconds: 1 });
  });
  after(async () => {
    // The schedules live in the dev server every test file shares: leave none behind pointing at this file's queue.
    for (const id of SCHEDULE_IDS) {
      await world?.temporal.schedule
        .getHandle(id)
        .delete()
        .catch((err: unknown) => {
          if (!(err instanceof ScheduleNotFoundError)) throw err;
        });
    }
    await world?.close();
  });

  const reconcile = (windowMinutes: number) =>
    world.temporal.workflow.execute('providerUsageReconciliationWorkflow', {
      taskQueue: world.taskQueue,
      workflowId: `reconcile-${world.providerId}-${Date.now()}`,
      args: [{ windowMinutes }],
    }) as Promise<ReconciliationResult[]>;

  const meteredOnProvider = async () =>
    (await world.db.proxyUsageLog.aggregate({ where: { proxy: { providerId: world.providerId } }, _sum: { bytesTotal: true } }))._sum.bytesTotal ?? 0n;

  it('records provider bytes, metered bytes and their difference, which is only the platform\u2019s exit-IP probes when only chips used the account', async () => {
    const user = await world.createUser('ENTERPRISE');
    const chipId = await world.startChip(user.id, 'reconciled');
    await world.waitForState(chipId, (s) => s.workerQueue !== null && s.exitIp !== null, 'connected');
    assert.equal((await world.throughChip(chipId, '/bytes/1000000')).body.length, 1_000_000);
    const upload = await world.throughChip(chipId, '/sink', { method: 'POST', body: Buffer.alloc(250_000, 3) });
    assert.equal(JSON.parse(upload.body.toString()).received, 250_000);
    // Release disconnects the chip (cutting its provider connections) and bills the last bytes: from
    // here on nothing moves on the account, so everything it carried has been metered.
    await world.chips.release(chipId, 'reconcile');

    const metered = await meteredOnProvider();
    const carried = world.provider.standIn.accountBytes();
    assert.ok(metered >= 1_250_000n, `the chip's traffic was metered (${metered} bytes)`);

    // The window reaches back before this file's world existed, so it holds every byte on both sides.
    const [result, ...others] = await reconcile(60);
    assert.equal(others.length, 0, 'one provider with a usage API, one reconciliation');
    assert.ok(result?.reconciliationId, `a reconciliation was recorded: ${JSON.stringify(result)}`);
    assert.equal(result.providerId, world.providerId);

    const row = await world.db.providerUsageReconciliation.findUniqueOrThrow({ where: { id: result.reconciliationId } });
    assert.equal(row.providerId, world.providerId);
    assert.equal(row.providerBytes, carried.total, "provider_bytes is what the stand-in's usage API reported for the account");
    assert.equal(row.meteredBytes, metered, 'metered_bytes is the sum of proxy_usage_logs on the provider');
    assert.equal(row.differenceBytes, row.providerBytes - row.meteredBytes, 'difference = provider - metered');
    // The gateway counts the same gateway-to-provider sockets the provider bills, so with only chip
    // traffic on the account and every chip billed, all that is left is the platform's own probe
    // through the chip's proxy (counted apart, billed to no customer).
    const platform = (await world.platformBytes()).total;
    assert.ok(platform > 0n, 'the exit-IP probe went through the provider');
    assert.equal(row.differenceBytes, platform, `provider ${row.providerBytes} vs metered ${row.meteredBytes}, platform ${platform}`);
    assert.equal(row.periodEnd.getTime() - row.periodStart.getTime(), 60 * 60_000, 'the period is the requested window');
    assert.equal(result.providerBytes, row.providerBytes.toString());
    assert.equal(result.meteredBytes, row.meteredBytes.toString());
  });

  it('shows traffic that bypassed the gateway as the difference, to the byte', async () => {
    const metered = await meteredOnProvider();
    const before = world.provider.standIn.accountBytes();
    // Someone uses the provider account directly (its plain, rotating username), not through a chip.
    const { username, password, standIn } = world.provider;
    const direct = new ProxyAgent(`http://${username}:${encodeURIComponent(password)}@${standIn.proxyHost}:${standIn.proxyPort}`);
    try {
      const response = await request(new URL('/bytes/300000', standIn.echoUrl), { dispatcher: direct });
      assert.equal((await response.body.arrayBuffer()).byteLength, 300_000);
    } finally {
      await direct.close();
    }
    const bypassed = world.provider.standIn.accountBytes().total - before.total;
    assert.ok(bypassed >= 300_000n, `the provider carried the direct download (${bypassed} bytes)`);

    const [result] = await reconcile(60);
    const row = await world.db.providerUsageReconciliation.findUniqueOrThrow({ where: { id: result?.reconciliationId } });
    assert.equal(row.meteredBytes, metered, 'nothing new was metered: the traffic never crossed a chip');
    const platform = (await world.platformBytes()).total;
    assert.equal(row.differenceBytes, bypassed + platform, 'the difference is exactly what the provider carried outside the gateway, besides the platform\u2019s probes');
    assert.equal(await world.db.providerUsageReconciliation.count({ where: { providerId: world.providerId } }), 2, 'each run records its own row');
  });

  it('creates the maintenance Temporal Schedules idempotently, and a second call brings them up to date', async () => {
    const settings = { temporalAddress: testEnv.temporalAddress, namespace: 'default', taskQueue: world.taskQueue, healthCheckMinutes: 5, reconcileMinutes: 60 };
    await ensureMaintenanceSchedules(settings);

    const health = await world.temporal.schedule.getHandle('chipgate-proxy-health-check').describe();
    assert.equal(health.action.workflowType, 'proxyHealthCheckWorkflow');
    assert.equal(health.action.taskQueue, world.taskQueue);
    assert.deepEqual(health.action.args, []);
    assert.deepEqual(health.spec.intervals?.map((i) => i.every), [5 * 60_000]);
    assert.equal(health.policies.overlap, 'SKIP');
    assert.equal(health.state.paused, false);

    const reconciliation = await world.temporal.schedule.getHandle('chipgate-provider-usage-reconciliation').describe();
    assert.equal(reconciliation.action.workflowType, 'providerUsageReconciliationWorkflow');
    assert.equal(reconciliation.action.taskQueue, world.taskQueue);
    assert.deepEqual(reconciliation.action.args, [{ windowMinutes: 60 }], 'each run reconciles the interval since the previous one');
    assert.deepEqual(reconciliation.spec.intervals?.map((i) => i.every), [60 * 60_000]);
    assert.equal(reconciliation.policies.overlap, 'SKIP');

    // Every worker calls it at start: again with the same settings, then with new intervals.
    await ensureMaintenanceSchedules(settings);
    await ensureMaintenanceSchedules({ ...settings, healthCheckMinutes: 7, reconcileMinutes: 90 });
    const updatedHealth = await world.temporal.schedule.getHandle('chipgate-proxy-health-check').describe();
    assert.deepEqual(updatedHealth.spec.intervals?.map((i) => i.every), [7 * 60_000]);
    const updatedReconciliation = await world.temporal.schedule.getHandle('chipgate-provider-usage-reconciliation').describe();
    assert.deepEqual(updatedReconciliation.spec.intervals?.map((i) => i.every), [90 * 60_000]);
    assert.deepEqual(updatedReconciliation.action.args, [{ windowMinutes: 90 }]);
    assert.equal(updatedReconciliation.action.taskQueue, world.taskQueue);
  });
});
