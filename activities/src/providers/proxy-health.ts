import type { Db } from '@chipgate/db';
import { nextHealthScore } from '@chipgate/workflows/rules/health-score';
import { isProxyUnhealthy } from '@chipgate/workflows/rules/proxy-selection';
import { probeVerdict, type ProbeVerdict } from '@chipgate/workflows/rules/health-moves';
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
  /** What the check says about this proxy; `echo_outage`: the echo failed directly too, so nothing was learnt. */
  verdict: ProbeVerdict;
}

/**
 * Checks one proxy through itself to the echo endpoint. An exit IP equal to this server's own
 * direct IP means the "proxy" let traffic out unproxied: that is a failure, not a success.
 */
export async function checkProxyHealth(db: Db, cipher: CredentialCipher, echoUrl: string, proxyId: string): Promise<ProxyHealthResult> {
  const proxy = await db.proxy.findUnique({ where: { id: proxyId } });
  if (!proxy) throw new NotFoundError(`proxy ${proxyId} does not exist`);
  const { resolved } = await loadResolvedProvider(db, cipher, proxy.providerId);
  const target = proxy.kind === 'STATIC' && proxy.staticHost && proxy.staticPort ? { ...resolved, server: proxy.staticHost, port: proxy.staticPort } : resolved;
  const directIp = await echoedExitIp(echoUrl).catch(() => undefined);
  const result = await testConnection(target, { echoUrl, directIp });
  const verdict = probeVerdict(result.ok ? { ok: true } : { ok: false, reason: result.reason }, directIp !== undefined);
  if (verdict === 'echo_outage') {
    // Judged only by evidence about the proxy: the echo service is down for everyone, the score stays.
    await db.proxy.update({ where: { id: proxyId }, data: { lastHealthCheck: new Date() } });
    const failure = `echo outage: the IP echo service answered neither directly nor through this proxy (${result.ok ? '' : result.message})`;
    return { proxyId, healthScore: proxy.healthScore, unhealthy: isProxyUnhealthy(proxy.healthScore), failure, verdict };
  }
  const healthScore = nextHealthScore(proxy.healthScore, result.ok ? { ok: true, latencyMs: result.latencyMs } : { ok: false });
  await db.proxy.update({
    where: { id: proxyId },
    data: { healthScore, lastHealthCheck: new Date(), ...(result.ok ? { lastExitIp: result.exitIp } : {}) },
  });
  return { proxyId, healthScore, unhealthy: isProxyUnhealthy(healthScore), failure: result.ok ? null : result.message, verdict };
}
