/**
 * Stripe Checkout as Chipgate's payment provider, spoken directly over Stripe's REST API (form-encoded
 * requests, JSON answers) so the same code runs against api.stripe.com and the local stand-in.
 */
import { z } from 'zod';
import { formatFixed, parseDecimal, powerOfTen } from '@chipgate/workflows/rules/decimal';
import type { ReportedPayment } from '../top-ups/payment-match';
import { SignatureRefusedError, verifyTimestamped } from '../webhooks/timestamped-signature';
import {
  PaymentConfigError,
  PaymentProviderError,
  PaymentWebhookError,
  type CheckoutClosing,
  type CheckoutRequest,
  type CheckoutSession,
  type HeaderSource,
  type PaymentEvent,
  type PaymentProvider,
} from './payment-provider';

export const STRIPE_SIGNATURE_HEADER = 'Stripe-Signature';
/** Stripe's own default: a signature older (or newer) than this is refused as a replayed capture. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
const DEFAULT_API_BASE = 'https://api.stripe.com';
const REQUEST_TIMEOUT_MS = 30_000;

export interface StripeCheckoutConfig {
  apiBase?: string;
  /** Needed to open and close checkouts (the worker); the web app, which only reads webhooks, goes without. */
  secretKey?: string;
  /** Needed to verify webhooks (the web app). */
  webhookSecret?: string;
}

export class StripeCheckout implements PaymentProvider {
  readonly name = 'stripe';
  readonly #apiBase: string;
  readonly #secretKey: string | undefined;
  readonly #webhookSecret: string | undefined;

  constructor({ apiBase = DEFAULT_API_BASE, secretKey, webhookSecret }: StripeCheckoutConfig) {
    this.#apiBase = validApiBase(apiBase);
    this.#secretKey = secretKey || undefined;
    this.#webhookSecret = webhookSecret || undefined;
  }

