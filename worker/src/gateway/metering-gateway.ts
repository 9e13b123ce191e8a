/**
 * The metering gateway: a local proxy each chip's clients (Baileys' WebSocket agent, the undici
 * dispatcher for media) reach with a per-chip credential. It chains every connection to the chip's
 * upstream provider proxy and counts the chip's bytes live, so usage is attributed per chip even
 * though the provider reports per account.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import {
  RequestError,
  Server,
  SOCKS_PROTOCOLS,
  type ConnectionStats,
  type PrepareRequestFunctionOpts,
  type PrepareRequestFunctionResult,
} from 'proxy-chain';
import { ByteLedger, type ByteCounts, type ConnectionReading } from './byte-ledger';
import { chipOfUsername, chipUsername, newChipPassword, passwordMatches, type TrafficKind } from './chip-credentials';
import { withoutCredentials } from '@chipgate/activities/logging/redact';
import { workerLog } from '../logger';

export type { ByteCounts } from './byte-ledger';
export type { TrafficKind } from './chip-credentials';

export interface MeteringGatewayOptions {
  host?: string;
  port?: number;
  /**
   * Receives failures a client only sees as a status code: an upstream that refused a tunnel, a
   * resolver that threw or returned an unusable URL. Messages never carry upstream credentials.
   */
  onError?: (error: Error) => void;
}

export interface ChipCredential {
  username: string;
  password: string;
  /** http://user:pass@host:port, for the chip's http.Agent and undici ProxyAgent. */
  proxyUrl: string;
}

export interface RegisterChipOptions {
  /** Called for every new connection; the URL may hold the provider password and is never logged. */
  resolveUpstream: () => Promise<string>;
}

export interface MeteringGateway {
  readonly url: string;
  readonly port: number;
  /**
   * Registers a chip, or replaces the resolver of one already registered (its credential, pause and
   * counters stay, so clients configured with its proxyUrl keep working).
   */
  registerChip(chipId: string, opts: RegisterChipOptions): ChipCredential;
  /**
   * The chip's second credential, for the platform's own requests through the chip's proxy (the
   * exit-IP probe): the same upstream and pause, counted apart in `readCounters(chipId, 'platform')`.
   */
  platformCredential(chipId: string): ChipCredential;
  /** Forgets the chip and cuts its live connections; unknown chips are ignored. */
  unregisterChip(chipId: string): void;
  /** Refuses the chip's new connections with 403 "chip paused: <reason>" and cuts its live ones. */
  pauseChip(chipId: string, reason: string): void;
  resumeChip(chipId: string): void;
  isPaused(chipId: string): boolean;
  /** Bytes since registration: closed connections plus open ones up to now. Still readable after close(). */
  readCounters(chipId: string, kind?: TrafficKind): ByteCounts;
  /** Connections open through the gateway now, every chip's. */
  openConnections(): number;
  /** Cuts every connection and stops listening; counters stay readable for a final flush. */
  close(): Promise<void>;
}

interface Chip {
  id: string;
  credentials: Record<TrafficKind, ChipCredential>;
  resolveUpstream: () => Promise<string>;
  pausedReason: string | null;
  ledgers: Record<TrafficKind, ByteLedger>;
}

interface ChipConnection {
  chip: Chip;
  ledger: ByteLedger;
}

const UPSTREAM_PROTOCOLS = new Set(['http:', 'https:', ...SOCKS_PROTOCOLS]);

/**
 * The provider bills what crosses the gateway↔provider sockets, so a chip's bytes are proxy-chain's
 * trg* counts: trgTxBytes (gateway→provider: what the chip sends, plus the CONNECT request to the
 * provider) and trgRxBytes (provider→gateway: what it receives, plus the provider's CONNECT reply).
 * The src* counts are the loopback leg from the chip's client, which the provider never sees and which
 * carries the gateway's own credential exchange instead of the provider's.
 */
function readingOf(stats: ConnectionStats): ConnectionReading {
  return { sent: stats.trgTxBytes, received: stats.trgRxBytes };
}

