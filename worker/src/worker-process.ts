import { createDb } from '@chipgate/db';
import { createProviderActivities } from '@chipgate/activities';
import { createAlertDelivery, loadAlertConfig } from '@chipgate/activities/alerts/index';
import { createChipActivities } from '@chipgate/activities/chip/chip-activities';
import { createProviderMaintenanceActivities } from '@chipgate/activities/providers/provider-maintenance-activities';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { createTopUpActivities, topUpDepsFromEnv } from '@chipgate/activities/top-ups/top-up-activities';
import { randomUUID } from 'node:crypto';
import { createChipgateWorker } from './bootstrap';
import { ChipConnections } from './chip-runtime/chip-connections';
import { createChipPlacementActivities, createChipSocketActivities } from './chip-runtime/connection-activities';
import type { WorkerConfig } from './config';
import { startMeteringGateway } from './gateway/metering-gateway';
import { trustStandInCertificateKey } from './baileys/whatsapp-certificate';

/**
 * Everything one worker process runs: its metering gateway, the chip sockets it holds, the periodic
 * counter flush, and the Temporal workers for the shared and its own task queue.
 */
export async function startWorkerProcess(config: WorkerConfig, env: NodeJS.ProcessEnv = process.env) {
  if (config.waCertificateKey) trustStandInCertificateKey(config.waCertificateKey, config.waWebSocketUrl);
  const cipher = loadCredentialCipher(env);
  const alertDelivery = createAlertDelivery(loadAlertConfig(env));
  const db = createDb(config.databaseUrl);
  const workerId = `${config.taskQueue}-worker-${randomUUID()}`;

  const gateway = await startMeteringGateway({ host: config.gatewayHost, port: config.gatewayPort });
  const connections = new ChipConnections({ db, cipher, gateway, workerId, ipEchoUrl: config.ipEchoUrl, waWebSocketUrl: config.waWebSocketUrl, waKeepAliveMs: config.waKeepAliveMs, maxChips: config.maxChips });
  // Live counters reach the database every few seconds, so a worker that dies loses at most that much.
  const flushTimer = setInterval(() => void connections.flush().catch((err: unknown) => console.error(`counter flush failed: ${String(err)}`)), config.counterFlushMs);

  const worker = await createChipgateWorker({
    temporalAddress: config.temporalAddress,
    temporalSecurity: config.temporalSecurity,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workerQueue: workerId,
    activities: {
      ...createProviderActivities({ db, cipher, ipEchoUrl: config.ipEchoUrl }),
      ...createChipActivities({ db, deliverQuotaAlert: (alert) => alertDelivery.recordAndDeliverQuotaAlert(db, alert) }),
      ...createChipPlacementActivities(connections, workerId),
      ...createProviderMaintenanceActivities({ db, cipher, ipEchoUrl: config.ipEchoUrl }),
      ...createTopUpActivities({ db, ...topUpDepsFromEnv(env) }),
    },
    workerQueueActivities: createChipSocketActivities(connections),
    maxChips: config.maxChips,
  });
  const running = worker.run().finally(async () => {
    clearInterval(flushTimer);
    await connections.shutdown();
    await gateway.close();
    await db.$disconnect();
  });

  return {
    workerId,
    gateway,
    connections,
    /** Resolves when the workers stop; rejects if one fails. */
    running,
    async stop() {
      await worker.shutdown();
      await running;
    },
  };
}
