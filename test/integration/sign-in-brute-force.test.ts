// Attacks on sign-in, performed over HTTP through the same tRPC handler the Next route serves: a
// thousand parallel guesses against one account (from one address, and from a thousand), one batched
// request carrying a hundred guesses, LIKE wildcards in the email, one address spraying many accounts.
// Every password check is counted; the owner must still get in after a short wait.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import superjson from 'superjson';
import { db as sharedDb } from '@chipgate/db';
import { hashPassword, verifyPassword } from '@chipgate/activities/auth/password-hash';
import { handleTrpcRequest } from '../../web/src/server/http/trpc-handler';
import { createContext } from '../../web/src/server/trpc';
import { testDb } from '../support/database';

// The test talks to the handler as a TLS-terminating proxy in front of the app would: one trusted hop.
process.env.CHIPGATE_TRUSTED_PROXY_HOPS = '1';

const db = testDb();
after(async () => {
  await db.$disconnect();
  await sharedDb().$disconnect();
});

const run = randomBytes(4).toString('hex');
let checks = 0;
const countingVerify = (password: string, stored: string) => {
  checks += 1;
  return verifyPassword(password, stored);
};

interface Reply {
  status: number;
  body: unknown;
  setCookie: string | null;
}

/** POSTs one tRPC call (or a batch of them) from `address`, exactly as the browser's link would. */
async function post(paths: string[], inputs: unknown[], address: string): Promise<Reply> {
  const batch = paths.length > 1;
  const url = new URL(`http://127.0.0.1/api/trpc/${paths.join(',')}`);
  if (batch) url.searchParams.set('batch', '1');
  const body = batch
    ? Object.fromEntries(inputs.map((input, i) => [String(i), superjson.serialize(input)]))
    : superjson.serialize(inputs[0]);
  const req = new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address, origin: 'http://127.0.0.1' },
    body: JSON.stringify(body),
  });
  const res = await handleTrpcRequest(req, async (opts) => ({ ...(await createContext(opts)), verifyPassword: countingVerify }));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, setCookie: res.headers.get('set-cookie') };
}

const signIn = (email: string, password: string, address: string) => post(['auth.signIn'], [{ email, password }], address);

function retryAfterSecondsOf(reply: Reply): number | undefined {
  const data = (reply.body as { error?: { json?: { data?: { retryAfterSeconds?: number } } } }).error?.json?.data;
  return data?.retryAfterSeconds;
}

async function createOwner(label: string): Promise<{ email: string; password: string; id: string }> {
  const plan = await db.plan.findUniqueOrThrow({ where: { code: 'FREE' } });
  const password = `owner-${randomBytes(6).toString('hex')}`;
  const email = `${label}-${run}@brute-force.test`;
  const user = await db.user.create({ data: { email, name: label, planId: plan.id, passwordHash: await hashPassword(password) } });
  return { email, password, id: user.id };
}

/** Waits the longest Retry-After the replies announced, then retries until it passes (bounded). */
async function signInAfterWait(email: string, password: string, address: string, replies: Reply[]): Promise<{ reply: Reply; waitedMs: number }> {
  const started = Date.now();
  const announced = Math.max(0, ...replies.map((r) => retryAfterSecondsOf(r) ?? 0));
  assert.ok(announced <= 60, `the announced wait is short (got ${announced} s)`);
  await sleep(announced * 1000);
  for (let i = 0; i < 10; i++) {
    const reply = await signIn(email, password, address);
    if (reply.status !== 429) return { reply, waitedMs: Date.now() - started };
    await sleep(Math.max(250, (retryAfterSecondsOf(reply) ?? 1) * 1000));
  }
  assert.fail('the owner never got in');
}

let owner: { email: string; password: string; id: string };
let spreadOwner: { email: string; password: string; id: string };
before(async () => {
  owner = await createOwner('owner');
  spreadOwner = await createOwner('spread');
});

describe('sign-in brute force', () => {
  it('1,000 parallel wrong guesses from one address make at most a handful of password checks; the owner then signs in after a short wait', async () => {
    checks = 0;
    const address = '198.51.100.7';
    const replies = await Promise.all(Array.from({ length: 1000 }, (_, i) => signIn(owner.email, `guess-${i}`, address)));
    const guessChecks = checks;
    const statuses = new Map<number, number>();
    for (const r of replies) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    console.log(`1,000 parallel guesses, one address: ${guessChecks} password checks; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok(guessChecks <= 8, `at most a handful of password checks, got ${guessChecks}`);
    assert.ok(replies.every((r) => r.status === 401 || r.status === 429), 'every guess failed');

    const { reply, waitedMs } = await signInAfterWait(owner.email, owner.password, address, replies);
    console.log(`the owner signed in after ${waitedMs} ms`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.match(reply.setCookie ?? '', /session=/);
  });

  it('1,000 parallel guesses from 1,000 addresses are held by the per-account limit', async () => {
    checks = 0;
    const replies = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => signIn(spreadOwner.email, `guess-${i}`, `10.${(i >> 8) & 255}.${i & 255}.${run.length}`)),
    );
    const guessChecks = checks;
    console.log(`1,000 parallel guesses, 1,000 addresses: ${guessChecks} password checks`);
    assert.ok(guessChecks <= 8, `at most a handful of password checks, got ${guessChecks}`);
    const { reply } = await signInAfterWait(spreadOwner.email, spreadOwner.password, '192.0.2.200', replies);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  });

  it('one batched request carrying 100 sign-ins is refused without checking a password', async () => {
    const victim = await createOwner('batch');
    checks = 0;
    const reply = await post(
      Array.from({ length: 100 }, () => 'auth.signIn'),
      Array.from({ length: 100 }, (_, i) => ({ email: victim.email, password: `batched-${i}` })),
      '198.51.100.8',
    );
    console.log(`one batch of 100 sign-ins: status ${reply.status}, ${checks} password checks`);
    assert.equal(checks, 0, 'no password was checked');
    assert.ok(reply.status === 400, `refused with 400, got ${reply.status}`);
  });

  it('LIKE wildcards in the email do not reach the account', async () => {
    const victim = await createOwner('wildcard');
    for (const variant of [`_${victim.email.slice(1)}`, `${victim.email.split('@')[0]}@%`, `%${victim.email.slice(3)}`]) {
      const reply = await signIn(variant, victim.password, '198.51.100.9');
      assert.notEqual(reply.status, 200, `${variant} signed in as ${victim.email}`);
    }
    // The real address, in another case and with spaces, is the same account.
    const reply = await signIn(`  ${victim.email.toUpperCase()} `, victim.password, '198.51.100.9');
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  });

  it('one address spraying 200 accounts is slowed by the per-address limit', async () => {
    checks = 0;
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => signIn(`spray-${i}-${run}@brute-force.test`, 'Password1!', '198.51.100.10')),
    );
    console.log(`200 accounts sprayed from one address: ${checks} password checks`);
    assert.ok(checks <= 40, `the address was slowed, got ${checks} checks`);
    assert.ok(replies.some((r) => r.status === 429));
  });
});