  async createCheckoutSession(request: CheckoutRequest): Promise<CheckoutSession> {
    const form = new URLSearchParams({
      mode: 'payment',
      // Cards settle while the payer waits; delayed methods (boleto) would need a "payment pending" state per order.
      'payment_method_types[0]': 'card',
      'line_items[0][price_data][currency]': validCurrency(request.currency).toLowerCase(),
      'line_items[0][price_data][unit_amount]': String(toStripeUnitAmount(request.amount, request.currency)),
      'line_items[0][price_data][product_data][name]': request.description,
      'line_items[0][quantity]': '1',
      client_reference_id: request.orderId,
      'metadata[order_id]': request.orderId,
      success_url: request.successUrl,
      cancel_url: request.cancelUrl,
      expires_at: String(stripeExpiresAt(request.expiresAt, new Date())),
    });
    const session = createdSession.safeParse(await this.#call('POST', '/v1/checkout/sessions', form));
    if (!session.success) throw new PaymentProviderError('Stripe created a checkout session without an id or url', false);
    return { sessionId: session.data.id, url: session.data.url };
  }

  async retrieveCheckoutSession(sessionId: string): Promise<ReportedPayment> {
    const session = checkoutAmounts.safeParse(await this.#call('GET', `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`));
    if (!session.success) throw new PaymentProviderError(`Stripe answered for checkout session ${sessionId} without its status and amount`, true);
    const { id, status, payment_status, amount_total, currency } = session.data;
    return { sessionId: id, paid: status === 'complete' && payment_status === 'paid', amount: fromStripeUnitAmount(amount_total, currency), currency: currency.toUpperCase() };
  }

  async closeCheckoutSession(sessionId: string): Promise<CheckoutClosing> {
    const path = `/v1/checkout/sessions/${encodeURIComponent(sessionId)}`;
    try {
      await this.#call('POST', `${path}/expire`);
      return 'expired';
    } catch (err) {
      // Stripe refuses (400) to expire a session that is no longer open; its state says why.
      if (!(err instanceof PaymentProviderError) || err.httpStatus !== 400) throw err;
    }
    const session = sessionState.safeParse(await this.#call('GET', path));
    if (!session.success) throw new PaymentProviderError(`Stripe answered for checkout session ${sessionId} without its status`, true);
    const { status, payment_status } = session.data;
    if (status === 'expired') return 'expired';
    if (status === 'complete' && payment_status === 'paid') return 'paid';
    throw new PaymentProviderError(`Stripe checkout session ${sessionId} could not be expired and is ${status}/${payment_status}`, true);
  }

  async parseWebhook(rawBody: string, headers: HeaderSource): Promise<PaymentEvent> {
    if (!this.#webhookSecret) throw new PaymentConfigError(`${WEBHOOK_SECRET_VARIABLE} is not set: this process cannot verify Stripe webhooks`);
    verifyStripeSignature(rawBody, headers.get(STRIPE_SIGNATURE_HEADER), this.#webhookSecret);
    return readStripeEvent(rawBody);
  }

  async #call(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<unknown> {
    const what = `Stripe API ${method} ${path}`;
    if (!this.#secretKey) throw new PaymentConfigError(`${SECRET_KEY_VARIABLE} is not set: this process cannot call the Stripe API`);
    let response: Response;
    try {
      response = await fetch(`${this.#apiBase}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: form?.toString(),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      throw new PaymentProviderError(`${what} could not be reached: ${describeCause(err)}`, true);
    }
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) {
      const error = stripeError.safeParse(body);
      const detail = error.success ? `: ${error.data.error.type}: ${error.data.error.message}` : '';
      // Stripe's advice: 409 (lock contention), 429 (rate limit) and 5xx are worth a retry; other refusals are final.
      const retryable = response.status === 409 || response.status === 429 || response.status >= 500;
      throw new PaymentProviderError(`${what} answered ${response.status}${detail}`, retryable, response.status);
    }
    if (body === undefined) throw new PaymentProviderError(`${what} answered ${response.status} with a body that is not JSON`, true, response.status);
    return body;
  }
}

const SECRET_KEY_VARIABLE = 'STRIPE_SECRET_KEY';
const WEBHOOK_SECRET_VARIABLE = 'STRIPE_WEBHOOK_SECRET';

/** For the worker, which opens and closes checkouts: STRIPE_SECRET_KEY, and STRIPE_API_BASE when not api.stripe.com. */
export function stripeCheckoutFromEnv(env: NodeJS.ProcessEnv = process.env): StripeCheckout {
  return new StripeCheckout({
    apiBase: env.STRIPE_API_BASE || DEFAULT_API_BASE,
    secretKey: requiredSetting(env, SECRET_KEY_VARIABLE, 'the secret API key of the Stripe account (sk_live_… or sk_test_…)'),
  });
}

/** For the web app, which only verifies webhooks: STRIPE_WEBHOOK_SECRET. The account's secret key stays off the web server. */
export function stripeWebhooksFromEnv(env: NodeJS.ProcessEnv = process.env): StripeCheckout {
  return new StripeCheckout({
    webhookSecret: requiredSetting(env, WEBHOOK_SECRET_VARIABLE, "the signing secret of Chipgate's Stripe webhook endpoint (whsec_…)"),
  });
}

function requiredSetting(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name];
  if (!value) throw new PaymentConfigError(`${name} is not set: give ${what}`);
  return value;
}

/** Stripe's webhook signature (`Stripe-Signature`), refused with Stripe's reasons when invalid. */
export function verifyStripeSignature(
  payload: string,
  header: string | null,
  secret: string,
  { now = new Date(), toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS }: { now?: Date; toleranceSeconds?: number } = {},
): void {
  try {
    verifyTimestamped(payload, header, secret, { headerName: STRIPE_SIGNATURE_HEADER, toleranceSeconds, now });
  } catch (err) {
    if (err instanceof SignatureRefusedError) throw new PaymentWebhookError(err.reason, err.message);
    throw err;
  }
}

/** Reads a verified Stripe event body into what Chipgate acts on. */
export function readStripeEvent(rawBody: string): PaymentEvent {
  const json = parseJson(rawBody);
  if (json === undefined) throw new PaymentWebhookError('malformed', 'webhook body is not JSON');
  const event = stripeEvent.safeParse(json);
  if (!event.success) throw new PaymentWebhookError('malformed', `webhook body is not a Stripe event: ${firstIssue(event.error)}`);
  const { id: eventId, type } = event.data;
  if (type !== 'checkout.session.completed' && type !== 'checkout.session.expired') {
    return { type: 'ignored', eventId, providerType: type, why: 'not a checkout session outcome' };
  }
  const session = checkoutSession.safeParse(event.data.data.object);
  if (!session.success) throw new PaymentWebhookError('malformed', `${type} event ${eventId} does not hold a checkout session: ${firstIssue(session.error)}`);
  // Only Chipgate sets metadata (the API call opening the order's checkout); client_reference_id is
  // not trusted, since anyone may append it to a payment link of the same account.
  const orderId = session.data.metadata?.order_id;
  // Other products on the same Stripe account have checkouts too; theirs are acknowledged and left alone.
  if (!orderId || !UUID.test(orderId)) return { type: 'ignored', eventId, providerType: type, why: 'checkout session is not for a Chipgate order' };
  const sessionId = session.data.id;
  if (type === 'checkout.session.expired') return { type: 'checkout_expired', eventId, orderId, sessionId };
  if (session.data.payment_status !== 'paid') {
    return { type: 'ignored', eventId, providerType: type, why: `payment_status is ${session.data.payment_status}, nothing was paid` };
  }
  if (session.data.amount_total == null || !session.data.currency) {
    throw new PaymentWebhookError('malformed', `${type} event ${eventId} does not say how much was paid (amount_total, currency)`);
  }
  const currency = session.data.currency.toUpperCase();
  // Stripe's `created` is when the payment completed (unix seconds), the same on every resend of the event.
  const paidAt = new Date(event.data.created * 1000).toISOString();
  return { type: 'payment_confirmed', eventId, orderId, sessionId, amount: fromStripeUnitAmount(session.data.amount_total, currency), currency, paidAt };
}

/** Stripe's currencies whose smallest unit is the unit itself, and those with three decimals (docs.stripe.com/currencies). */
const ZERO_DECIMAL_CURRENCIES = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const THREE_DECIMAL_CURRENCIES = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

function decimalsOf(currency: string): number {
  const code = currency.toLowerCase();
  return ZERO_DECIMAL_CURRENCIES.has(code) ? 0 : THREE_DECIMAL_CURRENCIES.has(code) ? 3 : 2;
}

/** Stripe's smallest-unit amount (1990) as a decimal in the major unit ("19.90"). */
export function fromStripeUnitAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`amount must be a non-negative whole number of minor units, got ${minor}`);
  return formatFixed(BigInt(minor), decimalsOf(validCurrency(currency)));
}

/** A decimal price ("19.90") in Stripe's smallest currency unit (1990 centavos), exactly: no floats, no rounding. */
export function toStripeUnitAmount(amount: string, currency: string): number {
  const code = validCurrency(currency).toLowerCase();
  const decimals = decimalsOf(code);
  const { units, scale } = parseDecimal(amount, 'amount');
  const excess = scale - decimals;
  if (excess > 0 && units % powerOfTen(excess) !== 0n) {
    throw new RangeError(`amount ${amount} has more decimals than ${code.toUpperCase()} has (${decimals}): a price is never rounded`);
  }
  const minor = excess > 0 ? units / powerOfTen(excess) : units * powerOfTen(-excess);
  if (minor <= 0n) throw new RangeError(`amount must be greater than zero, got ${amount}`);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`amount ${amount} is too large for a checkout`);
  return Number(minor);
}

/** Stripe accepts expires_at 30 minutes to 24 hours after the session is created; a minute of margin each way. */
const MIN_SESSION_SECONDS = 31 * 60;
const MAX_SESSION_SECONDS = 24 * 60 * 60 - 60;

/**
 * The session's expires_at (unix seconds): the order's expiry, moved into the window Stripe accepts.
 * An order that expires sooner is still closed on time: the purchase workflow expires the session itself.
 */
export function stripeExpiresAt(orderExpiresAt: Date, now: Date): number {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const wanted = Math.floor(orderExpiresAt.getTime() / 1000);
  return Math.min(Math.max(wanted, nowSeconds + MIN_SESSION_SECONDS), nowSeconds + MAX_SESSION_SECONDS);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const createdSession = z.object({ id: z.string().min(1), url: z.string().min(1) });
const sessionState = z.object({ status: z.string(), payment_status: z.string() });
const stripeError = z.object({ error: z.object({ type: z.string(), message: z.string() }) });
const stripeEvent = z.object({
  id: z.string().min(1),
  object: z.literal('event'),
  type: z.string().min(1),
  created: z.number().int().positive(),
  data: z.object({ object: z.unknown() }),
});
const checkoutAmounts = z.object({
  id: z.string().min(1),
  status: z.string(),
  payment_status: z.string(),
  amount_total: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Za-z]{3}$/),
});
const checkoutSession = z.object({
  id: z.string().min(1),
  object: z.literal('checkout.session'),
  payment_status: z.string(),
  amount_total: z.number().int().nonnegative().nullish(),
  currency: z.string().regex(/^[A-Za-z]{3}$/).nullish(),
  client_reference_id: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
});

function validApiBase(apiBase: string): string {
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new PaymentConfigError(`STRIPE_API_BASE must be an http(s) URL, got "${apiBase}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new PaymentConfigError(`STRIPE_API_BASE must be an http(s) URL, got "${apiBase}"`);
  return apiBase.replace(/\/+$/, '');
}

function validCurrency(currency: string): string {
  if (!/^[A-Za-z]{3}$/.test(currency)) throw new RangeError(`currency must be a three-letter ISO 4217 code, got "${currency}"`);
  return currency;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid';
}

function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}
