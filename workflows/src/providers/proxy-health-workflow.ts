import { getExternalWorkflowHandle, log, proxyActivities, sleep } from '@temporalio/workflow';
import type { ProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';
import { chipWorkflowId, reassignProxySignal } from '../chip/contract';
import { MAX_REASON_LENGTH } from '../rules/chip-commands';
import { chipsToMove, judgeHealthRun, MAX_MOVES_PER_RUN } from '../rules/proxy-health-verdict';

const maintenance = proxyActivities<ProviderMaintenanceActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: ['NotFoundError'] },
});

/** Moves are spread out: chips reconnecting all at once would look like a burst to WhatsApp and the provider. */
const MOVE_STAGGER_MS = 2000;

export interface ProxyHealthRun {
  checked: number;
  unhealthy: string[];
  /** The IP echo answered nobody, directly or through a proxy: no proxy was judged by it. */
  echoOutage: boolean;
  /** Unhealthy proxies whose chips stayed because no healthy proxy of their region could take them. */
  noAlternative: string[];
  moved: number;
}

/**
 * Scheduled: checks every active proxy, judges each only by evidence about it, and moves the chips
 * whose own connection fails off an unhealthy proxy, when a healthy alternative exists, a few at a time.
 */
export async function proxyHealthCheckWorkflow(): Promise<ProxyHealthRun> {
  const proxyIds = await maintenance.listActiveProxyIds();
  const direct = await maintenance.probeEchoDirectly();
  const probes = await Promise.all(proxyIds.map((proxyId) => maintenance.probeProxy({ proxyId, directIp: direct.ip })));
  const verdict = judgeHealthRun(direct.reachable, probes);
  if (verdict.echoOutage) log.warn('IP echo outage: it answered neither directly nor through any proxy; no proxy is judged by this run');
  const results = await Promise.all(probes.map((probe) => maintenance.recordProxyHealth({ probe, sample: verdict.samples.get(probe.proxyId) ?? null })));

  const run: ProxyHealthRun = { checked: proxyIds.length, unhealthy: [], echoOutage: verdict.echoOutage, noAlternative: [], moved: 0 };
  for (const result of results) {
    if (!result.unhealthy) continue;
    run.unhealthy.push(result.proxyId);
    const { chips, hasHealthyAlternative } = await maintenance.chipsOnProxy({ proxyId: result.proxyId });
    if (!hasHealthyAlternative) run.noAlternative.push(result.proxyId);
    const moving = chipsToMove(chips, hasHealthyAlternative, MAX_MOVES_PER_RUN - run.moved);
    if (moving.length === 0) continue;
    // The failure names the provider and its server, so it can outgrow what a chip accepts as a reason,
    // and a chip ignores a reassign signal with an invalid reason: it would stay on the broken proxy.
    const reason = `proxy health ${result.healthScore}/100: ${result.failure ?? 'too slow'}`;
    const fitted = reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}\u2026` : reason;
    await maintenance.recordMoveRequests({ proxyId: result.proxyId, chipIds: moving, reason: fitted });
    for (const chipId of moving) {
      if (run.moved > 0) await sleep(MOVE_STAGGER_MS);
      await getExternalWorkflowHandle(chipWorkflowId(chipId))
        .signal(reassignProxySignal, { reason: fitted, onlyToAnotherProxy: true })
        .catch(() => log.info('chip on an unhealthy proxy has no running workflow', { chipId }));
      run.moved += 1;
    }
  }
  return run;
}
