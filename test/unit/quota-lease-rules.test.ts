import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { askAheadBytes, committedBytes, leaseChunkBytes, leaseGrant, thresholdsCrossed, wantedLeaseBytes } from '@chipgate/workflows/rules/quota-budget';

const KIB = 1024n;
const MIB = 1024n * KIB;

describe('leaseChunkBytes', () => {
  it('is 1/64 of the allowance, within 64 KiB and 1 MiB', () => {
    assert.equal(leaseChunkBytes(20n * MIB), (20n * MIB) / 64n);
    assert.equal(leaseChunkBytes(1n * MIB), 64n * KIB);
    assert.equal(leaseChunkBytes(5n * 1024n * MIB), MIB);
    assert.equal(leaseChunkBytes(0n), 64n * KIB);
  });
});

describe('askAheadBytes', () => {
  it('keeps in hand what arrived during the last ask and half again, between half the last grant and all of it', () => {
    assert.equal(askAheadBytes(320n * KIB, 0n), 160n * KIB, 'a trickle asks at half the grant');
    assert.equal(askAheadBytes(320n * KIB, 120n * KIB), 180n * KIB);
    assert.equal(askAheadBytes(320n * KIB, 400n * KIB), 320n * KIB, 'faster than a grant per ask: asks as soon as a grant is touched');
    assert.equal(askAheadBytes(0n, 0n), 0n);
    assert.throws(() => askAheadBytes(-1n, 0n), /lastGrantBytes must be a non-negative bigint/);
  });
});

describe('committedBytes', () => {
  it('is what gateways reported plus what they hold, or what was billed if that is more', () => {
    assert.equal(committedBytes({ billedBytes: 100n, consumedBytes: 150n, leasedBytes: 50n }), 200n);
    assert.equal(committedBytes({ billedBytes: 300n, consumedBytes: 150n, leasedBytes: 50n }), 300n, 'a dead worker’s unreported bytes still count once billed');
  });
});

describe('leaseGrant', () => {
  it('grants a chunk while one is left, then the rest, then nothing', () => {
    const allowance = 20n * MIB;
    const chunk = leaseChunkBytes(allowance);
    assert.equal(leaseGrant(allowance, 0n), chunk);
    assert.equal(leaseGrant(allowance, allowance - 10n), 10n);
    assert.equal(leaseGrant(allowance, allowance), 0n);
    assert.equal(leaseGrant(allowance, allowance + MIB), 0n, 'a lowered allowance grants nothing');
  });

  it('grants what a fast gateway wants, between one chunk and two, never past the allowance', () => {
    const allowance = 20n * MIB;
    const chunk = leaseChunkBytes(allowance);
    assert.equal(leaseGrant(allowance, 0n, chunk / 2n), chunk, 'at least a chunk');
    assert.equal(leaseGrant(allowance, 0n, (chunk * 3n) / 2n), (chunk * 3n) / 2n);
    assert.equal(leaseGrant(allowance, 0n, chunk * 10n), chunk * 2n, 'at most two');
    assert.equal(leaseGrant(allowance, allowance - chunk, chunk * 2n), chunk, 'the rest, when less is left');
    assert.throws(() => leaseGrant(allowance, 0n, -1n), /wantedBytes must be a non-negative bigint/);
  });
});

describe('wantedLeaseBytes', () => {
  it('asks for twice what arrived while the gateway last asked', () => {
    assert.equal(wantedLeaseBytes(300n * KIB), 600n * KIB);
    assert.equal(wantedLeaseBytes(0n), 0n, 'a trickle wants nothing beyond the chunk');
  });
});

describe('thresholdsCrossed', () => {
  it('names only the levels this change reached', () => {
    assert.deepEqual(thresholdsCrossed(700n, 790n, 1000n), []);
    assert.deepEqual(thresholdsCrossed(790n, 800n, 1000n), ['PERCENT_80']);
    assert.deepEqual(thresholdsCrossed(800n, 999n, 1000n), []);
    assert.deepEqual(thresholdsCrossed(900n, 1000n, 1000n), ['PERCENT_100']);
    assert.deepEqual(thresholdsCrossed(0n, 1000n, 1000n), ['PERCENT_80', 'PERCENT_100']);
  });

  it('re-arms under a raised allowance: the same usage is below both levels again', () => {
    assert.deepEqual(thresholdsCrossed(1000n, 1700n, 2000n), ['PERCENT_80']);
  });
});
