/** The most calls one batched tRPC request may carry (the browser's batch link sends at most this many). */
export const MAX_BATCH_SIZE = 10;

/**
 * Why a tRPC request must be refused before any procedure runs, or null. `auth.*` procedures are never
 * batched, so one request cannot carry many sign-in attempts.
 */
export function batchRefusal(url: URL, endpoint: string): string | null {
  if (url.searchParams.get('batch') !== '1') return null;
  const paths = decodeURIComponent(url.pathname.slice(endpoint.length + 1)).split(',');
  if (paths.length > MAX_BATCH_SIZE) return `A batch may carry at most ${MAX_BATCH_SIZE} calls.`;
  if (paths.some((path) => path.startsWith('auth.'))) return 'Sign-in and sign-out calls cannot be batched.';
  return null;
}
