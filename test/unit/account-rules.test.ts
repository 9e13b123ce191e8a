import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT_TOKEN_LIFETIME_MS, accountLinkPath, accountTokenExpiry } from '@chipgate/workflows/rules/account-tokens';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordRefusal } from '@chipgate/workflows/rules/password-policy';

const account = { email: 'Maria.Silva@example.com' };

describe('passwordRefusal', () => {
  it('accepts a long enough password of any composition', () => {
    assert.equal(passwordRefusal('correct horse battery', account), null);
    assert.equal(passwordRefusal('a'.repeat(MIN_PASSWORD_LENGTH - 1) + 'b', account), null);
    assert.equal(passwordRefusal('ção'.repeat(4), account), null);
  });

  it('refuses short, overlong, one-character and email passwords, saying why', () => {
    assert.equal(passwordRefusal('short', account), `Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    // Characters, not UTF-16 units: nine emoji are nine characters.
    assert.match(passwordRefusal('😀'.repeat(MIN_PASSWORD_LENGTH - 1), account) ?? '', /at least/);
    assert.equal(passwordRefusal('x'.repeat(MAX_PASSWORD_LENGTH + 1), account), `Use at most ${MAX_PASSWORD_LENGTH} characters.`);
    assert.equal(passwordRefusal('zzzzzzzzzzzz', account), 'Use more than one distinct character.');
    assert.match(passwordRefusal(' maria.silva@example.com', account) ?? '', /email/);
    assert.match(passwordRefusal('MARIA.SILVA', { email: 'maria.silva@example.com' }) ?? '', /email/);
  });
});

describe('account tokens', () => {
  it('an invitation lasts 7 days, a reset 1 hour', () => {
    const issued = new Date('2026-12-02T10:00:00Z');
    assert.equal(accountTokenExpiry('INVITATION', issued).toISOString(), '2026-12-09T10:00:00.000Z');
    assert.equal(accountTokenExpiry('PASSWORD_RESET', issued).toISOString(), '2026-12-02T11:00:00.000Z');
    assert.ok(ACCOUNT_TOKEN_LIFETIME_MS.PASSWORD_RESET < ACCOUNT_TOKEN_LIFETIME_MS.INVITATION);
  });

  it('links open the page of their purpose', () => {
    assert.equal(accountLinkPath('INVITATION', 'abc_-1'), '/invitation/abc_-1');
    assert.equal(accountLinkPath('PASSWORD_RESET', 'abc_-1'), '/reset-password/abc_-1');
  });
});
