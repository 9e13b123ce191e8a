import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { ProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';
import { chipWorkflowId, reassignProxySignal } from '../chip/contract';
import { MAX_REASON_LENGTH } from '../rules/chip-commands';

const maintenance = proxyActivities<ProviderMaintenanceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['NotFoundError'] },
});

/** Scheduled: checks every active proxy and moves the chips off any proxy that became unhealthy. */
export async function proxyHealthCheckWorkflow(): Promise<{ checked: number; unhealthy: string[] }> {
  const proxyIds = await maintenance.listActiveProxyIds();
  const unhealthy: string[] = [];
  for (const proxyId of proxyIds) {
    const result = await maintenance.checkProxyHealth({ proxyId });
    if (!result.unhealthy) continue;
    unhealthy.push(proxyId);
    // The failure names the provider and its server, so it can outgrow what a chip accepts as a reason,
    // and a chip ignores a reassign signal with an invalid reason: it would stay on the broken proxy.
    const reason = `proxy health ${result.healthScore}/100: ${result.failure ?? 'too slow'}`;
    const fitted = reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}\u2026` : reason;
    for (const chipId of await maintenance.listChipsOnProxy({ proxyId })) {
      await getExternalWorkflowHandle(chipWorkflowId(chipId))
        .signal(reassignProxySignal, { reason: fitted })
        .catch(() => log.info('chip on an unhealthy proxy has no running workflow', { chipId }));
    }
  }
  return { checked: proxyIds.length, unhealthy };
}
