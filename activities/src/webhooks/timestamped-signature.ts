import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures in Stripe's scheme, used for Stripe's own webhooks and for Chipgate's alert
 * webhooks: `<Header>: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Signing the timestamp
 * with the body lets a receiver refuse a captured request replayed later; several v1 entries are
 * accepted so a receiver can verify while the secret is being rotated.
 */
export type SignatureRefusal = 'unsigned' | 'malformed' | 'forged' | 'stale';

export class SignatureRefusedError extends Error {
  override name = 'SignatureRefusedError';
  constructor(
    readonly reason: SignatureRefusal,
    message: string,
  ) {
    super(message);
  }
}

export function signTimestamped(body: string | Uint8Array, secret: string, now: Date = new Date()): string {
  requireSecret(secret);
  const timestamp = Math.floor(now.getTime() / 1000);
  return `t=${timestamp},v1=${hmacHex(timestamp, body, secret)}`;
}

/**
 * Throws a SignatureRefusedError saying what is wrong unless `header` is a valid, fresh signature of
 * `body`. The signature is checked before the age, so "stale" only ever means a genuine but old message.
 */
export function verifyTimestamped(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  { headerName, toleranceSeconds = 300, now = new Date() }: { headerName: string; toleranceSeconds?: number; now?: Date },
): void {
  requireSecret(secret);
  if (!header) throw new SignatureRefusedError('unsigned', `${headerName} header is missing`);
  const { timestamp, signatures } = parseHeader(header, headerName);
  const expected = Buffer.from(hmacHex(timestamp, body, secret), 'hex');
  // Every candidate is compared, matched or not, so the time taken says nothing about which one matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(expected, signature) || matched;
  if (!matched) throw new SignatureRefusedError('forged', `${headerName} does not match the body: signed with another secret, or the body was altered`);
  const skew = Math.floor(now.getTime() / 1000) - timestamp;
  if (Math.abs(skew) > toleranceSeconds) {
    throw new SignatureRefusedError('stale', `${headerName} timestamp is ${skew} s old, outside the ${toleranceSeconds} s tolerance: refused as a replay`);
  }
}

function parseHeader(header: string, headerName: string): { timestamp: number; signatures: Buffer[] } {
  const malformed = () =>
    new SignatureRefusedError('malformed', `${headerName} header is malformed: expected "t=<unix seconds>,v1=<64 hex digits>"`);
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
    // Other keys are other schemes (Stripe's test-mode v0): not signatures Chipgate trusts, ignored.
  }
  if (signatures.length === 0) throw new SignatureRefusedError('unsigned', `${headerName} header carries no v1 signature`);
  if (timestamp === undefined) throw malformed();
  return { timestamp, signatures };
}

function hmacHex(timestamp: number, body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function requireSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new Error('webhook secret must be a non-empty string');
}
