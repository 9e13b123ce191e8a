/**
 * Part 4: what one chip's WhatsApp traffic costs, in bytes the customer pays for. Real Baileys
 * (worker/src/baileys/chip-connection.ts, as the worker runs it) talks WhatsApp's protocol with the
 * WhatsApp stand-in through the real metering gateway and the Smartproxy stand-in as the provider,
 * all in this process, with the chip's auth state in a real PostgreSQL:
 *
 *   1. one pairing: a chip with no creds opens its socket, shows a QR, the stand-in's phone scans it,
 *      pair-success, the 515 restart, login, up to the first `connection: open` (and then on until
 *      the post-login exchange is quiet);
 *   2. logins: the paired chip reconnects (a fresh socket, as after a worker restart): handshake and
 *      the post-login exchange, until open and until the bytes stop changing (at most 10 s after open);
 *   3. idle: the chip stays connected with the keep-alive interval compressed (1 s instead of 30 s);
 *      the bytes over N keep-alive intervals, per keep-alive, are scaled to WhatsApp Web's 30 s.
 *
 * Each figure is read at three places: the provider's own account count (what the customer pays:
 * the Smartproxy stand-in's accountBytes()), the gateway's per-chip counters (what Chipgate bills),
 * and the WebSocket payload the WhatsApp stand-in counted per connection (the Noise frames alone),
 * so the overhead of the proxy CONNECT, the WebSocket upgrade and WebSocket framing is visible.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';
import { createDb, type Db } from '@chipgate/db';
import { applyMigrations } from '@chipgate/db/migrate';
import { buildProxyUrl } from '@chipgate/activities/providers/proxy-endpoint';
import { connectChipSocket, type ChipConnection, type ChipSocketState, type ChipStateDetail } from '@chipgate/worker/baileys/chip-connection';
import { trustStandInCertificateKey } from '@chipgate/worker/baileys/whatsapp-certificate';
import { startMeteringGateway, type MeteringGateway } from '@chipgate/worker/gateway/metering-gateway';
import { BYTES_PER_GB, formatBytes } from '@chipgate/workflows/rules/bytes';
import { divideRoundingHalfUp, formatFixed, powerOfTen } from '@chipgate/workflows/rules/decimal';
import { usageCost } from '@chipgate/workflows/rules/money';
import { sessionIdForChip } from '@chipgate/workflows/rules/session-naming';
import { freePort } from '../stack/ports';
import { dropDatabase, ensureDatabase, startPostgres } from '../stack/postgres';
import { startSmartproxyStandIn, type SmartproxyStandIn } from '../standins/smartproxy';
import { startWhatsAppStandIn, type ChatConnection, type WhatsAppStandIn } from '../standins/whatsapp';
import { fmt, median, sleep, summarize, table, type Summary } from './stats';

export interface WhatsAppBenchOptions {
  /** Reconnects of the paired chip measured as logins. */
  logins: number;
  /** Compressed keep-alive interval of the idle phase. */
  keepAliveIntervalMs: number;
  /** Keep-alive intervals measured in the idle phase. */
  pings: number;
  /** Keep-alives let pass before the idle window starts, so the post-login exchange is over. */
  warmupPings: number;
  /** "Bytes stopped changing": this long without a byte on the provider. */
  quietMs: number;
  /** A login's post-login exchange is measured at most this long after open. */
  afterOpenMaxMs: number;
}

export const DEFAULT_WHATSAPP_BENCH: WhatsAppBenchOptions = {
  logins: 3,
  keepAliveIntervalMs: 1_000,
  pings: 60,
  warmupPings: 5,
  quietMs: 3_000,
  afterOpenMaxMs: 10_000,
};

/** WhatsApp Web's (and Baileys' default) keep-alive interval. */
export const REAL_KEEPALIVE_MS = 30_000;
const KEEPALIVES_PER_HOUR = 3_600_000 / REAL_KEEPALIVE_MS;
/** A chip-month here is 30 days. */
const HOURS_PER_MONTH = 24 * 30;
/** The demo provider's price (test/stack/demo-seed.ts: costPerGb '4.50', currency BRL). */
export const DEMO_PRICE_PER_GB = '4.50';
export const DEMO_CURRENCY = 'BRL';

