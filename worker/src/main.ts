import { DefaultLogger, Runtime } from '@temporalio/worker';
import { describeTemporalSecurity } from '@chipgate/workflows/client/temporal-connection';
import { loadWorkerConfig, WorkerConfigError, type WorkerConfig } from './config';
import { ensureMaintenanceSchedules } from './maintenance-schedules';
import { startWorkerProcess } from './worker-process';
import { workerLog } from './logger';

// Temporal's own lines join the worker's JSON log; its INFO lines (worker state changes) would drown the rest.
Runtime.install({
  logger: new DefaultLogger('WARN', ({ level, message, meta }) => workerLog[level === 'ERROR' ? 'error' : 'warn']({ component: 'temporal', ...meta }, message)),
});

// The environment is read here, once; a missing or malformed variable stops the process before it connects anywhere.
let config: WorkerConfig;
try {
  config = loadWorkerConfig();
} catch (err) {
  if (!(err instanceof WorkerConfigError)) throw err;
  workerLog.fatal({ component: 'config' }, `chipgate worker: ${err.message}`);
  process.exit(1);
}
const worker = await startWorkerProcess(config);
await ensureMaintenanceSchedules({ ...config, namespace: config.temporalNamespace });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop());
workerLog.info(
  {
    workerId: worker.workerId,
    taskQueue: config.taskQueue,
    temporal: config.temporalAddress,
    temporalSecurity: describeTemporalSecurity({ address: config.temporalAddress, ...config.temporalSecurity }),
    gateway: worker.gateway.url,
    metrics: worker.metricsUrl ?? null,
  },
  // Supervisors (and the tests) read the worker id from this line.
  `worker ${worker.workerId} polling`,
);
await worker.running;
