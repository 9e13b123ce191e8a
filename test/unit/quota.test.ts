import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BYTES_PER_GB, gbToBytes } from '@chipgate/workflows/rules/bytes';
import { isOverQuota, monthlyAllowanceBytes, quotaAlertKey, quotaThresholdsReached } from '@chipgate/workflows/rules/quota';

describe('monthlyAllowanceBytes', () => {
  it('is the plan limit plus the month’s top-ups', () => {
    assert.equal(monthlyAllowanceBytes('1', []), BYTES_PER_GB);
    assert.equal(monthlyAllowanceBytes('0.1', [BYTES_PER_GB, 5n * BYTES_PER_GB]), gbToBytes('0.1') + 6n * BYTES_PER_GB);
    assert.equal(monthlyAllowanceBytes('0', []), 0n);
  });

  it('names what is wrong', () => {
    assert.throws(() => monthlyAllowanceBytes('-1', []), /planGbLimit must be a non-negative decimal string/);
    assert.throws(() => monthlyAllowanceBytes('1', [1n, -5n]), /topUpCreditBytes\[1\] must be a non-negative bigint, got bigint -5/);
    assert.throws(() => monthlyAllowanceBytes('1', [5 as unknown as bigint]), /topUpCreditBytes\[0\] must be a non-negative bigint, got number 5/);
  });
});

describe('quotaThresholdsReached', () => {
  const allowance = 1000n;

  it('reports nothing below 80%', () => {
    assert.deepEqual(quotaThresholdsReached(0n, allowance), []);
    assert.deepEqual(quotaThresholdsReached(799n, allowance), []);
  });

  it('reports 80% from exactly 80% on, and both from exactly 100% on', () => {
    assert.deepEqual(quotaThresholdsReached(800n, allowance), ['PERCENT_80']);
    assert.deepEqual(quotaThresholdsReached(999n, allowance), ['PERCENT_80']);
    assert.deepEqual(quotaThresholdsReached(1000n, allowance), ['PERCENT_80', 'PERCENT_100']);
    assert.deepEqual(quotaThresholdsReached(5000n, allowance), ['PERCENT_80', 'PERCENT_100']);
  });

  it('uses exact integer math at the boundary of an allowance that is not a multiple of 5', () => {
    // 80% of 0.1 GB = 85899345.92 bytes
    const free = gbToBytes('0.1');
    assert.deepEqual(quotaThresholdsReached(85_899_345n, free), []);
    assert.deepEqual(quotaThresholdsReached(85_899_346n, free), ['PERCENT_80']);
  });

  it('says where usage stands even if it was already there, so a missed alert is sent later', () => {
    assert.deepEqual(quotaThresholdsReached(900n, allowance), ['PERCENT_80']);
  });

  it('reports a threshold passed because the allowance was lowered, with no new usage', () => {
    assert.deepEqual(quotaThresholdsReached(600n, 500n), ['PERCENT_80', 'PERCENT_100']);
  });

  it('treats any use of a zero allowance as 100%, and no use as nothing', () => {
    assert.deepEqual(quotaThresholdsReached(0n, 0n), []);
    assert.deepEqual(quotaThresholdsReached(1n, 0n), ['PERCENT_80', 'PERCENT_100']);
  });

  it('refuses negative or non-bigint amounts, naming them', () => {
    assert.throws(() => quotaThresholdsReached(-1n, 1n), /usedBytes must be a non-negative bigint/);
    assert.throws(() => quotaThresholdsReached(1n, 1 as unknown as bigint), /allowanceBytes must be a non-negative bigint, got number 1/);
  });
});

describe('isOverQuota', () => {
  it('is true once the whole allowance is used', () => {
    assert.equal(isOverQuota(999n, 1000n), false);
    assert.equal(isOverQuota(1000n, 1000n), true);
    assert.equal(isOverQuota(1001n, 1000n), true);
  });

  it('is true for any use of a zero allowance', () => {
    assert.equal(isOverQuota(0n, 0n), false);
    assert.equal(isOverQuota(1n, 0n), true);
  });
});

describe('quotaAlertKey', () => {
  it('names the allowance, so a raised allowance is a new alert', () => {
    assert.notEqual(quotaAlertKey('2026-12-01', 'PERCENT_80', '1000'), quotaAlertKey('2026-12-01', 'PERCENT_80', '2000'));
  });
});
