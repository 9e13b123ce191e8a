/**
 * A chip's real Baileys socket over real loopback sockets: it reaches WhatsApp (a stand-in) only
 * through the chip's proxy, with the chip's credential, for its WebSocket and for its media; it
 * keeps its auth state in PostgreSQL; it reconnects until told to stop, and never goes direct.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONNECTION_CONFIG, getWAUploadToServer, proto, WA_CERT_DETAILS, type AuthenticationCreds, type WAMessage } from '@whiskeysockets/baileys';
import { RequestError, Server } from 'proxy-chain';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { connectChipSocket, type ChipConnection, type ChipSocketState, type ChipStateDetail } from '@chipgate/worker/baileys/chip-connection';
import { downloadChipMedia, uploadChipMedia } from '@chipgate/worker/baileys/chip-media';
import { openChipProxyRoute } from '@chipgate/worker/baileys/chip-proxy-route';
import { silentLogger } from '@chipgate/worker/baileys/silent-logger';
import { loadWorkerConfig } from '@chipgate/worker/config';
import { trustStandInCertificateKey } from '@chipgate/worker/baileys/whatsapp-certificate';
import { usePostgresAuthState } from '@chipgate/worker/baileys/postgres-auth-state';
import { reconnectBackoff, reconnectDelayMs } from '@chipgate/worker/baileys/reconnect-backoff';
import { dropDatabase, ensureDatabase } from '../stack/postgres';
import { isLoopbackV4 } from '../standins/smartproxy/addresses';
import {
  encryptMedia,
  startWhatsAppStandIn,
  startWhatsAppMediaStandIn,
  type WhatsAppStandIn,
  type WhatsAppMediaStandIn,
} from '../standins/whatsapp';

/** The proxy binds its outgoing sockets here, so a stand-in seeing it knows the proxy carried the bytes. */
const PROXY_EXIT = '127.0.1.9';
const CHIP_PASSWORD = 'chip-pw:with/odd@chars';
const WAIT_MS = 15_000;
const FAST_RECONNECT = { reconnectBaseDelayMs: 10, reconnectMaxDelayMs: 40 };
/** WhatsApp's long-term root key, as Baileys 7 ships it: what a production worker verifies servers against. */
const WHATSAPP_ROOT_KEY = '142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b';

function postgresServerUrl(): string {
  if (process.env.CHIPGATE_TEST_PG_SERVER_URL) return process.env.CHIPGATE_TEST_PG_SERVER_URL;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '';
    return url.toString().replace(/\/$/, '');
  }
  return 'postgresql://postgres@127.0.0.1:5432';
}

interface ProxyVisit {
  connectionId: number;
  username: string;
  hostname: string;
  port: number;
  isHttp: boolean;
  accepted: boolean;
}

/** A credentialed loopback proxy, standing in for the metering gateway: records who went where. */
async function startRecordingProxy() {
  const visits: ProxyVisit[] = [];
  const server = new Server({
    host: '127.0.0.1',
    port: 0,
    prepareRequestFunction: ({ connectionId, username, password, hostname, port, isHttp }) => {
      const accepted = password === CHIP_PASSWORD && isLoopbackV4(hostname);
      visits.push({ connectionId, username, hostname, port, isHttp, accepted });
      if (!isLoopbackV4(hostname)) throw new RequestError('this test proxy reaches loopback only', 403);
      if (password !== CHIP_PASSWORD) return { requestAuthentication: true };
      return { localAddress: PROXY_EXIT };
    },
  });
  await server.listen();
  return {
    server,
    visits,
    url: (username: string, password = CHIP_PASSWORD) =>
      `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@127.0.0.1:${server.port}`,
    visitsTo: (port: number, username: string) => visits.filter((v) => v.port === port && v.username === username),
    /** Waits until no client connection is open, so nothing still in flight can add a visit. */
    async settled() {
      for (let i = 0; i < 300 && server.getConnectionIds().length > 0; i++) await sleep(10);
      assert.equal(server.getConnectionIds().length, 0, 'the test proxy still has open connections');
    },
  };
}

