import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '@chipgate/db';
import { PaymentConfigError, PaymentProviderError, type PaymentProvider } from '../payments/payment-provider';
import { paymentMismatch } from './payment-match';
import { creditedPaymentTime } from './payment-time';
import { recordPaymentMismatch } from './payment-mismatches';
import {
  closeUnpaidOrder,
  liveChipIdsOfOrderOwner,
  recordCheckoutSession,
  settleTopUpPayment,
  UnknownTopUpOrderError,
  type SettleOutcome,
} from './top-up-orders';

export interface TopUpActivityDeps {
  db: Db;
  payments: PaymentProvider;
  /** The web app's public base URL: the checkout sends the payer back to its top-ups page. */
  appUrl: string;
}

/** CHIPGATE_APP_URL: the web app's public URL, where the checkout sends payers back. */
export function appUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const appUrl = env.CHIPGATE_APP_URL;
  if (!appUrl) throw new PaymentConfigError("CHIPGATE_APP_URL is not set: give the web app's public URL, where the checkout sends payers back");
  if (!/^https?:\/\/[^/]/.test(appUrl)) throw new PaymentConfigError(`CHIPGATE_APP_URL must be an http(s) URL, got "${appUrl}"`);
  return appUrl;
}

/** The order's state once its checkout is open; `expiresAt` (ISO) is when the workflow stops waiting for payment. */
export type CheckoutOpened = { status: 'PENDING'; expiresAt: string } | { status: 'PAID' | 'EXPIRED' | 'CANCELLED' };

/** A confirmation the provider does not back (another session, another amount, not paid): nothing credited. */
export type CreditOutcome = SettleOutcome | { outcome: 'not_paid'; reason: string };

/** What the order is once its time is up (PAID when the payer completed the checkout before it closed). */
export type ExpiryOutcome = { status: 'PAID' | 'EXPIRED' | 'CANCELLED' };

/**
 * I/O of a top-up purchase. Arguments and results are ids and statuses: no checkout URL, card data or
 * key reaches workflow history.
 */
