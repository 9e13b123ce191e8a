import { ApplicationFailure } from '@temporalio/common';
import { ChipNotOnThisWorkerError, type ChipConnections } from './chip-connections';

/** Turns "not here" into a failure the workflow reads as a lost connection rather than retrying. */
async function onThisWorker<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ChipNotOnThisWorkerError) throw ApplicationFailure.nonRetryable(err.message, 'ChipNotOnThisWorker');
    throw err;
  }
}

/** Runs on the shared task queue: whichever worker takes it becomes the chip's home. */
export function createChipPlacementActivities(connections: ChipConnections, workerQueue: string) {
  return {
    async connectChip(input: { chipId: string }): Promise<{ workerQueue: string }> {
      await connections.connect(input.chipId);
      return { workerQueue };
    },
  };
}

/** Runs on the worker's own task queue, where the chip's socket and gateway registration live. */
export function createChipSocketActivities(connections: ChipConnections) {
  return {
    pauseChipConnection: (input: { chipId: string; reason: string }) => onThisWorker(() => connections.pause(input.chipId, input.reason)),
    resumeChipConnection: (input: { chipId: string }) => onThisWorker(() => connections.resume(input.chipId)),
    disconnectChip: (input: { chipId: string }) => connections.disconnect(input.chipId),
    flushChipCounters: (input: { chipId: string }) => onThisWorker(() => connections.flush(input.chipId)),
    observeChipExitIp: (input: { chipId: string }) => onThisWorker(() => connections.observeExitIp(input.chipId)),
  };
}

export type ChipPlacementActivities = ReturnType<typeof createChipPlacementActivities>;
export type ChipSocketActivities = ReturnType<typeof createChipSocketActivities>;
