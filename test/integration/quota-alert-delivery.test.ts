import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { createAlertDelivery, loadAlertConfig, type QuotaAlertInput } from '@chipgate/activities/alerts/alert-delivery';
import { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from '@chipgate/activities/alerts/webhook-signature';
import { dropDatabase, ensureDatabase } from '../stack/postgres';
import { startMailStandIn, type MailStandIn } from '../standins/mail';

/** `npm test` names its PostgreSQL server; run on its own, this file uses the local one (trust auth). */
function postgresServerUrl(): string {
  return process.env.CHIPGATE_TEST_PG_SERVER_URL ?? 'postgresql://postgres@127.0.0.1:5432';
}

const SMTP_USER = 'alerts';
const SMTP_PASSWORD = 'sm7p-p@ss';
const WEBHOOK_SECRET = 'whsec_integration_test';
const MONTH = '2026-11-01';
const FREE_PLAN_BYTES = 107_374_182n; // 0.1 GB

/** An HTTP webhook receiver that accepts only bodies whose Chipgate-Signature verifies. */
async function startWebhookReceiver() {
  const accepted: Array<Record<string, unknown> & { user: { id: string } }> = [];
  const refused: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        verifyWebhookSignature(body, req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined, WEBHOOK_SECRET);
      } catch (err) {
        refused.push((err as Error).message);
        res.writeHead(400).end();
        return;
      }
      accepted.push(JSON.parse(body.toString('utf8')));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/chipgate`,
    for: (userId: string) => accepted.filter((body) => body.user.id === userId),
    refused,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('quota alert delivery (real PostgreSQL, SMTP and webhook receiver)', () => {
  const databaseName = `chipgate_alerts_${randomBytes(4).toString('hex')}`;
  let db: Db;
  let smtp: MailStandIn;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let delivery: ReturnType<typeof createAlertDelivery>;

  before(async () => {
    const url = await ensureDatabase(postgresServerUrl(), databaseName);
    applyMigrations(url);
    db = createDb(url);
    smtp = await startMailStandIn({ username: SMTP_USER, password: SMTP_PASSWORD });
    receiver = await startWebhookReceiver();
    delivery = createAlertDelivery(
      loadAlertConfig({
        SMTP_URL: smtp.smtpUrl,
        ALERT_WEBHOOK_URL: receiver.url,
        ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET,
      }),
    );
  });

  after(async () => {
    await db?.$disconnect();
    await smtp?.close();
    await receiver?.close();
    await dropDatabase(postgresServerUrl(), databaseName);
  });

  async function newUser(name: string) {
    const plan = await db.plan.findUniqueOrThrow({ where: { code: 'FREE' } });
    return db.user.create({
      data: { name, email: `${name.toLowerCase().replace(/\W+/g, '-')}-${randomBytes(3).toString('hex')}@example.test`, passwordHash: 'unused', planId: plan.id },
    });
  }

  const alertAt = (userId: string, threshold: QuotaAlertInput['threshold'], bytesUsed: bigint): QuotaAlertInput => ({
    userId,
    month: MONTH,
    threshold,
    bytesUsed,
    bytesAllowed: FREE_PLAN_BYTES,
  });

  it('records the 80% alert once and delivers it once per channel, however many calls, concurrent or not', async () => {
    const user = await newUser('Ana Souza');
    const input = alertAt(user.id, 'PERCENT_80', 85_899_346n);
    const concurrent = await Promise.all([1, 2, 3].map(() => delivery.recordAndDeliverQuotaAlert(db, input)));
    const later = await delivery.recordAndDeliverQuotaAlert(db, { ...input, bytesUsed: 90_000_000n });

    assert.equal(concurrent.filter((r) => r.created).length, 1, 'one call created the row');
    assert.equal(concurrent.filter((r) => r.emailed).length, 1, 'one call sent the email');
    assert.equal(concurrent.filter((r) => r.webhooked).length, 1, 'one call posted the webhook');
    assert.deepEqual(later, { created: false, emailed: false, webhooked: false });

    const emails = smtp.to(user.email);
    assert.equal(emails.length, 1);
    assert.equal(emails[0]!.subject, 'Chipgate: you have used 80% of your 0.10 GB proxy allowance for November 2026');

    const hooks = receiver.for(user.id);
    assert.equal(hooks.length, 1);
    const rows = await db.quotaAlert.findMany({ where: { userId: user.id } });
    assert.equal(rows.length, 1);
    assert.deepEqual(hooks[0], {
      id: rows[0]!.id,
      type: 'quota.alert',
      createdAt: rows[0]!.createdAt.toISOString(),
      user: { id: user.id, name: 'Ana Souza', email: user.email },
      month: '2026-11',
      thresholdPercent: 80,
      bytesUsed: '85899346',
      bytesAllowed: String(FREE_PLAN_BYTES),
      usedGb: '0.08 GB',
      allowedGb: '0.10 GB',
      chipsPaused: false,
    });
    assert.ok(rows[0]!.emailSentAt && rows[0]!.webhookSentAt);
    assert.equal(rows[0]!.bytesUsed, 85_899_346n, 'the first call’s figures are kept');
  });

  it('delivers the 100% alert as an alert of its own, also once', async () => {
    const user = await newUser('Bruno Lima');
    await delivery.recordAndDeliverQuotaAlert(db, alertAt(user.id, 'PERCENT_80', 86_000_000n));
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await delivery.recordAndDeliverQuotaAlert(db, alertAt(user.id, 'PERCENT_100', FREE_PLAN_BYTES)));

    assert.deepEqual(results[0], { created: true, emailed: true, webhooked: true });
    assert.deepEqual(results.slice(1), [{ created: false, emailed: false, webhooked: false }, { created: false, emailed: false, webhooked: false }]);
    assert.deepEqual(
      smtp.to(user.email).map((m) => m.subject),
      ['Chipgate: you have used 80% of your 0.10 GB proxy allowance for November 2026', 'Chipgate: your 0.10 GB proxy allowance for November 2026 is used up - chips paused'],
    );
    assert.deepEqual(
      receiver.for(user.id).map((h) => [h.thresholdPercent, h.chipsPaused]),
      [
        [80, false],
        [100, true],
      ],
    );
    assert.equal(await db.quotaAlert.count({ where: { userId: user.id } }), 2);
  });

  it('re-arms when a top-up raises the allowance: 80% of the new allowance is delivered again, once however many chips ask at once', async () => {
    const user = await newUser('Carla Dias');
    await delivery.recordAndDeliverQuotaAlert(db, alertAt(user.id, 'PERCENT_80', 86_000_000n));
    const raised = FREE_PLAN_BYTES + 1024n ** 3n;
    const again = { ...alertAt(user.id, 'PERCENT_80', 947_000_000n), bytesAllowed: raised };
    const results = await Promise.all(Array.from({ length: 8 }, () => delivery.recordAndDeliverQuotaAlert(db, again)));

    assert.equal(results.filter((r) => r.created).length, 1, 'one alert of the raised allowance');
    assert.equal(results.filter((r) => r.emailed).length, 1, 'emailed once');
    assert.deepEqual(
      smtp.to(user.email).map((m) => m.subject),
      ['Chipgate: you have used 80% of your 0.10 GB proxy allowance for November 2026', 'Chipgate: you have used 80% of your 1.10 GB proxy allowance for November 2026'],
    );
    assert.deepEqual(receiver.for(user.id).map((h) => h.bytesAllowed), [String(FREE_PLAN_BYTES), String(raised)]);
  });

  it('when the SMTP server refuses, throws naming email (no credentials), and the retry sends only the email', async () => {
    const user = await newUser('Carla Dias');
    const input = alertAt(user.id, 'PERCENT_80', 86_000_000n);
    smtp.refuseNextMessage();

    await assert.rejects(delivery.recordAndDeliverQuotaAlert(db, input), (err: Error) => {
      assert.match(err.message, /email delivery failed: .*451 mailbox busy/);
      assert.ok(!err.message.includes(SMTP_PASSWORD) && !err.message.includes(encodeURIComponent(SMTP_PASSWORD)), 'no SMTP password');
      assert.ok(!err.message.includes(WEBHOOK_SECRET), 'no webhook secret');
      return true;
    });
    assert.equal(smtp.to(user.email).length, 0);
    assert.equal(receiver.for(user.id).length, 1, 'the webhook went out in the same attempt');
    const afterFailure = await db.quotaAlert.findFirstOrThrow({ where: { userId: user.id } });
    assert.equal(afterFailure.emailSentAt, null);
    assert.ok(afterFailure.webhookSentAt);

    assert.deepEqual(await delivery.recordAndDeliverQuotaAlert(db, input), { created: false, emailed: true, webhooked: false });
    assert.equal(smtp.to(user.email).length, 1);
    assert.equal(receiver.for(user.id).length, 1, 'the webhook is not posted again');
    assert.deepEqual(await delivery.recordAndDeliverQuotaAlert(db, input), { created: false, emailed: false, webhooked: false });
  });

  it('without SMTP_URL, records and webhooks the alert and says once that email is off', async () => {
    const user = await newUser('Davi Rocha');
    const logged: string[] = [];
    const webhookOnly = createAlertDelivery(loadAlertConfig({ ALERT_WEBHOOK_URL: receiver.url, ALERT_WEBHOOK_SECRET: WEBHOOK_SECRET }), {
      log: (message) => logged.push(message),
    });
    assert.deepEqual(await webhookOnly.recordAndDeliverQuotaAlert(db, alertAt(user.id, 'PERCENT_80', 86_000_000n)), { created: true, emailed: false, webhooked: true });
    assert.deepEqual(await webhookOnly.recordAndDeliverQuotaAlert(db, alertAt(user.id, 'PERCENT_100', FREE_PLAN_BYTES)), { created: true, emailed: false, webhooked: true });
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /SMTP_URL is not set/);
    assert.equal(smtp.to(user.email).length, 0);
    assert.equal(receiver.for(user.id).length, 2);
  });

  it('a forged signature is refused by the receiver, and a delivery it refuses throws naming the webhook', async () => {
    const body = JSON.stringify({ id: 'forged', type: 'quota.alert', user: { id: 'nobody' } });
    assert.throws(() => verifyWebhookSignature(body, signWebhook(body, 'not-the-secret'), WEBHOOK_SECRET), /does not match the body/);
    const response = await fetch(receiver.url, { method: 'POST', headers: { [SIGNATURE_HEADER]: signWebhook(body, 'not-the-secret') }, body });
    assert.equal(response.status, 400);

    const user = await newUser('Eva Prado');
    const wrongSecret = createAlertDelivery(loadAlertConfig({ ALERT_WEBHOOK_URL: receiver.url, ALERT_WEBHOOK_SECRET: 'not-the-secret' }), { log: () => {} });
    await assert.rejects(wrongSecret.recordAndDeliverQuotaAlert(db, alertAt(user.id, 'PERCENT_80', 86_000_000n)), (err: Error) => {
      assert.match(err.message, /webhook POST to http:\/\/127\.0\.0\.1:\d+ failed: the receiver answered HTTP 400/);
      assert.ok(!err.message.includes('not-the-secret'));
      return true;
    });
    assert.equal(receiver.for(user.id).length, 0);
    assert.ok(receiver.refused.every((message) => /does not match the body/.test(message)));
    assert.equal((await db.quotaAlert.findFirstOrThrow({ where: { userId: user.id } })).webhookSentAt, null);
  });

  it('refuses bad input naming the field, and writes nothing', async () => {
    const user = await newUser('Fabio Reis');
    const good = alertAt(user.id, 'PERCENT_80', 86_000_000n);
    const cases: Array<[Partial<Record<keyof QuotaAlertInput, unknown>>, RegExp]> = [
      [{ userId: 'not-a-uuid' }, /userId must be a UUID/],
      [{ userId: '00000000-0000-4000-8000-000000000000' }, /userId: no user with id/],
      [{ month: '2026-11-15' }, /month must be the first day of a month/],
      [{ threshold: 'PERCENT_90' }, /threshold must be PERCENT_80 or PERCENT_100/],
      [{ bytesUsed: 86_000_000 }, /bytesUsed must be a non-negative bigint, got number/],
      [{ bytesAllowed: -1n }, /bytesAllowed must be a non-negative bigint/],
    ];
    for (const [change, message] of cases) {
      await assert.rejects(delivery.recordAndDeliverQuotaAlert(db, { ...good, ...change } as QuotaAlertInput), message);
    }
    assert.equal(await db.quotaAlert.count({ where: { userId: user.id } }), 0);
  });
});

describe('loadAlertConfig', () => {
  it('reads SMTP and webhook settings, with a default sender', () => {
    assert.deepEqual(loadAlertConfig({ SMTP_URL: 'smtp://u:p@127.0.0.1:2525', ALERT_WEBHOOK_URL: 'https://hooks.example.test/x', ALERT_WEBHOOK_SECRET: 's' }), {
      smtpUrl: 'smtp://u:p@127.0.0.1:2525',
      emailFrom: 'Chipgate <alerts@chipgate.local>',
      webhook: { url: 'https://hooks.example.test/x', secret: 's' },
    });
    assert.deepEqual(loadAlertConfig({ SMTP_URL: '', ALERT_EMAIL_FROM: 'Ops <ops@example.test>' }), { emailFrom: 'Ops <ops@example.test>' });
  });

  it('refuses inconsistent or invalid settings with an error naming the variable, never echoing its value', () => {
    assert.throws(() => loadAlertConfig({ ALERT_WEBHOOK_URL: 'https://hooks.example.test/x' }), /ALERT_WEBHOOK_URL is set but ALERT_WEBHOOK_SECRET is not/);
    assert.throws(() => loadAlertConfig({ ALERT_WEBHOOK_SECRET: 's' }), /ALERT_WEBHOOK_SECRET is set but ALERT_WEBHOOK_URL is not/);
    assert.throws(() => loadAlertConfig({ ALERT_WEBHOOK_URL: 'ftp://x', ALERT_WEBHOOK_SECRET: 's' }), /ALERT_WEBHOOK_URL must be an http/);
    assert.throws(
      () => loadAlertConfig({ SMTP_URL: 'mail.example.test:25?password=hunter2' }),
      (err: Error) => /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/.test(err.message) && !err.message.includes('hunter2'),
    );
  });
});
