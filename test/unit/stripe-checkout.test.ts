import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { PaymentConfigError, PaymentWebhookError, type WebhookRefusal } from '@chipgate/activities/payments/payment-provider';
import {
  readStripeEvent,
  StripeCheckout,
  stripeCheckoutFromEnv,
  stripeExpiresAt,
  stripeWebhooksFromEnv,
  toStripeUnitAmount,
  verifyStripeSignature,
} from '@chipgate/activities/payments/stripe-checkout';

const SECRET = 'whsec_unit_test_secret';
const NOW = new Date('2026-11-29T12:00:00Z');
const NOW_SECONDS = NOW.getTime() / 1000;

/** Signed here with node:crypto directly, so the verifier is not checked against its own code. */
function sign(payload: string, { secret = SECRET, timestamp = NOW_SECONDS } = {}): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
}

function refusal(reason: WebhookRefusal, message: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof PaymentWebhookError, `expected a PaymentWebhookError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.match(err.message, message);
    return true;
  };
}

describe('toStripeUnitAmount', () => {
  it('turns a decimal price into whole centavos exactly', () => {
    assert.equal(toStripeUnitAmount('19.90', 'BRL'), 1990);
    assert.equal(toStripeUnitAmount('19.9', 'brl'), 1990);
    assert.equal(toStripeUnitAmount('19', 'BRL'), 1900);
    assert.equal(toStripeUnitAmount('0.01', 'BRL'), 1);
    assert.equal(toStripeUnitAmount('19.900', 'BRL'), 1990);
    assert.equal(toStripeUnitAmount('9999999999.99', 'BRL'), 999999999999);
  });

  it('gets right what floating point gets wrong', () => {
    // 0.29 * 100 === 28.999999999999996 and 1.15 * 100 === 114.99999999999999 in IEEE 754.
    assert.equal(toStripeUnitAmount('0.29', 'BRL'), 29);
    assert.equal(toStripeUnitAmount('1.15', 'BRL'), 115);
    assert.equal(toStripeUnitAmount('4.35', 'BRL'), 435);
  });

  it("uses the currency's own number of decimals", () => {
    assert.equal(toStripeUnitAmount('1000', 'JPY'), 1000);
    assert.equal(toStripeUnitAmount('1.5', 'KWD'), 1500);
  });

  it('refuses to round a price, naming the amount and the currency', () => {
    assert.throws(() => toStripeUnitAmount('19.999', 'BRL'), /amount 19\.999 has more decimals than BRL has \(2\)/);
    assert.throws(() => toStripeUnitAmount('1.5', 'JPY'), /amount 1\.5 has more decimals than JPY has \(0\)/);
  });

  it('refuses zero, negative, malformed amounts and bad currencies', () => {
    assert.throws(() => toStripeUnitAmount('0', 'BRL'), /amount must be greater than zero, got 0/);
    assert.throws(() => toStripeUnitAmount('0.00', 'BRL'), /greater than zero/);
    assert.throws(() => toStripeUnitAmount('-5', 'BRL'), /amount must be a non-negative decimal string/);
    assert.throws(() => toStripeUnitAmount('19,90', 'BRL'), /amount must be a non-negative decimal string/);
    assert.throws(() => toStripeUnitAmount('1e3', 'BRL'), /amount must be a non-negative decimal string/);
    assert.throws(() => toStripeUnitAmount('10', 'R$'), /currency must be a three-letter ISO 4217 code, got "R\$"/);
  });
});

describe('stripeExpiresAt', () => {
  it("keeps an order's expiry that Stripe accepts", () => {
    const inAnHour = new Date(NOW.getTime() + 3600_000);
    assert.equal(stripeExpiresAt(inAnHour, NOW), NOW_SECONDS + 3600);
  });

  it("moves an expiry into Stripe's 30-minute-to-24-hour window, with a minute of margin", () => {
    assert.equal(stripeExpiresAt(new Date(NOW.getTime() + 5_000), NOW), NOW_SECONDS + 31 * 60);
    assert.equal(stripeExpiresAt(new Date(NOW.getTime() + 48 * 3600_000), NOW), NOW_SECONDS + 24 * 3600 - 60);
  });
});

describe('verifyStripeSignature', () => {
  const body = JSON.stringify({ id: 'evt_1', object: 'event' });

  it('accepts a fresh signature of the exact body', () => {
    verifyStripeSignature(body, sign(body), SECRET, { now: NOW });
    verifyStripeSignature(body, sign(body, { timestamp: NOW_SECONDS - 299 }), SECRET, { now: NOW });
  });

  it('accepts any one matching v1 among several (Stripe signs with old and new secrets while one is rolled)', () => {
    const good = sign(body).split(',')[1]!;
    const old = sign(body, { secret: 'whsec_old' }).split(',')[1]!;
    verifyStripeSignature(body, `t=${NOW_SECONDS},${old},${good},v0=abc`, SECRET, { now: NOW });
  });

  it('refuses a request without a signature as unsigned', () => {
    assert.throws(() => verifyStripeSignature(body, null, SECRET, { now: NOW }), refusal('unsigned', /Stripe-Signature header is missing/));
    assert.throws(() => verifyStripeSignature(body, '', SECRET, { now: NOW }), refusal('unsigned', /missing/));
    assert.throws(() => verifyStripeSignature(body, `t=${NOW_SECONDS},v0=abcd`, SECRET, { now: NOW }), refusal('unsigned', /no v1 signature/));
  });

  it('refuses a signature made with another secret as forged', () => {
    assert.throws(() => verifyStripeSignature(body, sign(body, { secret: 'whsec_attacker' }), SECRET, { now: NOW }), refusal('forged', /does not match the body/));
  });

  it('refuses a body altered after signing as forged', () => {
    const header = sign(body);
    assert.throws(() => verifyStripeSignature(body.replace('evt_1', 'evt_2'), header, SECRET, { now: NOW }), refusal('forged', /does not match/));
    assert.throws(() => verifyStripeSignature(`${body} `, header, SECRET, { now: NOW }), refusal('forged', /does not match/));
  });

  it('refuses a v1 that is not a SHA-256 in hex as malformed, without throwing anything else', () => {
    assert.throws(() => verifyStripeSignature(body, `t=${NOW_SECONDS},v1=zz`, SECRET, { now: NOW }), refusal('malformed', /header is malformed/));
    assert.throws(() => verifyStripeSignature(body, `t=${NOW_SECONDS},v1=${'ab'.repeat(31)}`, SECRET, { now: NOW }), refusal('malformed', /header is malformed/));
  });

  it('refuses a genuine signature older or newer than 300 s as stale (a replayed capture)', () => {
    assert.throws(() => verifyStripeSignature(body, sign(body, { timestamp: NOW_SECONDS - 301 }), SECRET, { now: NOW }), refusal('stale', /timestamp is 301 s old, outside the 300 s tolerance/));
    assert.throws(() => verifyStripeSignature(body, sign(body, { timestamp: NOW_SECONDS + 301 }), SECRET, { now: NOW }), refusal('stale', /-301 s old/));
  });

  it('calls an old forgery forged, not stale: age is only judged on genuine signatures', () => {
    const header = sign(body, { secret: 'whsec_attacker', timestamp: NOW_SECONDS - 10_000 });
    assert.throws(() => verifyStripeSignature(body, header, SECRET, { now: NOW }), refusal('forged', /does not match/));
  });

  it('refuses a header without a usable timestamp as malformed', () => {
    const v1 = sign(body).split(',')[1]!;
    assert.throws(() => verifyStripeSignature(body, v1, SECRET, { now: NOW }), refusal('malformed', /expected "t=<unix seconds>,v1=<64 hex digits>"/));
    assert.throws(() => verifyStripeSignature(body, `t=soon,${v1}`, SECRET, { now: NOW }), refusal('malformed', /unix seconds/));
  });
});

describe('readStripeEvent', () => {
  const orderId = randomUUID();
  const event = (type: string, session: Record<string, unknown>, created = NOW_SECONDS) =>
    JSON.stringify({ id: 'evt_123', object: 'event', type, created, data: { object: { id: 'cs_test_1', object: 'checkout.session', ...session } } });

  it('reads a paid checkout.session.completed as a payment confirmation for the order in its metadata', () => {
    const parsed = readStripeEvent(
      event('checkout.session.completed', { payment_status: 'paid', metadata: { order_id: orderId }, client_reference_id: orderId, amount_total: 1990, currency: 'brl' }),
    );
    assert.deepEqual(parsed, { type: 'payment_confirmed', eventId: 'evt_123', orderId, sessionId: 'cs_test_1', amount: '19.90', currency: 'BRL', paidAt: NOW.toISOString() });
  });

  it("takes the payment's time from the event's created (unix seconds), not from when it is read", () => {
    const lastSecondsOfNovember = Date.UTC(2026, 10, 30, 23, 59, 50) / 1000;
    const parsed = readStripeEvent(event('checkout.session.completed', { payment_status: 'paid', metadata: { order_id: orderId }, amount_total: 1990, currency: 'brl' }, lastSecondsOfNovember));
    assert.equal(parsed.type === 'payment_confirmed' ? parsed.paidAt : undefined, '2026-11-30T23:59:50.000Z');
  });

  it('refuses an event without its created time as malformed', () => {
    const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'checkout.session.completed', data: { object: {} } });
    assert.throws(() => readStripeEvent(body), refusal('malformed', /not a Stripe event: created/));
  });

  it('never takes the order from client_reference_id (anyone can put it on a payment link)', () => {
    const parsed = readStripeEvent(event('checkout.session.completed', { payment_status: 'paid', metadata: {}, client_reference_id: orderId, amount_total: 100, currency: 'brl' }));
    assert.equal(parsed.type, 'ignored');
  });

  it('refuses a paid checkout that does not say how much was paid', () => {
    assert.throws(() => readStripeEvent(event('checkout.session.completed', { payment_status: 'paid', metadata: { order_id: orderId } })), refusal('malformed', /amount_total/));
  });

  it('reads checkout.session.expired', () => {
    const parsed = readStripeEvent(event('checkout.session.expired', { payment_status: 'unpaid', metadata: { order_id: orderId } }));
    assert.deepEqual(parsed, { type: 'checkout_expired', eventId: 'evt_123', orderId, sessionId: 'cs_test_1' });
  });

  it('acknowledges, without acting on, what is not a payment for a Chipgate order', () => {
    const unpaid = readStripeEvent(event('checkout.session.completed', { payment_status: 'unpaid', metadata: { order_id: orderId } }));
    assert.equal(unpaid.type, 'ignored');
    assert.match(unpaid.type === 'ignored' ? unpaid.why : '', /payment_status is unpaid/);
    const foreign = readStripeEvent(event('checkout.session.completed', { payment_status: 'paid', metadata: { order_id: 'INV-2026-1' } }));
    assert.equal(foreign.type, 'ignored');
    const other = readStripeEvent(JSON.stringify({ id: 'evt_9', object: 'event', type: 'customer.created', created: NOW_SECONDS, data: { object: { id: 'cus_1' } } }));
    assert.deepEqual(other, { type: 'ignored', eventId: 'evt_9', providerType: 'customer.created', why: 'not a checkout session outcome' });
  });

  it('refuses a body that is not a Stripe event as malformed, saying what is missing', () => {
    assert.throws(() => readStripeEvent('not json'), refusal('malformed', /webhook body is not JSON/));
    assert.throws(() => readStripeEvent(`{"id":"evt_1","object":"event","type":"checkout.session.completed","created":${NOW_SECONDS}}`), refusal('malformed', /not a Stripe event: data/));
    assert.throws(() => readStripeEvent(event('checkout.session.completed', { object: 'payment_intent' })), refusal('malformed', /does not hold a checkout session/));
  });
});

describe('StripeCheckout.parseWebhook', () => {
  const provider = new StripeCheckout({ apiBase: 'http://127.0.0.1:1', secretKey: 'sk_test_unit', webhookSecret: SECRET });
  const orderId = randomUUID();
  const body = JSON.stringify({
    id: 'evt_live',
    object: 'event',
    type: 'checkout.session.completed',
    created: NOW_SECONDS,
    data: { object: { id: 'cs_test_live', object: 'checkout.session', payment_status: 'paid', metadata: { order_id: orderId }, amount_total: 500, currency: 'jpy' } },
  });

  it('verifies the Stripe-Signature header (any case) and reads the event', async () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = new Headers({ 'stripe-signature': sign(body, { timestamp }) });
    assert.deepEqual(await provider.parseWebhook(body, headers), { type: 'payment_confirmed', eventId: 'evt_live', orderId, sessionId: 'cs_test_live', amount: '500', currency: 'JPY', paidAt: NOW.toISOString() });
  });

  it('refuses a forged body before reading it', async () => {
    const headers = new Headers({ 'Stripe-Signature': sign(body, { secret: 'whsec_other', timestamp: Math.floor(Date.now() / 1000) }) });
    await assert.rejects(provider.parseWebhook(body, headers), refusal('forged', /does not match/));
    await assert.rejects(provider.parseWebhook(body, new Headers()), refusal('unsigned', /missing/));
  });
});

describe('Stripe settings from the environment', () => {
  const secrets = { STRIPE_SECRET_KEY: 'sk_test_env_secret', STRIPE_WEBHOOK_SECRET: 'whsec_env_secret' };
  const configError = (variable: string) => (err: unknown) => {
    assert.ok(err instanceof PaymentConfigError, `expected a PaymentConfigError, got ${String(err)}`);
    assert.match(err.message, new RegExp(`^${variable} is not set`));
    assert.ok(!err.message.includes(secrets.STRIPE_SECRET_KEY) && !err.message.includes(secrets.STRIPE_WEBHOOK_SECRET), 'no secret in the error');
    return true;
  };

  it('the worker needs STRIPE_SECRET_KEY, and only that', () => {
    assert.throws(() => stripeCheckoutFromEnv({ STRIPE_WEBHOOK_SECRET: secrets.STRIPE_WEBHOOK_SECRET }), configError('STRIPE_SECRET_KEY'));
    assert.equal(stripeCheckoutFromEnv({ STRIPE_SECRET_KEY: secrets.STRIPE_SECRET_KEY }).name, 'stripe');
  });

  it('the web app needs STRIPE_WEBHOOK_SECRET, and never the account secret key', () => {
    assert.throws(() => stripeWebhooksFromEnv({ STRIPE_SECRET_KEY: secrets.STRIPE_SECRET_KEY }), configError('STRIPE_WEBHOOK_SECRET'));
    assert.equal(stripeWebhooksFromEnv({ STRIPE_WEBHOOK_SECRET: secrets.STRIPE_WEBHOOK_SECRET }).name, 'stripe');
  });

  it('each side refuses the other side\'s job with a config error naming what is missing', async () => {
    const webhooksOnly = stripeWebhooksFromEnv({ STRIPE_WEBHOOK_SECRET: secrets.STRIPE_WEBHOOK_SECRET });
    await assert.rejects(webhooksOnly.closeCheckoutSession('cs_test_1'), configError('STRIPE_SECRET_KEY'));
    const checkoutOnly = stripeCheckoutFromEnv({ STRIPE_SECRET_KEY: secrets.STRIPE_SECRET_KEY });
    await assert.rejects(checkoutOnly.parseWebhook('{}', new Headers()), configError('STRIPE_WEBHOOK_SECRET'));
  });

  it('refuses an API base that is not an http(s) URL', () => {
    assert.throws(() => stripeCheckoutFromEnv({ ...secrets, STRIPE_API_BASE: 'api.stripe.com' }), /STRIPE_API_BASE must be an http\(s\) URL, got "api.stripe.com"/);
    assert.throws(() => stripeCheckoutFromEnv({ ...secrets, STRIPE_API_BASE: 'ftp://x' }), /STRIPE_API_BASE must be an http\(s\) URL/);
  });
});
