import type { ReportedPayment } from '../top-ups/payment-match';

/**
 * What Chipgate needs from a card-payment provider: a hosted checkout page per top-up order, a way to
 * close it when the order expires, and webhooks it can prove came from the provider.
 */

export interface CheckoutRequest {
  /** Our top_up_orders.id; the provider echoes it back in its webhook events. */
  orderId: string;
  /** In the currency's major unit, exactly as stored (numeric): "19.90". */
  amount: string;
  /** ISO 4217 code, any case: "BRL". */
  currency: string;
  /** What the payer sees on the checkout page. */
  description: string;
  successUrl: string;
  cancelUrl: string;
  /** When the order stops being payable. */
  expiresAt: Date;
}

export interface CheckoutSession {
  sessionId: string;
  /** The hosted page the payer is sent to. */
  url: string;
}

/** How an attempt to close an unpaid checkout ended: payment can win the race against the expiry. */
export type CheckoutClosing = 'expired' | 'paid';

/**
 * A verified webhook, reduced to ids: nothing about the card or the payer travels further.
 * `ignored` is an authentic event Chipgate has no use for; it is acknowledged so the provider stops resending it.
 */
export type PaymentEvent =
  /**
   * `amount` is a decimal in the currency's major unit ("19.90"), `currency` an upper-case ISO code,
   * `paidAt` (ISO) the provider's time of the payment event, which decides the month credited.
   */
  | { type: 'payment_confirmed'; eventId: string; orderId: string; sessionId: string; amount: string; currency: string; paidAt: string }
  | { type: 'checkout_expired'; eventId: string; orderId: string; sessionId: string }
  | { type: 'ignored'; eventId: string; providerType: string; why: string };

/** Why a webhook was refused: no signature, a signature that does not match, a genuine but old one, or a broken payload. */
export type WebhookRefusal = 'unsigned' | 'forged' | 'stale' | 'malformed';

export class PaymentWebhookError extends Error {
  override name = 'PaymentWebhookError';
  constructor(
    readonly reason: WebhookRefusal,
    message: string,
  ) {
    super(message);
  }
}

/** The provider answered with an error, or could not be reached. */
export class PaymentProviderError extends Error {
  override name = 'PaymentProviderError';
  constructor(
    message: string,
    /** False when repeating the same request cannot succeed (refused input, bad key): retrying only delays the answer. */
    readonly retryable: boolean,
    readonly httpStatus?: number,
  ) {
    super(message);
  }
}

/** The provider is not configured: names the missing or invalid setting, never its value. */
export class PaymentConfigError extends Error {
  override name = 'PaymentConfigError';
}

/** Just what webhook verification reads from a request: `Request.headers` fits, and so does `new Headers(...)`. */
export interface HeaderSource {
  get(name: string): string | null;
}

export interface PaymentProvider {
  /** Recorded in top_up_orders.payment_provider. */
  readonly name: string;
  createCheckoutSession(request: CheckoutRequest): Promise<CheckoutSession>;
  /** The checkout as the provider sees it now: whether it is paid, and how much in which currency. */
  retrieveCheckoutSession(sessionId: string): Promise<ReportedPayment>;
  /** Makes an unpaid checkout unpayable; answers 'paid' when the payer completed it first. */
  closeCheckoutSession(sessionId: string): Promise<CheckoutClosing>;
  /** Verifies and reads a webhook; throws PaymentWebhookError saying what is wrong with a refused one. */
  parseWebhook(rawBody: string, headers: HeaderSource): Promise<PaymentEvent>;
}
