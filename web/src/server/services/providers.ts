import { randomBytes } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import type { Client } from '@temporalio/client';
import { Prisma, type Db } from '@chipgate/db';
import { providerPublicFields, recordProviderAudit, saveProvider } from '@chipgate/activities/providers/provider-store';
import { ProviderInputError } from '@chipgate/activities/providers/provider-input';
import { CHIPGATE_TASK_QUEUE } from '@chipgate/workflows/task-queues';
import { fieldError } from '../errors';
import { credentialCipher } from '../secrets';

/** What the admin form submits. Values are checked by the provider input rules in saveProvider. */
export interface ProviderForm {
  name?: string;
  type?: string;
  region?: string;
  server?: string;
  port?: number | string;
  protocol?: string;
  username?: string;
  password?: string;
  apiKey?: string;
  apiBaseUrl?: string;
  usernameTemplate?: string;
  stickySessionMinutes?: number | string;
  costPerGb?: string;
  currency?: string;
  isActive?: boolean;
}

/** Public fields only (providerPublicFields): ciphertexts are reduced to "is set". */
export async function listProviders(db: Db) {
  const [providers, withApiKey] = await Promise.all([
    db.proxyProvider.findMany({
      select: { ...providerPublicFields, _count: { select: { proxies: true } }, prices: { select: priceFields, orderBy: { effectiveFrom: 'desc' } } },
      orderBy: { name: 'asc' },
    }),
    db.proxyProvider.findMany({ where: { apiKeyEncrypted: { not: null } }, select: { id: true } }),
  ]);
  const hasApiKey = new Set(withApiKey.map((p) => p.id));
  return providers.map(({ _count, prices, ...p }) => ({
    ...toPublic(p, { proxies: _count.proxies, hasApiKey: hasApiKey.has(p.id) }),
    // Newest first: what it costs now, then every earlier price and from when it applied.
    prices: prices.map((price) => ({ costPerGb: price.costPerGb.toFixed(), currency: price.currency.trim(), effectiveFrom: price.effectiveFrom.toISOString() })),
  }));
}

const priceFields = { costPerGb: true, currency: true, effectiveFrom: true } as const;

type PublicRow = Prisma.ProxyProviderGetPayload<{ select: typeof providerPublicFields }>;

function toPublic(p: PublicRow, extra: { proxies: number; hasApiKey: boolean }) {
  return { ...p, costPerGb: p.costPerGb.toFixed(), currency: p.currency.trim(), passwordSet: true as const, ...extra };
}

/** Digits typed into a form field arrive as text; anything else is passed on for the rules to name. */
function numeric(value: number | string | undefined): number | string | undefined {
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return value;
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function toProviderInput(form: ProviderForm): Record<string, unknown> {
  const input: Record<string, unknown> = {
    ...form,
    port: numeric(form.port),
    stickySessionMinutes: numeric(form.stickySessionMinutes),
    password: blankToUndefined(form.password),
    apiKey: blankToUndefined(form.apiKey),
    apiBaseUrl: blankToUndefined(form.apiBaseUrl),
    usernameTemplate: blankToUndefined(form.usernameTemplate),
  };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return input;
}

/** Creates or updates a provider; bad fields come back as BAD_REQUEST naming each field. */
export async function saveProviderForm(db: Db, actorUserId: string, form: ProviderForm, id?: string) {
  if (id && !(await db.proxyProvider.findUnique({ where: { id }, select: { id: true } }))) {
    throw new TRPCError({ code: 'NOT_FOUND', message: 'No such provider.' });
  }
  try {
    const saved = await saveProvider(db, credentialCipher(), toProviderInput(form), id, actorUserId);
    return { id: saved.id, name: saved.name };
  } catch (err) {
    if (err instanceof ProviderInputError) throw new TRPCError({ code: 'BAD_REQUEST', message: err.message, cause: err });
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw fieldError('name', 'is already used by another provider');
    }
    throw err;
  }
}

export async function setProviderActive(db: Db, actorUserId: string, id: string, isActive: boolean) {
  return db.$transaction(async (tx) => {
    const provider = await tx.proxyProvider.findUnique({ where: { id }, select: { name: true, isActive: true } });
    if (!provider) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such provider.' });
    await tx.proxyProvider.update({ where: { id }, data: { isActive } });
    const changes = { isActive: { from: provider.isActive, to: isActive } };
    await recordProviderAudit(tx, { providerId: id, providerName: provider.name, actorUserId, action: isActive ? 'activated' : 'deactivated', changes });
    return { id, isActive };
  });
}

/** The latest provider changes, newest first, with who made them. */
export async function listProviderAudit(db: Db, take = 200) {
  const events = await db.providerAuditEvent.findMany({ orderBy: { createdAt: 'desc' }, take, include: { actor: { select: { email: true } } } });
  return events.map(({ actor, ...event }) => ({ ...event, actorEmail: actor?.email ?? null }));
}

/** Refused while proxies reference the provider: usage history must keep pointing at real rows. */
export async function deleteProvider(db: Db, actorUserId: string, id: string) {
  const provider = await db.proxyProvider.findUnique({ where: { id }, select: { name: true, _count: { select: { proxies: true } } } });
  if (!provider) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such provider.' });
  const refused = (count: number) =>
    new TRPCError({
      code: 'CONFLICT',
      message: `Cannot delete "${provider.name}": ${count} ${count === 1 ? 'proxy uses' : 'proxies use'} it. Deactivate the provider instead, or delete its proxies first.`,
    });
  if (provider._count.proxies > 0) throw refused(provider._count.proxies);
  try {
    await db.$transaction(async (tx) => {
      await tx.proxyProvider.delete({ where: { id } });
      await recordProviderAudit(tx, { providerId: null, providerName: provider.name, actorUserId, action: 'deleted', changes: { id } });
    });
  } catch (err) {
    // A proxy added between the check and the delete.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2003') {
      throw refused(await db.proxy.count({ where: { providerId: id } }));
    }
    throw err;
  }
  return { id };
}

export type ConnectionTestResult =
  | { ok: true; exitIp: string; latencyMs: number }
  | { ok: false; reason: string; message: string };

/** Runs providerConnectionTestWorkflow on a worker (the machine that will carry chip traffic). */
export async function testProviderConnection(db: Db, temporal: () => Promise<Client>, id: string): Promise<ConnectionTestResult> {
  const provider = await db.proxyProvider.findUnique({ where: { id }, select: { id: true } });
  if (!provider) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such provider.' });
  let client: Client;
  try {
    client = await temporal();
  } catch (err) {
    return { ok: false, reason: 'temporal_unavailable', message: `Temporal is not reachable: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    return await client.workflow.execute('providerConnectionTestWorkflow', {
      taskQueue: CHIPGATE_TASK_QUEUE,
      workflowId: `provider-test-${id}-${randomBytes(4).toString('hex')}`,
      args: [{ providerId: id }],
      // The activity itself times out after a minute; this only bounds a run no worker picks up.
      workflowExecutionTimeout: '75 seconds',
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ok: false, reason: 'workflow_failed', message: `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
}
