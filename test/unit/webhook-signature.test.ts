import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhook, verifyWebhookSignature, WebhookSignatureError } from '@chipgate/activities/alerts/webhook-signature';

const SECRET = 'whsec_test_0123456789';
const BODY = '{"id":"a1","type":"quota.alert","thresholdPercent":80}';
const NOW = new Date('2026-11-20T12:00:00.000Z');
const NOW_SECONDS = NOW.getTime() / 1000;

describe('signWebhook', () => {
  it('produces t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    const expected = createHmac('sha256', SECRET).update(`${NOW_SECONDS}.${BODY}`).digest('hex');
    assert.equal(signWebhook(BODY, SECRET, NOW), `t=${NOW_SECONDS},v1=${expected}`);
  });

  it('refuses an empty secret', () => {
    assert.throws(() => signWebhook(BODY, '', NOW), /webhook secret must be a non-empty string/);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhook(BODY, SECRET, NOW);
  const rejects = (fn: () => void, message: RegExp) => assert.throws(fn, (err: unknown) => err instanceof WebhookSignatureError && message.test(err.message));

  it('accepts its own signature, of a string or of the raw bytes', () => {
    verifyWebhookSignature(BODY, header, SECRET, { now: NOW });
    verifyWebhookSignature(Buffer.from(BODY), header, SECRET, { now: NOW });
  });

  it('accepts a timestamp within the tolerance, either side of now', () => {
    verifyWebhookSignature(BODY, header, SECRET, { now: new Date(NOW.getTime() + 300_000) });
    verifyWebhookSignature(BODY, header, SECRET, { now: new Date(NOW.getTime() - 300_000) });
    verifyWebhookSignature(BODY, header, SECRET, { now: new Date(NOW.getTime() + 3_600_000), toleranceSeconds: 3600 });
  });

  it('refuses a missing header', () => {
    rejects(() => verifyWebhookSignature(BODY, undefined, SECRET, { now: NOW }), /Chipgate-Signature header is missing/);
    rejects(() => verifyWebhookSignature(BODY, '', SECRET, { now: NOW }), /Chipgate-Signature header is missing/);
  });

  it('refuses a malformed header', () => {
    const v1 = header.split(',v1=')[1]!;
    for (const bad of ['garbage', `v1=${v1}`, `t=abc,v1=${v1}`, `t=${NOW_SECONDS},v1=xyz`, `t=${NOW_SECONDS},v1=${v1.slice(2)}`, `t=1,t=2,v1=${v1}`]) {
      rejects(() => verifyWebhookSignature(BODY, bad, SECRET, { now: NOW }), /Chipgate-Signature header is malformed/);
    }
    rejects(() => verifyWebhookSignature(BODY, `t=${NOW_SECONDS}`, SECRET, { now: NOW }), /Chipgate-Signature header carries no v1 signature/);
  });

  it('refuses a timestamp outside the tolerance (a replayed request)', () => {
    rejects(() => verifyWebhookSignature(BODY, header, SECRET, { now: new Date(NOW.getTime() + 301_000) }), /timestamp is 301 s old, outside the 300 s tolerance/);
    rejects(() => verifyWebhookSignature(BODY, header, SECRET, { now: new Date(NOW.getTime() - 301_000) }), /outside the 300 s tolerance/);
  });

  it('refuses a signature made with another secret, or of another body', () => {
    rejects(() => verifyWebhookSignature(BODY, signWebhook(BODY, 'forged-secret', NOW), SECRET, { now: NOW }), /does not match the body/);
    rejects(() => verifyWebhookSignature(BODY.replace('80', '100'), header, SECRET, { now: NOW }), /does not match the body/);
  });

  it('refuses a signature whose timestamp was swapped for a fresh one', () => {
    const later = new Date(NOW.getTime() + 3_600_000);
    const replayed = header.replace(`t=${NOW_SECONDS}`, `t=${later.getTime() / 1000}`);
    rejects(() => verifyWebhookSignature(BODY, replayed, SECRET, { now: later }), /does not match the body/);
  });

  it('accepts any matching v1 (secret rotation) and ignores other schemes', () => {
    const old = signWebhook(BODY, 'old-secret', NOW).split(',v1=')[1]!;
    const current = header.split(',v1=')[1]!;
    verifyWebhookSignature(BODY, `t=${NOW_SECONDS},v1=${old},v1=${current},v0=whatever`, SECRET, { now: NOW });
  });
});
