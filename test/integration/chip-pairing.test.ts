// Chips that really pair and stay logged in: unmodified Baileys in the worker, through the metering
// gateway and the Smartproxy stand-in, against the WhatsApp stand-in speaking WhatsApp's protocol
// (Noise handshake, pair-device, pair-success, 515 restart, login, keep-alives). Keep-alives are
// compressed to one a second, so a minute here is what thirty minutes are at WhatsApp Web's 30 s;
// CHIPGATE_SOAK_PINGS raises how many a chip must live through (the full-length soak).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWhatsAppStandIn, type ChatConnection, type WhatsAppStandIn } from '../standins/whatsapp';
import { startChipWorld, type ChipWorld } from '../support/chip-world';
import { chipPairing } from '../support/chip-pairing';
import { until } from '../support/until';

const KEEPALIVE_MS = 1000;
/** 20 pings at 30 s is WhatsApp Web's 10 minutes; compressed here to 20 s. */
const SOAK_PINGS = Number(process.env.CHIPGATE_SOAK_PINGS ?? 20);

let whatsapp: WhatsAppStandIn;
let world: ChipWorld;
let pairing: ReturnType<typeof chipPairing>;
const startedChips: string[] = [];

const chipRow = (chipId: string) => pairing.chipRow(chipId);

/** Starts a chip and links it by scanning the QR the worker wrote to its row, as the web app shows it. */
async function pairedChip(label: string) {
  const paired = await pairing.pair(label);
  startedChips.push(paired.chipId);
  return paired;
}

function connectionsOf(jid: string): ChatConnection[] {
  return whatsapp.connections.filter((c) => c.deviceJid === jid);
}

