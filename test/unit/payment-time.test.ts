import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditedPaymentTime } from '@chipgate/activities/top-ups/payment-time';
import { billingMonthOf } from '@chipgate/workflows/rules/billing-month';

describe('creditedPaymentTime', () => {
  const placedAt = new Date('2026-11-30T23:50:00Z');
  const processedAt = new Date('2026-12-01T00:00:05Z');

  it('credits a payment made at 23:59:50 and processed after midnight to the month it was made in', () => {
    const paidAt = creditedPaymentTime(new Date('2026-11-30T23:59:50Z'), { placedAt, processedAt });
    assert.equal(paidAt.toISOString(), '2026-11-30T23:59:50.000Z');
    assert.equal(billingMonthOf(paidAt), '2026-11-01');
  });

  it('does not believe a time before the order was placed, nor one after it was processed', () => {
    assert.equal(creditedPaymentTime(new Date('2026-10-01T00:00:00Z'), { placedAt, processedAt }), placedAt);
    assert.equal(creditedPaymentTime(new Date('2027-01-01T00:00:00Z'), { placedAt, processedAt }), processedAt);
  });

  it('falls back to the processing time when the provider said nothing usable', () => {
    assert.equal(creditedPaymentTime(undefined, { placedAt, processedAt }), processedAt);
    assert.equal(creditedPaymentTime(new Date('not a time'), { placedAt, processedAt }), processedAt);
  });
});
