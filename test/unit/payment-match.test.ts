import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paymentMismatch, sameAmount } from '@chipgate/activities/top-ups/payment-match';

describe('paymentMismatch', () => {
  const order = { checkoutSessionId: 'cs_own', price: '19.90', currency: 'BRL' };
  const paid = { sessionId: 'cs_own', paid: true, amount: '19.90', currency: 'BRL' };
  it('accepts only the order’s own paid session for its exact amount and currency', () => {
    assert.equal(paymentMismatch(order, paid), null);
    assert.equal(paymentMismatch(order, { ...paid, amount: '19.9', currency: 'brl' }), null);
  });
  it('names what does not match', () => {
    assert.equal(paymentMismatch(order, { ...paid, sessionId: 'cs_other' }), "not the order's checkout session");
    assert.equal(paymentMismatch({ ...order, checkoutSessionId: null }, paid), 'the order has no checkout session yet');
    assert.equal(paymentMismatch(order, { ...paid, paid: false }), 'the provider reports the checkout not paid');
    assert.equal(paymentMismatch(order, { ...paid, amount: '1.00' }), 'paid 1.00, the order costs 19.90');
    assert.equal(paymentMismatch(order, { ...paid, amount: '19.91' }), 'paid 19.91, the order costs 19.90');
    assert.equal(paymentMismatch(order, { ...paid, currency: 'USD' }), 'paid in USD, the order is in BRL');
  });
  it('compares decimals exactly', () => {
    assert.ok(sameAmount('5', '5.000'));
    assert.ok(!sameAmount('0.1', '0.10000001'));
  });
});
