// Every activity option set the chip workflow uses, named by what it is for. Changing a timeout or
// retry here changes no history already written (options are read when an activity is scheduled).
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ChipActivities } from '@chipgate/activities/chip/chip-activities';
import type { ChipPlacementActivities, ChipSocketActivities } from '@chipgate/worker/chip-runtime/connection-activities';

/** Database writes of the chip's lifecycle: retried until the database answers; a missing chip is final. */
export const records = proxyActivities<ChipActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['NotFoundError'] },
});

/**
 * The steady meter tick: a local activity (one marker event, no task round trip) that bills what the
 * worker flushed and answers the owner's standing. Idempotent per period, so a retry bills nothing twice.
 */
export const meterTick = proxyLocalActivities<Pick<ChipActivities, 'meterChip'>>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['NotFoundError'] },
});

/** Telling all of an owner's chips (thousands, perhaps) that it crossed its quota: heartbeats as it goes. */
export const fanOut = proxyActivities<Pick<ChipActivities, 'tellOwnerChipsOverQuota'>>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** One delivery attempt of an owed alert, a few tries; the workflow tries again at later meters until it is delivered. */
export const alerts = proxyActivities<Pick<ChipActivities, 'deliverQuotaAlert'>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
});

/** Placing the chip on a worker (any worker of the shared queue takes it; it becomes the chip's home). */
export const placement = proxyActivities<ChipPlacementActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumAttempts: 3 },
});

/** Activities on the worker that holds the chip's socket; a dead worker shows as a schedule-to-start timeout. */
export function onChipWorker(workerQueue: string, scheduleToStartTimeout: '5 seconds' | '30 seconds' = '30 seconds') {
  return proxyActivities<ChipSocketActivities>({
    taskQueue: workerQueue,
    scheduleToStartTimeout,
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', maximumAttempts: 3, nonRetryableErrorTypes: ['ChipNotOnThisWorker'] },
  });
}
