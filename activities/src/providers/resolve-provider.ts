import type { Db } from '@chipgate/db';
import type { CredentialCipher } from '../secrets/credential-cipher';
import type { ResolvedProvider } from './proxy-endpoint';
import { NotFoundError } from '../errors';

/**
 * Loads a provider with its credentials decrypted. Only activities call this, right where a
 * connection is made, so secrets never travel through workflow arguments or history.
 */
export async function loadResolvedProvider(db: Db, cipher: CredentialCipher, providerId: string) {
  const provider = await db.proxyProvider.findUnique({ where: { id: providerId } });
  if (!provider) throw new NotFoundError(`provider ${providerId} does not exist`);
  const resolved: ResolvedProvider & { apiBaseUrl: string | null; apiKey: string | null } = {
    name: provider.name,
    server: provider.server,
    port: provider.port,
    protocol: provider.protocol,
    username: provider.username,
    password: cipher.decrypt(provider.passwordEncrypted),
    usernameTemplate: provider.usernameTemplate,
    apiBaseUrl: provider.apiBaseUrl,
    apiKey: provider.apiKeyEncrypted ? cipher.decrypt(provider.apiKeyEncrypted) : null,
  };
  return { record: provider, resolved };
}
