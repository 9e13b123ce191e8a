/** A response header as next.config's `headers()` takes it. */
export interface HeaderEntry {
  key: string;
  value: string;
}

/**
 * The Content-Security-Policy of every page. Next.js inlines its bootstrap scripts, hence
 * 'unsafe-inline' for scripts (no nonces yet); development adds 'unsafe-eval' for React Refresh.
 * No framing at all, no plugins, forms and <base> only to this origin.
 */
export function contentSecurityPolicy({ development }: { development: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers for every response. */
export function securityHeaders({ development }: { development: boolean }): HeaderEntry[] {
  return [
    { key: 'Content-Security-Policy', value: contentSecurityPolicy({ development }) },
    { key: 'X-Frame-Options', value: 'DENY' },
    { key: 'X-Content-Type-Options', value: 'nosniff' },
    { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
    { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
    { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  ];
}

/** Only on responses to https requests (a TLS-terminating proxy says so in X-Forwarded-Proto). */
export const HSTS: HeaderEntry = { key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' };
