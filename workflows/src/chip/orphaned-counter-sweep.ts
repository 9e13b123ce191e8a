import { proxyActivities } from '@temporalio/workflow';
import type { ChipActivities } from '@chipgate/activities/chip/chip-activities';

const sweep = proxyActivities<Pick<ChipActivities, 'billOrphanedCounters'>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 5 },
});

/**
 * Scheduled: bills the counters of registrations that no chip workflow meters any more (a released
 * chip, a terminated workflow), once none of a chip's unbilled counters has been flushed for
 * `idleSeconds` — longer than any live chip goes between meters.
 */
export async function orphanedCounterSweepWorkflow(input: { idleSeconds: number }) {
  return sweep.billOrphanedCounters(input);
}
