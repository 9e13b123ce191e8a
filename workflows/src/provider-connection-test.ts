import { proxyActivities } from '@temporalio/workflow';
import type { ProviderActivities } from '@chipgate/activities/provider-activities';

const { testProviderConnection } = proxyActivities<ProviderActivities>({
  startToCloseTimeout: '1 minute',
  // A connection test reports a failure as its result; retrying would only hide how the proxy behaves.
  retry: { maximumAttempts: 1 },
});

/** Tests a provider's proxy from a worker (the machine that will carry chip traffic), by id only. */
export async function providerConnectionTestWorkflow(input: { providerId: string }) {
  return testProviderConnection(input.providerId);
}
