/**
 * Stripe STAND-IN — a local test double of Stripe Checkout, for the test suite and the demo only; never
 * a payment provider. No money moves. It listens on 127.0.0.1 and delivers webhooks to loopback only.
 *
 * It speaks the parts of Stripe's formats Chipgate uses:
 *   - API (Bearer secret key, form-encoded): POST /v1/checkout/sessions, GET /v1/checkout/sessions/:id,
 *     POST /v1/checkout/sessions/:id/expire; errors as {"error":{"type","message","param"}};
 *   - a hosted checkout page at the session's url with "Pay" and "Cancel" buttons;
 *   - signed webhooks (`Stripe-Signature: t=…,v1=<HMAC-SHA256 of "t.body">`): checkout.session.completed
 *     when paid, checkout.session.expired when expired through the API.
 * Its signing code is its own, so tests of Chipgate's verifier do not check the verifier against itself.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';

export interface StripeStandInOptions {
  secretKey: string;
  webhookSecret: string;
  /** Where events are POSTed; must be a loopback URL. Settable later with setWebhookUrl. */
  webhookUrl?: string;
  /** 0 or undefined picks a free port. */
  port?: number;
}

export interface CheckoutSessionObject {
  id: string;
  object: 'checkout.session';
  url: string;
  mode: 'payment';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  client_reference_id: string | null;
  metadata: Record<string, string>;
  amount_total: number;
  currency: string;
  expires_at: number;
  created: number;
  success_url: string;
  cancel_url: string | null;
  payment_intent: string | null;
  livemode: false;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: false;
  data: { object: CheckoutSessionObject };
}

export interface WebhookDelivery {
  eventId: string;
  type: string;
  /** The receiver's answer. */
  status: number;
  body: string;
}

/** How a test's bad webhook is bad: no signature, another secret, altered after signing, or signed too long ago. */
export type Forgery = 'unsigned' | 'wrong-secret' | 'tampered' | 'stale';

export interface StripeStandIn {
  /** Give it to Chipgate as STRIPE_API_BASE. */
  apiBase: string;
  setWebhookUrl(url: string): void;
  /**
   * What the payer's "Pay" button does: completes the session and delivers a signed checkout.session.completed.
   * `paidAt` (unix seconds, default now) is the event's `created`: a payment made just before midnight whose
   * delivery arrives after it, as Stripe's late or retried deliveries do (they keep the event's time).
   */
  pay(sessionId: string, options?: { paidAt?: number }): Promise<WebhookDelivery>;
  /** Delivers the last event again, freshly signed, as Stripe does when it retries or an operator resends. */
  replayLastEvent(): Promise<WebhookDelivery>;
  /** Delivers a genuinely signed event about a session in any state (out-of-order and late deliveries). */
  sendEvent(sessionId: string, type: 'checkout.session.completed' | 'checkout.session.expired'): Promise<WebhookDelivery>;
  /** Delivers a checkout.session.completed for the session that Stripe never signed; the session stays unpaid. */
  sendForgedEvent(sessionId: string, forgery: Forgery): Promise<WebhookDelivery>;
  session(sessionId: string): CheckoutSessionObject | undefined;
  close(): Promise<void>;
}

const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;
const MAX_BODY_BYTES = 1 << 20;

