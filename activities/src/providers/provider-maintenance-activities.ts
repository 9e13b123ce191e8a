import type { Db } from '@chipgate/db';
import type { CredentialCipher } from '../secrets/credential-cipher';
import { MIN_PROXY_HEALTH } from '@chipgate/workflows/rules/proxy-selection';
import { chipsToMove, type ProbeVerdict } from '@chipgate/workflows/rules/health-moves';
import { checkProxyHealth } from './proxy-health';
import { reconcileProviderUsage } from './usage-reconciliation';

/** Health checks and usage reconciliation, run by the scheduled maintenance workflows. */
export function createProviderMaintenanceActivities({ db, cipher, ipEchoUrl }: { db: Db; cipher: CredentialCipher; ipEchoUrl: string }) {
  return {
    async listActiveProxyIds(): Promise<string[]> {
      const proxies = await db.proxy.findMany({ where: { isActive: true, provider: { isActive: true } }, select: { id: true }, orderBy: { id: 'asc' } });
      return proxies.map((p) => p.id);
    },
    checkProxyHealth: (input: { proxyId: string }) => checkProxyHealth(db, cipher, ipEchoUrl, input.proxyId),
    async listChipsOnProxy(input: { proxyId: string }): Promise<string[]> {
      const live = await db.chipProxyAssignment.findMany({ where: { proxyId: input.proxyId, releasedAt: null }, select: { chipId: true } });
      return live.map((a) => a.chipId);
    },
    /**
     * The chips to move off an unhealthy proxy (health-moves rules): none unless a healthy, active proxy
     * of the region is there to take them; chips whose own WhatsApp connection is open through it stay.
     */
    async planProxyMoves(input: { proxyId: string; verdict: ProbeVerdict }): Promise<{ chipIds: string[]; alternatives: number }> {
      const proxy = await db.proxy.findUniqueOrThrow({ where: { id: input.proxyId }, select: { region: true } });
      const alternatives = await db.proxy.count({ where: { id: { not: input.proxyId }, region: proxy.region, isActive: true, provider: { isActive: true }, healthScore: { gte: MIN_PROXY_HEALTH } } });
      const live = await db.chipProxyAssignment.findMany({ where: { proxyId: input.proxyId, releasedAt: null }, select: { chipId: true, chip: { select: { status: true } } } });
      const chips = live.map((a) => ({ chipId: a.chipId, connectionOpen: a.chip.status === 'OPEN' }));
      return { chipIds: chipsToMove(input.verdict, chips, alternatives), alternatives };
    },
    async listReconcilableProviderIds(): Promise<string[]> {
      const providers = await db.proxyProvider.findMany({ where: { isActive: true, apiBaseUrl: { not: null }, apiKeyEncrypted: { not: null } }, select: { id: true } });
      return providers.map((p) => p.id);
    },
    reconcileProviderUsage: (input: { providerId: string; from: string; to: string }) => reconcileProviderUsage(db, cipher, input.providerId, input),
  };
}

export type ProviderMaintenanceActivities = ReturnType<typeof createProviderMaintenanceActivities>;
