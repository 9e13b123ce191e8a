import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ChipNotOnThisWorkerError, type ChipConnections, type ConnectionOutcome } from './chip-connections';

const HEARTBEAT_EVERY_MS = 5_000;
const ORPHAN_GRACE_MS = 120_000;

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
    /**
     * Lasts as long as the chip's connection on this worker. Its heartbeats are how the workflow
     * learns that this worker died: then the heartbeat timeout fails it and the chip reconnects elsewhere.
     */
    async superviseChipConnection(input: { chipId: string }): Promise<ConnectionOutcome> {
      return onThisWorker(async () => {
        const outcome = connections.outcome(input.chipId);
        connections.adopt(input.chipId);
        const ctx = Context.current();
        const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
        try {
          return await Promise.race([outcome, ctx.cancelled]);
        } catch (err) {
          connections.orphan(input.chipId, ORPHAN_GRACE_MS);
          throw err;
        } finally {
          clearInterval(beat);
        }
      });
    },
    pauseChipConnection: (input: { chipId: string; reason: string }) => onThisWorker(() => connections.pause(input.chipId, input.reason)),
    resumeChipConnection: (input: { chipId: string }) => onThisWorker(() => connections.resume(input.chipId)),
    disconnectChip: (input: { chipId: string }) => connections.disconnect(input.chipId),
    flushChipCounters: (input: { chipId: string }) => onThisWorker(() => connections.flush(input.chipId)),
    observeChipExitIp: (input: { chipId: string }) => onThisWorker(() => connections.observeExitIp(input.chipId)),
  };
}

export type ChipPlacementActivities = ReturnType<typeof createChipPlacementActivities>;
export type ChipSocketActivities = ReturnType<typeof createChipSocketActivities>;
