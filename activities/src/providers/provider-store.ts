import type { Db } from '@chipgate/db';
import type { CredentialCipher } from '../secrets/credential-cipher';
import { parseProviderInput } from './provider-input';

/** What may leave the server about a provider: secrets are reduced to whether they are set. */
export const providerPublicFields = {
  id: true,
  name: true,
  type: true,
  region: true,
  server: true,
  port: true,
  protocol: true,
  username: true,
  apiBaseUrl: true,
  usernameTemplate: true,
  stickySessionMinutes: true,
  costPerGb: true,
  currency: true,
  isActive: true,
  createdAt: true,
  updatedAt: true,
} as const;

/**
 * Validates provider input and stores it with its password and API key encrypted. Validation runs
 * before any write, so bad input changes nothing.
 */
export async function saveProvider(db: Db, cipher: CredentialCipher, input: unknown, existingId?: string) {
  const provider = existingId ? parseProviderInput(input, 'update') : parseProviderInput(input, 'create');
  const { password, apiKey, ...plain } = provider;
  const data = {
    ...plain,
    apiBaseUrl: plain.apiBaseUrl ?? null,
    ...(password ? { passwordEncrypted: cipher.encrypt(password) } : {}),
    ...(apiKey ? { apiKeyEncrypted: cipher.encrypt(apiKey) } : {}),
  };
  if (existingId) {
    return db.proxyProvider.update({ where: { id: existingId }, data, select: providerPublicFields });
  }
  return db.proxyProvider.create({ data: { ...data, passwordEncrypted: cipher.encrypt(password!) }, select: providerPublicFields });
}