const PHONE_NUMBER = '5511987650001';
const STEP_TIMEOUT_MS = 60_000;

/** Bytes from the chip's point of view: sent = chip → WhatsApp, received = WhatsApp → chip. */
export interface Counts {
  sent: number;
  received: number;
  total: number;
}

/** One figure read at the three places at once. */
export interface Traffic {
  /** The provider's own account count (Smartproxy stand-in accountBytes()): what the customer pays. */
  provider: Counts;
  /** The metering gateway's per-chip counters (gateway↔provider leg): what Chipgate bills. */
  gateway: Counts;
  /** WebSocket payload the WhatsApp stand-in counted on the chip's connections (Noise frames only). */
  payload: Counts;
  /** Provider bytes over payload bytes − 1: proxy CONNECT, WebSocket upgrade and framing, close. */
  overheadPct: number;
  ms: number;
}

export interface LoginSample {
  /** Fresh socket with the saved creds → `connection: open` (handshake, login, pre-key check, passive IQ, digest). */
  toOpen: Traffic;
  /** … then on until the post-login exchange is over. */
  settled: Traffic;
  /** When the last byte of the post-login exchange moved, after open. */
  lastByteAfterOpenMs: number;
  /** 'quiet': no byte for `quietMs`; 'cap': still moving `afterOpenMaxMs` after open. */
  settledBy: 'quiet' | 'cap';
  connectionId: number;
}

export interface WhatsAppBenchResult {
  options: WhatsAppBenchOptions;
  postgres: string;
  setupSeconds: number;
  pairing: {
    /** Socket opened with no creds → QR → scan → pair-success → 515 → login → first `connection: open`. */
    toFirstOpen: Traffic;
    /** The registration socket alone (QR, scan, pair-success, 515), read when the chip started its reconnect. */
    registrationSocket: Traffic;
    /** The login right after the 515 restart, up to open (it uploads the first pre-keys before open). */
    firstLogin: Traffic;
    /** Pairing plus the post-login exchange of the first login, until the bytes stop changing. */
    settled: Traffic;
    lastByteAfterOpenMs: number;
    settledBy: 'quiet' | 'cap';
    qrAfterMs: number;
    openAfterMs: number;
    connections: number;
    preKeysUploaded: number;
  };
  logins: LoginSample[];
  /** Median over the login samples, per field. */
  login: { toOpen: Traffic; settled: Traffic };
  idle: {
    keepAliveIntervalMs: number;
    pings: number;
    window: Traffic;
    /** Window bytes ÷ keep-alives. */
    perKeepAlive: Traffic;
    /** Provider bytes (sent + received) of each keep-alive interval in the window. */
    perIntervalProviderBytes: Summary;
    /** Per keep-alive × 120 keep-alives an hour (WhatsApp Web's 30 s). */
    perHour: Counts;
    perHourGateway: Counts;
    perHourPayload: Counts;
    /** Per hour × 720 h (a 30-day month), provider count. */
    perMonthBytes: string;
    perMonthGb: string;
    perMonthDisplay: string;
    perMonthCost: string;
    pricePerGb: string;
    currency: string;
    scaling: string;
    /** How many hours of idle one login costs (settled login, provider count). */
    loginEqualsIdleHours: number;
    reconnectsDuringIdle: number;
  };
  gatewayErrors: string[];
}

interface Reading {
  provider: Counts;
  gateway: Counts;
  payload: Counts;
  at: number;
}

const counts = (sent: number, received: number): Counts => ({ sent, received, total: sent + received });
const minus = (a: Counts, b: Counts): Counts => counts(a.sent - b.sent, a.received - b.received);
const scale = (a: Counts, by: number): Counts => counts(a.sent * by, a.received * by);

function traffic(from: Reading, to: Reading): Traffic {
  const provider = minus(to.provider, from.provider);
  const payload = minus(to.payload, from.payload);
  return {
    provider,
    gateway: minus(to.gateway, from.gateway),
    payload,
    overheadPct: payload.total > 0 ? (provider.total / payload.total - 1) * 100 : Number.NaN,
    ms: to.at - from.at,
  };
}

function scaleTraffic(t: Traffic, by: number): Traffic {
  return { ...t, provider: scale(t.provider, by), gateway: scale(t.gateway, by), payload: scale(t.payload, by), ms: t.ms * by };
}

