import { proxyActivities } from '@temporalio/workflow';
import type { ProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';

const maintenance = proxyActivities<ProviderMaintenanceActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['NotFoundError'] },
});

/** Scheduled: records, per provider, its reported account usage against the metered sum for the last window. */
export async function providerUsageReconciliationWorkflow(input: { windowMinutes: number }) {
  const to = new Date();
  const from = new Date(to.getTime() - input.windowMinutes * 60_000);
  const results = [];
  for (const providerId of await maintenance.listReconcilableProviderIds()) {
    results.push(await maintenance.reconcileProviderUsage({ providerId, from: from.toISOString(), to: to.toISOString() }));
  }
  return results;
}
