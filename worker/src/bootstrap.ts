import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { TemporalConnectionSettings } from '@chipgate/workflows/client/temporal-connection';
import { workerLog } from './logger';

const require = createRequire(import.meta.url);

let bundle: Promise<WorkflowBundle> | undefined;

export const DEFAULT_MAX_CHIPS = 2000;

/**
 * Worker options derived from how many chips one process holds (CHIPGATE_MAX_CHIPS_PER_WORKER):
 * - the sticky cache holds every chip workflow this worker may run, so a tick never replays a history;
 * - the shared queue's activity slots leave room for slow connects (up to 2 minutes each) beside short writes;
 * - local activity slots (the meter tick) scale with the chips, bounded by what PostgreSQL serves at once;
 * - the worker queue runs short socket activities only (pause, resume, disconnect, exit-IP probe).
 */
export function workerOptionsFor(maxChips: number) {
  return {
    maxCachedWorkflows: maxChips,
    sharedActivitySlots: Math.min(500, Math.max(50, Math.ceil(maxChips / 10))),
    localActivitySlots: Math.min(200, Math.max(20, Math.ceil(maxChips / 20))),
    workerQueueActivitySlots: Math.min(500, Math.max(50, Math.ceil(maxChips / 10))),
  };
}

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
  warn: (message: string) => workerLog.warn({ component: 'workflow-bundler' }, message),
  error: (message: string) => workerLog.error({ component: 'workflow-bundler' }, message),
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
  /** Chips whose sockets this process may hold: the worker's cache and slots are sized from it. */
  maxChips?: number;
}): Promise<ChipgateWorker> {
  const sized = workerOptionsFor(opts.maxChips ?? DEFAULT_MAX_CHIPS);
  const connection = await NativeConnection.connect({ address: opts.temporalAddress, ...opts.temporalSecurity });
  const workerQueue = opts.workerQueue ?? `${opts.taskQueue}-worker-${randomUUID()}`;
  const workers = [
    await Worker.create({
      connection,
      namespace: opts.namespace,
      taskQueue: opts.taskQueue,
      workflowBundle: await workflowBundle(),
      activities: opts.activities,
      maxCachedWorkflows: sized.maxCachedWorkflows,
      maxConcurrentActivityTaskExecutions: sized.sharedActivitySlots,
      maxConcurrentLocalActivityExecutions: sized.localActivitySlots,
      // A dead worker's cached workflows move to another worker after this, not the SDK's 10 s: a release
      // or a pause to a chip whose worker just died is handled within seconds.
      stickyQueueScheduleToStartTimeout: '5 seconds',
    }),
  ];
  if (opts.workerQueueActivities) {
    workers.push(
      await Worker.create({
        connection,
        namespace: opts.namespace,
        taskQueue: workerQueue,
        activities: opts.workerQueueActivities,
        maxConcurrentActivityTaskExecutions: sized.workerQueueActivitySlots,
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
