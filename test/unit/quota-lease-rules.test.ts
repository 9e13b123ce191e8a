import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { committedBytes, leaseChunkBytes, leaseGrant, thresholdsCrossed } from '@chipgate/workflows/rules/quota-budget';

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
