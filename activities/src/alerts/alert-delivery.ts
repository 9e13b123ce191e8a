import nodemailer from 'nodemailer';
import type { Db, QuotaThreshold } from '@chipgate/db';
import { assertBillingMonth, quotaAlertEmail, quotaAlertWebhookBody, type QuotaAlertFacts } from './alert-message';
import { SIGNATURE_HEADER, signWebhook } from './webhook-signature';
import { billingMonthDate } from '@chipgate/workflows/rules/billing-month';

export interface AlertConfig {
  /** Absent: alerts are still recorded (and webhooked), but nobody is emailed. */
  smtpUrl?: string;
  emailFrom: string;
  webhook?: { url: string; secret: string };
}

const DEFAULT_EMAIL_FROM = 'Chipgate <alerts@chipgate.local>';

/** Reads SMTP_URL, ALERT_EMAIL_FROM, ALERT_WEBHOOK_URL and ALERT_WEBHOOK_SECRET; an empty value counts as unset. */
export function loadAlertConfig(env: NodeJS.ProcessEnv = process.env): AlertConfig {
  const smtpUrl = env.SMTP_URL || undefined;
  const webhookUrl = env.ALERT_WEBHOOK_URL || undefined;
  const webhookSecret = env.ALERT_WEBHOOK_SECRET || undefined;
  // The URLs' values stay out of these messages: either may carry a password or a token.
  if (smtpUrl && !hasScheme(smtpUrl, ['smtp:', 'smtps:'])) {
    throw new Error('SMTP_URL must be an smtp:// or smtps:// URL, like smtp://user:pass@mail.example.com:587');
  }
  if (webhookUrl && !webhookSecret) {
    throw new Error('ALERT_WEBHOOK_URL is set but ALERT_WEBHOOK_SECRET is not: receivers need the secret to verify the Chipgate-Signature header');
  }
  if (webhookSecret && !webhookUrl) {
    throw new Error('ALERT_WEBHOOK_SECRET is set but ALERT_WEBHOOK_URL is not: set the URL to receive quota alert webhooks, or unset the secret');
  }
  if (webhookUrl && !hasScheme(webhookUrl, ['http:', 'https:'])) {
    throw new Error('ALERT_WEBHOOK_URL must be an http:// or https:// URL');
  }
  return {
    ...(smtpUrl ? { smtpUrl } : {}),
    emailFrom: env.ALERT_EMAIL_FROM || DEFAULT_EMAIL_FROM,
    ...(webhookUrl && webhookSecret ? { webhook: { url: webhookUrl, secret: webhookSecret } } : {}),
  };
}

export interface QuotaAlertInput {
  userId: string;
  /** First day of the billing month: "2026-11-01". */
  month: string;
  threshold: QuotaThreshold;
  bytesUsed: bigint;
  bytesAllowed: bigint;
}

/** `emailed` / `webhooked`: whether this call is the one that delivered on that channel. */
export interface QuotaAlertOutcome {
  created: boolean;
  emailed: boolean;
  webhooked: boolean;
}

// Bounds on one delivery attempt, so a dead server fails the attempt (and Temporal retries it) instead of
// holding the alert's row lock until the activity times out.
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
const WEBHOOK_TIMEOUT_MS = 15_000;
// Longer than the slowest SMTP exchange the timeouts above allow, and than waiting for a concurrent call to finish one.
const DELIVERY_TRANSACTION = { maxWait: 10_000, timeout: 120_000 };

