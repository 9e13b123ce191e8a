import { getExternalWorkflowHandle, log, proxyActivities } from '@temporalio/workflow';
import type { ProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';
import { chipWorkflowId, reassignProxySignal } from '../chip/contract';

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
    for (const chipId of await maintenance.listChipsOnProxy({ proxyId })) {
      await getExternalWorkflowHandle(chipWorkflowId(chipId))
        .signal(reassignProxySignal, { reason: `proxy health ${result.healthScore}/100: ${result.failure ?? 'too slow'}` })
        .catch(() => log.info('chip on an unhealthy proxy has no running workflow', { chipId }));
    }
  }
  return { checked: proxyIds.length, unhealthy };
}
