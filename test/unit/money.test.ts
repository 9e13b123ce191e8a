import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BYTES_PER_GB } from '@chipgate/workflows/rules/bytes';
import { addMoney, usageCost } from '@chipgate/workflows/rules/money';

const MiB = 1024n ** 2n;

describe('usageCost', () => {
  it('prices bytes per GB to 8 decimals', () => {
    assert.equal(usageCost(BYTES_PER_GB, '4.5000'), '4.50000000');
    assert.equal(usageCost(1536n * MiB, '2.10'), '3.15000000');
    assert.equal(usageCost(0n, '4.5'), '0.00000000');
    assert.equal(usageCost(10n * BYTES_PER_GB, '0'), '0.00000000');
    assert.equal(usageCost(123n * BYTES_PER_GB, '12.3456'), '1518.50880000');
  });

  it('rounds half-up at the 8th decimal', () => {
    // 1 B at 1/GB = 0.00000000093…, below half a unit
    assert.equal(usageCost(1n, '1'), '0.00000000');
    // 6 B at 1/GB = 0.0000000055879…, past half a unit
    assert.equal(usageCost(6n, '1'), '0.00000001');
    // 1 GiB at 0.000000005/GB is exactly half a unit of the 8th decimal
    assert.equal(usageCost(BYTES_PER_GB, '0.000000005'), '0.00000001');
    assert.equal(usageCost(BYTES_PER_GB, '0.000000004999'), '0.00000000');
    // 100 MiB at 4.5/GB = 0.439453125
    assert.equal(usageCost(100n * MiB, '4.5'), '0.43945313');
  });

  it('refuses a negative byte count or a malformed price', () => {
    assert.throws(() => usageCost(-1n, '1'), /bytes must not be negative/);
    assert.throws(() => usageCost(1n, '-1'), /costPerGb must be a non-negative decimal string like "4.50", got "-1"/);
    assert.throws(() => usageCost(1n, '4,50'), /costPerGb/);
  });
});

describe('addMoney', () => {
  it('adds exactly at the larger scale', () => {
    assert.equal(addMoney('4.50000000', '3.15000000'), '7.65000000');
    assert.equal(addMoney('0.1', '0.2'), '0.3');
    assert.equal(addMoney('0', '0.00000001'), '0.00000001');
    assert.equal(addMoney('999999999.99999999', '0.00000001'), '1000000000.00000000');
    assert.equal(addMoney('12', '3'), '15');
  });

  it('handles negative amounts', () => {
    assert.equal(addMoney('1.00', '-2.5'), '-1.50');
    assert.equal(addMoney('-0.00000001', '0.00000001'), '0.00000000');
  });

  it('names the malformed amount', () => {
    assert.throws(() => addMoney('1.0', 'x'), /second amount must be a decimal string/);
    assert.throws(() => addMoney('', '1'), /first amount/);
  });
});