export async function startStripeStandIn(options: StripeStandInOptions): Promise<StripeStandIn> {
  if (!options.secretKey || !options.webhookSecret) throw new Error('Stripe stand-in: secretKey and webhookSecret are required');
  let webhookUrl = options.webhookUrl === undefined ? undefined : loopbackUrl(options.webhookUrl);
  const sessions = new Map<string, CheckoutSessionObject>();
  const productNames = new Map<string, string>();
  const pendingDeliveries = new Set<Promise<unknown>>();
  let lastEvent: StripeEvent | undefined;
  let apiBase = '';

  const now = () => Math.floor(Date.now() / 1000);

  /** Sessions past expires_at read as expired, as Stripe's do. */
  function current(sessionId: string): CheckoutSessionObject | undefined {
    const session = sessions.get(sessionId);
    if (session?.status === 'open' && now() >= session.expires_at) session.status = 'expired';
    return session;
  }

  function eventFor(type: string, session: CheckoutSessionObject, created = now()): StripeEvent {
    return { id: `evt_test_${token(24)}`, object: 'event', type, created, livemode: false, data: { object: structuredClone(session) } };
  }

  async function deliver(event: StripeEvent, signing: 'valid' | Forgery = 'valid'): Promise<WebhookDelivery> {
    if (!webhookUrl) throw new Error('Stripe stand-in has no webhook URL: pass webhookUrl or call setWebhookUrl');
    let body = JSON.stringify(event, null, 2);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) stand-in' };
    if (signing !== 'unsigned') {
      const timestamp = signing === 'stale' ? now() - 3600 : now();
      const secret = signing === 'wrong-secret' ? `whsec_${token(24)}` : options.webhookSecret;
      headers['stripe-signature'] = `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
      // Altered in transit after signing: the amount a forger would like to have paid.
      if (signing === 'tampered') body = body.replace(/"amount_total": \d+/, '"amount_total": 1');
    }
    if (signing === 'valid') lastEvent = event;
    const response = await fetch(webhookUrl, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
    return { eventId: event.id, type: event.type, status: response.status, body: await response.text() };
  }

  /** Stripe delivers in the background; close() waits for what is still on its way. */
  function deliverLater(event: StripeEvent): void {
    if (!webhookUrl) return;
    const delivery = deliver(event)
      .then((result) => {
        if (result.status >= 300) console.warn(`[stripe stand-in] ${event.type} ${event.id} refused by the webhook: ${result.status}`);
      })
      .catch((err: unknown) => console.warn(`[stripe stand-in] ${event.type} ${event.id} not delivered: ${String(err)}`))
      .finally(() => pendingDeliveries.delete(delivery));
    pendingDeliveries.add(delivery);
  }

  async function pay(sessionId: string, options?: { paidAt?: number }): Promise<WebhookDelivery> {
    const session = current(sessionId);
    if (!session) throw new Error(`Stripe stand-in: no checkout session ${sessionId}`);
    if (session.status !== 'open') throw new Error(`Stripe stand-in: checkout session ${sessionId} is ${session.status} and cannot be paid`);
    session.status = 'complete';
    session.payment_status = 'paid';
    session.payment_intent = `pi_test_${token(24)}`;
    return deliver(eventFor('checkout.session.completed', session, options?.paidAt));
  }

  function createSession(form: URLSearchParams): CheckoutSessionObject | StripeApiError {
    const unknown = [...form.keys()].find((key) => !KNOWN_PARAMS.some((pattern) => pattern.test(key)));
    if (unknown) return invalid(`Received unknown parameter: ${unknown}`, unknown);
    for (const param of REQUIRED_PARAMS) if (!form.get(param)) return invalid(`Missing required param: ${param}.`, param);
    if (form.get('mode') !== 'payment') return invalid('The stand-in supports mode=payment only.', 'mode');
    const currency = form.get('line_items[0][price_data][currency]')!;
    if (!/^[a-z]{3}$/.test(currency)) return invalid(`Invalid currency: ${currency}.`, 'line_items[0][price_data][currency]');
    const unitAmount = form.get('line_items[0][price_data][unit_amount]')!;
    if (!/^\d{1,12}$/.test(unitAmount)) return invalid('Invalid integer: unit_amount must be a whole number of the smallest currency unit.', 'line_items[0][price_data][unit_amount]');
    const quantity = form.get('line_items[0][quantity]')!;
    if (!/^[1-9]\d{0,5}$/.test(quantity)) return invalid('Invalid positive integer', 'line_items[0][quantity]');
    for (const param of ['success_url', 'cancel_url']) {
      const value = form.get(param);
      if (value !== null && !isHttpUrl(value)) return invalid(`Not a valid URL`, param);
    }
    const created = now();
    let expiresAt = created + MAX_EXPIRY_SECONDS;
    const requestedExpiry = form.get('expires_at');
    if (requestedExpiry !== null) {
      if (!/^\d{1,12}$/.test(requestedExpiry)) return invalid('Invalid integer: expires_at', 'expires_at');
      expiresAt = Number(requestedExpiry);
      if (expiresAt < created + MIN_EXPIRY_SECONDS) return invalid('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'expires_at');
      if (expiresAt > created + MAX_EXPIRY_SECONDS) return invalid('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'expires_at');
    }
    const metadata: Record<string, string> = {};
    for (const [key, value] of form) {
      const name = /^metadata\[(.+)\]$/.exec(key)?.[1];
      if (name) metadata[name] = value;
    }
    const id = `cs_test_${token(32)}`;
    const session: CheckoutSessionObject = {
      id,
      object: 'checkout.session',
      url: `${apiBase}/checkout/${id}`,
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      client_reference_id: form.get('client_reference_id'),
      metadata,
      amount_total: Number(unitAmount) * Number(quantity),
      currency,
      expires_at: expiresAt,
      created,
      success_url: form.get('success_url')!,
      cancel_url: form.get('cancel_url'),
      payment_intent: null,
      livemode: false,
    };
    productNames.set(id, form.get('line_items[0][price_data][product_data][name]')!);
    sessions.set(id, session);
    return session;
  }

  async function handleApi(request: http.IncomingMessage, response: http.ServerResponse, path: string): Promise<void> {
    const auth = request.headers.authorization;
    if (!auth?.startsWith('Bearer ')) {
      sendJson(response, 401, stripeError('You did not provide an API key. Provide it in the Authorization header as Bearer <key>.'));
      return;
    }
    if (auth.slice('Bearer '.length) !== options.secretKey) {
      sendJson(response, 401, stripeError('Invalid API Key provided.'));
      return;
    }
    const form = new URLSearchParams(await readBody(request));
    if (request.method === 'POST' && path === '/v1/checkout/sessions') {
      const created = createSession(form);
      if ('error' in created) sendJson(response, 400, created);
      else sendJson(response, 200, created);
      return;
    }
    const match = /^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/.exec(path);
    const session = match ? current(decodeURIComponent(match[1]!)) : undefined;
    if (!match || !session) {
      sendJson(response, 404, stripeError(match ? `No such checkout.session: '${match[1]}'` : `Unrecognized request URL (${request.method}: ${path}).`));
      return;
    }
    if (request.method === 'GET' && !match[2]) {
      sendJson(response, 200, session);
      return;
    }
    if (request.method === 'POST' && match[2]) {
      if (session.status !== 'open') {
        sendJson(response, 400, stripeError(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`));
        return;
      }
      session.status = 'expired';
      deliverLater(eventFor('checkout.session.expired', session));
      sendJson(response, 200, session);
      return;
    }
    sendJson(response, 404, stripeError(`Unrecognized request URL (${request.method}: ${path}).`));
  }

  async function handlePage(request: http.IncomingMessage, response: http.ServerResponse, sessionId: string, action: string | undefined) {
    await readBody(request);
    const session = current(sessionId);
    if (!session) {
      sendHtml(response, 404, page('Checkout not found', '<p>There is no such checkout session.</p>'));
      return;
    }
    if (request.method === 'GET' && !action) {
      sendHtml(response, 200, checkoutPage(session, productNames.get(sessionId) ?? ''));
      return;
    }
    if (request.method === 'POST' && action === 'cancel') {
      redirect(response, session.cancel_url ?? session.success_url);
      return;
    }
    if (request.method === 'POST' && action === 'pay') {
      if (session.status !== 'open') {
        sendHtml(response, 409, checkoutPage(session, productNames.get(sessionId) ?? ''));
        return;
      }
      const delivery = await pay(sessionId).catch((err: unknown) => {
        console.warn(`[stripe stand-in] payment of ${sessionId} recorded, webhook not delivered: ${String(err)}`);
        return undefined;
      });
      if (delivery && delivery.status >= 300) console.warn(`[stripe stand-in] webhook answered ${delivery.status} for ${delivery.eventId}: ${delivery.body}`);
      redirect(response, session.success_url);
      return;
    }
    sendHtml(response, 405, page('Not allowed', '<p>Use the buttons on the checkout page.</p>'));
  }

  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname;
    const checkout = /^\/checkout\/([^/]+)(?:\/(pay|cancel))?$/.exec(path);
    const work = path.startsWith('/v1/')
      ? handleApi(request, response, path)
      : checkout
        ? handlePage(request, response, decodeURIComponent(checkout[1]!), checkout[2])
        : Promise.resolve(sendJson(response, 404, stripeError(`Unrecognized request URL (${request.method}: ${path}).`)));
    work.catch((err: unknown) => {
      console.error('[stripe stand-in] request failed:', err);
      if (!response.headersSent) sendJson(response, 500, { error: { type: 'api_error', message: 'Stand-in internal error' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('Stripe stand-in: server has no TCP address');
  apiBase = `http://127.0.0.1:${address.port}`;

  return {
    apiBase,
    setWebhookUrl(url) {
      webhookUrl = loopbackUrl(url);
    },
    pay,
    async replayLastEvent() {
      if (!lastEvent) throw new Error('Stripe stand-in has delivered no event yet');
      return deliver(lastEvent);
    },
    async sendEvent(sessionId, type) {
      const session = current(sessionId);
      if (!session) throw new Error(`Stripe stand-in: no checkout session ${sessionId}`);
      const shown = type === 'checkout.session.completed' ? { ...session, status: 'complete' as const, payment_status: 'paid' as const } : { ...session, status: 'expired' as const };
      return deliver(eventFor(type, shown));
    },
    async sendForgedEvent(sessionId, forgery) {
      const session = current(sessionId);
      if (!session) throw new Error(`Stripe stand-in: no checkout session ${sessionId}`);
      return deliver(eventFor('checkout.session.completed', { ...session, status: 'complete', payment_status: 'paid' }), forgery);
    },
    session: (sessionId) => {
      const session = current(sessionId);
      return session && structuredClone(session);
    },
    async close() {
      await Promise.allSettled([...pendingDeliveries]);
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

interface StripeApiError {
  error: { type: string; message: string; param?: string; code?: string };
}

const REQUIRED_PARAMS = [
  'mode',
  'line_items[0][price_data][currency]',
  'line_items[0][price_data][unit_amount]',
  'line_items[0][price_data][product_data][name]',
  'line_items[0][quantity]',
  'success_url',
];

const KNOWN_PARAMS = [
  /^mode$/,
  /^payment_method_types\[\d+\]$/,
  /^line_items\[0\]\[price_data\]\[(currency|unit_amount)\]$/,
  /^line_items\[0\]\[price_data\]\[product_data\]\[(name|description)\]$/,
  /^line_items\[0\]\[quantity\]$/,
  /^client_reference_id$/,
  /^metadata\[[^\]]+\]$/,
  /^(success_url|cancel_url|expires_at|customer_email|locale)$/,
];

function stripeError(message: string): StripeApiError {
  return { error: { type: 'invalid_request_error', message } };
}

function invalid(message: string, param: string): StripeApiError {
  return { error: { type: 'invalid_request_error', code: 'parameter_invalid', message, param } };
}

function checkoutPage(session: CheckoutSessionObject, productName: string): string {
  const total = formatAmount(session.amount_total, session.currency);
  if (session.status !== 'open') {
    const note = session.status === 'complete' ? 'This checkout is already paid.' : 'This checkout has expired and can no longer be paid.';
    const back = session.status === 'complete' ? `<p><a href="${escapeHtml(session.success_url)}">Back to the shop</a></p>` : '';
    return page('Checkout closed', `<p role="status">${note}</p>${back}`);
  }
  return page(
    `Pay ${total}`,
    `<h1>${escapeHtml(productName)}</h1>
<p>Total: <strong data-testid="amount">${total}</strong></p>
<form method="post" action="/checkout/${encodeURIComponent(session.id)}/pay"><button type="submit">Pay ${total}</button></form>
<form method="post" action="/checkout/${encodeURIComponent(session.id)}/cancel"><button type="submit">Cancel</button></form>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Stripe stand-in</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}.standin{background:#fff3cd;padding:.5rem;border-radius:4px}button{font-size:1rem;padding:.5rem 1rem;margin:.25rem 0}</style>
</head><body><p class="standin">Stripe STAND-IN: a local test double. No real payment is made.</p>${body}</body></html>`;
}

/** "R$ 19.90" from 1990 (two-decimal currencies, which is all the stand-in sells in). */
function formatAmount(minorUnits: number, currency: string): string {
  const symbol = currency === 'brl' ? 'R$' : currency.toUpperCase();
  return `${symbol} ${Math.floor(minorUnits / 100)}.${String(minorUnits % 100).padStart(2, '0')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function token(length: number): string {
  return randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function loopbackUrl(url: string): string {
  const { hostname, protocol } = new URL(url);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  if (!loopback || (protocol !== 'http:' && protocol !== 'https:')) throw new Error(`Stripe stand-in delivers webhooks to loopback http(s) URLs only, got ${url}`);
  return url;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function sendHtml(response: http.ServerResponse, status: number, html: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  response.end(html);
}

function redirect(response: http.ServerResponse, location: string): void {
  response.writeHead(303, { location });
  response.end();
}
