import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chipLimitRefusal, pendingTopUpRefusal } from '@chipgate/workflows/rules/customer-limits';

describe('chipLimitRefusal', () => {
  it('allows chips below the limit and names the plan and limit at it', () => {
    assert.equal(chipLimitRefusal(1, { name: 'Free', chipLimit: 2 }), null);
    assert.equal(chipLimitRefusal(2, { name: 'Free', chipLimit: 2 }), 'Your Free plan allows 2 chips, and you have 2. Remove a chip, or ask us for a larger plan.');
    assert.match(chipLimitRefusal(1, { name: 'Solo', chipLimit: 1 }) ?? '', /allows 1 chip,/);
    assert.match(chipLimitRefusal(0, { name: 'Closed', chipLimit: 0 }) ?? '', /allows 0 chips/);
  });
});

describe('pendingTopUpRefusal', () => {
  it('names the pending pack and when it expires', () => {
    assert.equal(
      pendingTopUpRefusal({ packName: '1 GB', expiresAt: new Date('2026-12-02T14:05:00Z') }),
      'You already have a top-up waiting for payment ("1 GB"). Pay it, or wait until it expires at 14:05 UTC, before buying another.',
    );
  });
});

describe('chipLimitRefusal with a customer limit of their own', () => {
  it('takes the customer limit over the plan, higher or lower', () => {
    assert.equal(chipLimitRefusal(2, { name: 'Free', chipLimit: 2 }, 5), null);
    assert.equal(chipLimitRefusal(1, { name: 'Business', chipLimit: 10 }, 1), 'Your account allows 1 chip, and you have 1. Remove a chip, or ask us for a larger plan.');
    assert.match(chipLimitRefusal(0, { name: 'Business', chipLimit: 10 }, 0) ?? '', /account allows 0 chips/);
  });
});
