import { parseDecimal, powerOfTen } from '@chipgate/workflows/rules/decimal';

/** What an order says it costs, and the one checkout that may pay it. */
export interface OrderTerms {
  checkoutSessionId: string | null;
  /** Decimal in the currency's major unit: "19.90". */
  price: string;
  currency: string;
}

/** A checkout as the payment provider reports it (in a signed webhook, or asked directly). */
export interface ReportedPayment {
  sessionId: string;
  paid: boolean;
  /** Decimal in the currency's major unit. */
  amount: string;
  currency: string;
}

/**
 * Why a reported payment must not settle the order, or null when it may: it must be the order's own
 * checkout session, paid, for exactly the order's amount in the order's currency.
 */
export function paymentMismatch(order: OrderTerms, payment: ReportedPayment): string | null {
  if (!order.checkoutSessionId) return 'the order has no checkout session yet';
  if (payment.sessionId !== order.checkoutSessionId) return "not the order's checkout session";
  if (!payment.paid) return 'the provider reports the checkout not paid';
  if (payment.currency.toUpperCase() !== order.currency.toUpperCase()) return `paid in ${payment.currency.toUpperCase()}, the order is in ${order.currency.toUpperCase()}`;
  if (!sameAmount(payment.amount, order.price)) return `paid ${payment.amount}, the order costs ${order.price}`;
  return null;
}

/** Equal decimal amounts whatever their written scale ("19.9" = "19.90"). */
export function sameAmount(a: string, b: string): boolean {
  const x = parseDecimal(a, 'amount');
  const y = parseDecimal(b, 'amount');
  const scale = Math.max(x.scale, y.scale);
  return x.units * powerOfTen(scale - x.scale) === y.units * powerOfTen(scale - y.scale);
}
