import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT_POLICY, delayAfterAttempt, normaliseEmail, type ThrottlePolicy } from '../../web/src/server/auth/throttle-policy';
import { clientAddress } from '../../web/src/server/http/client-address';
import { batchRefusal } from '../../web/src/server/http/batch-policy';

describe('delayAfterAttempt', () => {
  const policy: ThrottlePolicy = { freeAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000, idleResetMs: 3_600_000 };
  it('is free for the first attempts, then doubles up to the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => delayAfterAttempt(n, policy)), [0, 0, 0, 1000, 2000, 4000, 8000, 16000, 32000]);
    assert.equal(delayAfterAttempt(10, policy), 60_000);
    assert.equal(delayAfterAttempt(1_000_000, policy), 60_000);
  });
  it('never exceeds the cap for the account policy (no lock-out)', () => {
    assert.equal(delayAfterAttempt(500, ACCOUNT_POLICY), ACCOUNT_POLICY.maxDelayMs);
    assert.ok(ACCOUNT_POLICY.idleResetMs > ACCOUNT_POLICY.maxDelayMs, 'a capped key is still remembered when its wait ends');
  });
  it('names a bad attempt number', () => {
    assert.throws(() => delayAfterAttempt(0, policy), /attempt must be a positive integer, got 0/);
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    assert.equal(normaliseEmail('  Ana@Example.COM '), 'ana@example.com');
  });
});

describe('clientAddress', () => {
  const headers = (xff?: string) => new Headers(xff === undefined ? {} : { 'x-forwarded-for': xff });
  it('believes only what the trusted proxies wrote', () => {
    assert.equal(clientAddress(headers('6.6.6.6, 203.0.113.9'), 1), '203.0.113.9');
    assert.equal(clientAddress(headers('6.6.6.6, 203.0.113.9, 10.0.0.2'), 2), '203.0.113.9');
    assert.equal(clientAddress(headers('203.0.113.9'), 0), '203.0.113.9');
    assert.equal(clientAddress(headers('::FFFF:203.0.113.9'), 1), '203.0.113.9');
    assert.equal(clientAddress(headers(), 1), 'unknown');
  });
});

describe('batchRefusal', () => {
  const url = (path: string, batch = true) => new URL(`http://x/api/trpc/${path}${batch ? '?batch=1' : ''}`);
  it('refuses auth.* in a batch and batches over the limit', () => {
    assert.equal(batchRefusal(url('auth.signIn', false), '/api/trpc'), null);
    assert.equal(batchRefusal(url('chips.list,usage.summary'), '/api/trpc'), null);
    assert.match(batchRefusal(url('chips.list,auth.signIn'), '/api/trpc') ?? '', /cannot be batched/);
    assert.match(batchRefusal(url(Array(11).fill('chips.list').join(',')), '/api/trpc') ?? '', /at most 10/);
  });
});
