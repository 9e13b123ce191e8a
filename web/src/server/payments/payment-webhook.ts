// Imports here are package or relative only (no "@/"), so tests can drive this handler outside Next.
import type { Client } from '@temporalio/client';
import type { Db } from '@chipgate/db';
import { PaymentWebhookError, type PaymentEvent, type PaymentProvider } from '@chipgate/activities/payments/payment-provider';
import { paymentMismatch } from '@chipgate/activities/top-ups/payment-match';
import { recordPaymentMismatch } from '@chipgate/activities/top-ups/payment-mismatches';
import { creditedPaymentTime } from '@chipgate/activities/top-ups/payment-time';
import { liveChipIdsOfOrderOwner, settleTopUpPayment, UnknownTopUpOrderError } from '@chipgate/activities/top-ups/top-up-orders';
import { chipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import { topUpPurchaseClient } from '@chipgate/workflows/client/top-up-client';
import { webLog } from '../logger';

const MAX_BODY_BYTES = 1 << 20;

export interface PaymentWebhookDeps {
  db: Db;
  payments: PaymentProvider;
  temporal: () => Promise<Client>;
}

/**
 * The payment provider's webhook. Refuses what it cannot verify (400 with the reason), acknowledges what
 * it has handled (200, replays included), and answers 500 only when the provider should send it again.
 */
export async function handlePaymentWebhook(request: Request, deps: PaymentWebhookDeps): Promise<Response> {
  // Provider events are a few kilobytes; a large body is refused before it is read into memory.
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
    return Response.json({ error: 'malformed', message: `body larger than ${MAX_BODY_BYTES} bytes` }, { status: 413 });
  }
  // The signature covers the exact bytes sent: the body is verified as text before anything parses it.
  // Counted while read, so a chunked body (no Content-Length) is cut off at the same limit.
  const rawBody = await readLimited(request, MAX_BODY_BYTES);
  if (rawBody === null) {
    return Response.json({ error: 'malformed', message: `body larger than ${MAX_BODY_BYTES} bytes` }, { status: 413 });
  }
  let event: PaymentEvent;
  try {
    event = await deps.payments.parseWebhook(rawBody, request.headers);
  } catch (err) {
    if (!(err instanceof PaymentWebhookError)) throw err;
    webLog.warn(`payment webhook refused (${err.reason}): ${err.message}`);
    return Response.json({ error: err.reason, message: err.message }, { status: 400 });
  }
  if (event.type !== 'payment_confirmed') {
    // An expiry needs nothing from here: the purchase workflow expires the order (and the checkout) on time itself.
    return Response.json({ received: true, eventId: event.eventId, handled: event.type === 'ignored' ? `ignored: ${event.why}` : 'nothing to do' });
  }
  try {
    return Response.json({ received: true, eventId: event.eventId, handled: await confirmPayment(deps, event) });
  } catch (err) {
    webLog.error({ err }, `payment webhook ${event.eventId} for order ${event.orderId} not processed; the provider will send it again`);
    return Response.json({ error: 'not_processed', message: 'Try again later.' }, { status: 500 });
  }
}

async function confirmPayment({ db, payments, temporal }: PaymentWebhookDeps, event: Extract<PaymentEvent, { type: 'payment_confirmed' }>): Promise<string> {
  const { orderId, eventId, paidAt } = event;
  const order = await db.topUpOrder.findUnique({ where: { id: orderId }, select: { checkoutSessionId: true, price: true, currency: true, createdAt: true } });
  if (!order) {
    // Another environment sharing the provider account, most likely; resending will not create the order.
    webLog.warn(`payment webhook ${eventId} names order ${orderId}, which does not exist here`);
    return 'unknown order';
  }
  // Only the order's own checkout, paid in full in the order's currency, settles it: a payment on any
  // other checkout of the account that merely names the order is recorded for admins, and credits nothing.
  const expected = { amount: order.price.toFixed(2), currency: order.currency };
  const reason = paymentMismatch(
    { checkoutSessionId: order.checkoutSessionId, price: expected.amount, currency: expected.currency },
    { sessionId: event.sessionId, paid: true, amount: event.amount, currency: event.currency },
  );
  if (reason) {
    await recordPaymentMismatch(db, {
      orderId,
      paymentProvider: payments.name,
      eventId,
      sessionId: event.sessionId,
      reason,
      expected,
      paid: { amount: event.amount, currency: event.currency },
    });
    webLog.warn(`payment webhook ${eventId} for order ${orderId} does not match it (${reason}): recorded, nothing credited`);
    return 'mismatch recorded';
  }
  const purchases = topUpPurchaseClient(await temporal());
  if (await purchases.confirmPayment({ orderId, eventId, paidAt })) return 'payment handed to the purchase workflow';
  // No workflow waits for this order any more (it ended, or was lost): the same idempotent credit is applied here.
  let settled;
  try {
    settled = await settleTopUpPayment(db, {
      orderId,
      paymentRef: `event ${eventId}`,
      paidAt: creditedPaymentTime(new Date(paidAt), { placedAt: order.createdAt, processedAt: new Date() }),
    });
  } catch (err) {
    if (!(err instanceof UnknownTopUpOrderError)) throw err;
    return 'unknown order';
  }
  if (settled.outcome === 'late_payment') {
    webLog.warn(`top-up order ${orderId} was paid (event ${eventId}) after it was ${settled.status}: no GB credited, the payment is due a refund`);
  }
  if (settled.outcome === 'credited') {
    // The credit stands either way; a chip that misses this hears of it at its next quota check.
    await chipWorkflowClient(await temporal()).signalQuotaChanged(await liveChipIdsOfOrderOwner(db, orderId)).catch((err: unknown) => {
      webLog.warn({ err }, `top-up order ${orderId} credited, but its chips could not all be told`);
    });
  }
  return settled.outcome;
}

/** The body as text, or null as soon as it passes `limit` bytes (the rest is not read). */
async function readLimited(request: Request, limit: number): Promise<string | null> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
