import { ActivityFailure, allHandlersFinished, condition, getExternalWorkflowHandle, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { TopUpActivities } from '@chipgate/activities/top-ups/top-up-activities';
import { chipWorkflowId, quotaChangedSignal } from '../chip/contract';
import {
  checkoutOpenedUpdate,
  paymentConfirmedSignal,
  type PaymentConfirmed,
  type TopUpPurchaseInput,
  type TopUpPurchaseResult,
} from './contract';

// A provider outage gets a few tries while the payer waits for the page; then the order is cancelled.
const checkout = proxyActivities<Pick<TopUpActivities, 'openTopUpCheckout'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 4 },
});
// Settling an order must happen eventually, however long the database or the provider is away.
const settle = proxyActivities<Omit<TopUpActivities, 'openTopUpCheckout'>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One top-up purchase: open the provider's checkout → wait for a payment signal (from the webhook) until
 * the order expires → re-check it with the provider and credit the GB, or expire the order → tell the owner's chips.
 */
export async function topUpPurchaseWorkflow({ orderId }: TopUpPurchaseInput): Promise<TopUpPurchaseResult> {
  const state: { payment?: PaymentConfirmed; checkoutSettled: boolean } = { checkoutSettled: false };
  setHandler(paymentConfirmedSignal, (confirmed) => {
    // Routed by workflow id, so another order's id here is a bug upstream; crediting this order for it would be worse.
    if (confirmed.orderId !== orderId) {
      log.warn('payment confirmation for another order ignored', { orderId, confirmedOrderId: confirmed.orderId });
      return;
    }
    // The latest report waits its turn; each is checked with the provider, none is trusted.
    state.payment = confirmed;
  });
  setHandler(checkoutOpenedUpdate, () => condition(() => state.checkoutSettled));

  const result = await purchase(orderId, state);
  // The checkout update may still be answering a caller; it finishes before the workflow does.
  await condition(allHandlersFinished);
  return result;
}

async function purchase(orderId: string, state: { payment?: PaymentConfirmed; checkoutSettled: boolean }): Promise<TopUpPurchaseResult> {
  let opened: Awaited<ReturnType<TopUpActivities['openTopUpCheckout']>>;
  try {
    opened = await checkout.openTopUpCheckout(orderId);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.warn('checkout could not be opened; order cancelled', { orderId, cause: err.cause?.message ?? err.message });
    const status = await settle.cancelTopUpOrder(orderId);
    state.checkoutSettled = true;
    return status === 'PAID' ? paidAndNotified(orderId) : { orderId, status: 'CANCELLED', notifiedChipIds: [] };
  }
  state.checkoutSettled = true;
  if (opened.status === 'PAID') return paidAndNotified(orderId);
  if (opened.status !== 'PENDING') return { orderId, status: opened.status, notifiedChipIds: [] };

  // Date.now() is the workflow clock here (deterministic on replay); a wait of 0 would not be a timer.
  const expiresAt = Date.parse(opened.expiresAt);
  while (await condition(() => state.payment !== undefined, Math.max(1, expiresAt - Date.now()))) {
    const reported = state.payment!;
    state.payment = undefined;
    // A signal proves nothing by itself (anyone who reaches Temporal can send one): the activity asks the
    // payment provider about the order's own checkout, and credits only what it confirms.
    const settled = await settle.creditTopUpOrder({ orderId, eventId: reported.eventId, paidAt: reported.paidAt });
    if (settled.outcome === 'not_paid') {
      log.warn('payment confirmation not backed by the provider; still waiting', { orderId, reason: settled.reason });
      continue;
    }
    // Only if something else ended the order meanwhile: then the payment is recorded on it, and nothing credited.
    if (settled.outcome === 'late_payment') return { orderId, status: settled.status, notifiedChipIds: [] };
    return paidAndNotified(orderId);
  }
  const expired = await settle.expireTopUpOrder(orderId);
  if (expired.status === 'PAID') return paidAndNotified(orderId);
  return { orderId, status: expired.status, notifiedChipIds: [] };
}

/** The allowance grew: each of the owner's running chip workflows re-checks its quota (and resumes if paused for it). */
async function paidAndNotified(orderId: string): Promise<TopUpPurchaseResult> {
  const chipIds = await settle.listTopUpOwnerChipIds(orderId);
  const sent = await Promise.allSettled(chipIds.map((chipId) => getExternalWorkflowHandle(chipWorkflowId(chipId)).signal(quotaChangedSignal)));
  // A chip whose workflow is not running has nothing paused to resume; it checks its quota when it starts.
  const notifiedChipIds = chipIds.filter((_, index) => sent[index]?.status === 'fulfilled');
  return { orderId, status: 'PAID', notifiedChipIds };
}
