import type { Db } from '@chipgate/db';
import type { CredentialCipher } from './secrets/credential-cipher';
import { echoedExitIp, testConnection } from './providers/provider-client';
import { loadResolvedProvider } from './providers/resolve-provider';

export interface ProviderActivityDeps {
  db: Db;
  cipher: CredentialCipher;
  ipEchoUrl: string;
}

export function createProviderActivities({ db, cipher, ipEchoUrl }: ProviderActivityDeps) {
  return {
    /** The result names the provider and the failure, never a credential: it lands in workflow history. */
    async testProviderConnection(providerId: string) {
      const { resolved } = await loadResolvedProvider(db, cipher, providerId);
      const directIp = await echoedExitIp(ipEchoUrl).catch(() => undefined);
      return testConnection(resolved, { echoUrl: ipEchoUrl, directIp });
    },
  };
}

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