export function createTopUpActivities({ db, payments, appUrl }: TopUpActivityDeps) {
  const backToTopUps = (orderId: string, checkout: 'success' | 'cancelled') => {
    const url = new URL('/top-ups', appUrl);
    url.searchParams.set('order', orderId);
    url.searchParams.set('checkout', checkout);
    return url.toString();
  };

  return {
    /** Opens the provider's checkout for a pending order, once: a retried or replayed call reuses the recorded session. */
    async openTopUpCheckout(orderId: string): Promise<CheckoutOpened> {
      const order = await known(orderId, async () =>
        (await db.topUpOrder.findUnique({ where: { id: orderId }, include: { pack: { select: { name: true } } } })) ?? missing(orderId),
      );
      if (order.status !== 'PENDING') return { status: order.status };
      const pending = { status: 'PENDING', expiresAt: order.expiresAt.toISOString() } as const;
      // Past its expiry (a worker backlog) there is nothing left to pay: the workflow expires it at once.
      if (order.checkoutSessionId || order.expiresAt.getTime() <= Date.now()) return pending;
      if (order.paymentProvider !== payments.name) {
        throw ApplicationFailure.nonRetryable(
          `top-up order ${orderId} is to be paid with "${order.paymentProvider}" but this worker's provider is "${payments.name}"`,
          'WrongPaymentProvider',
        );
      }
      const session = await refusalsAreFinal(() =>
        payments.createCheckoutSession({
          orderId,
          amount: order.price.toFixed(2),
          currency: order.currency,
          description: `Chipgate top-up "${order.pack.name}": ${order.sizeGb.toFixed()} GB of proxy traffic`,
          successUrl: backToTopUps(orderId, 'success'),
          cancelUrl: backToTopUps(orderId, 'cancelled'),
          expiresAt: order.expiresAt,
        }),
      );
      await recordCheckoutSession(db, orderId, session);
      return pending;
    },

    /**
     * A payment was reported (by a signal, which anyone who reaches Temporal can send): the provider is
     * asked about the order's own checkout, and only a paid one for the order's exact amount and currency
     * credits it (order PAID and GB credited in one transaction; a repeat credits nothing).
     */
    async creditTopUpOrder(input: { orderId: string; eventId: string; paidAt?: string }): Promise<CreditOutcome> {
      const { orderId, eventId } = input;
      const order = await known(orderId, async () =>
        (await db.topUpOrder.findUnique({ where: { id: orderId }, select: { status: true, checkoutSessionId: true, price: true, currency: true, createdAt: true } })) ??
        missing(orderId),
      );
      if (order.status === 'PAID') return { outcome: 'already_credited' };
      const terms = { checkoutSessionId: order.checkoutSessionId, price: order.price.toFixed(2), currency: order.currency };
      const reported = order.checkoutSessionId ? await refusalsAreFinal(() => payments.retrieveCheckoutSession(order.checkoutSessionId!)) : null;
      const reason = reported ? paymentMismatch(terms, reported) : 'the order has no checkout session yet';
      if (reason) {
        await recordPaymentMismatch(db, {
          orderId,
          paymentProvider: payments.name,
          eventId: `signal ${eventId}`,
          sessionId: order.checkoutSessionId,
          reason: `payment confirmation not backed by ${payments.name}: ${reason}`,
          expected: { amount: terms.price, currency: terms.currency },
          ...(reported?.paid && { paid: { amount: reported.amount, currency: reported.currency } }),
        });
        return { outcome: 'not_paid', reason };
      }
      const paidAt = creditedPaymentTime(input.paidAt === undefined ? undefined : new Date(input.paidAt), { placedAt: order.createdAt, processedAt: new Date() });
      return known(orderId, () => settleTopUpPayment(db, { orderId, paymentRef: `event ${eventId}`, paidAt }));
    },

    /**
     * The order's time is up: closes its checkout at the provider first, so nobody can pay it afterwards.
     * If the payer completed it before that, the payment stands and is credited.
     */
    async expireTopUpOrder(orderId: string): Promise<ExpiryOutcome> {
      const order = await known(orderId, async () =>
        (await db.topUpOrder.findUnique({ where: { id: orderId }, select: { status: true, checkoutSessionId: true } })) ?? missing(orderId),
      );
      if (order.status !== 'PENDING') return { status: order.status };
      const sessionId = order.checkoutSessionId;
      if (sessionId && (await refusalsAreFinal(() => payments.closeCheckoutSession(sessionId))) === 'paid') {
        const settled = await settleTopUpPayment(db, { orderId, paymentRef: `checkout ${sessionId}`, paidAt: new Date() });
        return { status: settled.outcome === 'late_payment' ? settled.status : 'PAID' };
      }
      const status = await closeUnpaidOrder(db, orderId, 'EXPIRED');
      if (status === 'PENDING') throw new Error(`top-up order ${orderId} is still PENDING after being marked EXPIRED`);
      return { status };
    },

    /** The checkout could not be opened: the order ends unpaid. */
    cancelTopUpOrder: (orderId: string) => known(orderId, () => closeUnpaidOrder(db, orderId, 'CANCELLED')),

    /** The chips whose workflows are told that their owner's allowance grew. */
    listTopUpOwnerChipIds: (orderId: string) => known(orderId, () => liveChipIdsOfOrderOwner(db, orderId)),
  };
}

export type TopUpActivities = ReturnType<typeof createTopUpActivities>;

/** An order that does not exist will not appear by retrying. */
async function known<T>(orderId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof UnknownTopUpOrderError) throw ApplicationFailure.nonRetryable(`top-up order ${orderId} does not exist`, 'UnknownTopUpOrder');
    throw err;
  }
}

function missing(orderId: string): never {
  throw new UnknownTopUpOrderError(orderId);
}

/** Outages and rate limits are retried by Temporal; a refusal (bad key, invalid amount) is reported at once. */
async function refusalsAreFinal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof PaymentProviderError && err.retryable) throw err;
    if (err instanceof Error) throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
}
