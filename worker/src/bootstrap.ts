import { createRequire } from 'node:module';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';

const require = createRequire(import.meta.url);

let bundle: Promise<WorkflowBundle> | undefined;

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
  worker: Worker;
  /** Runs until shutdown() is called or the worker fails. */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createChipgateWorker(opts: {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  activities: object;
}): Promise<ChipgateWorker> {
  const connection = await NativeConnection.connect({ address: opts.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: opts.activities,
  });
  let running: Promise<void> | undefined;
  return {
    worker,
    run() {
      running ??= worker.run().finally(() => connection.close());
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  };
}
