/** One health check's result: success with its latency, or a failure. */
export type HealthSample = { ok: true; latencyMs: number } | { ok: false };

/** A check's own score: 0 for a failure; for a success, 100 down to 40 as latency grows. */
export function sampleScore(sample: HealthSample): number {
  if (!sample.ok) return 0;
  if (sample.latencyMs < 500) return 100;
  if (sample.latencyMs < 1500) return 85;
  if (sample.latencyMs < 3000) return 65;
  return 40;
}

/**
 * Smooths the score over checks (half the weight on the newest) so one slow answer does not move a
 * proxy's chips, while two failures in a row take a healthy proxy below MIN_PROXY_HEALTH.
 */
export function nextHealthScore(previous: number, sample: HealthSample): number {
  return Math.round((previous + sampleScore(sample)) / 2);
}
