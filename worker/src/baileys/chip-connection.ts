import type { IncomingMessage } from 'node:http';
import { DisconnectReason, jidDecode, makeCacheableSignalKeyStore, makeWASocket, type SocketConfig, type WASocket } from '@whiskeysockets/baileys';
import type { ProxyAgent } from 'undici';
import type { Db } from '@chipgate/db';
import { withoutCredentials } from '@chipgate/activities/logging/redact';
import { openChipProxyRoute, type ChipProxyAgent } from './chip-proxy-route';
import { usePostgresAuthState } from './postgres-auth-state';
import { reconnectBackoff, reconnectDelayMs } from './reconnect-backoff';
import { silentLogger } from './silent-logger';
import { enforceSignatureVerification } from './whatsapp-certificate';

export type ChipSocketState = 'connecting' | 'qr' | 'open' | 'closed' | 'logged_out';

export interface ChipStateDetail {
  /** The raw QR payload; the web app renders it. */
  qr?: string;
  pairingCode?: string;
  /** Why the socket closed, free of credentials. */
  reason?: string;
  /** Set on 'closed' when another attempt is scheduled; absent when the chip stays closed. */
  reconnectInMs?: number;
  /** On 'open': the number of the WhatsApp account the chip is logged in as (digits, country code first). */
  phoneNumber?: string;
}

export interface ChipConnectionOptions {
  chipId: string;
  db: Db;
  /** The chip's credential URL on the metering gateway; every byte of the chip goes through it. */
  proxyUrl: string;
  /** WhatsApp's endpoint unless given (tests point it at a stand-in). */
  waWebSocketUrl?: string;
  /** Called in order, one call at a time; a rejection is logged and does not stop the chip. */
  onState(state: ChipSocketState, detail?: ChipStateDetail): void | Promise<void>;
  /** Pair by code on this number (digits, country code first) instead of by QR alone. */
  pairingPhoneNumber?: string;
  logger?: SocketConfig['logger'];
  /** Baileys' keep-alive ping interval (default 30 s, as WhatsApp Web). */
  keepAliveIntervalMs?: number;
  /** Ceiling of the first reconnect delay (default 1 s); doubles per failed attempt, with jitter. */
  reconnectBaseDelayMs?: number;
  /** Cap on any reconnect delay (default 60 s). */
  reconnectMaxDelayMs?: number;
}

export interface ChipConnection {
  /** Ends the socket, stops reconnecting, saves the latest creds and releases the proxy route. */
  close(): Promise<void>;
  /** The live socket, if one is open or opening. */
  socket(): WASocket | undefined;
  /** undici dispatcher through the chip's proxy, for any HTTP the chip does outside Baileys. */
  dispatcher: ProxyAgent;
  /** http.Agent (and dispatcher) through the chip's proxy: the socket's WebSocket and upload agent. */
  agent: ChipProxyAgent;
}

/**
 * The `ws` client only errors on a refused upgrade when nobody listens for 'unexpected-response';
 * Baileys re-emits (so listens to) every ws event but never handles that one, so without this a
 * proxy answering 407 leaves the chip 'connecting' forever. Not a Boom on purpose: a status here
 * is HTTP's, and must never be read as Baileys' 401 "logged out", which wipes the auth state.
 */
class UpgradeRefusedError extends Error {
  constructor(response: IncomingMessage) {
    const status = `HTTP ${response.statusCode ?? '?'} ${response.statusMessage ?? ''}`.trim();
    super(
      response.statusCode === 407
        ? `the proxy refused the chip's credential (${status})`
        : `the WebSocket upgrade was refused with ${status} (by the proxy or by WhatsApp)`,
    );
    this.name = 'UpgradeRefusedError';
  }
}

const PHONE_NUMBER = /^[1-9]\d{6,14}$/;

