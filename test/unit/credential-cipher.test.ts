import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { CredentialCipherError, generateSecretKey, loadCredentialCipher } from '@chipgate/activities/secrets/index';

const key = generateSecretKey();
const cipher = loadCredentialCipher({ CHIPGATE_SECRET_KEY: key });
const UNDECRYPTABLE = {
  name: 'CredentialCipherError',
  message: 'cannot decrypt provider credential: wrong CHIPGATE_SECRET_KEY or corrupted value',
};

describe('credential cipher', () => {
  it('round-trips a credential through a v1 envelope', () => {
    const secret = 'p@ss:wörd/with+symbols';
    const envelope = cipher.encrypt(secret);
    assert.match(envelope, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    assert.ok(!envelope.includes(secret));
    assert.equal(cipher.decrypt(envelope), secret);
  });

  it('uses a fresh iv for every encryption', () => {
    assert.notEqual(cipher.encrypt('same'), cipher.encrypt('same'));
  });

  it('accepts a 64-character hex key', () => {
    const hex = loadCredentialCipher({ CHIPGATE_SECRET_KEY: Buffer.from(key, 'base64').toString('hex') });
    assert.equal(hex.decrypt(cipher.encrypt('shared')), 'shared');
  });

  it('fails clearly with another key', () => {
    const other = loadCredentialCipher({ CHIPGATE_SECRET_KEY: generateSecretKey() });
    assert.throws(() => other.decrypt(cipher.encrypt('secret')), UNDECRYPTABLE);
  });

  it('fails clearly on a tampered ciphertext, tag or iv', () => {
    const [version, iv, tag, ciphertext] = cipher.encrypt('secret').split('.') as [string, string, string, string];
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0]! ^= 1;
      return bytes.toString('base64url');
    };
    for (const tampered of [
      [version, iv, tag, flip(ciphertext)],
      [version, iv, flip(tag), ciphertext],
      [version, flip(iv), tag, ciphertext],
      [version, iv, tag.slice(0, 8), ciphertext],
    ]) {
      assert.throws(() => cipher.decrypt(tampered.join('.')), UNDECRYPTABLE);
    }
  });

  it('refuses a plaintext stored value without quoting it', () => {
    for (const plaintext of ['hunter2', 'v1.not.an.envelope!', '']) {
      assert.throws(
        () => cipher.decrypt(plaintext),
        (error: Error) =>
          error instanceof CredentialCipherError &&
          /not a v1 encrypted envelope/.test(error.message) &&
          (plaintext === '' || !error.message.includes(plaintext)),
      );
    }
  });

  it('says when the key is missing', () => {
    for (const env of [{}, { CHIPGATE_SECRET_KEY: '' }, { CHIPGATE_SECRET_KEY: '  ' }]) {
      assert.throws(() => loadCredentialCipher(env), /^CredentialCipherError: CHIPGATE_SECRET_KEY is not set/);
    }
  });

  it('says when the key is not 32 bytes, without echoing it', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    assert.throws(
      () => loadCredentialCipher({ CHIPGATE_SECRET_KEY: short }),
      (error: Error) => /must decode to 32 bytes.*decodes to 16 bytes/.test(error.message) && !error.message.includes(short),
    );
    assert.throws(() => loadCredentialCipher({ CHIPGATE_SECRET_KEY: 'not a key!' }), /must decode to 32 bytes.*neither base64 nor hex/);
  });

  it('keeps the key out of what a stray log would print', () => {
    assert.ok(!inspect(cipher, { depth: 5, showHidden: true }).includes(key));
  });
});
