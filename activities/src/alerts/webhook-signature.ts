import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in Stripe's scheme: `Chipgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">`. Signing the timestamp with the body lets a receiver refuse a captured request replayed
 * later; several v1 entries are accepted so a receiver can verify while the secret is being rotated.
 */
export const SIGNATURE_HEADER = 'Chipgate-Signature';

export class WebhookSignatureError extends Error {
  override name = 'WebhookSignatureError';
}

export function signWebhook(body: string | Uint8Array, secret: string, now: Date = new Date()): string {
  requireSecret(secret);
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${hmacHex(timestamp, body, secret)}`;
}

/** Throws a WebhookSignatureError saying what is wrong unless `header` is a valid, fresh signature of `body`. */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  { toleranceSeconds = 300, now = new Date() }: { toleranceSeconds?: number; now?: Date } = {},
): void {
  requireSecret(secret);
  if (!header) throw new WebhookSignatureError(`${SIGNATURE_HEADER} header is missing`);
  const { timestamp, signatures } = parseHeader(header);
  const skew = Math.abs(Math.floor(now.getTime() / 1000) - timestamp);
  if (skew > toleranceSeconds) {
    throw new WebhookSignatureError(`${SIGNATURE_HEADER} timestamp is ${skew} s away from now, outside the ${toleranceSeconds} s tolerance`);
  }
  const expected = Buffer.from(hmacHex(timestamp, body, secret), 'hex');
  // Every candidate is compared, matched or not, so the time taken says nothing about which one matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(expected, signature) || matched;
  if (!matched) throw new WebhookSignatureError(`${SIGNATURE_HEADER} does not match the body: wrong secret or altered body`);
}

function parseHeader(header: string): { timestamp: number; signatures: Buffer[] } {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value, ...rest] = part.trim().split('=');
    if (value === undefined || rest.length > 0) throw malformed();
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) throw malformed();
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) throw malformed();
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other keys are other schemes (as in Stripe's v0): ignored, so new schemes can be added beside v1.
  }
  if (timestamp === undefined || signatures.length === 0) throw malformed();
  return { timestamp, signatures };
}

function malformed(): WebhookSignatureError {
  return new WebhookSignatureError(`${SIGNATURE_HEADER} header is malformed: expected "t=<unix seconds>,v1=<64 hex digits>"`);
}

function hmacHex(timestamp: number, body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new Error('webhook secret must be a non-empty string');
}
