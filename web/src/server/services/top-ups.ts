import { TRPCError } from '@trpc/server';
import type { Client } from '@temporalio/client';
import type { Db } from '@chipgate/db';
import {
  closeUnpaidOrder,
  findOrder,
  placeTopUpOrder,
  TopUpOrderPendingError,
  TopUpPackUnavailableError,
  type TopUpOrderView,
} from '@chipgate/activities/top-ups/top-up-orders';
import { topUpPurchaseClient } from '@chipgate/workflows/client/top-up-client';
import { pendingTopUpRefusal } from '@chipgate/workflows/rules/customer-limits';
import type { SessionUser } from '../auth/session';
import { AppError, fieldError } from '../errors';
import { paymentProvider } from '../payments/provider';

/** Opening a checkout takes a provider round trip; past this the order page shows it when it is ready. */
const CHECKOUT_WAIT_MS = 15_000;

/**
 * Places an order for a pack and starts its purchase workflow, which opens the provider's checkout.
 * Answers the order with its checkout URL (null if the checkout is still being opened).
 */
export async function buyTopUp(db: Db, temporal: () => Promise<Client>, user: SessionUser, packId: string): Promise<TopUpOrderView> {
  let order: TopUpOrderView;
  try {
    order = await placeTopUpOrder(db, { userId: user.id, packId, paymentProvider: paymentProvider().name });
  } catch (err) {
    if (err instanceof TopUpPackUnavailableError) throw fieldError('packId', 'This pack is not on sale any more; choose another.');
    if (err instanceof TopUpOrderPendingError) {
      throw new AppError('CONFLICT', pendingTopUpRefusal(err.pending ?? { packName: 'another pack', expiresAt: new Date() }));
    }
    throw err;
  }
  let purchases;
  try {
    purchases = topUpPurchaseClient(await temporal());
    await purchases.start(order.id);
  } catch (err) {
    // Without its workflow nobody would ever expire the order: it ends here, unpaid.
    await closeUnpaidOrder(db, order.id, 'CANCELLED');
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The purchase could not be started (workflow service unavailable). Nothing was charged; try again.', cause: err });
  }
  await purchases.awaitCheckout(order.id, CHECKOUT_WAIT_MS);
  const placed = await ownOrder(db, user, order.id);
  if (placed.status === 'CANCELLED') {
    throw new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: 'The payment provider could not open a checkout for this order, so it was cancelled. Nothing was charged; try again later.' });
  }
  return placed;
}

/** One of the caller's own orders; someone else's is FORBIDDEN. */
export async function ownOrder(db: Db, user: SessionUser, orderId: string): Promise<TopUpOrderView> {
  const found = await findOrder(db, orderId);
  if (!found) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such order.' });
  if (found.userId !== user.id) throw new TRPCError({ code: 'FORBIDDEN', message: 'This order belongs to another account.' });
  return found.order;
}