export async function startMeteringGateway({
  host = '127.0.0.1',
  port = 0,
  onError = (error) => workerLog.error({ component: 'metering-gateway', err: error }, 'gateway connection failed'),
}: MeteringGatewayOptions = {}): Promise<MeteringGateway> {
  const chips = new Map<string, Chip>();
  const connectionChips = new Map<number, ChipConnection>();
  let closing: Promise<void> | null = null;

  // Plain-HTTP requests are forwarded on fresh upstream sockets. Node's default agent pools them, and
  // proxy-chain counts a pooled socket from a baseline it resets whenever another connection (maybe
  // another chip's) picks it up, so the earlier connection's bytes would be miscounted.
  const forwardAgents = {
    httpAgent: new http.Agent({ keepAlive: false }),
    httpsAgent: new https.Agent({ keepAlive: false }),
  };

  const requireChip = (chipId: string): Chip => {
    const chip = chips.get(chipId);
    if (!chip) throw new Error(`chip ${chipId} is not registered with this worker's metering gateway`);
    return chip;
  };

  const authenticate = (username: string, password: string): ChipConnection | null => {
    const named = chipOfUsername(username);
    const chip = named === null ? undefined : chips.get(named.chipId);
    return chip && named && passwordMatches(password, chip.credentials[named.kind].password) ? { chip, ledger: chip.ledgers[named.kind] } : null;
  };

  const assertMayConnect = (chip: Chip): void => {
    if (closing) throw new RequestError('Metering gateway is shutting down', 503);
    if (chips.get(chip.id) !== chip) throw new RequestError('Invalid proxy credentials', 407);
    if (chip.pausedReason !== null) throw new RequestError(`chip paused: ${chip.pausedReason}`, 403);
  };

  const resolveUpstream = async (chip: Chip): Promise<string> => {
    let upstreamUrl: string;
    try {
      upstreamUrl = await chip.resolveUpstream();
    } catch (error) {
      onError(new Error(`Could not resolve the upstream proxy of chip ${chip.id}: ${withoutCredentials(messageOf(error))}`));
      throw new RequestError(`Upstream proxy of chip ${chip.id} is unavailable`, 502);
    }
    const problem = upstreamUrlProblem(upstreamUrl);
    if (problem !== null) {
      onError(new Error(`Upstream proxy URL of chip ${chip.id} ${problem}`));
      throw new RequestError(`Upstream proxy of chip ${chip.id} is misconfigured`, 502);
    }
    return upstreamUrl;
  };

  const prepareRequest = async ({
    connectionId,
    username,
    password,
    isHttp,
  }: PrepareRequestFunctionOpts): Promise<PrepareRequestFunctionResult> => {
    const authenticated = authenticate(username, password);
    if (!authenticated) return { requestAuthentication: true, failMsg: 'Invalid proxy credentials' };
    const { chip, ledger } = authenticated;
    // A keep-alive connection carries one chip's one kind of traffic only, or its bytes could not be told apart.
    const boundTo = connectionChips.get(connectionId);
    if (boundTo && boundTo.ledger !== ledger) {
      throw new RequestError('This connection already carries another chip; open one connection per chip', 403);
    }
    assertMayConnect(chip);
    connectionChips.set(connectionId, authenticated);
    ledger.open(connectionId);
    const upstreamProxyUrl = await resolveUpstream(chip);
    // Pause, unregister or close may have happened while the upstream was being resolved.
    assertMayConnect(chip);
    return { upstreamProxyUrl, customTag: chip.id, ...(isHttp ? forwardAgents : {}) };
  };

  const server = new Server({ host, port, prepareRequestFunction: prepareRequest, authRealm: 'Chipgate' });

  server.on('connectionClosed', ({ connectionId, stats }: { connectionId: number; stats?: ConnectionStats }) => {
    const connection = connectionChips.get(connectionId);
    if (!connection) return;
    connectionChips.delete(connectionId);
    connection.ledger.close(connectionId, stats && readingOf(stats));
  });
  server.on('tunnelConnectFailed', ({ customTag, response }: { customTag: unknown; response: http.IncomingMessage }) => {
    onError(new Error(`Upstream proxy refused a tunnel of chip ${String(customTag)} with HTTP ${response.statusCode}`));
  });
  server.on('requestFailed', ({ error }: { error: unknown }) => {
    onError(new Error(`Metering gateway failed a request: ${withoutCredentials(messageOf(error))}`));
  });

  const cut = (connectionIds: Iterable<number>, reason: string): void => {
    for (const connectionId of connectionIds) {
      // Destroying with an error (unlike closeConnection) makes proxy-chain destroy the upstream socket
      // too, instead of half-closing it and draining what the provider still sends: bytes the provider
      // bills after the connection's last reading.
      server.connections.get(connectionId)?.destroy(new Error(reason));
    }
  };

  try {
    await server.listen();
  } catch (error) {
    throw new Error(`Metering gateway could not listen on ${host}:${port}: ${messageOf(error)}`);
  }
  const url = `http://${net.isIPv6(host) ? `[${host}]` : host}:${server.port}`;
  const newCredential = (chipId: string, kind: TrafficKind): ChipCredential => {
    const username = chipUsername(chipId, kind);
    const password = newChipPassword();
    return { username, password, proxyUrl: `http://${encodeURIComponent(username)}:${encodeURIComponent(password)}@${url.slice('http://'.length)}` };
  };
  const connectionsOf = (chip: Chip): number[] => [...chip.ledgers.chip.connectionIds(), ...chip.ledgers.platform.connectionIds()];

  return {
    url,
    port: server.port,

    registerChip(chipId, { resolveUpstream }) {
      if (closing) throw new Error(`Cannot register chip ${chipId}: the metering gateway is closed`);
      if (typeof resolveUpstream !== 'function') {
        throw new TypeError(`resolveUpstream of chip ${chipId} must be a function returning the upstream proxy URL`);
      }
      const existing = chips.get(chipId);
      if (existing) {
        existing.resolveUpstream = resolveUpstream;
        return { ...existing.credentials.chip };
      }
      const credentials = { chip: newCredential(chipId, 'chip'), platform: newCredential(chipId, 'platform') };
      chips.set(chipId, { id: chipId, credentials, resolveUpstream, pausedReason: null, ledgers: { chip: new ByteLedger(), platform: new ByteLedger() } });
      return { ...credentials.chip };
    },

    platformCredential(chipId) {
      return { ...requireChip(chipId).credentials.platform };
    },

    unregisterChip(chipId) {
      const chip = chips.get(chipId);
      if (!chip) return;
      chips.delete(chipId);
      cut(connectionsOf(chip), `chip ${chipId} unregistered`);
    },

    pauseChip(chipId, reason) {
      if (typeof reason !== 'string' || reason.trim() === '') {
        throw new RangeError(`pauseChip(${chipId}) needs a reason to tell the chip's clients, got ${typeof reason === 'string' ? JSON.stringify(reason) : typeof reason}`);
      }
      const chip = requireChip(chipId);
      chip.pausedReason = reason;
      cut(connectionsOf(chip), `chip paused: ${reason}`);
    },

    resumeChip(chipId) {
      requireChip(chipId).pausedReason = null;
    },

    isPaused(chipId) {
      return requireChip(chipId).pausedReason !== null;
    },

    readCounters(chipId, kind = 'chip') {
      const ledger = requireChip(chipId).ledgers[kind];
      for (const connectionId of ledger.connectionIds()) {
        const stats = server.getConnectionStats(connectionId);
        if (stats) ledger.observe(connectionId, readingOf(stats));
      }
      return ledger.totals();
    },

    openConnections() {
      return server.getConnectionIds().length;
    },

    close() {
      closing ??= (async () => {
        const stopped = server.close(false);
        cut(server.getConnectionIds(), 'metering gateway closed');
        await stopped;
        forwardAgents.httpAgent.destroy();
        forwardAgents.httpsAgent.destroy();
      })();
      return closing;
    },
  };
}

function upstreamUrlProblem(upstreamUrl: unknown): string | null {
  if (typeof upstreamUrl !== 'string') return `is a ${typeof upstreamUrl}, not a URL string`;
  let parsed: URL;
  try {
    parsed = new URL(upstreamUrl);
  } catch {
    return 'cannot be parsed as a URL';
  }
  return UPSTREAM_PROTOCOLS.has(parsed.protocol) ? null : `has unsupported protocol "${parsed.protocol}"`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