/** Every state a chip reported, in order, and a way to wait for one. */
class StateLog {
  readonly entries: { state: ChipSocketState; detail: ChipStateDetail | undefined }[] = [];
  private readonly changes = new EventEmitter();

  readonly onState = (state: ChipSocketState, detail?: ChipStateDetail) => {
    this.entries.push({ state, detail });
    this.changes.emit('change');
  };

  states(): ChipSocketState[] {
    return this.entries.map((e) => e.state);
  }

  waitFor(what: string, match: (entry: StateLog['entries'][number]) => boolean): Promise<StateLog['entries'][number]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.entries.find(match);
        if (!found) return;
        clearTimeout(timer);
        this.changes.off('change', check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.changes.off('change', check);
        reject(new Error(`waited ${WAIT_MS} ms for ${what}; states were ${JSON.stringify(this.entries)}`));
      }, WAIT_MS);
      this.changes.on('change', check);
      check();
    });
  }
}

const serverUrl = postgresServerUrl();
const databaseName = `chipgate_baileys_${randomBytes(4).toString('hex')}`;
let db: Db;
let ownerId: string;

before(async () => {
  const databaseUrl = await ensureDatabase(serverUrl, databaseName);
  applyMigrations(databaseUrl);
  db = createDb(databaseUrl);
  const plan = await db.plan.findFirstOrThrow({ where: { code: 'FREE' } });
  ownerId = (await db.user.create({ data: { email: `baileys-${randomUUID()}@example.test`, name: 'Baileys test', passwordHash: 'x', planId: plan.id } })).id;
});

after(async () => {
  await db?.$disconnect();
  await dropDatabase(serverUrl, databaseName);
});

async function newChip(): Promise<{ chipId: string; username: string }> {
  const chip = await db.chip.create({ data: { ownerId, label: 'baileys test chip' } });
  return { chipId: chip.id, username: `chip-${chip.id}` };
}

