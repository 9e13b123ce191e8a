import { Client, Connection, ScheduleAlreadyRunning, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { TemporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';
import { ensureSearchAttributes } from './search-attributes';

export interface MaintenanceScheduleSettings {
  temporalAddress: string;
  temporalSecurity?: Omit<TemporalConnectionSettings, 'address'>;
  namespace: string;
  taskQueue: string;
  healthCheckMinutes: number;
  reconcileMinutes: number;
  /** How often orphaned traffic counters are billed; 15 unless set. */
  orphanSweepMinutes?: number;
}

/**
 * Registers the chip search attributes and creates (or brings up to date) the Temporal Schedules for
 * proxy health checks, provider usage reconciliation, the billing of orphaned traffic counters and the
 * monthly resumption of chips paused for quota. Every worker calls this at start; the
 * attribute names and schedule ids make it idempotent on any cluster.
 */
export async function ensureMaintenanceSchedules(settings: MaintenanceScheduleSettings): Promise<void> {
  const connection = await Connection.connect({ address: settings.temporalAddress, ...settings.temporalSecurity });
  try {
    await ensureSearchAttributes(connection, settings.namespace);
    const client = new Client({ connection, namespace: settings.namespace });
    const orphanSweepMinutes = settings.orphanSweepMinutes ?? 15;
    const every = (minutes: number): ScheduleSpec => ({ intervals: [{ every: `${minutes} minutes` }] });
    const schedules: Array<{ id: string; spec: ScheduleSpec; action: ScheduleOptionsAction }> = [
      {
        id: 'chipgate-proxy-health-check',
        spec: every(settings.healthCheckMinutes),
        action: { type: 'startWorkflow', workflowType: 'proxyHealthCheckWorkflow', taskQueue: settings.taskQueue, args: [] },
      },
      {
        id: 'chipgate-provider-usage-reconciliation',
        spec: every(settings.reconcileMinutes),
        action: { type: 'startWorkflow', workflowType: 'providerUsageReconciliationWorkflow', taskQueue: settings.taskQueue, args: [{ windowMinutes: settings.reconcileMinutes }] },
      },
      {
        id: 'chipgate-orphaned-counter-sweep',
        spec: every(orphanSweepMinutes),
        // Counters idle for two sweeps: far longer than a live chip goes between meters (minutes).
        action: { type: 'startWorkflow', workflowType: 'orphanedCounterSweepWorkflow', taskQueue: settings.taskQueue, args: [{ idleSeconds: 2 * orphanSweepMinutes * 60 }] },
      },
      {
        // Billing months are UTC (rules/billing-month), and so is a Schedule's calendar unless told otherwise.
        id: 'chipgate-quota-month-rollover',
        spec: { calendars: [{ dayOfMonth: 1, hour: 0, minute: 0, second: 0, comment: 'a new billing month: chips paused for quota resume' }] },
        action: { type: 'startWorkflow', workflowType: 'quotaMonthRolloverWorkflow', taskQueue: settings.taskQueue, args: [{}] },
      },
    ];
    for (const { spec, ...schedule } of schedules) {
      try {
        await client.schedule.create({ scheduleId: schedule.id, spec, action: schedule.action, policies: { overlap: 'SKIP' } });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        await client.schedule.getHandle(schedule.id).update((previous) => ({ ...previous, spec, action: schedule.action }));
      }
    }
  } finally {
    await connection.close();
  }
}
