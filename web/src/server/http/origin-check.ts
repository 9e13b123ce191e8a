/**
 * Why a request must be refused as cross-site, or null. A state-changing request (anything but GET and
 * HEAD) that carries a cookie must come from one of the app's own origins: browsers send `Origin` with
 * every cross-origin POST and with same-origin fetch POSTs, so a missing one is refused too. SameSite=Lax
 * alone lets sibling subdomains and top-level navigations through; this does not.
 */
export function crossSiteRefusal(req: { method: string; headers: Headers }, allowedOrigins: readonly string[]): string | null {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return null;
  if (!req.headers.get('cookie')) return null;
  const origin = req.headers.get('origin')?.toLowerCase();
  if (!origin || origin === 'null') return 'This request must come from the Chipgate app itself (no Origin).';
  return allowedOrigins.includes(origin) ? null : `Requests from ${origin} are not accepted.`;
}
