// The web app's tRPC API, called in-process through the root router (and, where the wire format
// matters, through the same fetch handler the Next route uses): who may call what, how bad input is
// reported, that provider secrets never leave the server, and how sign-in stores sessions.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import superjson from 'superjson';
import { hashPassword } from '@chipgate/activities/auth/password-hash';
import { appRouter } from '../../web/src/server/routers/_app';
import { webTestDb, type TestUser } from '../support/web-test';
import { createCallerFactory, createContext, type Context } from '../../web/src/server/trpc';
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from '../../web/src/server/auth/session';
import { INVALID_CREDENTIALS } from '../../web/src/server/services/auth';
import { rawQuery } from '../support/database';
import { testEnv } from '../support/environment';
import { providerForm } from '../support/provider-form';

const db = webTestDb();

const run = randomBytes(4).toString('hex');
const createCaller = createCallerFactory(appRouter);

/** These tests never reach Temporal: a procedure that would is a bug in the test or the router. */
const noTemporal = () => Promise.reject(new Error('Temporal is not used by these tests'));

function contextFor(user: TestUser | null, extra: Partial<Context> = {}): Context {
  return {
    db,
    user: user && { id: user.id, email: user.email, name: user.name, role: user.role },
    temporal: noTemporal,
    ...extra,
  };
}

const callerFor = (user: TestUser | null, extra: Partial<Context> = {}) => createCaller(contextFor(user, extra));

async function createUser(label: string, role: 'ADMIN' | 'USER'): Promise<TestUser> {
  const plan = await db.plan.findUniqueOrThrow({ where: { code: 'BUSINESS' } });
  const password = `pw-${label}-${randomBytes(6).toString('hex')}`;
  const email = `${label}-${run}@trpc-test.local`;
  const user = await db.user.create({
    data: { email, name: `${label} ${run}`, role, planId: plan.id, passwordHash: await hashPassword(password) },
  });
  return { id: user.id, email, name: user.name, role, password };
}

/** The TRPCError code a call rejects with. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof TRPCError, `expected a TRPCError, got ${String(err)}`);
    return err.code;
  }
  assert.fail('expected the call to be refused');
}

/** Calls a procedure over HTTP exactly like the browser does (POST for mutations), returning the parsed body. */
async function overHttp(path: string, input: unknown, ctx: Context, method: 'GET' | 'POST' = 'POST') {
  const serialized = superjson.serialize(input);
  const url = new URL(`http://127.0.0.1/api/trpc/${path}`);
  if (method === 'GET') url.searchParams.set('input', JSON.stringify(serialized));
  const res = await fetchRequestHandler({
    endpoint: '/api/trpc',
    router: appRouter,
    createContext: () => ctx,
    req: new Request(url, {
      method,
      headers: { 'content-type': 'application/json' },
      body: method === 'POST' ? JSON.stringify(serialized) : undefined,
    }),
  });
  return { status: res.status, text: await res.text() };
}

let userA: TestUser;
let userB: TestUser;
let admin: TestUser;
let chipOfA: string;

before(async () => {
  [userA, userB, admin] = await Promise.all([createUser('a', 'USER'), createUser('b', 'USER'), createUser('admin', 'ADMIN')]);
  const chip = await db.chip.create({ data: { ownerId: userA.id, label: `A's chip ${run}`, status: 'OPEN' } });
  chipOfA = chip.id;
});

