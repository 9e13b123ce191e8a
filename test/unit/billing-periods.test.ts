import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apportionByTime, monthStartsWithin, priceAt } from '@chipgate/workflows/rules/billing-periods';

const at = (iso: string) => new Date(iso);

describe('monthStartsWithin', () => {
  it('names the month boundaries strictly inside a period', () => {
    assert.deepEqual(monthStartsWithin({ start: at('2026-11-30T23:58:00Z'), end: at('2026-12-01T00:03:00Z') }), [at('2026-12-01T00:00:00Z')]);
    assert.deepEqual(monthStartsWithin({ start: at('2026-12-31T12:00:00Z'), end: at('2027-02-01T00:00:00Z') }), [at('2027-01-01T00:00:00Z')]);
    assert.deepEqual(monthStartsWithin({ start: at('2026-12-01T00:00:00Z'), end: at('2026-12-01T00:05:00Z') }), []);
  });
});

describe('apportionByTime', () => {
  const span = { start: at('2026-11-30T23:58:00Z'), end: at('2026-12-01T00:03:00Z') };

  it('gives each side of a month boundary the share of the bytes of its share of the time', () => {
    const pieces = apportionByTime(span, { sent: 5000n, received: 1000n }, monthStartsWithin(span));
    assert.deepEqual(pieces, [
      { start: span.start, end: at('2026-12-01T00:00:00Z'), sent: 2000n, received: 400n },
      { start: at('2026-12-01T00:00:00Z'), end: span.end, sent: 3000n, received: 600n },
    ]);
  });

  it('loses and invents no byte when the shares are not whole', () => {
    const cuts = [at('2026-11-30T23:59:00Z'), at('2026-12-01T00:00:00Z'), at('2026-12-01T00:01:01Z')];
    for (const bytes of [{ sent: 7n, received: 1n }, { sent: 1_000_003n, received: 999_999_999_999n }, { sent: 0n, received: 2n }]) {
      const pieces = apportionByTime(span, bytes, cuts);
      assert.equal(pieces.length, 4);
      assert.equal(pieces.reduce((s, p) => s + p.sent, 0n), bytes.sent);
      assert.equal(pieces.reduce((s, p) => s + p.received, 0n), bytes.received);
      assert.ok(pieces.every((p) => p.sent >= 0n && p.received >= 0n));
    }
  });

  it('ignores cuts outside the period or on its ends, and keeps a period without duration whole', () => {
    assert.deepEqual(apportionByTime(span, { sent: 9n, received: 1n }, [span.start, span.end, at('2026-01-01T00:00:00Z')]), [{ ...span, sent: 9n, received: 1n }]);
    const instant = { start: span.end, end: span.end };
    assert.deepEqual(apportionByTime(instant, { sent: 3n, received: 4n }, [span.end]), [{ ...instant, sent: 3n, received: 4n }]);
  });

  it('refuses a period that ends before it starts', () => {
    assert.throws(() => apportionByTime({ start: span.end, end: span.start }, { sent: 1n, received: 1n }, []), /ends .* before it starts/);
  });
});

describe('priceAt', () => {
  const prices = [
    { costPerGb: '5.00', currency: 'BRL', effectiveFrom: at('2026-11-15T00:00:00Z') },
    { costPerGb: '4.50', currency: 'BRL', effectiveFrom: at('2026-11-01T00:00:00Z') },
  ];

  it('is the latest price that took effect at or before the instant', () => {
    assert.equal(priceAt(prices, at('2026-11-14T23:59:59Z')).costPerGb, '4.50');
    assert.equal(priceAt(prices, at('2026-11-15T00:00:00Z')).costPerGb, '5.00');
    assert.equal(priceAt(prices, at('2027-01-01T00:00:00Z')).costPerGb, '5.00');
  });

  it('bills bytes from before the first recorded price at that first price', () => {
    assert.equal(priceAt(prices, at('2026-10-01T00:00:00Z')).costPerGb, '4.50');
  });

  it('refuses a provider without any price', () => {
    assert.throws(() => priceAt([], at('2026-11-01T00:00:00Z')), /without any price/);
  });
});
