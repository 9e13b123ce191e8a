import { createDb } from '@chipgate/db';
import { createProviderActivities } from '@chipgate/activities';
import { createAlertDelivery } from '@chipgate/activities/alerts/index';
import { createChipActivities } from '@chipgate/activities/chip/chip-activities';
import { leaseQuotaBudget } from '@chipgate/activities/chip/quota-budget';
import { announceQuotaCrossing } from '@chipgate/activities/chip/quota-crossing';
import { recordChipStatus } from '@chipgate/activities/chip/chip-records';
import { releaseAssignment } from '@chipgate/activities/chip/proxy-assignment';
import { createProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';
import { createTopUpActivities } from '@chipgate/activities/top-ups/top-up-activities';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { chipConnectionEndedSignal, chipWorkflowId, quotaChangedSignal } from '@chipgate/workflows/chip/contract';
import { createChipgateWorker } from './bootstrap';
import { ChipConnections, type ConnectionOutcome } from './chip-runtime/chip-connections';
import { WorkerLease } from './chip-runtime/worker-lease';
import { watchEndedChipWorkflows } from './chip-runtime/ended-chip-workflows';
import { createChipPlacementActivities, createChipSocketActivities } from './chip-runtime/connection-activities';
import { loadWorkerServices, type WorkerConfig } from './config';
import { startMeteringGateway } from './gateway/metering-gateway';
import { trustStandInCertificateKey } from './baileys/whatsapp-certificate';
import { createWorkerMetrics, serveMetrics } from './metrics/worker-metrics';
import { workerLog } from './logger';

/**
 * Everything one worker process runs: its metering gateway, the chip sockets it holds, the periodic
 * counter flush, and the Temporal workers for the shared and its own task queue. Its secrets and
 * services come from `config.services` (loadWorkerConfig fills them); only a config built by hand
 * without them has them read from `env`.
 */
export async function startWorkerProcess(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env) {
  if (config.waCertificateKey) trustStandInCertificateKey(config.waCertificateKey, config.waWebSocketUrl);
  const { cipher, alerts, topUps } = config.services ?? loadWorkerServices(env);
  const metrics = createWorkerMetrics();
  const alertDelivery = createAlertDelivery(alerts, { onDelivery: metrics.alertDelivery, log: (message) => workerLog.warn(message) });
  const db = createDb(config.databaseUrl);
  const workerId = `${config.taskQueue}-worker-${randomUUID()}`;

  // Signals to chip workflows, only when something happened to a socket (logout, a dead or fenced worker): no per-tick cost.
  const temporalConnection = await Connection.connect({ address: config.temporalAddress });
  const temporal = new Client({ connection: temporalConnection, namespace: config.temporalNamespace });
  const tell = async (chipId: string, ofQueue: string, outcome: ConnectionOutcome) => {
    await temporal.workflow
      .getHandle(chipWorkflowId(chipId))
      .signal(chipConnectionEndedSignal, { workerQueue: ofQueue, outcome })
      .catch((err: unknown) => workerLog.error({ chipId, outcome, err }, 'could not signal the chip workflow'));
  };
  /** One signal per chip, a few dozen in flight; a chip whose workflow is not running has nothing to pause. */
  const signalQuotaChanged = async (chipIds: string[], progress: () => void) => {
    let running = 0;
    const queue = [...chipIds];
    await Promise.all(
      Array.from({ length: Math.min(32, queue.length) }, async () => {
        for (let chipId = queue.shift(); chipId !== undefined; chipId = queue.shift()) {
          const sent = await temporal.workflow
            .getHandle(chipWorkflowId(chipId))
            .signal(quotaChangedSignal)
            .then(
              () => true,
              (err: unknown) => {
                if (err instanceof WorkflowNotFoundError) return false;
                throw err;
              },
            );
          if (sent) running++;
          progress();
        }
      }),
    );
    return running;
  };
  const gateway = await startMeteringGateway({
    host: config.gatewayHost,
    port: config.gatewayPort,
    quota: {
      // Only a lease that crosses 80% or 100% costs Temporal anything: a signal, never one per chunk.
      async lease(request) {
        const answer = await leaseQuotaBudget(db, { ...request, workerId });
        if (answer.crossed.length > 0) {
          void announceQuotaCrossing(db, (chipIds) => signalQuotaChanged(chipIds, () => {}), { ...request, crossed: answer.crossed }).catch((err: unknown) =>
            workerLog.error({ userId: request.userId, crossed: answer.crossed, err }, 'could not tell the chips of a quota crossing; they see it at their next meter'),
          );
        }
        return answer;
      },
    },
  });
  // Assigned below, once the lease exists; the lease's callbacks only run after that.
  const held: { connections?: ChipConnections } = {};
  // The lease has its own database pool: however busy metering keeps the main pool, renewing the lease
  // never waits behind it (a starved renewal would fence a live worker and reconnect its chips).
  const leaseDb = createDb(config.databaseUrl);
  const lease = await WorkerLease.acquire({
    db: leaseDb,
    workerId,
    taskQueue: config.taskQueue,
    ...(config.leaseTtlMs !== undefined ? { ttlMs: config.leaseTtlMs } : {}),
    ...(config.leaseRenewMs !== undefined ? { renewMs: config.leaseRenewMs } : {}),
    onDeadWorker: async (deadWorkerId, chipIds) => {
      workerLog.warn({ deadWorkerId, chips: chipIds.length }, 'a worker lease expired; telling its chips');
      for (const chipId of chipIds) await tell(chipId, deadWorkerId, 'worker_lost');
    },
    onFenced: async () => held.connections?.dropUnclaimed(),
    onRenewed: async () => held.connections?.dropUnclaimed(),
  });
  const connections = new ChipConnections({
    db,
    cipher,
    gateway,
    workerId,
    ipEchoUrl: config.ipEchoUrl,
    waWebSocketUrl: config.waWebSocketUrl,
    waKeepAliveMs: config.waKeepAliveMs,
    maxChips: config.maxChips,
    lease,
    onConnectionEnded: (chipId, outcome) => tell(chipId, workerId, outcome),
  });
  held.connections = connections;
  metrics.observe({ gatewayConnections: () => gateway.openConnections(), chipsHeld: () => connections.heldByState() });
  const metricsServer = config.metrics ? await serveMetrics(metrics.registry, config.metrics) : undefined;
  // Live counters reach the database every few seconds, so a worker that dies loses at most that much.
  const flushTimer = setInterval(() => void connections.flush().catch((err: unknown) => workerLog.error({ err }, 'counter flush failed')), config.counterFlushMs);
  const endedChips = watchEndedChipWorkflows({
    temporal,
    held: connections,
    everyMs: (config.endedChipCheckSeconds ?? 60) * 1000,
    // Nobody else will release it: a proxy slot held for a chip nothing runs would skew placement forever.
    recordDrop: async (chipId, workflowStatus) => {
      await releaseAssignment(db, chipId, `the chip workflow ended (${workflowStatus})`);
      await recordChipStatus(db, chipId, 'CLOSED', {
        lastError: `the chip workflow ended (${workflowStatus}) without releasing the chip; its socket was dropped and its proxy released`,
        reason: 'workflow_ended',
      });
    },
  });

  const worker = await createChipgateWorker({
    temporalAddress: config.temporalAddress,
    temporalSecurity: config.temporalSecurity,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workerQueue: workerId,
    activities: {
      ...createProviderActivities({ db, cipher, ipEchoUrl: config.ipEchoUrl }),
      ...createChipActivities({
        db,
        deliverQuotaAlert: (alert) => alertDelivery.recordAndDeliverQuotaAlert(db, alert),
        signalQuotaChanged,
        onUsageBilled: metrics.usageBilled,
      }),
      ...createChipPlacementActivities(connections, workerId),
      ...createProviderMaintenanceActivities({ db, cipher, ipEchoUrl: config.ipEchoUrl }),
      ...createTopUpActivities({ db, ...topUps }),
    },
    workerQueueActivities: createChipSocketActivities(connections),
    maxChips: config.maxChips,
  });
  const running = worker.run().finally(async () => {
    clearInterval(flushTimer);
    await endedChips.stop();
    // Sockets, then the gateway, then the final flush: no byte moves after it is counted.
    await connections.shutdown();
    // Ended at once rather than left to expire, so another worker takes these chips without waiting out the TTL.
    await lease.stop().catch((err: unknown) => workerLog.error({ err }, 'could not end the worker lease'));
    await metricsServer?.close();
    await temporalConnection.close();
    await leaseDb.$disconnect();
    await db.$disconnect();
  });

  return {
    workerId,
    gateway,
    connections,
    lease,
    /** `GET /metrics` of this worker, when it serves one. */
    metricsUrl: metricsServer?.url,
    /** Resolves when the workers stop; rejects if one fails. */
    running,
    async stop() {
      await worker.shutdown();
      await running;
    },
  };
}
