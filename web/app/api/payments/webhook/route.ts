import { db } from '@chipgate/db';
import { handlePaymentWebhook } from '@/server/payments/payment-webhook';
import { paymentProvider } from '@/server/payments/provider';
import { temporalClient } from '@/server/temporal';

// Prisma, Temporal and node:crypto need the Node.js runtime.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Stripe's webhook endpoint (https://<app>/api/payments/webhook), signed with STRIPE_WEBHOOK_SECRET. */
export async function POST(request: Request): Promise<Response> {
  return handlePaymentWebhook(request, { db: db(), payments: paymentProvider(), temporal: temporalClient });
}