function medianTraffic(samples: readonly Traffic[]): Traffic {
  const m = (pick: (t: Traffic) => number) => median(samples.map(pick));
  const c = (pick: (t: Traffic) => Counts) => counts(m((t) => pick(t).sent), m((t) => pick(t).received));
  const provider = c((t) => t.provider);
  const payload = c((t) => t.payload);
  return { provider, gateway: c((t) => t.gateway), payload, overheadPct: (provider.total / payload.total - 1) * 100, ms: m((t) => t.ms) };
}

interface Cleanup {
  what: string;
  run(): Promise<unknown>;
}

export async function runWhatsAppBench(log: (line: string) => void, o: WhatsAppBenchOptions = DEFAULT_WHATSAPP_BENCH): Promise<WhatsAppBenchResult> {
  const cleanups: Cleanup[] = [];
  const setupStarted = Date.now();
  try {
    // PostgreSQL (the chip row and its Baileys auth state): the DATABASE_URL server when set, else embedded.
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chipgate-bench-wa-pg-'));
    fs.chmodSync(pgDir, 0o777);
    cleanups.push({ what: 'PostgreSQL files', run: async () => fs.rmSync(pgDir, { recursive: true, force: true }) });
    log('  starting PostgreSQL…');
    const postgres = await startPostgres({ databaseUrl: process.env.DATABASE_URL, dataDir: path.join(pgDir, 'data'), port: await freePort() });
    cleanups.push({ what: 'PostgreSQL', run: () => postgres.stop() });
    const dbName = `chipgate_bench_wa_${process.pid}`;
    const databaseUrl = await ensureDatabase(postgres.serverUrl, dbName);
    cleanups.push({ what: 'scratch database', run: () => dropDatabase(postgres.serverUrl, dbName) });
    applyMigrations(databaseUrl);
    const db: Db = createDb(databaseUrl);
    cleanups.push({ what: 'Prisma client', run: () => db.$disconnect() });

    const account = { username: `benchwa${randomBytes(3).toString('hex')}`, password: randomBytes(12).toString('base64url'), apiKey: randomBytes(16).toString('hex') };
    const provider: SmartproxyStandIn = await startSmartproxyStandIn({ ...account, stickySessionMinutes: 60 });
    cleanups.push({ what: 'Smartproxy stand-in', run: () => provider.close() });
    const whatsapp: WhatsAppStandIn = await startWhatsAppStandIn();
    cleanups.push({ what: 'WhatsApp stand-in', run: () => whatsapp.close() });
    // Baileys in this process trusts the stand-in's root key (loopback URL only); put WhatsApp's back after.
    const realRootKey = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);
    trustStandInCertificateKey(Buffer.from(whatsapp.certificatePublicKey, 'hex'), whatsapp.url);
    cleanups.push({ what: "WhatsApp's certificate key", run: async () => trustStandInCertificateKey(realRootKey, whatsapp.url) });

    const gatewayErrors: string[] = [];
    const gateway: MeteringGateway = await startMeteringGateway({ host: '127.0.0.1', port: 0, onError: (error) => gatewayErrors.push(error.message) });
    cleanups.push({ what: 'metering gateway', run: () => gateway.close() });

    const plan = await db.plan.findFirstOrThrow({ where: { code: 'ENTERPRISE' } });
    const user = await db.user.create({ data: { email: `${randomUUID()}@bench.chipgate.test`, name: 'Bench', passwordHash: 'unused', planId: plan.id } });
    const chip = await db.chip.create({ data: { ownerId: user.id, label: 'bench whatsapp', region: 'br' } });
    const chipId = chip.id;
    // The upstream URL the worker builds for a chip's first assignment: the provider's sticky session.
    const upstreamUrl = buildProxyUrl(
      { name: 'bench', server: provider.proxyHost, port: provider.proxyPort, protocol: 'HTTP', username: account.username, password: account.password, usernameTemplate: null },
      sessionIdForChip(chipId, 0),
    );
    const credential = gateway.registerChip(chipId, { resolveUpstream: async () => upstreamUrl });
    const setupSeconds = (Date.now() - setupStarted) / 1000;

    const read = (): Reading => {
      const p = provider.accountBytes();
      const g = gateway.readCounters(chipId);
      let sent = 0;
      let received = 0;
      for (const c of whatsapp.connections) {
        sent += c.bytesReceived;
        received += c.bytesSent;
      }
      return { provider: counts(Number(p.sent), Number(p.received)), gateway: counts(Number(g.sent), Number(g.received)), payload: counts(sent, received), at: Date.now() };
    };

    /** Polls until the provider count has not moved for `quietMs`, or until `capAt`. */
    const settle = async (capAt: number): Promise<{ reading: Reading; lastChangeAt: number; by: 'quiet' | 'cap' }> => {
      let last = read();
      let lastChangeAt = last.at;
      for (;;) {
        await sleep(100);
        const now = read();
        if (now.provider.total !== last.provider.total || now.payload.total !== last.payload.total) {
          last = now;
          lastChangeAt = now.at;
        }
        if (now.at - lastChangeAt >= o.quietMs) return { reading: last, lastChangeAt, by: 'quiet' };
        if (now.at >= capAt) return { reading: now, lastChangeAt, by: 'cap' };
      }
    };

    /** A chip socket whose states can be awaited; `onEnter` runs synchronously when a state is reported. */
    const openChip = async (keepAliveIntervalMs: number | undefined, onEnter: (state: ChipSocketState, detail: ChipStateDetail | undefined, n: number) => void) => {
      const seen: ChipSocketState[] = [];
      const waiters: { state: ChipSocketState; n: number; resolve: () => void }[] = [];
      const connection: ChipConnection = await connectChipSocket({
        chipId,
        db,
        proxyUrl: credential.proxyUrl,
        waWebSocketUrl: whatsapp.url,
        ...(keepAliveIntervalMs !== undefined ? { keepAliveIntervalMs } : {}),
        onState(state, detail) {
          seen.push(state);
          const n = seen.filter((s) => s === state).length;
          onEnter(state, detail, n);
          for (const w of waiters.filter((w) => w.state === state && n >= w.n)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        },
      });
      // close() is idempotent: the cleanup only matters when a step failed before closing it.
      cleanups.push({ what: 'chip socket', run: () => connection.close() });
      const waitFor = (state: ChipSocketState, n = 1) =>
        withTimeout(
          new Promise<void>((resolve) => {
            if (seen.filter((s) => s === state).length >= n) resolve();
            else waiters.push({ state, n, resolve });
          }),
          STEP_TIMEOUT_MS,
          `the chip to report '${state}'${n > 1 ? ` (${n}×)` : ''}; states so far: ${seen.join(' → ')}`,
        );
      return { waitFor, close: () => connection.close(), states: seen };
    };

    /** Closes a chip socket and waits until nothing moves any more, so the next figure starts clean. */
    const closeAndSettle = async (chipSocket: { close(): Promise<void> }) => {
      await chipSocket.close();
      await whatsapp.waitFor('every chat connection closed', () => whatsapp.connections.every((c) => c.closed), STEP_TIMEOUT_MS);
      await settle(Date.now() + STEP_TIMEOUT_MS);
    };

    // ── 1. Pairing ─────────────────────────────────────────────────────────────────────────────
    log('  pairing: a chip with no creds, QR, the phone scans, pair-success, 515, login…');
    const phone = whatsapp.phone(PHONE_NUMBER);
    const beforePairing = read();
    // Set from the chip's state callback (a holder object, so TypeScript does not narrow them to null).
    const marks: { qrAt?: number; scanError?: unknown; registrationEnd?: Reading; open?: Reading } = {};
    const pairingChip = await openChip(undefined, (state, detail, n) => {
      if (state === 'qr' && n === 1 && detail?.qr) {
        marks.qrAt = Date.now();
        phone.scan(detail.qr).catch((error: unknown) => (marks.scanError = error));
      }
      // The second 'connecting' is the reconnect after the 515: the registration socket is done.
      if (state === 'connecting' && n === 2) marks.registrationEnd = read();
      if (state === 'open' && n === 1) marks.open = read();
    });
    await pairingChip.waitFor('open');
    if (marks.scanError) throw marks.scanError;
    const openReading = marks.open!;
    const registrationEnd = marks.registrationEnd ?? openReading;
    const toFirstOpen = traffic(beforePairing, openReading);
    const pairingSettle = await settle(openReading.at + o.afterOpenMaxMs);
    const pairingConnections = whatsapp.connections.length;
    const preKeysUploaded = phone.devices()[0]?.keys.preKeys ?? 0;
    const pairing: WhatsAppBenchResult['pairing'] = {
      toFirstOpen,
      registrationSocket: traffic(beforePairing, registrationEnd),
      firstLogin: traffic(registrationEnd, openReading),
      settled: traffic(beforePairing, pairingSettle.reading),
      lastByteAfterOpenMs: pairingSettle.lastChangeAt - openReading.at,
      settledBy: pairingSettle.by,
      qrAfterMs: (marks.qrAt ?? Number.NaN) - beforePairing.at,
      openAfterMs: openReading.at - beforePairing.at,
      connections: pairingConnections,
      preKeysUploaded,
    };
    log(`    open after ${fmt(pairing.openAfterMs / 1000, 1)} s over ${pairingConnections} sockets; ${fmt(toFirstOpen.provider.total, 0)} B at the provider`);
    await closeAndSettle(pairingChip);

    // ── 2. Logins ──────────────────────────────────────────────────────────────────────────────
    const logins: LoginSample[] = [];
    for (let i = 0; i < o.logins; i++) {
      log(`  login ${i + 1} of ${o.logins}: the paired chip reconnects with its saved creds…`);
      const before = read();
      const known = new Set(whatsapp.connections);
      const opened: { at?: Reading } = {};
      const loginChip = await openChip(undefined, (state, _detail, n) => {
        if (state === 'open' && n === 1) opened.at = read();
      });
      await loginChip.waitFor('open');
      const openedAt = opened.at!;
      const afterOpen = await settle(openedAt.at + o.afterOpenMaxMs);
      const fresh = whatsapp.connections.filter((c) => !known.has(c));
      if (fresh.length !== 1 || fresh[0]!.phase !== 'logged-in') {
        throw new Error(`login ${i + 1}: expected one new logged-in connection, got ${fresh.map((c) => c.phase).join(', ') || 'none'}`);
      }
      logins.push({
        toOpen: traffic(before, openedAt),
        settled: traffic(before, afterOpen.reading),
        lastByteAfterOpenMs: afterOpen.lastChangeAt - openedAt.at,
        settledBy: afterOpen.by,
        connectionId: fresh[0]!.id,
      });
      await closeAndSettle(loginChip);
    }

    // ── 3. Idle ────────────────────────────────────────────────────────────────────────────────
    log(`  idle: connected, keep-alive every ${o.keepAliveIntervalMs} ms; ${o.warmupPings} to warm up, then ${o.pings} measured…`);
    const idleKnown = new Set(whatsapp.connections);
    const idleChip = await openChip(o.keepAliveIntervalMs, () => {});
    await idleChip.waitFor('open');
    const live: ChatConnection = await whatsapp.waitFor('the idle chip logged in', () => whatsapp.connections.find((c) => !idleKnown.has(c) && c.phase === 'logged-in'), STEP_TIMEOUT_MS);
    // Read half an interval after a keep-alive was answered: its pong has reached the chip, the next ping is not due.
    const readAfterPing = async (n: number): Promise<Reading> => {
      await whatsapp.waitFor(`keep-alive ${n}`, () => live.pings >= n || (live.closed && 'closed'), o.keepAliveIntervalMs * 10 + 10_000).then((v) => {
        if (v === 'closed') throw new Error('the idle chip socket closed during the idle window');
      });
      await sleep(o.keepAliveIntervalMs / 2);
      return read();
    };
    const idleStart = await readAfterPing(o.warmupPings);
    const pingsAtStart = live.pings;
    const perInterval: number[] = [];
    let previous = idleStart;
    for (let n = pingsAtStart + 1; n <= pingsAtStart + o.pings; n++) {
      const now = await readAfterPing(n);
      perInterval.push(now.provider.total - previous.provider.total);
      previous = now;
    }
    const idleEnd = previous;
    const pings = live.pings - pingsAtStart;
    const reconnectsDuringIdle = whatsapp.connections.filter((c) => !idleKnown.has(c)).length - 1;
    await closeAndSettle(idleChip);

    const window = traffic(idleStart, idleEnd);
    const perKeepAlive = scaleTraffic(window, 1 / pings);
    const perHour = scale(perKeepAlive.provider, KEEPALIVES_PER_HOUR);
    // Exact in bytes (bigint), then the rules turn bytes into GB and money.
    const perMonthBytes = divideRoundingHalfUp(BigInt(window.provider.total) * BigInt(KEEPALIVES_PER_HOUR * HOURS_PER_MONTH), BigInt(pings));
    const login = { toOpen: medianTraffic(logins.map((l) => l.toOpen)), settled: medianTraffic(logins.map((l) => l.settled)) };
    return {
      options: o,
      postgres: postgres.embedded ? 'embedded' : 'DATABASE_URL server',
      setupSeconds,
      pairing,
      logins,
      login,
      idle: {
        keepAliveIntervalMs: o.keepAliveIntervalMs,
        pings,
        window,
        perKeepAlive,
        perIntervalProviderBytes: summarize(perInterval),
        perHour,
        perHourGateway: scale(perKeepAlive.gateway, KEEPALIVES_PER_HOUR),
        perHourPayload: scale(perKeepAlive.payload, KEEPALIVES_PER_HOUR),
        perMonthBytes: perMonthBytes.toString(),
        perMonthGb: gbString(perMonthBytes),
        perMonthDisplay: formatBytes(perMonthBytes),
        perMonthCost: usageCost(perMonthBytes, DEMO_PRICE_PER_GB),
        pricePerGb: DEMO_PRICE_PER_GB,
        currency: DEMO_CURRENCY,
        scaling:
          `${pings} keep-alives measured at a compressed ${o.keepAliveIntervalMs} ms interval; bytes per keep-alive × ${KEEPALIVES_PER_HOUR} ` +
          `keep-alives an hour (WhatsApp Web's ${REAL_KEEPALIVE_MS / 1000} s) × ${HOURS_PER_MONTH} h (a 30-day month); GB = 1024³ bytes`,
        loginEqualsIdleHours: login.settled.provider.total / perHour.total,
        reconnectsDuringIdle,
      },
      gatewayErrors,
    };
  } finally {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup.run().catch((error: unknown) => console.error(`  cleanup of ${cleanup.what} failed: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

/** GB (1024³ bytes) with 6 decimals, rounded half-up. */
function gbString(bytes: bigint): string {
  return formatFixed(divideRoundingHalfUp(bytes * powerOfTen(6), BYTES_PER_GB), 6);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const b = (n: number, digits = 0) => `${fmt(n, digits)} B`;

export function formatWhatsAppBench(r: WhatsAppBenchResult): string {
  const row = (label: string, t: Traffic, digits = 0) => [
    label,
    b(t.provider.sent, digits),
    b(t.provider.received, digits),
    b(t.provider.total, digits),
    b(t.gateway.sent, digits),
    b(t.gateway.received, digits),
    b(t.payload.sent, digits),
    b(t.payload.received, digits),
    `${fmt(t.overheadPct, 1)} %`,
  ];
  const { pairing: p, login, idle } = r;
  const perHour: Traffic = {
    provider: idle.perHour,
    gateway: idle.perHourGateway,
    payload: idle.perHourPayload,
    overheadPct: idle.perKeepAlive.overheadPct,
    ms: 3_600_000,
  };
  const loginRange = (pick: (s: LoginSample) => number) => {
    const values = r.logins.map(pick);
    return `${fmt(Math.min(...values), 0)}–${fmt(Math.max(...values), 0)} B`;
  };
  const rows = [
    ['One chip, bytes the customer pays (sent = chip → WhatsApp)', 'provider sent', 'provider recv', 'provider total', 'gateway sent', 'gateway recv', 'WA payload sent', 'WA payload recv', 'overhead'],
    row(`Pairing: no creds → QR → scan → 515 → first open (${fmt(p.openAfterMs / 1000, 1)} s, ${p.connections} sockets)`, p.toFirstOpen),
    row('  registration socket (pair-device refs, scan, pair-success, 515)', p.registrationSocket),
    row(`  first login after the 515, to open (uploads ${p.preKeysUploaded} pre-keys)`, p.firstLogin),
    row(`Pairing incl. the post-login exchange (last byte ${fmt(p.lastByteAfterOpenMs / 1000, 1)} s after open)`, p.settled),
    row(`Login: paired chip reconnects → open (median of ${r.logins.length})`, login.toOpen),
    row(`Login incl. the post-login exchange (median of ${r.logins.length})`, login.settled),
    row(`Idle, per keep-alive (${idle.pings} at ${idle.keepAliveIntervalMs} ms, mean)`, idle.perKeepAlive, 1),
    row(`Idle, per hour (× ${KEEPALIVES_PER_HOUR} keep-alives at ${REAL_KEEPALIVE_MS / 1000} s)`, perHour),
  ];
  const lastBytes = r.logins.map((s) => `${fmt(s.lastByteAfterOpenMs / 1000, 1)} s${s.settledBy === 'cap' ? ' (still moving at the cap)' : ''}`).join(', ');
  const spread = idle.perIntervalProviderBytes;
  const gatewayMatches =
    [p.settled, login.settled, idle.window].every((t) => t.gateway.sent === t.provider.sent && t.gateway.received === t.provider.received)
      ? 'the gateway counted exactly what the provider counted, in both directions, for every figure'
      : 'the gateway and the provider counts DIFFER for some figure (see the columns)';
  return [
    table(rows),
    `  pairing timeline: QR shown at ${fmt(p.qrAfterMs / 1000, 1)} s, registration socket done (515) at ${fmt(p.registrationSocket.ms / 1000, 1)} s, open at ${fmt(p.openAfterMs / 1000, 1)} s (the first login generates and uploads the pre-keys before open)`,
    `  logins: ${r.logins.length} × to open ${loginRange((s) => s.toOpen.provider.total)}, incl. post-login ${loginRange((s) => s.settled.provider.total)}; last byte after open: ${lastBytes}`,
    `  idle: provider bytes per keep-alive interval min ${fmt(spread.min, 0)} / p50 ${fmt(spread.p50, 0)} / max ${fmt(spread.max, 0)} B; ${idle.reconnectsDuringIdle} reconnects during the idle window`,
    '',
    `  Idle chip through the gateway: ${fmt(idle.perHour.total, 0)} B/hour (${fmt(idle.perHour.sent, 0)} sent + ${fmt(idle.perHour.received, 0)} received)`,
    `    → ${idle.perMonthGb} GB per chip-month (${BigInt(idle.perMonthBytes).toLocaleString('en-US')} B, ${idle.perMonthDisplay})`,
    `    → ${idle.currency} ${idle.perMonthCost} per chip-month at the demo price of ${idle.currency} ${idle.pricePerGb}/GB`,
    `    scaling: ${idle.scaling}`,
    `  One login (incl. post-login) costs as much as ${fmt(idle.loginEqualsIdleHours, 1)} hours of idle; one pairing as much as ${fmt(p.settled.provider.total / idle.perHour.total, 1)} hours.`,
    '',
    `  provider = the Smartproxy stand-in's own account count; gateway = Chipgate's per-chip counters (gateway↔provider leg); ${gatewayMatches}.`,
    '  WA payload = WebSocket payload (Noise frames) the WhatsApp stand-in counted on the chip\'s connections; overhead = provider ÷ payload − 1:',
    '  the proxy CONNECT (with its Proxy-Authorization) and its reply, the WebSocket upgrade, WebSocket frame headers (client frames masked), close frames.',
    '  Plain ws:// to a loopback stand-in: WhatsApp itself is wss://, whose TLS handshake (certificates) per connection and ~22 B per TLS record come on top.',
    "  A keep-alive's IQ id is Baileys' random tag prefix plus a per-socket counter, nibble-packed (½ B a digit, both ways): the prefix moves a run by ±2 B",
    `  per keep-alive; with the default 60 keep-alives the window's counter has 2 digits, a socket that lives a month reaches 5–6, i.e. about +3 B per keep-alive (≈ +3 %) late in the month.`,
    `  The stand-in sends nothing unprompted: real WhatsApp also pushes notifications, receipts and offline messages, so a real idle chip moves more.${
      r.gatewayErrors.length ? `\n  gateway errors: ${r.gatewayErrors.slice(0, 5).join(' | ')}` : ''
    }`,
  ].join('\n');
}
