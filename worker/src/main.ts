import { DefaultLogger, Runtime } from '@temporalio/worker';
import { describeTemporalSecurity } from '@chipgate/workflows/client/temporal-connection';
import { loadWorkerConfig } from './config';
import { ensureMaintenanceSchedules } from './maintenance-schedules';
import { startWorkerProcess } from './worker-process';

// Temporal's own INFO lines (worker state changes) drown the useful ones in a terminal.
Runtime.install({ logger: new DefaultLogger('WARN') });

const config = loadWorkerConfig();
const worker = await startWorkerProcess(config);
await ensureMaintenanceSchedules({ ...config, namespace: config.temporalNamespace });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop());
console.log(
  `worker ${worker.workerId} polling "${config.taskQueue}" on ${config.temporalAddress} (${describeTemporalSecurity({ address: config.temporalAddress, ...config.temporalSecurity })}); ` +
    `metering gateway on ${worker.gateway.url}` +
    (worker.metricsUrl ? `; metrics on ${worker.metricsUrl}` : ''),
);
await worker.running;