export async function connectChipSocket(opts: ChipConnectionOptions): Promise<ChipConnection> {
  const { chipId, db, onState } = opts;
  if (opts.pairingPhoneNumber !== undefined && !PHONE_NUMBER.test(opts.pairingPhoneNumber)) {
    throw new RangeError('pairingPhoneNumber must be 7-15 digits with the country code first and no "+", spaces or dashes');
  }
  if (opts.waWebSocketUrl !== undefined) assertWebSocketUrl(opts.waWebSocketUrl);
  enforceSignatureVerification();
  const backoff = reconnectBackoff(opts);
  const logger = opts.logger ?? silentLogger;

  const route = openChipProxyRoute(opts.proxyUrl);
  const auth = await usePostgresAuthState(db, chipId).catch(async (error: unknown) => {
    await route.close();
    throw error;
  });
  const keys = makeCacheableSignalKeyStore(auth.state.keys, logger);

  let current: WASocket | undefined;
  let stopped = false;
  let forgotten = false;
  let attempt = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let socketEnded: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;

  let states: Promise<void> = Promise.resolve();
  const report = (state: ChipSocketState, detail?: ChipStateDetail): void => {
    states = states
      .then(() => onState(state, detail))
      .catch((error: unknown) => logger.error({ chipId, err: describeError(error) }, `chip state handler failed on '${state}'`));
  };

  const saveCreds = (): Promise<void> =>
    forgotten
      ? Promise.resolve()
      : auth.saveCreds().catch((error: unknown) => logger.error({ chipId, err: describeError(error) }, 'saving the chip creds failed'));

  const afterClose = async (sock: WASocket | undefined, error: Error | undefined): Promise<void> => {
    if (current === sock) current = undefined;
    const reason = describeDisconnect(error);
    if (disconnectStatus(error) === DisconnectReason.loggedOut) {
      stopped = true;
      forgotten = true;
      await auth.clear().catch((clearError: unknown) => logger.error({ chipId, err: describeError(clearError) }, 'clearing the logged-out chip auth state failed'));
      report('logged_out', { reason });
      return;
    }
    forgetUnfinishedCodePairing();
    if (stopped) {
      report('closed', { reason: 'closed on request' });
      return;
    }
    // The same proxy URL again: the gateway keeps the chip on its sticky session, so its exit IP stays.
    const reconnectInMs = reconnectDelayMs(attempt++, backoff);
    report('closed', { reason, reconnectInMs });
    retryTimer = setTimeout(open, reconnectInMs);
  };

  /**
   * Asking for a pairing code makes Baileys set `creds.me` before any phone linked the chip; a socket
   * that ends before the link (the code expired) would then try to log in as an unlinked device and
   * be told 401, which reads as "logged out" and wipes the chip. Pairing completed sets `account`.
   */
  function forgetUnfinishedCodePairing(): void {
    if (auth.state.creds.me && !auth.state.creds.account) {
      auth.state.creds.me = undefined;
      auth.state.creds.registered = false;
      void saveCreds();
    }
  }

  function open(): void {
    retryTimer = undefined;
    report('connecting');
    let sock: WASocket;
    try {
      sock = makeWASocket({
        ...route.socketConfig,
        ...(opts.waWebSocketUrl !== undefined ? { waWebSocketUrl: opts.waWebSocketUrl } : {}),
        auth: { creds: auth.state.creds, keys },
        logger,
        ...(opts.keepAliveIntervalMs !== undefined ? { keepAliveIntervalMs: opts.keepAliveIntervalMs } : {}),
      });
    } catch (error) {
      void afterClose(undefined, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    current = sock;
    let endedNow!: () => void;
    socketEnded = new Promise((resolve) => (endedNow = resolve));
    let pairingCode: Promise<string | undefined> | undefined;
    let opened = false;

    sock.ev.on('creds.update', () => void saveCreds());
    sock.ws.on('unexpected-response', (_request: unknown, response: IncomingMessage) => {
      response.resume();
      void sock.end(new UpgradeRefusedError(response));
    });
    sock.ev.on('connection.update', (update) => {
      if (update.qr) {
        const qr = update.qr;
        if (opts.pairingPhoneNumber !== undefined && !auth.state.creds.registered) {
          pairingCode ??= sock.requestPairingCode(opts.pairingPhoneNumber).catch((error: unknown) => {
            logger.warn({ chipId, err: describeError(error) }, 'requesting a pairing code failed; the QR still works');
            return undefined;
          });
        }
        void (pairingCode ?? Promise.resolve(undefined)).then((code) => {
          // A code that took its time must not report a QR for a socket that has since opened or closed.
          if (current === sock && !opened) report('qr', code ? { qr, pairingCode: code } : { qr });
        });
      }
      if (update.connection === 'open') {
        opened = true;
        attempt = 0;
        const phoneNumber = jidDecode(sock.user?.id)?.user;
        report('open', phoneNumber ? { phoneNumber } : undefined);
      }
      if (update.connection === 'close') {
        void afterClose(sock, update.lastDisconnect?.error).finally(endedNow);
      }
    });
  }

  open();

  return {
    dispatcher: route.dispatcher,
    agent: route.agent,
    socket: () => current,
    close() {
      closing ??= (async () => {
        stopped = true;
        clearTimeout(retryTimer);
        // Closing the WebSocket, rather than calling sock.end(), lets Baileys' own close listeners
        // run: sock.end() drops them first, which leaves a pending handshake wait's 20 s timer
        // behind. A socket Baileys already ended needs nothing more.
        const ws = current?.ws;
        if (ws && (ws.isOpen || ws.isConnecting)) await ws.close();
        await socketEnded;
        await saveCreds();
        await states;
        await route.close();
      })();
      return closing;
    },
  };
}

function assertWebSocketUrl(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('waWebSocketUrl is not a valid URL (expected ws:// or wss://<host>/ws/chat)');
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`waWebSocketUrl must use ws: or wss:, got ${url.protocol}`);
  }
}

function disconnectStatus(error: Error | undefined): number | undefined {
  const status = (error as { output?: { statusCode?: unknown } } | undefined)?.output?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function describeDisconnect(error: Error | undefined): string {
  if (!error) return 'closed without an error';
  const status = disconnectStatus(error);
  const message = describeError(error);
  if (status === undefined) return message;
  const name = (DisconnectReason as unknown as Record<number, string | undefined>)[status];
  return `${message} (${name ? `${name}, ` : ''}status ${status})`;
}

function describeError(error: unknown): string {
  return withoutCredentials(error instanceof Error ? error.message : String(error));
}
