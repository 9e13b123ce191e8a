import type { Db } from '@chipgate/db';
import type { CredentialCipher } from '../secrets/credential-cipher';
import type { HealthSample } from '@chipgate/workflows/rules/health-score';
import type { ProxyProbe } from '@chipgate/workflows/rules/proxy-health-verdict';
import { recordChipEvent } from '../chip/chip-records';
import { chipsOnProxy, probeEchoDirectly, probeProxy, recordProxyHealth } from './proxy-health';
import { reconcileProviderUsage } from './usage-reconciliation';

/** Health checks and usage reconciliation, run by the scheduled maintenance workflows. */
export function createProviderMaintenanceActivities({ db, cipher, ipEchoUrl }: { db: Db; cipher: CredentialCipher; ipEchoUrl: string }) {
  return {
    async listActiveProxyIds(): Promise<string[]> {
      const proxies = await db.proxy.findMany({ where: { isActive: true, provider: { isActive: true } }, select: { id: true }, orderBy: { id: 'asc' } });
      return proxies.map((p) => p.id);
    },
    probeEchoDirectly: () => probeEchoDirectly(ipEchoUrl),
    probeProxy: (input: { proxyId: string; directIp: string | null }) => probeProxy(db, cipher, ipEchoUrl, input.proxyId, input.directIp),
    recordProxyHealth: (input: { probe: ProxyProbe; sample: HealthSample | null }) => recordProxyHealth(db, input.probe, input.sample),
    chipsOnProxy: (input: { proxyId: string }) => chipsOnProxy(db, input.proxyId),
    /** Tells each chip, on its own record, why the health check asked it to move. */
    async recordMoveRequests(input: { proxyId: string; chipIds: string[]; reason: string }): Promise<void> {
      for (const chipId of input.chipIds) await recordChipEvent(db, chipId, 'proxy_move_requested', { fromProxyId: input.proxyId, reason: input.reason });
    },
    async listReconcilableProviderIds(): Promise<string[]> {
      const providers = await db.proxyProvider.findMany({ where: { isActive: true, apiBaseUrl: { not: null }, apiKeyEncrypted: { not: null } }, select: { id: true } });
      return providers.map((p) => p.id);
    },
    reconcileProviderUsage: (input: { providerId: string; from: string; to: string }) => reconcileProviderUsage(db, cipher, input.providerId, input),
  };
}

export type ProviderMaintenanceActivities = ReturnType<typeof createProviderMaintenanceActivities>;
