// The smaller web attacks: a cross-site form posting a mutation with the victim's cookie, a cookie an
// http:// or sibling-subdomain page could plant, a chunked webhook body with no Content-Length, a
// session kept alive forever, a stolen session that outlives "sign out everywhere", internal addresses
// in errors, an admin reading another user's pairing QR, and password hashes below current strength.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { before, describe, it } from 'node:test';
import superjson from 'superjson';
import type { Client } from '@temporalio/client';
import { hashPassword, verifyPassword } from '@chipgate/activities/auth/password-hash';
import { StripeCheckout } from '@chipgate/activities/payments/stripe-checkout';
import { handleTrpcRequest } from '../../web/src/server/http/trpc-handler';
import { handlePaymentWebhook } from '../../web/src/server/payments/payment-webhook';
import { createSession, validateSessionToken } from '../../web/src/server/auth/session';
import { appRouter } from '../../web/src/server/routers/_app';
import { webTestDb, type TestUser } from '../support/web-test';
import { createCallerFactory, type Context } from '../../web/src/server/trpc';

const db = webTestDb();
const run = randomBytes(4).toString('hex');
const createCaller = createCallerFactory(appRouter);
const unreachableTemporal = () => Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED 10.20.30.40:7233'));

async function createUser(label: string, role: 'ADMIN' | 'USER' = 'USER', passwordHash?: string): Promise<TestUser> {
  const plan = await db.plan.findUniqueOrThrow({ where: { code: 'BUSINESS' } });
  const password = `pw-${randomBytes(6).toString('hex')}`;
  const email = `${label}-${run}@hardening.test`;
  const row = await db.user.create({ data: { email, name: label, role, planId: plan.id, passwordHash: passwordHash ?? (await hashPassword(password)) } });
  return { id: row.id, email, name: label, role, password };
}
const callerFor = (user: TestUser, extra: Partial<Context> = {}) =>
  createCaller({ db, user: { id: user.id, email: user.email, name: user.name, role: user.role }, temporal: unreachableTemporal, ...extra });

/** A browser POSTing a mutation with the session cookie, from `origin` (null: no Origin header). */
async function mutationWithCookie(cookie: string, origin: string | null, url = 'https://chipgate.example/api/trpc/auth.signOut') {
  const headers: Record<string, string> = { 'content-type': 'application/json', cookie };
  if (origin) headers.origin = origin;
  return handleTrpcRequest(new Request(url, { method: 'POST', headers, body: JSON.stringify(superjson.serialize(undefined)) }));
}

let owner: TestUser;
before(async () => {
  owner = await createUser('owner');
});