describe('Baileys chip connection through the chip proxy', () => {
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let chat: WhatsAppStandIn;
  let media: WhatsAppMediaStandIn;
  let scratchDir: string;
  const openConnections = new Set<ChipConnection>();

  async function connect(chipId: string, proxyUrl: string, log: StateLog, extra: { reconnectBaseDelayMs?: number; reconnectMaxDelayMs?: number } = {}) {
    const connection = await connectChipSocket({ chipId, db, proxyUrl, waWebSocketUrl: chat.url, onState: log.onState, ...extra });
    openConnections.add(connection);
    return connection;
  }

  async function closeConnection(connection: ChipConnection) {
    await connection.close();
    openConnections.delete(connection);
  }

  async function imageMessage(plaintext: Buffer): Promise<WAMessage> {
    const encrypted = await encryptMedia(plaintext, 'image');
    const url = media.serve(`/mms/image/${randomUUID()}.enc`, encrypted.encrypted);
    return {
      key: { remoteJid: '5511999990000@s.whatsapp.net', fromMe: false, id: randomUUID() },
      message: {
        imageMessage: {
          url,
          mimetype: 'image/jpeg',
          mediaKey: encrypted.mediaKey,
          fileSha256: encrypted.fileSha256,
          fileEncSha256: encrypted.fileEncSha256,
          fileLength: plaintext.length,
        },
      },
    };
  }

  before(async () => {
    proxy = await startRecordingProxy();
    chat = await startWhatsAppStandIn();
    media = await startWhatsAppMediaStandIn();
    scratchDir = await mkdtemp(path.join(os.tmpdir(), 'chipgate-baileys-'));
  });

  after(async () => {
    await Promise.all([...openConnections].map((c) => c.close()));
    await chat?.close();
    await media?.close();
    await proxy?.server.close(true);
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  });

  it('opens its WebSocket through the proxy with the chip credential and keeps its creds in Postgres', async () => {
    chat.setFault({ kind: 'silent' });
    const { chipId, username } = await newChip();
    const log = new StateLog();
    const seenBefore = chat.connections.length;

    const connection = await connect(chipId, proxy.url(username), log);
    const [first] = (await chat.waitForFirstFrames(seenBefore + 1)).slice(seenBefore);
    assert.ok(first);

    assert.equal(first.remoteAddress, PROXY_EXIT, 'WhatsApp saw the proxy exit, not the worker');
    assert.equal(first.path, '/ws/chat');
    assert.equal(first.origin, 'https://web.whatsapp.com');
    assert.deepEqual(first.intro && { header: first.intro.header, protocolVersion: first.intro.protocolVersion }, { header: 'WA', protocolVersion: 6 });
    assert.equal(first.intro?.declaredLength, first.intro?.actualLength, 'the ClientHello frame is length-prefixed');
    assert.equal(first.intro?.clientHelloKeyLength, 32, 'the ClientHello carries a Curve25519 ephemeral key');

    const tunnels = proxy.visitsTo(chat.port, username);
    assert.ok(tunnels.length >= 1 && tunnels.every((v) => v.accepted && !v.isHttp), 'the proxy tunnelled (CONNECT) the chip to WhatsApp under its username');
    assert.equal(log.states()[0], 'connecting');

    const row = await db.baileysAuthState.findUnique({ where: { chipId_key: { chipId, key: 'creds' } } });
    assert.ok(row, 'a creds row exists for the chip');
    const resumed = await usePostgresAuthState(db, chipId);
    assert.ok(Buffer.isBuffer(resumed.state.creds.noiseKey.public), 'creds come back with Buffers, not JSON');
    assert.deepEqual(resumed.state.creds.noiseKey.public, connection.socket()?.authState.creds.noiseKey.public, 'another worker would resume the same identity');

    await closeConnection(connection);
    assert.equal(connection.socket(), undefined);
    assert.deepEqual(log.entries.at(-1), { state: 'closed', detail: { reason: 'closed on request' } });
  });

  it('keeps the socket open while WhatsApp sends, so the proxy can meter it live', async () => {
    chat.setFault({ kind: 'silent', sendBytes: 64 * 1024 });
    const { chipId, username } = await newChip();
    const seenBefore = chat.connections.length;
    const connection = await connect(chipId, proxy.url(username), new StateLog());
    const [held] = (await chat.waitForFirstFrames(seenBefore + 1)).slice(seenBefore);
    assert.ok(held);

    const tunnel = proxy.visitsTo(chat.port, username).at(-1);
    assert.ok(tunnel);
    let stats = proxy.server.getConnectionStats(tunnel.connectionId);
    for (let i = 0; i < 500 && (stats?.trgRxBytes ?? 0) < 64 * 1024; i++) {
      await sleep(10);
      stats = proxy.server.getConnectionStats(tunnel.connectionId);
    }
    assert.ok((stats?.trgRxBytes ?? 0) >= 64 * 1024 + 3, `the proxy counted WhatsApp's bytes on the live tunnel (got ${stats?.trgRxBytes})`);
    assert.ok((stats?.trgTxBytes ?? 0) >= held.bytesReceived, 'and the chip bytes going up');
    assert.equal(held.closed, false, 'the socket is still open');
    await closeConnection(connection);
  });

  it('reconnects through the same proxy credential when WhatsApp closes it, and stops after close()', async () => {
    chat.setFault({ kind: 'close-after-first-frame' });
    const { chipId, username } = await newChip();
    const log = new StateLog();
    const seenBefore = chat.connections.length;

    const connection = await connect(chipId, proxy.url(username), log, FAST_RECONNECT);
    const arrivals = (await chat.waitForFirstFrames(seenBefore + 2)).slice(seenBefore);
    assert.ok(arrivals.every((c) => c.remoteAddress === PROXY_EXIT), 'every reconnect came through the proxy');
    const closedForRetry = await log.waitFor("a 'closed' with a scheduled reconnect", (e) => e.state === 'closed' && e.detail?.reconnectInMs !== undefined);
    assert.match(closedForRetry.detail?.reason ?? '', /Connection Terminated/);
    assert.ok((closedForRetry.detail?.reconnectInMs ?? Infinity) <= FAST_RECONNECT.reconnectMaxDelayMs);
    assert.ok(proxy.visitsTo(chat.port, username).filter((v) => v.accepted).length >= 2, 'the proxy saw the same username again');

    await closeConnection(connection);
    await proxy.settled();
    const counts = () => ({ whatsapp: chat.connections.length, proxy: proxy.visits.length });
    const afterClose = counts();
    // Far longer than any reconnect delay this chip was given: a reconnect still scheduled would show.
    await sleep(FAST_RECONNECT.reconnectMaxDelayMs * 10);
    assert.deepEqual(counts(), afterClose, 'no reconnect after close()');
    assert.equal(connection.socket(), undefined);
    assert.equal(log.entries.at(-1)?.detail?.reconnectInMs, undefined, 'the last state is a final close');
  });

  it('downloads and uploads media through the chip proxy', async () => {
    chat.setFault({ kind: 'silent' });
    const { chipId, username } = await newChip();
    const connection = await connect(chipId, proxy.url(username), new StateLog());

    const plaintext = randomBytes(48 * 1024);
    const message = await imageMessage(plaintext);
    const downloaded = await downloadChipMedia(connection, message);
    assert.deepEqual(downloaded, plaintext, 'Baileys downloaded and decrypted the media');
    const download = media.requests.at(-1);
    assert.equal(download?.method, 'GET');
    assert.equal(download?.remoteAddress, PROXY_EXIT, 'the media host saw the proxy exit');
    const mediaPort = Number(new URL(media.baseUrl).port);
    assert.ok(proxy.visitsTo(mediaPort, username).some((v) => v.accepted), 'the proxy carried the download under the chip username');

    const encrypted = randomBytes(20 * 1024);
    const filePath = path.join(scratchDir, 'upload.enc');
    await writeFile(filePath, encrypted);
    const uploadPath = `/mms/image/${randomUUID()}`;
    const uploaded = await uploadChipMedia(connection, { url: `${media.baseUrl}${uploadPath}?auth=token&token=x`, filePath });
    assert.ok(uploaded.directPath, 'the media host answered with a direct path');
    assert.deepEqual(media.uploaded(uploadPath), encrypted);
    const upload = media.requests.at(-1);
    assert.deepEqual(upload && { method: upload.method, remoteAddress: upload.remoteAddress, bytesReceived: upload.bytesReceived }, {
      method: 'POST',
      remoteAddress: PROXY_EXIT,
      bytesReceived: encrypted.length,
    });

    // Baileys' other upload path (fetch, on runtimes other than Node) keeps `fetchAgent` only if it
    // can dispatch(); the chip's agent can, and that path goes through the proxy too.
    const fetchPath = `/mms/image/${randomUUID()}`;
    const response = await fetch(`${media.baseUrl}${fetchPath}`, { dispatcher: connection.agent, method: 'POST', body: encrypted } as unknown as RequestInit);
    assert.equal(response.status, 200);
    assert.equal(media.requests.at(-1)?.remoteAddress, PROXY_EXIT);
    assert.deepEqual(media.uploaded(fetchPath), encrypted);

    await closeConnection(connection);
  });

  it("hands Baileys' own media uploader an agent that takes it through the proxy", async () => {
    const { username } = await newChip();
    const route = openChipProxyRoute(proxy.url(username));
    const filePath = path.join(scratchDir, 'baileys-upload.enc');
    await writeFile(filePath, randomBytes(4 * 1024));
    const dialsBefore = media.tlsDials.length;
    // As makeWASocket does: its defaults overlaid with the config connectChipSocket passes.
    const upload = getWAUploadToServer({ ...DEFAULT_CONNECTION_CONFIG, ...route.socketConfig, logger: silentLogger }, async () => ({
      auth: 'token',
      ttl: 60,
      hosts: [{ hostname: media.tlsHost, maxContentLengthBytes: 1 << 20 }],
      fetchDate: new Date(),
    }));
    try {
      // The stand-in cannot finish TLS, so the upload fails; what matters is which way it went.
      await assert.rejects(upload(filePath, { mediaType: 'image', fileEncSha256B64: 'AAAA', timeoutMs: 5_000 }), /Media upload failed on all hosts/);
    } finally {
      await route.close();
    }
    const tlsPort = Number(media.tlsHost.split(':')[1]);
    assert.ok(proxy.visitsTo(tlsPort, username).some((v) => v.accepted), "Baileys' uploader tunnelled to the media host under the chip username");
    assert.deepEqual(media.tlsDials.slice(dialsBefore), [PROXY_EXIT], 'and the media host was dialled from the proxy exit only');
  });

  it('with the proxy refusing the credential, reports closed with the reason and sends nothing direct', async () => {
    chat.setFault({ kind: 'silent' });
    const { chipId, username } = await newChip();
    const log = new StateLog();
    const whatsappBefore = chat.connections.length;
    const mediaBefore = media.requests.length;
    const message = await imageMessage(randomBytes(1024));

    const connection = await connect(chipId, proxy.url(username, 'not-the-password'), log, FAST_RECONNECT);
    const closed = await log.waitFor("'closed'", (e) => e.state === 'closed');
    assert.match(closed.detail?.reason ?? '', /proxy refused the chip's credential \(HTTP 407/);
    assert.ok(!(closed.detail?.reason ?? '').includes('not-the-password'), 'the reason does not quote the password');
    assert.ok(proxy.visitsTo(chat.port, username).some((v) => !v.accepted), 'the proxy saw and refused the chip');

    await assert.rejects(downloadChipMedia(connection, message));
    const filePath = path.join(scratchDir, 'refused.enc');
    await writeFile(filePath, randomBytes(1024));
    await assert.rejects(uploadChipMedia(connection, { url: `${media.baseUrl}/mms/image/refused`, filePath }), /got no media URL back/);

    await closeConnection(connection);
    await proxy.settled();
    assert.equal(chat.connections.length, whatsappBefore, 'nothing reached WhatsApp around the proxy');
    assert.equal(media.requests.length, mediaBefore, 'nothing reached the media host around the proxy');
    assert.ok(!log.states().includes('open'));
  });

  it("without the stand-in's key, as in production, verifies WhatsApp's real certificate and refuses the stand-in", async () => {
    chat.setFault(null);
    const { chipId, username } = await newChip();
    const log = new StateLog();
    const seenBefore = chat.connections.length;
    const connection = await connect(chipId, proxy.url(username), log, FAST_RECONNECT);
    const closed = await log.waitFor('the handshake to be refused', (e) => e.state === 'closed');
    await closeConnection(connection);
    assert.match(closed.detail?.reason ?? '', /noise intermediate certificate signature invalid/);
    const tried = chat.connections.slice(seenBefore);
    assert.ok(tried.length >= 1 && tried.every((c) => c.phase !== 'registering' && c.phase !== 'logged-in'), 'Baileys sent nothing after the ServerHello');
    assert.equal(Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY).toString('hex'), WHATSAPP_ROOT_KEY, "WhatsApp's own root key is still the trusted one");
  });

  it('trusts a stand-in key only for a loopback WhatsApp URL, and says which variable is wrong', () => {
    const base = {
      DATABASE_URL: 'postgresql://u@127.0.0.1:5432/db',
      CHIPGATE_IP_ECHO_URL: 'http://127.0.0.1:1/ip',
      CHIPGATE_WA_CERT_PUBLIC_KEY: 'ab'.repeat(32),
      CHIPGATE_SECRET_KEY: process.env.CHIPGATE_SECRET_KEY,
      STRIPE_SECRET_KEY: 'sk_test_unused',
      CHIPGATE_APP_URL: 'http://127.0.0.1:3000',
    };
    assert.throws(() => loadWorkerConfig(base), /CHIPGATE_WA_CERT_PUBLIC_KEY is only accepted with a loopback CHIPGATE_WA_WEBSOCKET_URL.*no URL \(WhatsApp itself\)/);
    assert.throws(() => loadWorkerConfig({ ...base, CHIPGATE_WA_WEBSOCKET_URL: 'wss://web.whatsapp.com/ws/chat' }), /only accepted with a loopback/);
    assert.throws(() => loadWorkerConfig({ ...base, CHIPGATE_WA_WEBSOCKET_URL: 'ws://127.0.0.1.evil.example/ws/chat' }), /only accepted with a loopback/);
    assert.throws(() => loadWorkerConfig({ ...base, CHIPGATE_WA_WEBSOCKET_URL: chat.url, CHIPGATE_WA_CERT_PUBLIC_KEY: 'xyz' }), /CHIPGATE_WA_CERT_PUBLIC_KEY must be 64 hex characters/);
    assert.equal(loadWorkerConfig({ ...base, CHIPGATE_WA_WEBSOCKET_URL: chat.url }).waCertificateKey?.toString('hex'), 'ab'.repeat(32));
    assert.equal(loadWorkerConfig({ ...base, CHIPGATE_WA_CERT_PUBLIC_KEY: '' }).waCertificateKey, undefined, 'production: no override');
    assert.throws(() => trustStandInCertificateKey(Buffer.alloc(32, 1), 'wss://web.whatsapp.com/ws/chat'), /only accepted with a loopback/);
    assert.equal(Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY).toString('hex'), WHATSAPP_ROOT_KEY, 'a refused override changes nothing');
  });

  it('refuses bad options with errors that name the field and never quote the password', async () => {
    const { chipId } = await newChip();
    const base = { chipId, db, waWebSocketUrl: chat.url, onState: () => {} };
    await assert.rejects(connectChipSocket({ ...base, proxyUrl: 'ftp://u:secret-pw@127.0.0.1:1' }), (error: Error) => {
      assert.match(error.message, /proxyUrl must use http: or https:/);
      assert.ok(!error.message.includes('secret-pw'));
      return true;
    });
    await assert.rejects(connectChipSocket({ ...base, proxyUrl: 'http://127.0.0.1:1' }), /proxyUrl for 127\.0\.0\.1:1 must carry the chip's credential/);
    await assert.rejects(connectChipSocket({ ...base, proxyUrl: proxy.url('u'), pairingPhoneNumber: '+55 11 99999-0000' }), /pairingPhoneNumber must be/);
    await assert.rejects(connectChipSocket({ ...base, proxyUrl: proxy.url('u'), waWebSocketUrl: 'http://127.0.0.1/ws/chat' }), /waWebSocketUrl must use ws: or wss:/);
    await assert.rejects(connectChipSocket({ ...base, proxyUrl: proxy.url('u'), reconnectBaseDelayMs: 0 }), /reconnectBaseDelayMs must be a positive/);
    await assert.rejects(connectChipSocket({ ...base, chipId: randomUUID(), proxyUrl: proxy.url('u') }), /does not exist/);
  });
});