describe('tRPC authorization', () => {
  it('refuses anonymous callers with UNAUTHORIZED', async () => {
    const anonymous = callerFor(null);
    assert.equal(await codeOf(anonymous.chips.list()), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.chips.get({ id: chipOfA })), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.chips.create({ label: 'x' })), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.usage.summary()), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.usage.alerts()), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.topUps.myOrders()), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.admin.providers.list()), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.admin.customers.list()), 'UNAUTHORIZED');
    assert.equal(await codeOf(anonymous.auth.signOut()), 'UNAUTHORIZED');
    assert.equal(await callerFor(null).auth.me(), null);
  });

  it("lets a user read their own chip but not another user's: FORBIDDEN", async () => {
    const own = await callerFor(userA).chips.get({ id: chipOfA });
    assert.equal(own.id, chipOfA);
    assert.equal(await codeOf(callerFor(userB).chips.get({ id: chipOfA })), 'FORBIDDEN');
    assert.ok(!(await callerFor(userB).chips.list()).some((c) => c.id === chipOfA), "B's list holds only B's chips");
    // Removing someone else's chip is refused before anything is touched (Temporal included).
    assert.equal(await codeOf(callerFor(userB).chips.remove({ id: chipOfA })), 'FORBIDDEN');
    const row = await db.chip.findUniqueOrThrow({ where: { id: chipOfA } });
    assert.equal(row.deletedAt, null);
    // An admin may read any chip.
    assert.equal((await callerFor(admin).chips.get({ id: chipOfA })).id, chipOfA);
  });

  it("refuses a user reading another user's usage and alerts: FORBIDDEN", async () => {
    const b = callerFor(userB);
    assert.equal(await codeOf(b.usage.summary({ userId: userA.id })), 'FORBIDDEN');
    assert.equal(await codeOf(b.usage.daily({ userId: userA.id })), 'FORBIDDEN');
    assert.equal(await codeOf(b.usage.alerts({ userId: userA.id })), 'FORBIDDEN');
    const own = await b.usage.summary({ userId: userB.id });
    assert.equal(own.usedBytes, 0n);
    assert.equal((await callerFor(admin).usage.summary({ userId: userA.id })).plan.code, 'BUSINESS');
  });

  it("refuses a user reading another user's top-up order: FORBIDDEN", async () => {
    const pack = await db.topUpPack.create({ data: { name: `pack ${run}`, sizeGb: '1', price: '19.90' } });
    const order = await db.topUpOrder.create({
      data: {
        userId: userA.id,
        packId: pack.id,
        sizeGb: '1',
        price: '19.90',
        paymentProvider: 'test',
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    assert.equal(await codeOf(callerFor(userB).topUps.order({ orderId: order.id })), 'FORBIDDEN');
    assert.ok(!(await callerFor(userB).topUps.myOrders()).some((o: { id: string }) => o.id === order.id), "B's orders are only B's");
  });

  it('refuses a non-admin calling admin procedures: FORBIDDEN, and changes nothing', async () => {
    const user = callerFor(userA);
    const plan = await db.plan.findUniqueOrThrow({ where: { code: 'ENTERPRISE' } });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['admin.providers.list', () => user.admin.providers.list()],
      ['admin.providers.create', () => user.admin.providers.create({ name: `nope-${run}` })],
      ['admin.providers.testConnection', () => user.admin.providers.testConnection({ id: randomUuid() })],
      ['admin.proxies.list', () => user.admin.proxies.list()],
      ['admin.chips.list', () => user.admin.chips.list()],
      ['admin.customers.list', () => user.admin.customers.list()],
      ['admin.customers.setPlan', () => user.admin.customers.setPlan({ userId: userA.id, planId: plan.id })],
      ['admin.customers.create', () => user.admin.customers.create({ name: 'Self-made', email: `self-${run}@authz.test`, planId: plan.id })],
      ['admin.customers.resendInvitation', () => user.admin.customers.resendInvitation({ userId: userA.id })],
      ['admin.customers.setDisabled', () => user.admin.customers.setDisabled({ userId: userA.id, disabled: true })],
      ['admin.customers.setChipLimit', () => user.admin.customers.setChipLimit({ userId: userA.id, chipLimit: 1000 })],
      ['admin.customers.audit', () => user.admin.customers.audit()],
      ['admin.usage.report', () => user.admin.usage.report()],
      ['admin.usage.alerts', () => user.admin.usage.alerts()],
      ['admin.plans.list', () => user.admin.plans.list()],
      ['admin.plans.update', () => user.admin.plans.update({ id: plan.id, name: 'Hacked', proxyGbLimit: '1000', monthlyPrice: '0' })],
      ['admin.packs.list', () => user.admin.packs.list()],
      ['admin.payments.mismatches', () => user.admin.payments.mismatches()],
      ['admin.packs.create', () => user.admin.packs.create({ name: 'free GB', sizeGb: '100', price: '0' })],
    ];
    for (const [name, call] of calls) assert.equal(await codeOf(call()), 'FORBIDDEN', name);
    const self = await db.user.findUniqueOrThrow({ where: { id: userA.id }, include: { plan: true } });
    assert.equal(self.plan.code, 'BUSINESS', 'the plan was not changed');
    assert.deepEqual([self.disabledAt, self.chipLimit], [null, null], 'the account was neither disabled nor given chips');
    assert.equal(await db.user.count({ where: { email: `self-${run}@authz.test` } }), 0);
    assert.equal((await db.plan.findUniqueOrThrow({ where: { id: plan.id } })).name, plan.name);
  });
});

