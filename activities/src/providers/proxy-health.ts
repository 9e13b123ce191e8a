import type { Db } from '@chipgate/db';
import { nextHealthScore, type HealthSample } from '@chipgate/workflows/rules/health-score';
import type { ProxyProbe } from '@chipgate/workflows/rules/proxy-health-verdict';
import { isProxyUnhealthy, MIN_PROXY_HEALTH } from '@chipgate/workflows/rules/proxy-selection';
import type { CredentialCipher } from '../secrets/credential-cipher';
import { NotFoundError } from '../errors';
import { echoedExitIp, testConnection } from './provider-client';
import { loadResolvedProvider } from './resolve-provider';

export interface ProxyHealthResult {
  proxyId: string;
  healthScore: number;
  unhealthy: boolean;
  /** The precise failure, when the check failed (never a credential). */
  failure: string | null;
}

/** Whether the echo answers this server directly: half of telling an echo outage from a proxy's. */
export async function probeEchoDirectly(echoUrl: string): Promise<{ reachable: boolean; ip: string | null }> {
  const ip = await echoedExitIp(echoUrl).catch(() => null);
  return { reachable: ip !== null, ip };
}

/**
 * Checks one proxy through itself to the echo endpoint, writing nothing: the run decides what the
 * result is evidence of. An exit IP equal to this server's own direct IP means the "proxy" let
 * traffic out unproxied: that is the proxy's failure, not a success.
 */
export async function probeProxy(db: Db, cipher: CredentialCipher, echoUrl: string, proxyId: string, directIp: string | null): Promise<ProxyProbe> {
  const proxy = await db.proxy.findUnique({ where: { id: proxyId } });
  if (!proxy) throw new NotFoundError(`proxy ${proxyId} does not exist`);
  const { resolved } = await loadResolvedProvider(db, cipher, proxy.providerId);
  const target = proxy.kind === 'STATIC' && proxy.staticHost && proxy.staticPort ? { ...resolved, server: proxy.staticHost, port: proxy.staticPort } : resolved;
  const result = await testConnection(target, { echoUrl, directIp: directIp ?? undefined });
  return result.ok ? { proxyId, ok: true, latencyMs: result.latencyMs, exitIp: result.exitIp } : { proxyId, ok: false, blame: result.blame, message: result.message };
}

/** Folds one run's sample into the proxy's score; a proxy the run learnt nothing about keeps its score. */
export async function recordProxyHealth(db: Db, probe: ProxyProbe, sample: HealthSample | null): Promise<ProxyHealthResult> {
  const proxy = await db.proxy.findUnique({ where: { id: probe.proxyId }, select: { healthScore: true } });
  if (!proxy) throw new NotFoundError(`proxy ${probe.proxyId} does not exist`);
  const healthScore = sample ? nextHealthScore(proxy.healthScore, sample) : proxy.healthScore;
  await db.proxy.update({
    where: { id: probe.proxyId },
    data: { healthScore, lastHealthCheck: new Date(), ...(probe.ok ? { lastExitIp: probe.exitIp } : {}) },
  });
  return { proxyId: probe.proxyId, healthScore, unhealthy: isProxyUnhealthy(healthScore), failure: probe.ok ? null : probe.message };
}

/** The chips on a proxy with their visible status, and whether another healthy proxy of its region could take them. */
export async function chipsOnProxy(db: Db, proxyId: string): Promise<{ chips: Array<{ chipId: string; status: string }>; hasHealthyAlternative: boolean }> {
  const proxy = await db.proxy.findUnique({ where: { id: proxyId }, select: { region: true } });
  if (!proxy) throw new NotFoundError(`proxy ${proxyId} does not exist`);
  const [live, alternatives] = await Promise.all([
    db.chipProxyAssignment.findMany({ where: { proxyId, releasedAt: null }, select: { chipId: true, chip: { select: { status: true } } }, orderBy: { assignedAt: 'asc' } }),
    db.proxy.count({ where: { id: { not: proxyId }, region: proxy.region, isActive: true, provider: { isActive: true }, healthScore: { gte: MIN_PROXY_HEALTH } } }),
  ]);
  return { chips: live.map((a) => ({ chipId: a.chipId, status: a.chip.status })), hasHealthyAlternative: alternatives > 0 };
}