describe('Postgres auth state', () => {
  const newChipId = async () => (await newChip()).chipId;

  it('stores signal keys as rows and gives them back as Buffers and protobuf objects', async () => {
    const chipId = await newChipId();
    const { state } = await usePostgresAuthState(db, chipId);
    const preKey = { public: randomBytes(32), private: randomBytes(32) };
    const session = new Uint8Array(randomBytes(64));
    const syncKey = { keyData: randomBytes(32), timestamp: 1_700_000_000 };
    await state.keys.set({
      'pre-key': { '1': preKey, '2': { public: randomBytes(32), private: randomBytes(32) } },
      session: { '5511999990000.0': session },
      'app-state-sync-key': { AAAAAB: syncKey },
      'lid-mapping': { '5511999990000': '123456789@lid' },
    });

    const keys = (await db.baileysAuthState.findMany({ where: { chipId }, select: { key: true } })).map((r) => r.key).sort();
    assert.deepEqual(keys, ['app-state-sync-key-AAAAAB', 'creds', 'lid-mapping-5511999990000', 'pre-key-1', 'pre-key-2', 'session-5511999990000.0']);

    const preKeys = await state.keys.get('pre-key', ['1', '3']);
    assert.deepEqual(preKeys['1'], preKey);
    assert.equal(preKeys['3'], undefined, 'a missing key is absent');
    assert.deepEqual(Buffer.from((await state.keys.get('session', ['5511999990000.0']))['5511999990000.0'] ?? []), Buffer.from(session));
    const sync = (await state.keys.get('app-state-sync-key', ['AAAAAB']))['AAAAAB'];
    assert.ok(sync instanceof proto.Message.AppStateSyncKeyData);
    assert.deepEqual(Buffer.from(sync.keyData ?? []), syncKey.keyData);
    assert.equal((await state.keys.get('lid-mapping', ['5511999990000']))['5511999990000'], '123456789@lid');

    await state.keys.set({ 'pre-key': { '1': null, '2': { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) } } });
    const after = await state.keys.get('pre-key', ['1', '2']);
    assert.equal(after['1'], undefined, 'null deletes');
    assert.deepEqual(after['2'], { public: Buffer.alloc(32, 1), private: Buffer.alloc(32, 2) }, 'a second set overwrites');
  });

  it("stores a pairing's 812 pre-keys in one write, and a second write of them overwrites every one", async () => {
    const chipId = await newChipId();
    const { state } = await usePostgresAuthState(db, chipId);
    const preKeys = (fill: number) =>
      Object.fromEntries(Array.from({ length: 812 }, (_, i) => [String(i + 1), { public: Buffer.alloc(32, fill), private: randomBytes(32) }]));
    const first = preKeys(1);
    await state.keys.set({ 'pre-key': first });
    assert.equal(await db.baileysAuthState.count({ where: { chipId, key: { startsWith: 'pre-key-' } } }), 812);
    assert.deepEqual((await state.keys.get('pre-key', ['812']))['812'], first['812']);
    const second = preKeys(2);
    await state.keys.set({ 'pre-key': second, session: { '5511999990000.0': new Uint8Array([9]) } });
    const back = await state.keys.get('pre-key', Object.keys(second));
    assert.equal(Object.keys(back).length, 812);
    assert.ok(Object.entries(second).every(([id, key]) => Buffer.from(back[id]!.private).equals(key.private)), 'every pre-key overwritten');
  });

  it('saves creds for the next load, gives concurrent first loads one identity, and clear() forgets it', async () => {
    const chipId = await newChipId();
    const [a, b] = await Promise.all([usePostgresAuthState(db, chipId), usePostgresAuthState(db, chipId)]);
    assert.ok(a && b);
    assert.deepEqual(a.state.creds.noiseKey, b.state.creds.noiseKey, 'two workers starting the chip together share one identity');

    const me: AuthenticationCreds['me'] = { id: '5511999990000:7@s.whatsapp.net', name: 'Chip' };
    a.state.creds.me = me;
    a.state.creds.registered = true;
    await a.saveCreds();
    const reloaded = await usePostgresAuthState(db, chipId);
    assert.deepEqual(reloaded.state.creds.me, me);
    assert.equal(reloaded.state.creds.registered, true);
    assert.deepEqual(reloaded.state.creds.signedPreKey, a.state.creds.signedPreKey);

    await a.state.keys.set({ session: { x: new Uint8Array([1, 2, 3]) } });
    await a.clear();
    assert.equal(await db.baileysAuthState.count({ where: { chipId } }), 0);
    const fresh = await usePostgresAuthState(db, chipId);
    assert.notDeepEqual(fresh.state.creds.noiseKey.public, a.state.creds.noiseKey.public, 'after a logout the chip starts a new identity');
  });

  it('refuses an id that is not a chip', async () => {
    await assert.rejects(usePostgresAuthState(db, 'chip-1'), /chipId must be a chip's UUID, got "chip-1"/);
    await assert.rejects(usePostgresAuthState(db, randomUUID()), /does not exist/);
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the cap and jitters between half and all of it', () => {
    const backoff = reconnectBackoff({ reconnectBaseDelayMs: 100, reconnectMaxDelayMs: 1_000 });
    assert.deepEqual([0, 1, 2, 3, 4, 10].map((attempt) => reconnectDelayMs(attempt, backoff, () => 1)), [100, 200, 400, 800, 1_000, 1_000]);
    assert.deepEqual([0, 1, 4].map((attempt) => reconnectDelayMs(attempt, backoff, () => 0)), [50, 100, 500]);
  });

  it('names the field it refuses', () => {
    assert.throws(() => reconnectBackoff({ reconnectMaxDelayMs: -1 }), /reconnectMaxDelayMs must be a positive/);
    assert.throws(() => reconnectBackoff({ reconnectBaseDelayMs: 500, reconnectMaxDelayMs: 100 }), /reconnectMaxDelayMs \(100\) must not be below reconnectBaseDelayMs \(500\)/);
  });
});
