/**
 * When a top-up counts as paid, which decides the month its GB are credited to: the payment provider's
 * own time of the payment (Stripe's event `created`), not when Chipgate got round to it, so a payment at
 * 23:59:50 processed after midnight still counts for the month it was made in.
 *
 * A reported time outside the order's life (before it was placed, or after it was processed) is not
 * believed: a `paymentConfirmed` signal can come from anyone who reaches Temporal, and a skewed clock
 * must not move a credit into a month the order never lived in. Then the bound it crosses is used; with
 * no reported time at all (an older signal, a checkout found paid at expiry), the processing time.
 */
export function creditedPaymentTime(reported: Date | undefined, order: { placedAt: Date; processedAt: Date }): Date {
  if (!reported || Number.isNaN(reported.getTime())) return order.processedAt;
  if (reported < order.placedAt) return order.placedAt;
  if (reported > order.processedAt) return order.processedAt;
  return reported;
}
