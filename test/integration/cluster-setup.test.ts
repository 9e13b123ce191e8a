// A worker pointed at a cluster that is not the dev server started with `--search-attribute` flags
// (a self-hosted Temporal, a fresh namespace) registers the chip search attributes and the
// maintenance Schedules itself at boot, and a second worker booting after it changes nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { nextBillingMonthStart } from '@chipgate/workflows/rules/billing-month';
import { ensureMaintenanceSchedules } from '@chipgate/worker/maintenance-schedules';
import { ensureSearchAttributes } from '@chipgate/worker/search-attributes';
import { chipSearchAttributes } from '@chipgate/workflows/chip/contract';
import { testEnv } from '../support/environment';
import { until } from '../support/until';

describe('cluster setup at worker boot', () => {
  it('registers the search attributes and Schedules on a new namespace, idempotently', async () => {
    const namespace = `chipgate-setup-${randomBytes(4).toString('hex')}`;
    const connection = await Connection.connect({ address: testEnv.temporalAddress });
    try {
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      await until('the new namespace to be served', () => connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false), 30_000);
      const before = await connection.operatorService.listSearchAttributes({ namespace });
      assert.equal(before.customAttributes?.ChipgateUserId, undefined, 'a new namespace lacks them');

      const settings = { temporalAddress: testEnv.temporalAddress, namespace, taskQueue: 'setup-test', healthCheckMinutes: 5, reconcileMinutes: 60 };
      await ensureMaintenanceSchedules(settings);
      const names = Object.values(chipSearchAttributes).map((key) => key.name).sort();
      const after = await connection.operatorService.listSearchAttributes({ namespace });
      assert.deepEqual(names.filter((name) => after.customAttributes?.[name] !== undefined), names, 'all chip search attributes registered');

      await ensureMaintenanceSchedules(settings);
      assert.deepEqual(await ensureSearchAttributes(connection, namespace), [], 'a second boot adds nothing');
      const schedules: string[] = [];
      for await (const schedule of new Client({ connection, namespace }).schedule.list()) schedules.push(schedule.scheduleId);
      assert.deepEqual(schedules.sort(), ['chipgate-orphaned-counter-sweep', 'chipgate-provider-usage-reconciliation', 'chipgate-proxy-health-check', 'chipgate-quota-month-rollover']);
      const rollover = await new Client({ connection, namespace }).schedule.getHandle('chipgate-quota-month-rollover').describe();
      assert.equal(rollover.info.nextActionTimes[0]?.toISOString(), nextBillingMonthStart(new Date()).toISOString(), 'the quota rollover runs at 00:00 UTC on the first of the month');
    } finally {
      await connection.close();
    }
  });
});
