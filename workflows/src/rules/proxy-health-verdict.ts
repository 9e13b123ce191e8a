import type { HealthSample } from './health-score';

/**
 * Who a failed check is evidence against. `proxy`: the proxy itself refused, was not there, or did
 * not act as a proxy. `target`: the proxy carried the request but the IP echo behind it failed,
 * timed out or answered nonsense, which says as much about the echo as about the proxy.
 */
export type FailureBlame = 'proxy' | 'target';

export type ProxyProbe = { proxyId: string; ok: true; latencyMs: number; exitIp: string } | { proxyId: string; ok: false; blame: FailureBlame; message: string };

export interface HealthRunVerdict {
  /** The echo answered neither directly nor through any proxy: nothing was learnt about any proxy. */
  echoOutage: boolean;
  /** The sample each proxy's score takes from this run; a proxy absent here keeps its score. */
  samples: Map<string, HealthSample>;
}

/**
 * A proxy is judged only by evidence about that proxy. A failure blamed on the target counts against
 * the proxy only when the echo was reachable in this run (directly or through another proxy): then
 * this proxy's path to it is what failed. When the echo answered nobody, it is the echo's outage.
 */
export function judgeHealthRun(echoReachableDirectly: boolean, probes: readonly ProxyProbe[]): HealthRunVerdict {
  const echoReachable = echoReachableDirectly || probes.some((probe) => probe.ok);
  const samples = new Map<string, HealthSample>();
  for (const probe of probes) {
    if (probe.ok) samples.set(probe.proxyId, { ok: true, latencyMs: probe.latencyMs });
    else if (probe.blame === 'proxy' || echoReachable) samples.set(probe.proxyId, { ok: false });
  }
  return { echoOutage: !echoReachable, samples };
}

/**
 * Chip statuses that keep a chip where it is. A connected chip (OPEN, QR) is evidence that its path
 * works whatever a probe says; a paused one has no socket to judge by, and is judged once it resumes.
 * Any other (never connected, connecting, closed, waiting) has no evidence for its proxy.
 */
const STAYING_STATUSES: ReadonlySet<string> = new Set(['OPEN', 'QR', 'PAUSED']);

export interface ChipOnProxy {
  chipId: string;
  status: string;
}

/** At most this many chips move per health run; the rest wait for the next run. */
export const MAX_MOVES_PER_RUN = 50;

/**
 * Which chips of an unhealthy proxy to move now: none without a healthy alternative (moving would
 * disconnect them for nothing), none whose own connection is up or that is paused, and at most `budget`.
 */
export function chipsToMove(chips: readonly ChipOnProxy[], hasHealthyAlternative: boolean, budget: number): string[] {
  if (!hasHealthyAlternative || budget <= 0) return [];
  return chips
    .filter((chip) => !STAYING_STATUSES.has(chip.status))
    .map((chip) => chip.chipId)
    .slice(0, budget);
}
