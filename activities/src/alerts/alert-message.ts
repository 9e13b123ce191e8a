import type { QuotaThreshold } from '@chipgate/db';
import { BYTES_PER_GB } from '@chipgate/workflows/rules/bytes';
import { divideRoundingHalfUp, formatFixed } from '@chipgate/workflows/rules/decimal';

/** What a quota alert says, as stored in its quota_alerts row: retries render the same message. */
export interface QuotaAlertFacts {
  alertId: string;
  user: { id: string; name: string; email: string };
  /** First day of the billing month: "2026-11-01". */
  month: string;
  threshold: QuotaThreshold;
  bytesUsed: bigint;
  bytesAllowed: bigint;
  createdAt: Date;
}

export interface QuotaAlertEmail {
  subject: string;
  text: string;
  html: string;
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const BILLING_MONTH = /^\d{4}-(0[1-9]|1[0-2])-01$/;

const PERCENT: Record<QuotaThreshold, number> = { PERCENT_80: 80, PERCENT_100: 100 };

/** "0.08 GB": always GB with two decimals, so the used and allowed figures read side by side. */
export function formatGb(bytes: bigint): string {
  if (bytes < 0n) throw new RangeError(`bytes must not be negative, got ${bytes}`);
  return `${formatFixed(divideRoundingHalfUp(bytes * 100n, BYTES_PER_GB), 2)} GB`;
}

/** Throws unless `month` is the first day of a month, "2026-11-01", as billing months are written. */
export function assertBillingMonth(month: string, field = 'month'): void {
  if (typeof month !== 'string' || !BILLING_MONTH.test(month)) {
    throw new RangeError(`${field} must be the first day of a month like "2026-11-01", got ${JSON.stringify(month)}`);
  }
}

/** "November 2026" for "2026-11-01". Fixed English names: the text must not depend on the worker's locale. */
export function formatBillingMonth(month: string): string {
  assertBillingMonth(month);
  return `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

export function quotaAlertEmail(alert: QuotaAlertFacts): QuotaAlertEmail {
  const month = formatBillingMonth(alert.month);
  const usage = `${formatGb(alert.bytesUsed)} of ${formatGb(alert.bytesAllowed)}`;
  const reached = alert.threshold === 'PERCENT_100';
  // The allowance is named: after a top-up the same level is reached again, of a larger figure.
  const allowance = formatGb(alert.bytesAllowed);
  const subject = reached
    ? `Chipgate: your ${allowance} proxy allowance for ${month} is used up - chips paused`
    : `Chipgate: you have used 80% of your ${allowance} proxy allowance for ${month}`;
  const paragraphs = reached
    ? [
        `You have used 100% of your proxy allowance for ${month}: ${usage}.`,
        'Your chips are paused until your allowance rises. Buy a GB top-up in the Chipgate dashboard and they resume.',
      ]
    : [
        `You have used 80% of your proxy allowance for ${month}: ${usage}.`,
        'At 100% your chips are paused until your allowance rises. To avoid that, buy a GB top-up in the Chipgate dashboard.',
      ];
  const greeting = `Hello ${alert.user.name},`;
  return {
    subject,
    text: [greeting, ...paragraphs, '- Chipgate'].join('\n\n') + '\n',
    html: [greeting, ...paragraphs, '- Chipgate'].map((p) => `<p>${escapeHtml(p)}</p>`).join('\n') + '\n',
  };
}

/**
 * The webhook's JSON body. `id` is the alert's own id: a receiver that sees it twice (a delivery can be
 * repeated when the worker dies between the POST and recording it) can drop the duplicate. Byte counts
 * are strings because JSON numbers lose precision past 2^53.
 */
export function quotaAlertWebhookBody(alert: QuotaAlertFacts): string {
  return JSON.stringify({
    id: alert.alertId,
    type: 'quota.alert',
    createdAt: alert.createdAt.toISOString(),
    user: alert.user,
    month: alert.month.slice(0, 7),
    thresholdPercent: PERCENT[alert.threshold],
    bytesUsed: alert.bytesUsed.toString(),
    bytesAllowed: alert.bytesAllowed.toString(),
    usedGb: formatGb(alert.bytesUsed),
    allowedGb: formatGb(alert.bytesAllowed),
    chipsPaused: alert.threshold === 'PERCENT_100',
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
