import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { TemporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';

const require = createRequire(import.meta.url);

let bundle: Promise<WorkflowBundle> | undefined;

export const DEFAULT_MAX_CHIPS = 2000;
const WORKER_QUEUE_HEADROOM = 200;

/** Bundling the workflows takes seconds; every worker in this process shares one bundle. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: require.resolve('@chipgate/workflows'), logger: quietBundlerLogger });
  return bundle;
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface ChipgateWorker {
  /** This process's own task queue: activities that must touch a chip socket held here. */
  workerQueue: string;
  /** Runs until shutdown() is called or a worker fails. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * One worker process: polls the shared task queue (workflows and any-worker activities) and its own
 * worker-specific queue (activities on sockets that live in this process).
 */
export async function createChipgateWorker(opts: {
  temporalAddress: string;
  /** TLS / mTLS / API key (worker config's temporalSecurity); none for the dev server. */
  temporalSecurity?: Omit<TemporalConnectionSettings, 'address'>;
  namespace: string;
  taskQueue: string;
  activities: object;
  workerQueue?: string;
  workerQueueActivities?: object;
  /** Chips whose sockets this process may hold; each keeps one supervise activity running on the worker queue. */
  maxChips?: number;
}): Promise<ChipgateWorker> {
  const connection = await NativeConnection.connect({ address: opts.temporalAddress, ...opts.temporalSecurity });
  const workerQueue = opts.workerQueue ?? `${opts.taskQueue}-worker-${randomUUID()}`;
  const workers = [
    await Worker.create({ connection, namespace: opts.namespace, taskQueue: opts.taskQueue, workflowBundle: await workflowBundle(), activities: opts.activities }),
  ];
  if (opts.workerQueueActivities) {
    workers.push(
      await Worker.create({
        connection,
        namespace: opts.namespace,
        taskQueue: workerQueue,
        activities: opts.workerQueueActivities,
        // Temporal's default of 100 slots would be filled by 100 idle supervise activities, and then
        // no flush or pause of any chip could start: room for every chip, plus its short activities.
        maxConcurrentActivityTaskExecutions: (opts.maxChips ?? DEFAULT_MAX_CHIPS) + WORKER_QUEUE_HEADROOM,
      }),
    );
  }
  let running: Promise<void> | undefined;
  return {
    workerQueue,
    run() {
      running ??= Promise.all(workers.map((w) => w.run())).then(
        () => connection.close(),
        async (err: unknown) => {
          for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
          await connection.close();
          throw err;
        },
      );
      return running;
    },
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
    },
  };
}