function randomUuid(): string {
  return randomUUID();
}

const providerInput = (name: string, secrets: { password: string; apiKey: string }) => providerForm(name, secrets);

describe('tRPC validation errors name the field', () => {
  it('provider port 70000: BAD_REQUEST mentioning port, fieldErrors.port on the wire, nothing written', async () => {
    const name = `bad-port-${run}`;
    const input = { ...providerInput(name, { password: 'pw-123456', apiKey: '' }), port: 70000 };
    await assert.rejects(callerFor(admin).admin.providers.create(input), (err: unknown) => {
      assert.ok(err instanceof TRPCError);
      assert.equal(err.code, 'BAD_REQUEST');
      assert.match(err.message, /port/);
      return true;
    });
    const { status, text } = await overHttp('admin.providers.create', input, contextFor(admin));
    assert.equal(status, 400);
    const body = JSON.parse(text) as { error: { json: { message: string; data: { fieldErrors: Record<string, string[]> } } } };
    assert.match(body.error.json.message, /port/);
    assert.deepEqual(Object.keys(body.error.json.data.fieldErrors), ['port']);
    assert.match(body.error.json.data.fieldErrors.port![0]!, /1 and 65535/);
    assert.equal(await db.proxyProvider.count({ where: { name } }), 0, 'nothing was written');
  });

  it('zod input errors carry fieldErrors keyed by field (chip label, plan GB limit)', async () => {
    const chip = await overHttp('chips.create', { label: '   ', phoneNumber: 'call me' }, contextFor(userA));
    assert.equal(chip.status, 400);
    const chipErrors = (JSON.parse(chip.text) as { error: { json: { data: { fieldErrors: Record<string, string[]> } } } }).error.json.data.fieldErrors;
    assert.deepEqual(Object.keys(chipErrors).sort(), ['label', 'phoneNumber']);

    const plan = await db.plan.findUniqueOrThrow({ where: { code: 'FREE' } });
    const planCall = await overHttp('admin.plans.update', { id: plan.id, name: plan.name, proxyGbLimit: '-1', monthlyPrice: '0' }, contextFor(admin));
    assert.equal(planCall.status, 400);
    assert.ok(planCall.text.includes('"proxyGbLimit"'), planCall.text);
    assert.equal((await db.plan.findUniqueOrThrow({ where: { id: plan.id } })).proxyGbLimit.toFixed(), plan.proxyGbLimit.toFixed());
  });

  it('a duplicate provider name is reported on the name field', async () => {
    const secrets = { password: 'pw-dup-1', apiKey: '' };
    await callerFor(admin).admin.providers.create(providerInput(`dup-${run}`, secrets));
    const again = await overHttp('admin.providers.create', providerInput(`dup-${run}`, secrets), contextFor(admin));
    assert.equal(again.status, 400);
    assert.ok(again.text.includes('"fieldErrors":{"name"'), again.text);
  });
});

