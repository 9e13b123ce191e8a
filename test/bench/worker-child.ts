/**
 * Benchmark child: one Chipgate worker process (Temporal workers for the shared and its own task
 * queue, the metering gateway, the chips' Baileys sockets), configured by BENCH_WORKER_CONFIG.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { WorkerConfig } from '@chipgate/worker/config';
import { startWorkerProcess } from '@chipgate/worker/worker-process';
import { serveParent } from './children';

export interface WorkerReady {
  workerId: string;
  gatewayUrl: string;
}

serveParent(async () => {
  const config = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? 'null') as WorkerConfig | null;
  if (!config) throw new Error('BENCH_WORKER_CONFIG is not set');
  // A Buffer does not survive JSON: the WhatsApp stand-in's root key comes apart, as hex.
  const certificateKey = process.env.BENCH_WA_CERTIFICATE_KEY;
  if (certificateKey) config.waCertificateKey = Buffer.from(certificateKey, 'hex');
  // The SDK's INFO lines (worker state changes) would drown the bench's own output.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const worker = await startWorkerProcess(config, { ...process.env, SMTP_URL: '', ALERT_WEBHOOK_URL: '' });
  worker.running.catch((error: unknown) => console.error(`worker stopped with an error: ${String(error)}`));
  return {
    ready: { workerId: worker.workerId, gatewayUrl: worker.gateway.url } satisfies WorkerReady,
    handlers: {},
    stop: () => worker.stop(),
  };
});
