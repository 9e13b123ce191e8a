import type { PaymentProvider } from '@chipgate/activities/payments/payment-provider';
import { stripeWebhooksFromEnv } from '@chipgate/activities/payments/stripe-checkout';

let provider: PaymentProvider | undefined;

/**
 * The payment provider as the web app needs it: to name it on orders and to verify its webhooks (the
 * worker opens the checkouts). Read on first use, so pages that take no payments work without it.
 */
export function paymentProvider(): PaymentProvider {
  provider ??= stripeWebhooksFromEnv();
  return provider;
}