describe('provider secrets never leave the server', () => {
  it('no admin providers response contains the password or API key (plaintext or encrypted)', async () => {
    const secrets = { password: `Pw-${randomBytes(8).toString('hex')}`, apiKey: `Key-${randomBytes(8).toString('hex')}` };
    const adminCaller = callerFor(admin);
    const responses: unknown[] = [];
    const created = await adminCaller.admin.providers.create(providerInput(`secret-${run}`, secrets));
    responses.push(created);
    responses.push(await adminCaller.admin.providers.list());
    responses.push(
      await adminCaller.admin.providers.update({ id: created.id, ...providerInput(`secret-${run}`, { password: '', apiKey: '' }), stickySessionMinutes: '45' }),
    );
    responses.push(await adminCaller.admin.providers.setActive({ id: created.id, isActive: false }));
    // Temporal is unavailable here: the test reports that, and still names no secret.
    const test = await adminCaller.admin.providers.testConnection({ id: created.id });
    assert.equal(test.ok, false);
    responses.push(test);
    await db.proxy.create({ data: { providerId: created.id, region: 'br' } });
    responses.push(await adminCaller.admin.proxies.list());
    responses.push(await adminCaller.admin.chips.list());
    await assert.rejects(adminCaller.admin.providers.delete({ id: created.id }), (err: unknown) => {
      responses.push({ message: (err as Error).message });
      return true;
    });
    // And the browser's view: the raw HTTP bodies.
    responses.push((await overHttp('admin.providers.list', undefined, contextFor(admin), 'GET')).text);

    const stored = await rawQuery<{ password_encrypted: string; api_key_encrypted: string }>(
      testEnv.databaseUrl,
      'SELECT password_encrypted, api_key_encrypted FROM proxy_providers WHERE id = $1',
      [created.id],
    );
    const forbidden = [secrets.password, secrets.apiKey, stored[0]!.password_encrypted, stored[0]!.api_key_encrypted];
    assert.ok(!forbidden.slice(0, 2).some((s) => stored[0]!.password_encrypted.includes(s)), 'stored encrypted');
    const wire = responses.map((r) => (typeof r === 'string' ? r : JSON.stringify(superjson.serialize(r)))).join('\n');
    for (const secret of forbidden) assert.ok(!wire.includes(secret), `a response contained ${secret.slice(0, 6)}…`);
    assert.ok(wire.includes(`secret-${run}`), 'the responses were about this provider');
    // The update with blank secrets kept them.
    assert.equal((await db.proxyProvider.findUniqueOrThrow({ where: { id: created.id } })).passwordEncrypted, stored[0]!.password_encrypted);
  });

  it('deleting a provider that proxies reference is refused with a clear message', async () => {
    const created = await callerFor(admin).admin.providers.create(providerInput(`in-use-${run}`, { password: 'pw-in-use', apiKey: '' }));
    await db.proxy.create({ data: { providerId: created.id, region: 'br' } });
    await assert.rejects(callerFor(admin).admin.providers.delete({ id: created.id }), (err: unknown) => {
      assert.ok(err instanceof TRPCError);
      assert.equal(err.code, 'CONFLICT');
      assert.match(err.message, /1 proxy uses it/);
      return true;
    });
    assert.equal(await db.proxyProvider.count({ where: { id: created.id } }), 1);
  });
});

