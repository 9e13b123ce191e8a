import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBillingMonth, formatGb, quotaAlertEmail, quotaAlertWebhookBody, type QuotaAlertFacts } from '@chipgate/activities/alerts/alert-message';
import { BYTES_PER_GB } from '@chipgate/workflows/rules/bytes';

const FREE_PLAN_BYTES = 107_374_182n; // 0.1 GB

const alert = (change: Partial<QuotaAlertFacts> = {}): QuotaAlertFacts => ({
  alertId: '8a7f0c8e-3f55-4d8c-9c1e-2b1f0e6d4a10',
  user: { id: '0d9e6f4a-1c2b-4e3d-8f5a-6b7c8d9e0f1a', name: 'Ana Souza', email: 'ana@example.test' },
  month: '2026-11-01',
  threshold: 'PERCENT_80',
  bytesUsed: 85_899_346n, // 0.08 GB
  bytesAllowed: FREE_PLAN_BYTES,
  createdAt: new Date('2026-11-20T12:00:00.000Z'),
  ...change,
});

describe('formatGb', () => {
  it('shows GB of 1024³ bytes with two decimals, rounding half up', () => {
    assert.equal(formatGb(0n), '0.00 GB');
    assert.equal(formatGb(FREE_PLAN_BYTES), '0.10 GB');
    assert.equal(formatGb(5n * BYTES_PER_GB), '5.00 GB');
    assert.equal(formatGb(BYTES_PER_GB + 5_368_710n), '1.01 GB'); // just over 1.005 GB rounds up
    assert.equal(formatGb(BYTES_PER_GB + 5_368_708n), '1.00 GB'); // just under stays
    assert.equal(formatGb(1_000_000_000n), '0.93 GB'); // a decimal GB is not a Chipgate GB
  });

  it('refuses negative bytes', () => {
    assert.throws(() => formatGb(-1n), /bytes must not be negative/);
  });
});

describe('formatBillingMonth', () => {
  it('names the month in English whatever the locale', () => {
    assert.equal(formatBillingMonth('2026-11-01'), 'November 2026');
    assert.equal(formatBillingMonth('2027-01-01'), 'January 2027');
  });

  it('refuses anything but the first day of a month, naming the field', () => {
    for (const bad of ['2026-11', '2026-11-02', '2026-13-01', '26-11-01', '']) {
      assert.throws(() => formatBillingMonth(bad), /month must be the first day of a month/);
    }
  });
});

describe('quotaAlertEmail', () => {
  it('at 80%: greets the user, shows used of allowed in GB and the month, and warns what 100% means', () => {
    const { subject, text, html } = quotaAlertEmail(alert());
    assert.equal(subject, 'Chipgate: you have used 80% of your 0.10 GB proxy allowance for November 2026');
    assert.match(text, /^Hello Ana Souza,/);
    assert.match(text, /used 80% of your proxy allowance for November 2026: 0\.08 GB of 0\.10 GB\./);
    assert.match(text, /At 100% your chips are paused until your allowance rises/);
    assert.match(text, /top-up in the Chipgate dashboard/);
    assert.match(html, /<p>You have used 80% of your proxy allowance for November 2026: 0\.08 GB of 0\.10 GB\.<\/p>/);
  });

  it('at 100%: says the chips are paused until the allowance rises and how to raise it', () => {
    const { subject, text } = quotaAlertEmail(alert({ threshold: 'PERCENT_100', bytesUsed: FREE_PLAN_BYTES + 1n }));
    assert.equal(subject, 'Chipgate: your 0.10 GB proxy allowance for November 2026 is used up - chips paused');
    assert.match(text, /used 100% of your proxy allowance for November 2026: 0\.10 GB of 0\.10 GB\./);
    assert.match(text, /Your chips are paused until your allowance rises\. Buy a GB top-up in the Chipgate dashboard/);
  });

  it('escapes the user name in HTML', () => {
    const { text, html } = quotaAlertEmail(alert({ user: { id: 'u', name: '<b>Zé & "Co"</b>', email: 'z@example.test' } }));
    assert.match(text, /Hello <b>Zé & "Co"<\/b>,/);
    assert.match(html, /<p>Hello &lt;b&gt;Zé &amp; &quot;Co&quot;&lt;\/b&gt;,<\/p>/);
    assert.ok(!html.includes('<b>'));
  });
});

describe('quotaAlertWebhookBody', () => {
  it('is JSON naming the alert (for de-duplication), the user, the month, the threshold and exact bytes as strings', () => {
    const body = JSON.parse(quotaAlertWebhookBody(alert({ bytesUsed: 2n ** 60n })));
    assert.deepEqual(body, {
      id: '8a7f0c8e-3f55-4d8c-9c1e-2b1f0e6d4a10',
      type: 'quota.alert',
      createdAt: '2026-11-20T12:00:00.000Z',
      user: { id: '0d9e6f4a-1c2b-4e3d-8f5a-6b7c8d9e0f1a', name: 'Ana Souza', email: 'ana@example.test' },
      month: '2026-11',
      thresholdPercent: 80,
      bytesUsed: '1152921504606846976',
      bytesAllowed: '107374182',
      usedGb: '1073741824.00 GB',
      allowedGb: '0.10 GB',
      chipsPaused: false,
    });
  });

  it('says the chips are paused at 100%', () => {
    const body = JSON.parse(quotaAlertWebhookBody(alert({ threshold: 'PERCENT_100' })));
    assert.equal(body.thresholdPercent, 100);
    assert.equal(body.chipsPaused, true);
  });

  it('is the same for the same alert, so a retried delivery carries the same body', () => {
    assert.equal(quotaAlertWebhookBody(alert()), quotaAlertWebhookBody(alert()));
  });
});
