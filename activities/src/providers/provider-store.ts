import type { Db, Prisma } from '@chipgate/db';
import type { CredentialCipher } from '../secrets/credential-cipher';
import { parseProviderInput, ProviderInputError } from './provider-input';
import { providerChanges, secretsToReenter } from './secret-destination';

/** Fields an audit compares; secrets are only ever recorded as "changed". */
const auditedFields = {
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
} as const;

/** What may leave the server about a provider: secrets are reduced to whether they are set. */
export const providerPublicFields = { id: true, ...auditedFields, createdAt: true, updatedAt: true } as const;

/**
 * Validates provider input and stores it with its password and API key encrypted. Validation runs
 * before any write, so bad input changes nothing.
 */
export async function saveProvider(db: Db, cipher: CredentialCipher, input: unknown, existingId?: string, actorUserId: string | null = null) {
  const provider = existingId ? parseProviderInput(input, 'update') : parseProviderInput(input, 'create');
  const { password, apiKey, ...plain } = provider;
  const data = {
    ...plain,
    apiBaseUrl: plain.apiBaseUrl ?? null,
    ...(password ? { passwordEncrypted: cipher.encrypt(password) } : {}),
    ...(apiKey ? { apiKeyEncrypted: cipher.encrypt(apiKey) } : {}),
  };
  const secrets = { password: Boolean(password), apiKey: Boolean(apiKey) };
  if (existingId) {
    return db.$transaction(async (tx) => {
      const stored = await tx.proxyProvider.findUniqueOrThrow({ where: { id: existingId }, select: { ...auditedFields, apiKeyEncrypted: true } });
      const reenter = secretsToReenter(
        { ...stored, apiKeySet: stored.apiKeyEncrypted !== null },
        { server: data.server, port: data.port, protocol: data.protocol, apiBaseUrl: data.apiBaseUrl, passwordGiven: secrets.password, apiKeyGiven: secrets.apiKey },
      );
      if (Object.keys(reenter).length > 0) throw new ProviderInputError(reenter);
      const { apiKeyEncrypted: _ciphertext, ...before } = stored;
      const saved = await tx.proxyProvider.update({ where: { id: existingId }, data, select: providerPublicFields });
      if (!saved.costPerGb.equals(before.costPerGb) || saved.currency !== before.currency) await recordPrice(tx, saved, actorUserId, new Date());
      await recordProviderAudit(tx, { providerId: saved.id, providerName: saved.name, actorUserId, action: 'updated', changes: providerChanges(before, pick(saved), secrets) });
      return saved;
    });
  }
  return db.$transaction(async (tx) => {
    const saved = await tx.proxyProvider.create({ data: { ...data, passwordEncrypted: cipher.encrypt(password!) }, select: providerPublicFields });
    await recordPrice(tx, saved, actorUserId, saved.createdAt);
    await recordProviderAudit(tx, { providerId: saved.id, providerName: saved.name, actorUserId, action: 'created', changes: providerChanges(null, pick(saved), secrets) });
    return saved;
  });
}

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

/**
 * A price change is a new dated price, never an edit of an old one: bytes that moved before it keep
 * the price of their time, those after it are billed at the new one.
 */
async function recordPrice(tx: Tx, provider: { id: string; costPerGb: Prisma.Decimal; currency: string }, actorUserId: string | null, effectiveFrom: Date): Promise<void> {
  await tx.providerPrice.create({ data: { providerId: provider.id, costPerGb: provider.costPerGb, currency: provider.currency, effectiveFrom, actorUserId } });
}

export interface ProviderAuditInput {
  providerId: string | null;
  providerName: string;
  actorUserId: string | null;
  action: 'created' | 'updated' | 'activated' | 'deactivated' | 'deleted';
  changes?: Record<string, unknown>;
}

export async function recordProviderAudit(db: Db | Tx, event: ProviderAuditInput): Promise<void> {
  await db.providerAuditEvent.create({ data: { ...event, changes: (event.changes ?? {}) as object } });
}

function pick(saved: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(auditedFields).map((field) => [field, saved[field]]));
}
