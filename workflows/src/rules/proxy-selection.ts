/** Below this health score a proxy takes no new chips and its chips move elsewhere. */
export const MIN_PROXY_HEALTH = 50;

export interface ProxyCandidate {
  id: string;
  healthScore: number;
  liveChips: number;
}

/** The healthiest usable proxy; among equally healthy ones the least loaded, then the lowest id for stability. */
export function pickProxy(candidates: readonly ProxyCandidate[], excludeProxyId?: string): ProxyCandidate | undefined {
  return candidates
    .filter((c) => c.healthScore >= MIN_PROXY_HEALTH && c.id !== excludeProxyId)
    .sort((a, b) => b.healthScore - a.healthScore || a.liveChips - b.liveChips || a.id.localeCompare(b.id))[0];
}

export function isProxyUnhealthy(healthScore: number): boolean {
  return healthScore < MIN_PROXY_HEALTH;
}
