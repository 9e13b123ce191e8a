import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billingMonthDate, billingMonthOf, nextBillingMonthStart, previousBillingMonth } from '@chipgate/workflows/rules/billing-month';

describe('billingMonthOf', () => {
  it('is the first day of the UTC month', () => {
    assert.equal(billingMonthOf(new Date('2026-11-29T12:00:00Z')), '2026-11-01');
    assert.equal(billingMonthOf(new Date('2026-01-01T00:00:00.000Z')), '2026-01-01');
    assert.equal(billingMonthOf(new Date('2026-12-31T23:59:59.999Z')), '2026-12-01');
  });

  it('follows UTC, not the local offset of the instant', () => {
    // 21:30 on 31 Oct in São Paulo is already 1 Nov in UTC
    assert.equal(billingMonthOf(new Date('2026-10-31T21:30:00-03:00')), '2026-11-01');
  });

  it('refuses an invalid date', () => {
    assert.throws(() => billingMonthOf(new Date('nope')), /instant must be a valid Date/);
  });
});

describe('nextBillingMonthStart', () => {
  it('is midnight UTC on the first of the next month', () => {
    assert.equal(nextBillingMonthStart(new Date('2026-11-29T12:00:00Z')).toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(nextBillingMonthStart(new Date('2026-11-01T00:00:00Z')).toISOString(), '2026-12-01T00:00:00.000Z');
  });

  it('rolls December into January and handles short months', () => {
    assert.equal(nextBillingMonthStart(new Date('2026-12-31T23:59:59.999Z')).toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(nextBillingMonthStart(new Date('2028-02-29T10:00:00Z')).toISOString(), '2028-03-01T00:00:00.000Z');
    assert.equal(nextBillingMonthStart(new Date('2026-01-31T10:00:00Z')).toISOString(), '2026-02-01T00:00:00.000Z');
  });

  it('refuses an invalid date', () => {
    assert.throws(() => nextBillingMonthStart(new Date(Number.NaN)), /instant must be a valid Date/);
  });
});

describe('billingMonthDate', () => {
  it('is midnight UTC on the first day of the billing month', () => {
    assert.equal(billingMonthDate('2026-11-01').toISOString(), '2026-11-01T00:00:00.000Z');
    assert.equal(billingMonthDate(billingMonthOf(new Date('2026-12-31T23:59:59Z'))).toISOString(), '2026-12-01T00:00:00.000Z');
  });

  it('refuses anything that is not the first day of a month', () => {
    assert.throws(() => billingMonthDate('2026-11-15'), /month must be the first day of a month/);
    assert.throws(() => billingMonthDate('2026-13-01'), /month must be the first day of a month/);
  });
});

describe('previousBillingMonth', () => {
  it('is the month before, across a year boundary', () => {
    assert.equal(previousBillingMonth('2026-12-01'), '2026-11-01');
    assert.equal(previousBillingMonth('2027-01-01'), '2026-12-01');
    assert.equal(previousBillingMonth('2028-03-01'), '2028-02-01');
  });

  it('refuses what is not a billing month', () => {
    assert.throws(() => previousBillingMonth('2026-12-02'), /month must be the first day of a month/);
  });
});