describe('chip pairing and staying connected (WhatsApp stand-in, real Baileys)', { timeout: 600_000 }, () => {
  before(async () => {
    whatsapp = await startWhatsAppStandIn();
    world = await startChipWorld({ whatsapp, waKeepAliveMs: KEEPALIVE_MS, meterIntervalSeconds: 2, metersPerRun: 50 });
    pairing = chipPairing(world, whatsapp);
  });
  after(async () => {
    await world?.close();
    await whatsapp?.close();
  });

  it('pairs by QR: the phone scans, the chip logs in through its proxy and records its number', async () => {
    const { chipId, phoneNumber, device } = await pairedChip('qr');
    const row = await chipRow(chipId);
    assert.equal(row.phoneNumber, phoneNumber, 'the paired number is recorded on the chip');
    assert.equal(row.qrCode, null, 'no QR is left once connected');
    assert.equal(device.jid.split(':')[0], phoneNumber);
    const [login] = connectionsOf(device.jid);
    assert.ok(login, 'the device logged in after the 515 restart');
    assert.equal(login.remoteAddress, row.exitIp, 'WhatsApp saw the chip from its proxy exit IP');
    assert.equal(device.keys.preKeys, 812, 'Baileys uploaded its first pre-keys to the server');
    const events = await world.db.chipEvent.findMany({ where: { chipId, type: 'status_changed' }, orderBy: { createdAt: 'asc' } });
    const path = events.map((e) => (e.detail as { to: string }).to);
    assert.ok(path.indexOf('QR') < path.lastIndexOf('OPEN'), `QR came before Connected: ${path.join(' → ')}`);
  });

  it('pairs by code: a chip added with its number shows a pairing code that the phone enters', async () => {
    const user = await world.createUser('ENTERPRISE');
    const phoneNumber = pairing.nextPhoneNumber();
    const chip = await world.db.chip.create({ data: { ownerId: user.id, label: 'code', region: 'br', phoneNumber: `+${phoneNumber}` } });
    await world.chips.start({ chipId: chip.id, userId: user.id, settings: { meterIntervalSeconds: 2, metersPerRun: 50, proxyRetrySeconds: 1 } });
    startedChips.push(chip.id);
    const code = await until('a pairing code on the chip', async () => (await chipRow(chip.id)).pairingCode);
    assert.match(code, /^[A-Z0-9]{8}$/);
    await assert.rejects(whatsapp.phone(pairing.nextPhoneNumber()).enterPairingCode(code), /no companion is waiting for a pairing code/);
    const device = await whatsapp.phone(phoneNumber).enterPairingCode(code);
    await until('the chip to be connected', async () => (await chipRow(chip.id)).status === 'OPEN');
    const row = await chipRow(chip.id);
    assert.equal(row.phoneNumber, phoneNumber);
    assert.equal(row.pairingCode, null, 'the used code is gone');
    assert.equal(connectionsOf(device.jid).length, 1);
  });

  it(`stays connected through ${SOAK_PINGS} keep-alives with no reconnect, one exit IP, and its bytes metered to the byte`, async () => {
    for (const other of startedChips.splice(0)) await world.chips.release(other, 'so the provider carries only the soaked chip');
    // From here the provider carries this chip's bytes only: its pairing, login and keep-alives.
    const providerBefore = world.provider.standIn.accountBytes();
    const platformBefore = await world.platformBytes();
    const { chipId, device } = await pairedChip('soak');
    const [live] = connectionsOf(device.jid);
    assert.ok(live);
    await whatsapp.waitFor(`${SOAK_PINGS} keep-alives`, () => live.pings >= SOAK_PINGS, SOAK_PINGS * KEEPALIVE_MS * 3 + 30_000);
    assert.equal(live.closed, false, 'the socket is still open');
    assert.equal(connectionsOf(device.jid).length, 1, 'no reconnect: the device logged in exactly once');
    assert.equal(device.logins, 1);
    const row = await chipRow(chipId);
    assert.equal(row.status, 'OPEN');
    assert.equal(live.remoteAddress, row.exitIp, 'one exit IP throughout');
    const exitChanges = await world.db.chipEvent.count({ where: { chipId, type: 'exit_ip_changed' } });
    assert.ok(exitChanges <= 1, 'the exit IP was recorded once, never changed');

    await world.chips.release(chipId, 'soak over');
    const providerAfter = world.provider.standIn.accountBytes();
    const platformAfter = await world.platformBytes();
    const total = await billed(chipId);
    assert.ok(total.sent > BigInt(live.bytesReceived), 'the WebSocket payload WhatsApp received is part of what was billed');
    // The provider also carried the platform's exit-IP probes through the chip's proxy, billed to nobody.
    assert.equal(total.sent + (platformAfter.sent - platformBefore.sent), providerAfter.sent - providerBefore.sent, 'billed sent bytes + probes = the provider’s count');
    assert.equal(total.received + (platformAfter.received - platformBefore.received), providerAfter.received - providerBefore.received, 'billed received bytes + probes = the provider’s count');
  });

  it('a dropped socket reconnects with the same sticky session and exit IP, and logs in without a QR', async () => {
    const { chipId, device } = await pairedChip('drop');
    const exitIp = (await chipRow(chipId)).exitIp;
    const [first] = connectionsOf(device.jid);
    first!.drop();
    await whatsapp.waitFor('a second login', () => connectionsOf(device.jid).some((c) => c !== first && c.phase === 'logged-in'));
    const second = connectionsOf(device.jid).find((c) => c !== first)!;
    assert.equal(second.remoteAddress, exitIp, 'the same exit IP after the reconnect');
    assert.equal(device.logins, 2);
    await until('connected again', async () => (await chipRow(chipId)).status === 'OPEN');
    const qrs = await world.db.chipEvent.count({ where: { chipId, type: 'status_changed', detail: { path: ['to'], equals: 'QR' } } });
    assert.equal(qrs, 1, 'only the first pairing showed a QR');
  });

  it('a worker restart resumes the chip from its PostgreSQL auth state with no new QR', async () => {
    const { chipId, device } = await pairedChip('restart');
    const exitIp = (await chipRow(chipId)).exitIp;
    await world.restartWorker();
    await whatsapp.waitFor('a login from the new worker', () => device.logins >= 2, 150_000);
    await until('connected again', async () => (await chipRow(chipId)).status === 'OPEN', 60_000);
    const last = connectionsOf(device.jid).at(-1)!;
    assert.equal(last.remoteAddress, exitIp, 'the same sticky exit IP on the new worker');
    const qrs = await world.db.chipEvent.count({ where: { chipId, type: 'status_changed', detail: { path: ['to'], equals: 'QR' } } });
    assert.equal(qrs, 1, 'no new QR after the restart');
  });

  it('logout from the phone ends the chip as LOGGED_OUT and clears its auth state', async () => {
    const { chipId, phoneNumber } = await pairedChip('logout');
    assert.ok((await world.db.baileysAuthState.count({ where: { chipId } })) > 0);
    assert.equal(whatsapp.phone(phoneNumber).logOut(), 1);
    await world.waitForState(chipId, (s) => s.status === 'LOGGED_OUT', 'the workflow to end as LOGGED_OUT', 60_000);
    assert.equal((await chipRow(chipId)).status, 'LOGGED_OUT');
    assert.equal(await world.db.baileysAuthState.count({ where: { chipId } }), 0, 'auth state cleared');
  });

  it('a refused login is reported on the chip and retried, and the chip connects once WhatsApp accepts it again', async () => {
    const { chipId, device } = await pairedChip('refused');
    whatsapp.refuseLogins(403);
    try {
      connectionsOf(device.jid)[0]!.drop();
      await until('the refusal on the chip', async () => /403/.test((await chipRow(chipId)).lastError ?? ''));
    } finally {
      whatsapp.refuseLogins(null);
    }
    await whatsapp.waitFor('a login after the refusal ended', () => device.liveConnection !== undefined, 120_000);
    await until('connected again', async () => (await chipRow(chipId)).status === 'OPEN');
  });
});

async function billed(chipId: string) {
  const logs = await world.db.proxyUsageLog.findMany({ where: { chipId } });
  return { sent: logs.reduce((s, l) => s + l.bytesSent, 0n), received: logs.reduce((s, l) => s + l.bytesReceived, 0n) };
}
