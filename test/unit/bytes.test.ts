import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BYTES_PER_GB, formatBytes, gbToBytes } from '@chipgate/workflows/rules/bytes';

describe('gbToBytes', () => {
  it('defines a GB as 1024³ bytes', () => {
    assert.equal(BYTES_PER_GB, 1_073_741_824n);
  });

  it('converts whole and fractional GB exactly', () => {
    assert.equal(gbToBytes('5'), 5n * BYTES_PER_GB);
    assert.equal(gbToBytes('1.000'), BYTES_PER_GB);
    assert.equal(gbToBytes('0.5'), 536_870_912n);
    assert.equal(gbToBytes('0'), 0n);
  });

  it('rounds a fraction of a byte down', () => {
    // 0.1 × 1073741824 = 107374182.4
    assert.equal(gbToBytes('0.1'), 107_374_182n);
    // 0.001 × 1073741824 = 1073741.824
    assert.equal(gbToBytes('0.001'), 1_073_741n);
  });

  it('refuses anything that is not a non-negative decimal string, naming the field', () => {
    for (const bad of ['', '-1', '1e3', '.5', '5.', ' 1', '1,5', 'abc']) {
      assert.throws(() => gbToBytes(bad, 'planGbLimit'), /planGbLimit must be a non-negative decimal string/);
    }
    assert.throws(() => gbToBytes(5 as unknown as string), /got number 5/);
  });
});

describe('formatBytes', () => {
  it('shows bytes in the largest unit that reads at least 1', () => {
    assert.equal(formatBytes(0n), '0 B');
    assert.equal(formatBytes(972n), '972 B');
    assert.equal(formatBytes(1024n), '1.0 KB');
    assert.equal(formatBytes(1536n), '1.5 KB');
    assert.equal(formatBytes(512n * 1024n ** 2n), '512.0 MB');
    assert.equal(formatBytes(BYTES_PER_GB + BYTES_PER_GB / 4n), '1.25 GB');
    assert.equal(formatBytes(gbToBytes('0.1')), '102.4 MB');
    assert.equal(formatBytes(3n * 1024n ** 4n), '3.00 TB');
  });

  it('rounds half-up and moves to the next unit when rounding reaches it', () => {
    assert.equal(formatBytes(1024n ** 2n + 1024n ** 2n / 4n), '1.3 MB'); // exactly 1.25 MB
    assert.equal(formatBytes(BYTES_PER_GB - 1024n), '1.00 GB'); // 1023.999 MB
    assert.equal(formatBytes(1023n), '1.0 KB');
  });

  it('refuses negative byte counts', () => {
    assert.throws(() => formatBytes(-1n), /bytes must not be negative, got -1/);
  });
});
