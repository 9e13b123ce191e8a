// `npm start`'s demo seed: it fills a new database once, and a later start never undoes what an
// admin changed (a deactivated provider, an edited price, a removed pack); it only follows the
// stand-in to its new address.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { loadCredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { DEMO_LOGINS, DEMO_PROVIDER_NAME, seedDemoData, type StandInAccount } from '../stack/demo-seed';
import { emptyDatabase } from '../support/database';

const standIn: StandInAccount = { proxyHost: '127.0.0.1', proxyPort: 18080, apiBaseUrl: 'http://127.0.0.1:18081', username: 'demo', password: 'pw-1', apiKey: 'key-1' };

describe('demo seed', () => {
  let db: Db;
  let drop: () => Promise<void>;
  const cipher = loadCredentialCipher();
  before(async () => {
    const database = await emptyDatabase();
    drop = database.drop;
    applyMigrations(database.url);
    db = createDb(database.url);
  });
  after(async () => {
    await db?.$disconnect();
    await drop?.();
  });

  it('seeds a new database once: demo logins, the stand-in provider with one proxy, packs', async () => {
    assert.deepEqual(await seedDemoData(db, cipher, standIn), { seeded: true });
    assert.equal(await db.user.count({ where: { email: { in: DEMO_LOGINS.map((l) => l.email) } } }), DEMO_LOGINS.length);
    const provider = await db.proxyProvider.findUniqueOrThrow({ where: { name: DEMO_PROVIDER_NAME }, include: { proxies: true } });
    assert.equal(provider.proxies.length, 1);
    assert.equal(provider.costPerGb.toFixed(2), '4.50');
    assert.equal(await db.topUpPack.count(), 3);
  });

  it('a second start keeps what an admin changed and only follows the stand-in to its new port', async () => {
    const provider = await db.proxyProvider.findUniqueOrThrow({ where: { name: DEMO_PROVIDER_NAME } });
    await db.proxyProvider.update({ where: { id: provider.id }, data: { isActive: false, costPerGb: '3.99' } });
    const pack = await db.topUpPack.findFirstOrThrow({ where: { name: '20 GB' } });
    await db.topUpPack.delete({ where: { id: pack.id } });
    await db.user.update({ where: { email: DEMO_LOGINS[1].email }, data: { name: 'Renamed by admin' } });

    assert.deepEqual(await seedDemoData(db, cipher, { ...standIn, proxyPort: 28080 }), { seeded: false });
    const after = await db.proxyProvider.findUniqueOrThrow({ where: { id: provider.id } });
    assert.equal(after.isActive, false, 'a deactivated provider stays deactivated');
    assert.equal(after.costPerGb.toFixed(2), '3.99', 'an edited price stays');
    assert.equal(after.port, 28080, 'the stand-in’s new port is followed');
    assert.equal(cipher.decrypt(after.passwordEncrypted), standIn.password);
    assert.equal(await db.topUpPack.count(), 2, 'a removed pack is not brought back');
    assert.equal((await db.user.findUniqueOrThrow({ where: { email: DEMO_LOGINS[1].email } })).name, 'Renamed by admin');
    assert.equal(await db.proxy.count({ where: { providerId: provider.id } }), 1);
  });
});
