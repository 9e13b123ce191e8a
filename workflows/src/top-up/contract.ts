import { defineSignal, defineUpdate } from '@temporalio/workflow';

/** One purchase workflow per order, so a second start for the same order is refused by Temporal itself. */
export const topUpWorkflowId = (orderId: string) => `top-up-${orderId}`;

export interface TopUpPurchaseInput {
  orderId: string;
}

/** The provider confirmed payment (a verified webhook): ids only, no card data and no secrets. */
export interface PaymentConfirmed {
  orderId: string;
  /** The provider's event id, kept on the credit for audit. */
  eventId: string;
  /** The provider's time of the payment (ISO); absent in signals sent before it was carried. */
  paidAt?: string;
}

export const paymentConfirmedSignal = defineSignal<[PaymentConfirmed]>('paymentConfirmed');

/**
 * Completes once the order's checkout is open or the order ended without one; the caller then reads
 * the order (its checkout URL stays out of workflow history).
 */
export const checkoutOpenedUpdate = defineUpdate<void, []>('checkoutOpened');

export interface TopUpPurchaseResult {
  orderId: string;
  status: 'PAID' | 'EXPIRED' | 'CANCELLED';
  /** Chips whose workflows were told about the larger allowance (others were not running). */
  notifiedChipIds: string[];
}
