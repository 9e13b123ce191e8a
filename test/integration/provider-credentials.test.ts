import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { saveProvider } from '@chipgate/activities/providers/provider-store';
import { loadResolvedProvider } from '@chipgate/activities/providers/resolve-provider';
import { rawQuery, testDb } from '../support/database';
import { testEnv } from '../support/environment';

const db = testDb();
after(() => db.$disconnect());

const validProvider = (name: string) => ({
  name,
  type: 'RESIDENTIAL',
  region: 'br',
  server: '127.0.0.1',
  port: 10000,
  protocol: 'HTTP',
  username: 'sp-user',
  password: 'S3cret-Pa55word!',
  apiKey: 'app-key-0123456789abcdef',
  costPerGb: '4.5',
});

describe('provider credentials at rest', () => {
  const cipher = loadCredentialCipher();

  it('are stored encrypted: raw SQL finds no plaintext password or API key', async () => {
    const saved = await saveProvider(db, cipher, validProvider(`enc-${Date.now()}`));
    const rows = await rawQuery<Record<string, unknown>>(testEnv.databaseUrl, 'SELECT * FROM proxy_providers WHERE id = $1', [saved.id]);
    const raw = JSON.stringify(rows);
    assert.ok(!raw.includes('S3cret-Pa55word!'), 'no plaintext password');
    assert.ok(!raw.includes('app-key-0123456789abcdef'), 'no plaintext API key');
    assert.match(String(rows[0]!.password_encrypted), /^v1\./);
    assert.ok(!('password' in saved) && !('passwordEncrypted' in saved), 'the saved record returned to callers carries no secret');
    const { resolved } = await loadResolvedProvider(db, cipher, saved.id);
    assert.equal(resolved.password, 'S3cret-Pa55word!');
    assert.equal(resolved.apiKey, 'app-key-0123456789abcdef');
  });

  it('cannot be read with another key: a clear error, never garbage', async () => {
    const saved = await saveProvider(db, cipher, validProvider(`enc-other-${Date.now()}`));
    const otherCipher = loadCredentialCipher({ CHIPGATE_SECRET_KEY: Buffer.alloc(32, 9).toString('base64') });
    await assert.rejects(loadResolvedProvider(db, otherCipher, saved.id), /CHIPGATE_SECRET_KEY/);
  });

  it('keep the stored password when an update that does not move it leaves it out', async () => {
    const name = `enc-keep-${Date.now()}`;
    const saved = await saveProvider(db, cipher, validProvider(name));
    const { password: _password, ...withoutPassword } = validProvider(name);
    await saveProvider(db, cipher, { ...withoutPassword, stickySessionMinutes: 45 }, saved.id);
    const { record, resolved } = await loadResolvedProvider(db, cipher, saved.id);
    assert.equal(resolved.password, 'S3cret-Pa55word!');
    assert.equal(record.stickySessionMinutes, 45);
    // Moving it (another port) without entering it again is refused.
    await assert.rejects(saveProvider(db, cipher, { ...withoutPassword, port: 10001 }, saved.id), /password: enter the password again: the port changed/);
  });

  it('refuse bad provider input naming the field, and write nothing', async () => {
    const name = `bad-${Date.now()}`;
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ port: 70000 }, /port/],
      [{ protocol: 'FTP' }, /protocol/],
      [{ usernameTemplate: '{username}-static' }, /usernameTemplate/],
    ];
    for (const [change, field] of cases) {
      await assert.rejects(saveProvider(db, cipher, { ...validProvider(name), ...change }), field);
    }
    assert.equal(await db.proxyProvider.count({ where: { name } }), 0);
  });
});
