import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadWorkerConfig, WorkerConfigError, type WorkerConfig } from './config';
import { ensureMaintenanceSchedules } from './maintenance-schedules';
import { startWorkerProcess } from './worker-process';

// Temporal's own INFO lines (worker state changes) drown the useful ones in a terminal.
Runtime.install({ logger: new DefaultLogger('WARN') });

// The environment is read here, once; a missing or malformed variable stops the process before it connects anywhere.
let config: WorkerConfig;
try {
  config = loadWorkerConfig();
} catch (err) {
  if (!(err instanceof WorkerConfigError)) throw err;
  console.error(`chipgate worker: ${err.message}`);
  process.exit(1);
}
const worker = await startWorkerProcess(config);
await ensureMaintenanceSchedules({ ...config, namespace: config.temporalNamespace });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop());
console.log(
  `worker ${worker.workerId} polling "${config.taskQueue}" on ${config.temporalAddress}; metering gateway on ${worker.gateway.url}` +
    (worker.metricsUrl ? `; metrics on ${worker.metricsUrl}` : ''),
);
await worker.running;