describe('sign-in and sessions', () => {
  function cookieJar(token: string | null = null) {
    const jar = {
      token,
      written: [] as Array<{ token: string; expiresAt: Date } | 'cleared'>,
      set: (value: string, expiresAt: Date) => void jar.written.push({ token: value, expiresAt }),
      clear: () => void jar.written.push('cleared'),
    };
    return jar;
  }

  it('a wrong password and an unknown email fail alike and create no session', async () => {
    const before = await db.session.count({ where: { userId: userB.id } });
    const jar = cookieJar();
    const wrong = callerFor(null, { cookies: jar }).auth.signIn({ email: userB.email, password: 'not-the-password' });
    await assert.rejects(wrong, (err: unknown) => err instanceof TRPCError && err.code === 'UNAUTHORIZED' && err.message === INVALID_CREDENTIALS);
    const unknown = callerFor(null, { cookies: jar }).auth.signIn({ email: `nobody-${run}@trpc-test.local`, password: 'whatever' });
    await assert.rejects(unknown, (err: unknown) => err instanceof TRPCError && err.code === 'UNAUTHORIZED' && err.message === INVALID_CREDENTIALS);
    assert.equal(await db.session.count({ where: { userId: userB.id } }), before);
    assert.deepEqual(jar.written, []);
  });

  it('the right password creates a session whose token is stored only as its SHA-256', async () => {
    const jar = cookieJar();
    const result = await callerFor(null, { cookies: jar }).auth.signIn({ email: userB.email.toUpperCase(), password: userB.password });
    assert.equal(result.user.id, userB.id);
    const written = jar.written[0];
    assert.ok(written && written !== 'cleared', 'the session cookie was written');
    assert.ok(Buffer.from(written.token, 'base64url').length === 32, '32 random bytes');
    const days = (written.expiresAt.getTime() - Date.now()) / 86_400_000;
    assert.ok(days > 29.9 && days <= 30, `30-day expiry, got ${days}`);

    const rows = await rawQuery<{ token_hash: string; user_id: string }>(testEnv.databaseUrl, 'SELECT token_hash, user_id FROM sessions WHERE user_id = $1', [userB.id]);
    const hash = createHash('sha256').update(written.token).digest('hex');
    assert.ok(rows.some((r) => r.token_hash === hash), 'the row holds the SHA-256 of the token');
    assert.ok(!JSON.stringify(rows).includes(written.token), 'the token itself is stored nowhere');

    // The cookie authenticates a request through the same createContext the route uses.
    const req = new Request('http://127.0.0.1/api/trpc/auth.me', { headers: { cookie: `${SESSION_COOKIE}=${written.token}` } });
    const ctx = await createContext({ req, resHeaders: new Headers(), info: {} as never });
    assert.equal(ctx.user?.id, userB.id);

    // Signing out deletes the row; the same cookie then authenticates nobody.
    const outJar = cookieJar(written.token);
    await createCaller({ ...ctx, cookies: outJar }).auth.signOut();
    assert.deepEqual(outJar.written, ['cleared']);
    assert.equal((await rawQuery(testEnv.databaseUrl, 'SELECT 1 FROM sessions WHERE token_hash = $1', [hash])).length, 0);
    const resHeaders = new Headers();
    const after = await createContext({ req, resHeaders, info: {} as never });
    assert.equal(after.user, null);
    assert.match(resHeaders.get('set-cookie') ?? '', /Max-Age=0/);
  });

  it('expired sessions authenticate nobody and are deleted', async () => {
    const token = randomBytes(32).toString('base64url');
    const hash = createHash('sha256').update(token).digest('hex');
    await db.session.create({ data: { tokenHash: hash, userId: userA.id, expiresAt: new Date(Date.now() - 1000) } });
    const req = new Request('http://127.0.0.1/api/trpc/auth.me', { headers: { cookie: `${SESSION_COOKIE}=${token}` } });
    const ctx = await createContext({ req, resHeaders: new Headers(), info: {} as never });
    assert.equal(ctx.user, null);
    assert.equal(await db.session.count({ where: { tokenHash: hash } }), 0);
  });

  it('sessions slide: one in its second half is extended and the cookie rewritten (Secure over https)', async () => {
    const token = randomBytes(32).toString('base64url');
    const hash = createHash('sha256').update(token).digest('hex');
    await db.session.create({ data: { tokenHash: hash, userId: userA.id, expiresAt: new Date(Date.now() + 5 * 86_400_000) } });
    const req = new Request('https://chipgate.example/api/trpc/auth.me', { headers: { cookie: `${SECURE_SESSION_COOKIE}=${token}` } });
    const resHeaders = new Headers();
    const ctx = await createContext({ req, resHeaders, info: {} as never });
    assert.equal(ctx.user?.id, userA.id);
    const cookie = resHeaders.get('set-cookie') ?? '';
    for (const part of ['HttpOnly', 'SameSite=Lax', 'Secure', 'Path=/']) assert.ok(cookie.includes(part), `${part} in ${cookie}`);
    const row = await db.session.findUniqueOrThrow({ where: { tokenHash: hash } });
    assert.ok(row.expiresAt.getTime() > Date.now() + 29 * 86_400_000);
  });

  it('wrong passwords make the account wait a little, then the right one gets in (no lock-out)', async () => {
    const victim = await createUser('victim', 'USER');
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push(await codeOf(callerFor(null).auth.signIn({ email: victim.email, password: `wrong-${i}` })));
    assert.deepEqual(codes.slice(0, 4), ['UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED', 'UNAUTHORIZED'], 'three free tries and one more');
    assert.equal(codes[4], 'TOO_MANY_REQUESTS', 'the fifth comes too soon');
    const waited = await callerFor(null)
      .auth.signIn({ email: victim.email, password: victim.password })
      .then(() => null, (err: unknown) => err);
    assert.ok(waited instanceof TRPCError && waited.code === 'TOO_MANY_REQUESTS', 'even the right password waits its turn');
    assert.match(waited.message, /Try again in \d+ seconds?\./);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const ok = await callerFor(null, { cookies: cookieJar() }).auth.signIn({ email: victim.email, password: victim.password });
    assert.equal(ok.user.id, victim.id);
    // Other accounts are not affected.
    assert.equal((await callerFor(null, { cookies: cookieJar() }).auth.signIn({ email: userA.email, password: userA.password })).user.id, userA.id);
  });

});
