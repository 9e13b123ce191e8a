import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { PaymentProviderError } from '@chipgate/activities/payments/payment-provider';
import { StripeCheckout } from '@chipgate/activities/payments/stripe-checkout';
import { createTopUpActivities } from '@chipgate/activities/top-ups/top-up-activities';
import { placeTopUpOrder } from '@chipgate/activities/top-ups/top-up-orders';
import { chipWorkflowId } from '@chipgate/workflows/chip/contract';
import { topUpPurchaseClient } from '@chipgate/workflows/client/top-up-client';
import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';
import { paymentConfirmedSignal, topUpWorkflowId, type TopUpPurchaseResult } from '@chipgate/workflows/top-up/contract';
import { createChipgateWorker, type ChipgateWorker } from '@chipgate/worker/bootstrap';
import { handlePaymentWebhook } from '../../web/src/server/payments/payment-webhook';
import { startStripeStandIn, type StripeStandIn } from '../standins/payments/stripe-standin';
import { testDb } from '../support/database';
import { testEnv } from '../support/environment';
import { historyText } from '../support/history';

const ONE_GB = 1_073_741_824n;

describe('GB top-up purchase: Stripe Checkout stand-in → signed webhook → purchase workflow → credit', () => {
  const db = testDb();
  const secretKey = `sk_test_${randomBytes(18).toString('hex')}`;
  const webhookSecret = `whsec_${randomBytes(18).toString('hex')}`;
  const taskQueue = `top-ups-${randomUUID()}`;
  const refusingQueue = `top-ups-refused-${randomUUID()}`;
  const listenerQueue = `chip-listeners-${randomUUID()}`;
  let stripe: StripeStandIn;
  let payments: StripeCheckout;
  let webhookServer: http.Server;
  let workers: ChipgateWorker[];
  let listenerConnection: NativeConnection;
  let listener: Worker;
  let running: Promise<unknown>[];
  let connection: Connection;
  let client: Client;
  let purchases: ReturnType<typeof topUpPurchaseClient>;
  let packId: string;
  let planId: string;
  let webhookUrl: string;

  before(async () => {
    stripe = await startStripeStandIn({ secretKey, webhookSecret });
    payments = new StripeCheckout({ apiBase: stripe.apiBase, secretKey, webhookSecret });
    connection = await Connection.connect({ address: testEnv.temporalAddress });
    client = new Client({ connection });
    purchases = topUpPurchaseClient(client, taskQueue);

    // The web app's webhook handler, behind a loopback HTTP server the stand-in delivers to.
    webhookServer = http.createServer((req, res) => {
      void (async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
        const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) });
        const response = await handlePaymentWebhook(request, { db, payments, temporal: async () => client });
        res.writeHead(response.status, { 'content-type': 'application/json' });
        res.end(await response.text());
      })().catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => webhookServer.listen(0, '127.0.0.1', resolve));
    const { port } = webhookServer.address() as { port: number };
    webhookUrl = `http://127.0.0.1:${port}/api/payments/webhook`;
    stripe.setWebhookUrl(webhookUrl);

    const appUrl = 'http://127.0.0.1:3999';
    workers = [
      await createChipgateWorker({ temporalAddress: testEnv.temporalAddress, namespace: 'default', taskQueue, activities: createTopUpActivities({ db, payments, appUrl }) }),
      await createChipgateWorker({
        temporalAddress: testEnv.temporalAddress,
        namespace: 'default',
        taskQueue: refusingQueue,
        activities: createTopUpActivities({ db, payments: new StripeCheckout({ apiBase: stripe.apiBase, secretKey: 'sk_test_revoked', webhookSecret }), appUrl }),
      }),
    ];
    listenerConnection = await NativeConnection.connect({ address: testEnv.temporalAddress });
    listener = await Worker.create({
      connection: listenerConnection,
      taskQueue: listenerQueue,
      workflowsPath: fileURLToPath(new URL('../workflows/quota-signal-listener.ts', import.meta.url)),
    });
    running = [...workers.map((w) => w.run()), listener.run()];

    const plan = await db.plan.findFirstOrThrow({ where: { code: 'FREE' } });
    planId = plan.id;
    const pack = await db.topUpPack.create({ data: { name: `1 GB test pack ${randomUUID()}`, sizeGb: '1', price: '19.90', currency: 'BRL' } });
    packId = pack.id;
  });

  after(async () => {
    // The database is shared with other test files: the pack leaves the shop window.
    await db.topUpPack.update({ where: { id: packId }, data: { isActive: false } });
    await Promise.all(workers.map((w) => w.shutdown()));
    listener.shutdown();
    await Promise.allSettled(running);
    await listenerConnection.close();
    await connection.close();
    await stripe.close();
    await new Promise<void>((resolve) => webhookServer.close(() => resolve()));
    await db.$disconnect();
  });

  const newUser = () => db.user.create({ data: { email: `${randomUUID()}@chipgate.test`, name: 'Top-up buyer', passwordHash: 'unused', planId } });

  async function openedOrder(userId: string, lifetimeMs?: number) {
    const order = await placeTopUpOrder(db, { userId, packId, paymentProvider: payments.name, lifetimeMs });
    await purchases.start(order.id);
    assert.equal(await purchases.awaitCheckout(order.id, 30_000), true, 'the checkout opens');
    const row = await db.topUpOrder.findUniqueOrThrow({ where: { id: order.id } });
    assert.ok(row.checkoutSessionId, 'the order records its checkout session');
    return { orderId: order.id, sessionId: row.checkoutSessionId, checkoutUrl: row.checkoutUrl! };
  }

  const creditsOf = (orderId: string) => db.topUpCredit.findMany({ where: { orderId } });
  const resultOf = (orderId: string) => client.workflow.getHandle(topUpWorkflowId(orderId)).result() as Promise<TopUpPurchaseResult>;

  it('pays a 1 GB pack: exactly one credit of 1073741824 bytes in the month paid, order PAID, running chips told', async () => {
    const user = await newUser();
    const runningChip = await db.chip.create({ data: { ownerId: user.id, label: 'running' } });
    const idle = await db.chip.create({ data: { ownerId: user.id, label: 'no workflow' } });
    const deleted = await db.chip.create({ data: { ownerId: user.id, label: 'deleted', deletedAt: new Date() } });
    const chipListener = await client.workflow.start('quotaSignalListener', { taskQueue: listenerQueue, workflowId: chipWorkflowId(runningChip.id) });
    const deletedListener = await client.workflow.start('quotaSignalListener', { taskQueue: listenerQueue, workflowId: chipWorkflowId(deleted.id) });

    const { orderId, sessionId, checkoutUrl } = await openedOrder(user.id);
    const session = stripe.session(sessionId)!;
    assert.equal(session.amount_total, 1990, 'R$ 19.90 is sent as 1990 centavos');
    assert.equal(session.currency, 'brl');
    assert.equal(session.metadata.order_id, orderId);
    assert.equal(session.client_reference_id, orderId);
    assert.equal(session.success_url, `http://127.0.0.1:3999/top-ups?order=${orderId}&checkout=success`);
    assert.ok(session.expires_at >= Math.floor(Date.now() / 1000) + 30 * 60, 'Stripe is given an expiry it accepts');
    assert.equal(checkoutUrl, session.url);
    const page = await (await fetch(checkoutUrl)).text();
    assert.match(page, /<button type="submit">Pay R\$ 19\.90<\/button>/);

    const delivery = await stripe.pay(sessionId);
    assert.equal(delivery.status, 200, delivery.body);
    assert.match(delivery.body, /handed to the purchase workflow/);

    const result = await resultOf(orderId);
    assert.deepEqual(result, { orderId, status: 'PAID', notifiedChipIds: [runningChip.id] });
    assert.equal(await chipListener.result(), 1, "the running chip's workflow got quotaChangedSignal");
    assert.notEqual(idle.id, runningChip.id);

    const order = await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } });
    assert.equal(order.status, 'PAID');
    assert.ok(order.paidAt);
    const credits = await creditsOf(orderId);
    assert.equal(credits.length, 1);
    assert.equal(credits[0]!.bytes, ONE_GB);
    assert.equal(credits[0]!.userId, user.id);
    assert.equal(credits[0]!.month.toISOString().slice(0, 10), billingMonthOf(order.paidAt));
    assert.match(credits[0]!.note ?? '', new RegExp(`event ${delivery.eventId}`));

    // Stripe resends (its retries, or an operator's "resend"): acknowledged, nothing more credited.
    const replay = await stripe.replayLastEvent();
    assert.equal(replay.eventId, delivery.eventId);
    assert.equal(replay.status, 200, replay.body);
    assert.match(replay.body, /already_credited/);
    assert.equal((await creditsOf(orderId)).length, 1);
    assert.equal((await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } })).status, 'PAID');

    const history = await historyText(client.workflow.getHandle(topUpWorkflowId(orderId)));
    assert.ok(history.includes(orderId));
    for (const secret of [secretKey, webhookSecret, checkoutUrl, sessionId]) assert.ok(!history.includes(secret), 'no key, secret or checkout link in workflow history');

    await deletedListener.terminate('test over: a deleted chip is never told');
  });

  it("credits a payment made at 23:59:50 UTC and processed after midnight to the month it was paid in (Stripe's event time)", async () => {
    const user = await newUser();
    const { orderId, sessionId } = await openedOrder(user.id);
    // The order was placed ten minutes before this month began and paid ten seconds before; its webhook
    // arrives now, well after midnight.
    const monthBegan = new Date(`${billingMonthOf(new Date())}T00:00:00Z`);
    await db.topUpOrder.update({ where: { id: orderId }, data: { createdAt: new Date(monthBegan.getTime() - 10 * 60_000) } });
    const paidAt = new Date(monthBegan.getTime() - 10_000);

    const delivery = await stripe.pay(sessionId, { paidAt: paidAt.getTime() / 1000 });
    assert.equal(delivery.status, 200, delivery.body);
    assert.equal((await resultOf(orderId)).status, 'PAID');

    const [credit] = await creditsOf(orderId);
    const previousMonth = billingMonthOf(paidAt);
    assert.equal(credit?.month.toISOString().slice(0, 10), previousMonth, `credited to ${previousMonth}, the month of the payment`);
    assert.equal((await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } })).paidAt?.toISOString(), paidAt.toISOString());
  });

  /** Another checkout on the same Stripe account (a payment link, another product): what an attacker can pay. */
  async function foreignCheckout(params: Record<string, string>): Promise<string> {
    const form = new URLSearchParams({
      mode: 'payment',
      'line_items[0][price_data][currency]': 'brl',
      'line_items[0][price_data][unit_amount]': '100',
      'line_items[0][price_data][product_data][name]': 'Another product, R$ 1.00',
      'line_items[0][quantity]': '1',
      success_url: 'http://127.0.0.1:3999/elsewhere',
      ...params,
    });
    const res = await fetch(`${stripe.apiBase}/v1/checkout/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    return ((await res.json()) as { id: string }).id;
  }

  /** After an attack, the order's own checkout still pays it, exactly once. */
  async function paysOnItsOwnCheckout(orderId: string, sessionId: string): Promise<void> {
    assert.equal((await stripe.pay(sessionId)).status, 200);
    assert.equal((await resultOf(orderId)).status, 'PAID');
    assert.equal((await creditsOf(orderId)).length, 1);
  }

  const mismatchesOf = (orderId: string) => db.paymentMismatch.findMany({ where: { orderId }, orderBy: { createdAt: 'asc' } });

  for (const [how, params] of [
    ['client_reference_id', (orderId: string) => ({ client_reference_id: orderId })],
    ['metadata[order_id]', (orderId: string) => ({ 'metadata[order_id]': orderId })],
  ] as const) {
    it(`paying R$ 1.00 on another checkout of the account that names the order in ${how} credits nothing; the mismatch is recorded`, async () => {
      const user = await newUser();
      const { orderId, sessionId } = await openedOrder(user.id);
      const foreign = await foreignCheckout(params(orderId));
      const delivery = await stripe.pay(foreign);
      console.log(`R$ 1.00 paid on ${how}=<order>: webhook ${delivery.status} ${delivery.body}`);
      assert.equal(delivery.status, 200, 'acknowledged, so Stripe does not resend it');
      // Let a signalled workflow act, if one was signalled.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal((await creditsOf(orderId)).length, 0, 'no GB credited for R$ 1.00');
      assert.equal((await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } })).status, 'PENDING');
      if (how === 'metadata[order_id]') {
        const [mismatch] = await mismatchesOf(orderId);
        assert.ok(mismatch, 'the mismatch is recorded for admins');
        assert.equal(mismatch.sessionId, foreign);
        assert.match(mismatch.reason, /not the order's checkout session/);
        assert.equal(mismatch.paidAmount?.toFixed(2), '1.00');
        assert.equal(mismatch.expectedAmount?.toFixed(2), '19.90');
      }
      await paysOnItsOwnCheckout(orderId, sessionId);
    });
  }

  it('a bare paymentConfirmed signal sent straight to Temporal credits nothing: the workflow asks Stripe', async () => {
    const user = await newUser();
    const { orderId, sessionId } = await openedOrder(user.id);
    await client.workflow.getHandle(topUpWorkflowId(orderId)).signal(paymentConfirmedSignal, { orderId, eventId: 'evt_forged_by_signal' });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await creditsOf(orderId)).length === 0 && (await mismatchesOf(orderId)).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const credited = (await creditsOf(orderId)).length;
    console.log(`bare paymentConfirmed signal: ${credited} credit(s)`);
    assert.equal(credited, 0, 'a signal alone credits nothing');
    assert.equal((await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } })).status, 'PENDING');
    assert.match((await mismatchesOf(orderId))[0]?.reason ?? '', /not paid/);
    await paysOnItsOwnCheckout(orderId, sessionId);
  });

  it('refuses unsigned, forged, tampered and stale webhooks and credits nothing for them', async () => {
    const user = await newUser();
    const { orderId, sessionId } = await openedOrder(user.id);

    const expected = { unsigned: 'unsigned', 'wrong-secret': 'forged', tampered: 'forged', stale: 'stale' } as const;
    for (const [forgery, reason] of Object.entries(expected)) {
      const refused = await stripe.sendForgedEvent(sessionId, forgery as keyof typeof expected);
      assert.equal(refused.status, 400, `${forgery} is refused`);
      assert.equal((JSON.parse(refused.body) as { error: string }).error, reason);
    }
    // Refused at the door: nothing reached the workflow or the database.
    assert.equal((await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } })).status, 'PENDING');
    assert.equal((await creditsOf(orderId)).length, 0);

    // The genuine payment still goes through afterwards.
    assert.equal((await stripe.pay(sessionId)).status, 200);
    assert.equal((await resultOf(orderId)).status, 'PAID');
    assert.equal((await creditsOf(orderId)).length, 1);
  });

  it('expires an order left unpaid, closes its checkout, and records a late payment without crediting it', async () => {
    const user = await newUser();
    const { orderId, sessionId } = await openedOrder(user.id, 4_000);

    assert.deepEqual(await resultOf(orderId), { orderId, status: 'EXPIRED', notifiedChipIds: [] });
    const order = await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } });
    assert.equal(order.status, 'EXPIRED');
    assert.equal(order.paidAt, null);
    assert.equal((await creditsOf(orderId)).length, 0);
    assert.equal(stripe.session(sessionId)!.status, 'expired', 'the checkout was expired at the provider, so it cannot be paid');
    await assert.rejects(stripe.pay(sessionId), /is expired and cannot be paid/);

    // A genuine completion arriving anyway (out of order): acknowledged and recorded, no GB.
    const late = await stripe.sendEvent(sessionId, 'checkout.session.completed');
    assert.equal(late.status, 200, late.body);
    assert.match(late.body, /late_payment/);
    const after = await db.topUpOrder.findUniqueOrThrow({ where: { id: orderId } });
    assert.equal(after.status, 'EXPIRED');
    assert.ok(after.paidAt, 'the payment is kept on the order for a refund');
    assert.equal((await creditsOf(orderId)).length, 0);
  });

  it('credits a payment whose webhook never arrived: the expiry finds the checkout paid instead of expiring it', async () => {
    const user = await newUser();
    const { orderId, sessionId } = await openedOrder(user.id, 4_000);
    stripe.setWebhookUrl('http://127.0.0.1:9/lost');
    try {
      await assert.rejects(stripe.pay(sessionId), /fetch failed/);
    } finally {
      stripe.setWebhookUrl(webhookUrl);
    }
    assert.equal(stripe.session(sessionId)!.payment_status, 'paid');

    assert.deepEqual(await resultOf(orderId), { orderId, status: 'PAID', notifiedChipIds: [] });
    const credits = await creditsOf(orderId);
    assert.equal(credits.length, 1);
    assert.equal(credits[0]!.bytes, ONE_GB);
    assert.match(credits[0]!.note ?? '', new RegExp(`checkout ${sessionId}`));
  });

  it('cancels the order when the provider refuses to open a checkout (a revoked key), without retrying', async () => {
    const user = await newUser();
    const order = await placeTopUpOrder(db, { userId: user.id, packId, paymentProvider: payments.name });
    const refusing = topUpPurchaseClient(client, refusingQueue);
    await refusing.start(order.id);
    await refusing.awaitCheckout(order.id, 30_000);
    assert.deepEqual(await resultOf(order.id), { orderId: order.id, status: 'CANCELLED', notifiedChipIds: [] });
    const row = await db.topUpOrder.findUniqueOrThrow({ where: { id: order.id } });
    assert.equal(row.status, 'CANCELLED');
    assert.equal(row.checkoutUrl, null);
    const events = (await client.workflow.getHandle(topUpWorkflowId(order.id)).fetchHistory()).events ?? [];
    const attempts = events.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : []));
    assert.equal(attempts[0], 1, 'a refusal is not retried');
  });

  it('speaks Stripe API errors back as clear, non-retryable errors without the key', async () => {
    const revoked = new StripeCheckout({ apiBase: stripe.apiBase, secretKey: 'sk_test_revoked', webhookSecret });
    const request = {
      orderId: randomUUID(),
      amount: '5.00',
      currency: 'BRL',
      description: 'test',
      successUrl: 'http://127.0.0.1:3999/ok',
      cancelUrl: 'http://127.0.0.1:3999/no',
      expiresAt: new Date(Date.now() + 3600_000),
    };
    await assert.rejects(revoked.createCheckoutSession(request), (err: unknown) => {
      assert.ok(err instanceof PaymentProviderError);
      assert.equal(err.retryable, false);
      assert.equal(err.httpStatus, 401);
      assert.match(err.message, /POST \/v1\/checkout\/sessions answered 401: invalid_request_error: Invalid API Key provided/);
      assert.ok(!err.message.includes('sk_test_revoked'));
      return true;
    });
    const unreachable = new StripeCheckout({ apiBase: 'http://127.0.0.1:9', secretKey, webhookSecret });
    await assert.rejects(unreachable.createCheckoutSession(request), (err: unknown) => err instanceof PaymentProviderError && err.retryable && /could not be reached/.test(err.message));

    const open = await payments.createCheckoutSession(request);
    assert.equal(await payments.closeCheckoutSession(open.sessionId), 'expired');
    assert.equal(await payments.closeCheckoutSession(open.sessionId), 'expired', 'closing twice is harmless');
    const paid = await payments.createCheckoutSession(request);
    const delivery = await stripe.pay(paid.sessionId);
    assert.match(delivery.body, /unknown order/, 'a payment for an order this database does not have is acknowledged and left alone');
    assert.equal(await payments.closeCheckoutSession(paid.sessionId), 'paid', 'payment that won the race is reported, not expired');
  });
});
