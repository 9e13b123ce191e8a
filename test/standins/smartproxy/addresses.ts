/**
 * Smartproxy STAND-IN (test double, loopback only) — address rules.
 *
 * The stand-in must never send a byte off this machine, so every target and every listen
 * address is checked against 127.0.0.0/8 here, in one place.
 */
import { isIP } from 'node:net';

const LOOPBACK_V4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isLoopbackV4(address: string): boolean {
  const match = LOOPBACK_V4.exec(address);
  return match !== null && match.slice(1).every((octet) => Number(octet) <= 255);
}

/**
 * Only the canonical dotted quad 127.x.y.z and `localhost` pass. CONNECT targets reach us without
 * URL normalisation, so spellings like `2130706433` or `0x7f.1` arrive verbatim; refusing them
 * keeps the rule obviously safe instead of trusting the resolver to map them to loopback.
 */
export function isAllowedTarget(hostname: string): boolean {
  return hostname.toLowerCase() === 'localhost' || isLoopbackV4(hostname);
}

/** Node reports IPv4 peers on dual-stack sockets as `::ffff:a.b.c.d`; the provider shows `a.b.c.d`. */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** Source addresses allowed to call the extraction API and to use the IP-authenticated endpoints. */
export class AllowList {
  private addresses = new Set<string>();

  constructor(ips: readonly string[]) {
    this.replace(ips);
  }

  replace(ips: readonly string[]): void {
    const next = new Set<string>();
    for (const ip of ips) {
      const address = plainAddress(ip.trim());
      if (isIP(address) === 0) throw new Error(`allowList: "${ip}" is not an IP address`);
      next.add(address);
    }
    this.addresses = next;
  }

  allows(remoteAddress: string | undefined): boolean {
    return this.addresses.has(plainAddress(remoteAddress));
  }
}
