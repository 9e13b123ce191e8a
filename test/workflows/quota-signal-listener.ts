// A test-only workflow bundle: stands in for a chip workflow (same id scheme, same signal) to show
// that a top-up reaches the owner's running chips.
import { condition, setHandler } from '@temporalio/workflow';
import { quotaChangedSignal } from '@chipgate/workflows/chip/contract';

/** Completes, with how many it heard, once a quota-changed signal arrives. */
export async function quotaSignalListener(): Promise<number> {
  let heard = 0;
  setHandler(quotaChangedSignal, () => {
    heard += 1;
  });
  await condition(() => heard > 0);
  return heard;
}
