// An admin session (or a stolen one) must not be able to point a stored provider password or API key
// at another host by editing the provider with the secret left blank; every provider change is audited.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { TRPCError } from '@trpc/server';
import { appRouter } from '../../web/src/server/routers/_app';
import { createCallerFactory, type Context } from '../../web/src/server/trpc';
import { testDb } from '../support/database';
import { providerForm as form } from '../support/provider-form';

const db = testDb();
after(() => db.$disconnect());
const run = randomBytes(4).toString('hex');
const createCaller = createCallerFactory(appRouter);
const noTemporal = () => Promise.reject(new Error('Temporal is not used by these tests'));

let admin: { id: string; email: string; name: string; role: 'ADMIN' };
const caller = () => createCaller({ db, user: admin, temporal: noTemporal } satisfies Context);


before(async () => {
  const plan = await db.plan.findUniqueOrThrow({ where: { code: 'ENTERPRISE' } });
  const row = await db.user.create({ data: { email: `admin-${run}@retarget.test`, name: 'Admin', role: 'ADMIN', planId: plan.id, passwordHash: 'unused' } });
  admin = { id: row.id, email: row.email, name: row.name, role: 'ADMIN' };
});

async function refusal(call: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof TRPCError, String(err));
    const fields = err.cause && 'fields' in err.cause ? Object.keys(err.cause.fields as object) : [];
    return { code: err.code, fields };
  }
  assert.fail('the update was accepted');
}

describe('provider secrets cannot be pointed elsewhere', () => {
  for (const [field, value] of [
    ['server', 'attacker.example'],
    ['port', '7000'],
    ['protocol', 'SOCKS5'],
  ] as const) {
    it(`changing ${field} with the password left blank is refused, and nothing changes`, async () => {
      const name = `retarget-${field}-${run}`;
      const created = await caller().admin.providers.create(form(name, { password: 'stored-password', apiKey: 'stored-key' }));
      const before = await db.proxyProvider.findUniqueOrThrow({ where: { id: created.id } });
      const result = await refusal(caller().admin.providers.update({ id: created.id, ...form(name, { [field]: value }) }));
      assert.deepEqual(result, { code: 'BAD_REQUEST', fields: ['password'] });
      const after = await db.proxyProvider.findUniqueOrThrow({ where: { id: created.id } });
      assert.deepEqual(after, before, 'nothing was written');
      // With the password entered again, the change is accepted.
      await caller().admin.providers.update({ id: created.id, ...form(name, { [field]: value, password: 'entered-again' }) });
      assert.equal(String((await db.proxyProvider.findUniqueOrThrow({ where: { id: created.id } }))[field]), value);
    });
  }

  it('changing the API base URL with the API key left blank is refused; other edits keep both secrets', async () => {
    const name = `retarget-api-${run}`;
    const created = await caller().admin.providers.create(form(name, { password: 'stored-password', apiKey: 'stored-key' }));
    const result = await refusal(caller().admin.providers.update({ id: created.id, ...form(name, { apiBaseUrl: 'https://attacker.example' }) }));
    assert.deepEqual(result, { code: 'BAD_REQUEST', fields: ['apiKey'] });
    const before = await db.proxyProvider.findUniqueOrThrow({ where: { id: created.id } });
    await caller().admin.providers.update({ id: created.id, ...form(name, { costPerGb: '5.00', region: 'us' }) });
    const after = await db.proxyProvider.findUniqueOrThrow({ where: { id: created.id } });
    assert.equal(after.passwordEncrypted, before.passwordEncrypted);
    assert.equal(after.apiKeyEncrypted, before.apiKeyEncrypted);
    assert.equal(after.region, 'us');
  });

  it('every provider change is audited with who made it and what changed, never a secret', async () => {
    const name = `audited-${run}`;
    const created = await caller().admin.providers.create(form(name, { password: 'audit-password', apiKey: 'audit-key' }));
    await caller().admin.providers.update({ id: created.id, ...form(name, { server: 'gate.example', password: 'audit-password-2' }) });
    await caller().admin.providers.setActive({ id: created.id, isActive: false });
    await caller().admin.providers.delete({ id: created.id });
    const events = await db.providerAuditEvent.findMany({ where: { providerName: name }, orderBy: { createdAt: 'asc' } });
    assert.deepEqual(
      events.map((e) => e.action),
      ['created', 'updated', 'deactivated', 'deleted'],
    );
    assert.ok(events.every((e) => e.actorUserId === admin.id));
    const update = events[1]!.changes as Record<string, unknown>;
    assert.deepEqual(update.server, { from: '127.0.0.1', to: 'gate.example' });
    assert.equal(update.password, 'changed');
    const text = JSON.stringify(events);
    for (const secret of ['audit-password', 'audit-key']) assert.ok(!text.includes(secret), 'no secret in the audit');
    const listed = await caller().admin.providers.audit();
    assert.ok(listed.some((e) => e.providerName === name && e.action === 'deleted' && e.actorEmail === admin.email));
  });
});
