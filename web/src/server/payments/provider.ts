import type { PaymentProvider } from '@chipgate/activities/payments/payment-provider';
import { stripeWebhooksFromEnv } from '@chipgate/activities/payments/stripe-checkout';
import { only, webEnv } from '../env';

let provider: PaymentProvider | undefined;

/**
 * The payment provider as the web app needs it: to name it on orders and to verify its webhooks (the
 * worker opens the checkouts). STRIPE_WEBHOOK_SECRET is checked at boot with the rest of the environment.
 */
export function paymentProvider(): PaymentProvider {
  provider ??= stripeWebhooksFromEnv(only({ STRIPE_WEBHOOK_SECRET: webEnv().STRIPE_WEBHOOK_SECRET }));
  return provider;
}
