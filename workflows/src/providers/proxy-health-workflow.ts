import { getExternalWorkflowHandle, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { ProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';
import { chipWorkflowId, reassignProxySignal } from '../chip/contract';
import { MAX_REASON_LENGTH } from '../rules/chip-commands';
import { MOVE_STEP_SECONDS, MOVES_PER_STEP } from '../rules/health-moves';

const maintenance = proxyActivities<ProviderMaintenanceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['NotFoundError'] },
});

/**
 * Scheduled: checks every active proxy and moves chips off one that became unhealthy — only on
 * evidence about that proxy (an echo outage moves nobody and is reported as one), only when a healthy
 * proxy of the region can take them, never a chip whose own connection is open through it (unless the
 * proxy leaks this server's IP), a few at a time, and always to another proxy (no re-rolled session).
 */
export async function proxyHealthCheckWorkflow(): Promise<{ checked: number; unhealthy: string[]; echoOutage: boolean; moved: string[] }> {
  const proxyIds = await maintenance.listActiveProxyIds();
  const unhealthy: string[] = [];
  const moved: string[] = [];
  let echoOutages = 0;
  for (const proxyId of proxyIds) {
    const result = await maintenance.checkProxyHealth({ proxyId });
    if (result.verdict === 'echo_outage') echoOutages++;
    if (!result.unhealthy || result.verdict === 'echo_outage' || result.verdict === 'healthy') continue;
    unhealthy.push(proxyId);
    const plan = await maintenance.planProxyMoves({ proxyId, verdict: result.verdict });
    if (plan.alternatives === 0) log.warn('unhealthy proxy has no healthy alternative in its region; its chips stay', { proxyId });
    // The failure names the provider and its server, so it can outgrow what a chip accepts as a reason,
    // and a chip ignores a reassign signal with an invalid reason: it would stay on the broken proxy.
    const reason = `proxy health ${result.healthScore}/100: ${result.failure ?? 'too slow'}`;
    const fitted = reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}\u2026` : reason;
    for (let i = 0; i < plan.chipIds.length; i += MOVES_PER_STEP) {
      if (i > 0) await sleep(`${MOVE_STEP_SECONDS} seconds`);
      for (const chipId of plan.chipIds.slice(i, i + MOVES_PER_STEP)) {
        await getExternalWorkflowHandle(chipWorkflowId(chipId))
          .signal(reassignProxySignal, { reason: fitted, onlyToAnotherProxy: true })
          .then(() => moved.push(chipId))
          .catch(() => log.info('chip on an unhealthy proxy has no running workflow', { chipId }));
      }
    }
  }
  // Every proxy failing with the echo unreachable directly too is the echo service's outage, not the fleet's.
  const echoOutage = proxyIds.length > 0 && echoOutages === proxyIds.length;
  if (echoOutage) log.warn('IP echo service outage: no proxy judged, no chip moved', { proxies: proxyIds.length });
  return { checked: proxyIds.length, unhealthy, echoOutage, moved };
}