describe('web hardening', () => {
  it('a cross-site POST carrying the session cookie is refused before the mutation runs (CSRF)', async () => {
    for (const [name, secure] of [['__Host-chipgate_session', 'https://chipgate.example'], ['chipgate_session', 'http://chipgate.example']] as const) {
      const { token } = await createSession(db, owner.id);
      const url = `${secure}/api/trpc/auth.signOut`;
      const evil = await mutationWithCookie(`${name}=${token}`, 'https://evil.example', url);
      assert.equal(evil.status, 403, `${name}: a foreign Origin is refused`);
      const none = await mutationWithCookie(`${name}=${token}`, null, url);
      assert.equal(none.status, 403, `${name}: a cookie-carrying POST without Origin is refused`);
      assert.ok(await validateSessionToken(db, token, { slide: false }), 'the session was not signed out');
      const same = await mutationWithCookie(`${name}=${token}`, secure, url);
      assert.equal(same.status, 200, `${name}: the app's own origin is served`);
    }
  });

  it('over https the session cookie is __Host- and a plain-named cookie planted by another page authenticates nobody', async () => {
    const { token } = await createSession(db, owner.id);
    const res = await handleTrpcRequest(
      new Request('https://chipgate.example/api/trpc/auth.signIn', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://chipgate.example', 'x-forwarded-for': '192.0.2.50' },
        body: JSON.stringify(superjson.serialize({ email: owner.email, password: owner.password })),
      }),
    );
    assert.equal(res.status, 200);
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^__Host-chipgate_session=/);
    for (const part of ['Secure', 'Path=/', 'HttpOnly', 'SameSite=Lax']) assert.ok(cookie.includes(part), `${part} in ${cookie}`);
    assert.ok(!/Domain=/i.test(cookie));
    const planted = await handleTrpcRequest(new Request('https://chipgate.example/api/trpc/auth.me', { headers: { cookie: `chipgate_session=${token}` } }));
    assert.equal((superjson.deserialize((JSON.parse(await planted.text()) as { result: { data: never } }).result.data)), null);
  });

  it('a chunked webhook body over 1 MiB without Content-Length is refused with 413 before it is all read', async () => {
    let sent = 0;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const request = new Request('http://127.0.0.1/api/payments/webhook', { method: 'POST', body, duplex: 'half' } as RequestInit);
    assert.equal(request.headers.get('content-length'), null);
    const payments = new StripeCheckout({ apiBase: 'http://127.0.0.1:9', webhookSecret: 'whsec_hardening' });
    const res = await handlePaymentWebhook(request, { db, payments, temporal: unreachableTemporal as () => Promise<Client> });
    console.log(`chunked webhook: status ${res.status} after ${sent} bytes were pulled`);
    assert.equal(res.status, 413);
    assert.ok(sent <= 2 * 1024 * 1024, `stopped reading early, pulled ${sent} bytes`);
  });

  it('a session has an absolute lifetime: sliding cannot keep it alive past it', async () => {
    const { token } = await createSession(db, owner.id);
    const long = new Date(Date.now() + 100 * 86_400_000);
    await db.session.updateMany({ where: { userId: owner.id }, data: { createdAt: new Date(Date.now() - 95 * 86_400_000), expiresAt: long } });
    assert.equal(await validateSessionToken(db, token), null, 'a session older than the absolute lifetime is over');
  });

  it('"sign out everywhere" ends every session of the account, including a stolen one', async () => {
    const user = await createUser('everywhere');
    const stolen = await createSession(db, user.id);
    const mine = await createSession(db, user.id);
    await callerFor(user, { cookies: { token: mine.token, set: () => {}, clear: () => {} } }).auth.signOutEverywhere();
    assert.equal(await validateSessionToken(db, stolen.token), null);
    assert.equal(await validateSessionToken(db, mine.token), null);
  });

  it('errors the user sees do not quote internal addresses', async () => {
    const user = await createUser('errors');
    await assert.rejects(callerFor(user).chips.create({ label: 'x' }), (err: Error) => {
      assert.ok(!/10\.20\.30\.40|ECONNREFUSED|7233/.test(err.message), err.message);
      assert.match(err.message, /could not be started/);
      return true;
    });
  });

  it("an admin's chip views do not carry another user's QR or pairing code", async () => {
    const admin = await createUser('admin', 'ADMIN');
    const chip = await db.chip.create({ data: { ownerId: owner.id, label: 'pairing', status: 'QR', qrCode: `2@secret-qr-${run}`, pairingCode: `PAIR${run}` } });
    const detail = await callerFor(admin).chips.get({ id: chip.id });
    const listed = await callerFor(admin).admin.chips.list();
    const wire = JSON.stringify(superjson.serialize({ detail, listed }));
    assert.ok(!wire.includes(`secret-qr-${run}`) && !wire.includes(`PAIR${run}`), 'no QR or pairing code for the admin');
    const own = await callerFor(owner).chips.get({ id: chip.id });
    assert.equal(own.qrCode, `2@secret-qr-${run}`, 'the owner still sees their own');
  });

  it('new password hashes use scrypt N >= 2^17, and an old hash is upgraded at the next sign-in', async () => {
    const fresh = await hashPassword('x');
    assert.ok(Number(fresh.split('$')[1]) >= 2 ** 17, fresh.split('$').slice(0, 4).join('$'));
    const legacy = await legacyScryptHash('legacy-password');
    const user = await createUser('legacy', 'USER', legacy);
    await createCaller({ db, user: null, temporal: unreachableTemporal, clientAddress: '192.0.2.60' }).auth.signIn({ email: user.email, password: 'legacy-password' });
    const stored = (await db.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash ?? '';
    assert.notEqual(stored, legacy, 'rehashed');
    assert.ok(Number(stored.split('$')[1]) >= 2 ** 17);
    assert.ok(await verifyPassword('legacy-password', stored));
  });
});

/** A hash as main wrote them (scrypt N = 2^15), built with node:crypto directly. */
async function legacyScryptHash(password: string): Promise<string> {
  const { scrypt } = await import('node:crypto');
  const salt = randomBytes(16);
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (err, k) => (err ? reject(err) : resolve(k))),
  );
  return `scrypt$${2 ** 15}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}
