import { proxyActivities } from '@temporalio/workflow';
import type { ChipActivities } from '@chipgate/activities/chip/chip-activities';
import { billingMonthOf, previousBillingMonth } from '../rules/billing-month';

const chips = proxyActivities<Pick<ChipActivities, 'tellChipsPausedForQuotaIn'>>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Scheduled at 00:00 UTC on the first of each month: a new month is a new allowance, so every chip
 * paused for quota in the month that just ended is told, and resumes within seconds. `endedMonth`
 * defaults to the month before the one the workflow runs in (an operator may name another).
 */
export async function quotaMonthRolloverWorkflow(input: { endedMonth?: string } = {}) {
  const endedMonth = input.endedMonth ?? previousBillingMonth(billingMonthOf(new Date()));
  return { endedMonth, ...(await chips.tellChipsPausedForQuotaIn({ month: endedMonth })) };
}
