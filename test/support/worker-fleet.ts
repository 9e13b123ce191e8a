import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { chipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import type { WhatsAppStandIn } from '../standins/whatsapp';
import type { ChipWorld } from './chip-world';
import { testEnv } from './environment';
import { killChildren, startWorkerChild, stopChild, type WorkerChild } from './worker-child';

/**
 * Worker processes (`tsx worker/src/main.ts`, as production starts them) on a task queue of their
 * own, against the world's database, provider stand-in and the WhatsApp stand-in: the world's own
 * worker polls another queue, so only these processes serve chips started with `chips`. Leases are
 * compressed: one lapses 6 s after its worker stops renewing it (15 s in production).
 */
export async function startWorkerFleet(world: ChipWorld, whatsapp: WhatsAppStandIn) {
  const children: ChildProcess[] = [];
  const workers: WorkerChild[] = [];
  const killAll = killChildren(children);
  process.once('exit', killAll);
  const taskQueue = `fleet-${randomUUID()}`;
  const connection = await Connection.connect({ address: testEnv.temporalAddress });
  const temporal = new Client({ connection });
  const baseEnv: NodeJS.ProcessEnv = {
    DATABASE_URL: world.databaseUrl,
    TEMPORAL_ADDRESS: testEnv.temporalAddress,
    CHIPGATE_TASK_QUEUE: taskQueue,
    CHIPGATE_IP_ECHO_URL: world.provider.standIn.echoUrl,
    CHIPGATE_WA_WEBSOCKET_URL: whatsapp.url,
    CHIPGATE_WA_CERT_PUBLIC_KEY: whatsapp.certificatePublicKey,
    CHIPGATE_WA_KEEPALIVE_MS: '1000',
    CHIPGATE_COUNTER_FLUSH_MS: '500',
    CHIPGATE_HEALTH_CHECK_MINUTES: '1440',
    CHIPGATE_RECONCILE_MINUTES: '10080',
    CHIPGATE_WORKER_LEASE_TTL_MS: '6000',
    CHIPGATE_WORKER_LEASE_RENEW_MS: '1000',
    SMTP_URL: '',
    ALERT_WEBHOOK_URL: '',
  };
  return {
    taskQueue,
    temporal,
    /** Chip workflows on the fleet's queue. */
    chips: chipWorkflowClient(temporal, taskQueue),
    /** Starts a worker process; `env` overrides the fleet's (e.g. CHIPGATE_WA_KEEPALIVE_MS). */
    async startWorker(name: string, env: NodeJS.ProcessEnv = {}) {
      const worker = await startWorkerChild(name, { ...baseEnv, ...env }, children);
      workers.push(worker);
      return worker;
    },
    /** Every worker process started so far (its output: the last 20,000 characters). */
    workers: () => [...workers],
    /** Stops every worker process still running, as SIGTERM stops it. */
    stopAll: () => Promise.all(children.map((child) => stopChild(child))),
    /** Kills whatever still runs and closes the Temporal connection. */
    async close() {
      killAll();
      process.off('exit', killAll);
      await connection.close();
    },
  };
}

export type WorkerFleet = Awaited<ReturnType<typeof startWorkerFleet>>;
