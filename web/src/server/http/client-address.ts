/**
 * The client's address as the trusted reverse proxies saw it. Each proxy appends the address it received
 * the request from to X-Forwarded-For, so with `trustedHops` proxies the client is the `trustedHops`-th
 * entry from the right; anything further left was written by the client and is not believed. With no
 * trusted proxy the rightmost entry is what Next.js recorded (or the client sent). `unknown` when absent.
 */
export function clientAddress(headers: Headers, trustedHops: number): string {
  const entries = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return 'unknown';
  const index = entries.length - Math.max(1, trustedHops);
  return normaliseAddress(entries[Math.max(0, index)]!);
}

function normaliseAddress(address: string): string {
  const lower = address.toLowerCase();
  // IPv4-mapped IPv6 (::ffff:1.2.3.4) is the IPv4 address.
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
