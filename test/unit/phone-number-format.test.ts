import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPhoneNumber } from '../../web/src/lib/format';

describe('formatPhoneNumber', () => {
  it('prefixes the "+" a number from WhatsApp comes without', () => {
    assert.equal(formatPhoneNumber('5511912345678'), '+5511912345678');
  });

  it('keeps the "+" a number typed into the form already has', () => {
    assert.equal(formatPhoneNumber('+5511912345678'), '+5511912345678');
  });
});
