import type { Db } from '@chipgate/db';

export interface PaymentMismatchInput {
  orderId: string | null;
  paymentProvider: string;
  /** The provider's event id, or the workflow's reference for a confirmation the provider did not back. */
  eventId: string;
  sessionId: string | null;
  reason: string;
  expected?: { amount: string; currency: string };
  paid?: { amount: string; currency: string };
}

/** Records, once per provider event, a payment that settled nothing, for admins to refund or credit by hand. */
export async function recordPaymentMismatch(db: Db, input: PaymentMismatchInput): Promise<void> {
  await db.paymentMismatch.createMany({
    data: {
      orderId: input.orderId,
      paymentProvider: input.paymentProvider,
      eventId: input.eventId,
      sessionId: input.sessionId,
      reason: input.reason,
      expectedAmount: input.expected?.amount ?? null,
      expectedCurrency: input.expected?.currency ?? null,
      paidAmount: input.paid?.amount ?? null,
      paidCurrency: input.paid?.currency ?? null,
    },
    skipDuplicates: true,
  });
}

export interface PaymentMismatchView {
  id: string;
  orderId: string | null;
  userEmail: string | null;
  paymentProvider: string;
  eventId: string;
  sessionId: string | null;
  reason: string;
  expected: string | null;
  paid: string | null;
  createdAt: string;
}

export async function listPaymentMismatches(db: Db, take = 100): Promise<PaymentMismatchView[]> {
  const rows = await db.paymentMismatch.findMany({
    orderBy: { createdAt: 'desc' },
    take,
    include: { order: { select: { user: { select: { email: true } } } } },
  });
  const money = (amount: { toFixed(): string } | null, currency: string | null) => (amount && currency ? `${amount.toFixed()} ${currency}` : null);
  return rows.map((row) => ({
    id: row.id,
    orderId: row.orderId,
    userEmail: row.order?.user.email ?? null,
    paymentProvider: row.paymentProvider,
    eventId: row.eventId,
    sessionId: row.sessionId,
    reason: row.reason,
    expected: money(row.expectedAmount, row.expectedCurrency),
    paid: money(row.paidAmount, row.paidCurrency),
    createdAt: row.createdAt.toISOString(),
  }));
}