const THRESHOLDS: readonly string[] = ['PERCENT_80', 'PERCENT_100'] satisfies QuotaThreshold[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One per worker process: says once, at creation, when email is off. */
export function createAlertDelivery(
  config: AlertConfig,
  { log = console.warn, onDelivery }: { log?: (message: string) => void; onDelivery?: (channel: 'email' | 'webhook', outcome: 'delivered' | 'failed') => void } = {},
) {
  const transport = config.smtpUrl ? nodemailer.createTransport({ url: config.smtpUrl, ...SMTP_TIMEOUTS }) : undefined;
  if (!transport) log('SMTP_URL is not set: quota alerts are recorded in quota_alerts (and sent to the webhook if configured) but not emailed');
  const redact = redactor(config);

  async function sendEmail(smtp: NonNullable<typeof transport>, alert: QuotaAlertFacts): Promise<void> {
    const { subject, text, html } = quotaAlertEmail(alert);
    try {
      await smtp.sendMail({
        from: config.emailFrom,
        to: { name: alert.user.name, address: alert.user.email },
        subject,
        text,
        html,
        // One Message-ID per alert: should a retry ever repeat a sent email, mail clients can fold the copies.
        messageId: `<quota-alert-${alert.alertId}@chipgate>`,
      });
    } catch (err) {
      throw new Error(`email delivery failed: ${redact(describe(err))}`);
    }
  }

  async function postWebhook({ url, secret }: { url: string; secret: string }, alert: QuotaAlertFacts): Promise<void> {
    const origin = new URL(url).origin;
    const body = quotaAlertWebhookBody(alert);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signWebhook(body, secret) },
        body,
        // A redirect is a misconfigured URL: following it would hand the signed alert to another address.
        redirect: 'manual',
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      throw new Error(`webhook POST to ${origin} failed: ${redact(describe(err))}`);
    }
    await response.body?.cancel();
    if (!response.ok) throw new Error(`webhook POST to ${origin} failed: the receiver answered HTTP ${response.status}`);
  }

  /**
   * Records the alert for (user, month, threshold, allowance) once, then delivers each configured channel that has not
   * been delivered yet. A delivery that failed throws (so the activity is retried) after the other channel
   * has had its own try; a retry repeats only what is still missing. The message is rendered from the stored
   * row, so every attempt sends the figures of the first call.
   */
  async function recordAndDeliverQuotaAlert(db: Db, input: QuotaAlertInput): Promise<QuotaAlertOutcome> {
    const alert = parseInput(input);
    const user = await db.user.findUnique({ where: { id: alert.userId }, select: { id: true, name: true, email: true } });
    if (!user) throw new Error(`userId: no user with id ${alert.userId}`);
    const { count } = await db.quotaAlert.createMany({ data: [alert], skipDuplicates: true });
    const created = count === 1;
    const row = await db.quotaAlert.findUniqueOrThrow({
      where: { userId_month_threshold_bytesAllowed: { userId: alert.userId, month: alert.month, threshold: alert.threshold, bytesAllowed: alert.bytesAllowed } },
    });
    const smtp = row.emailSentAt === null ? transport : undefined;
    const webhookTarget = row.webhookSentAt === null ? config.webhook : undefined;
    if (!smtp && !webhookTarget) return { created, emailed: false, webhooked: false };

    const facts: QuotaAlertFacts = {
      alertId: row.id,
      user,
      month: row.month.toISOString().slice(0, 10),
      threshold: row.threshold,
      bytesUsed: row.bytesUsed,
      bytesAllowed: row.bytesAllowed,
      createdAt: row.createdAt,
    };
    const [email, webhook] = await Promise.allSettled([
      smtp ? deliverOnce(db, row.id, 'emailSentAt', () => sendEmail(smtp, facts)) : false,
      webhookTarget ? deliverOnce(db, row.id, 'webhookSentAt', () => postWebhook(webhookTarget, facts)) : false,
    ]);
    // A channel another call delivered meanwhile (fulfilled with false) was not this call's delivery.
    for (const [channel, result] of [['email', email], ['webhook', webhook]] as const) {
      if (result.status === 'rejected') onDelivery?.(channel, 'failed');
      else if (result.value) onDelivery?.(channel, 'delivered');
    }
    if (email.status === 'rejected' || webhook.status === 'rejected') {
      const failures = [email, webhook].flatMap((result) => (result.status === 'rejected' ? [describe(result.reason)] : []));
      throw new Error(`quota alert ${row.id} (${facts.month} ${facts.threshold}, user ${user.id}): ${failures.join('; ')}`);
    }
    return { created, emailed: email.value, webhooked: webhook.value };
  }

  return { recordAndDeliverQuotaAlert };
}

export type AlertDelivery = ReturnType<typeof createAlertDelivery>;

/**
 * Sends on one channel unless the row says it was sent, and records the send, holding the alert's row lock
 * throughout: concurrent calls take turns, and whoever comes second finds the timestamp and sends nothing.
 * Each channel commits on its own, so one channel's failure never undoes the record of the other's success.
 * A worker dying between a send and its commit makes the retry send again: no SMTP or HTTP delivery can be
 * exactly once across a crash, which is why the email's Message-ID and the webhook's `id` name the alert.
 */
async function deliverOnce(db: Db, alertId: string, sentAt: 'emailSentAt' | 'webhookSentAt', send: () => Promise<void>): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<{ emailSentAt: Date | null; webhookSentAt: Date | null }>>`
      SELECT email_sent_at AS "emailSentAt", webhook_sent_at AS "webhookSentAt"
      FROM quota_alerts WHERE id = ${alertId}::uuid FOR UPDATE`;
    if (!row) throw new Error(`quota alert ${alertId} disappeared while being delivered (was its user deleted?)`);
    if (row[sentAt] !== null) return false;
    await send();
    await tx.quotaAlert.update({ where: { id: alertId }, data: { [sentAt]: new Date() } });
    return true;
  }, DELIVERY_TRANSACTION);
}

function parseInput(input: QuotaAlertInput) {
  if (typeof input.userId !== 'string' || !UUID.test(input.userId)) throw new Error(`userId must be a UUID, got ${JSON.stringify(input.userId)}`);
  assertBillingMonth(input.month);
  if (!THRESHOLDS.includes(input.threshold)) throw new Error(`threshold must be PERCENT_80 or PERCENT_100, got ${JSON.stringify(input.threshold)}`);
  for (const field of ['bytesUsed', 'bytesAllowed'] as const) {
    const value: unknown = input[field];
    if (typeof value !== 'bigint' || value < 0n) throw new Error(`${field} must be a non-negative bigint, got ${typeof value} ${String(value)}`);
  }
  return {
    userId: input.userId,
    month: billingMonthDate(input.month),
    threshold: input.threshold,
    bytesUsed: input.bytesUsed,
    bytesAllowed: input.bytesAllowed,
  };
}

function hasScheme(value: string, schemes: string[]): boolean {
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Library errors can quote what they were given; this takes every configured credential out of a message. */
function redactor(config: AlertConfig): (text: string) => string {
  const secrets = [config.smtpUrl, config.webhook?.url, config.webhook?.secret];
  for (const url of [config.smtpUrl, config.webhook?.url]) {
    const password = url ? new URL(url).password : '';
    if (password) secrets.push(password, decodedOrSelf(password));
  }
  const known = secrets.filter((s): s is string => !!s).sort((a, b) => b.length - a.length);
  return (text) => known.reduce((out, secret) => out.split(secret).join('<redacted>'), text);
}

function decodedOrSelf(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch() reports "fetch failed" and keeps the reason (ECONNREFUSED, a timeout…) in `cause`.
  return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
}
