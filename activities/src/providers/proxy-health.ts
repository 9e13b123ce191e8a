import type { Db } from '@chipgate/db';
import { nextHealthScore } from '@chipgate/workflows/rules/health-score';
import { isProxyUnhealthy } from '@chipgate/workflows/rules/proxy-selection';
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
  const healthScore = nextHealthScore(proxy.healthScore, result.ok ? { ok: true, latencyMs: result.latencyMs } : { ok: false });
  await db.proxy.update({
    where: { id: proxyId },
    data: { healthScore, lastHealthCheck: new Date(), ...(result.ok ? { lastExitIp: result.exitIp } : {}) },
  });
  return { proxyId, healthScore, unhealthy: isProxyUnhealthy(healthScore), failure: result.ok ? null : result.message };
}
