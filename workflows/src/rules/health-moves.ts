// Which chips a failed proxy health check may move, and when. The product must never change a chip's
// exit IP by itself on weak evidence: a proxy is judged only by what was seen of that proxy, and a chip
// moves only to somewhere better, one at a time.

/** What one health check says about one proxy. */
export type ProbeVerdict = 'healthy' | 'failed' | 'not_a_proxy' | 'echo_outage';

/**
 * A failed probe through the proxy is evidence about the proxy only if the echo service itself
 * answered directly: when it did not, nothing was learnt about the proxy (an echo outage), and its
 * score must not move.
 */
export function probeVerdict(probe: { ok: boolean; reason?: string }, echoReachableDirectly: boolean): ProbeVerdict {
  if (probe.ok) return 'healthy';
  if (probe.reason === 'not_a_proxy') return 'not_a_proxy';
  return echoReachableDirectly ? 'failed' : 'echo_outage';
}

export interface ChipOnProxy {
  chipId: string;
  /** The chip's own WhatsApp connection is open right now, through this very proxy. */
  connectionOpen: boolean;
}

/**
 * The chips to move off an unhealthy proxy, in order. None when no healthy alternative exists in the
 * region (moving would only disconnect them). A chip whose own connection is open through the proxy
 * is better evidence than the probe and stays — unless the proxy leaks this server's own IP, when
 * every chip must leave.
 */
export function chipsToMove(verdict: ProbeVerdict, chips: readonly ChipOnProxy[], healthyAlternatives: number): string[] {
  if (verdict === 'healthy' || verdict === 'echo_outage' || healthyAlternatives === 0) return [];
  const moving = verdict === 'not_a_proxy' ? chips : chips.filter((c) => !c.connectionOpen);
  return moving.map((c) => c.chipId).sort();
}

/** Moves are staggered: this many chips per pause, so a provider never sees every session re-made at once. */
export const MOVES_PER_STEP = 10;
export const MOVE_STEP_SECONDS = 2;
