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
import { UserBudgets, type QuotaLessor } from './user-budgets';
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
  /**
   * The live budget of chips registered with an owner: their bytes are drawn from leases of the
   * owner's allowance, and the owner's tunnels are cut when it is used. Absent: no live quota.
   */
  quota?: QuotaLessor;
  /** After a refusal at 100%, how long new connections are refused before the budget is asked again. */
  quotaRetryMs?: number;
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
  /** The chip's owner, whose allowance its bytes draw on. */
  ownerId?: string;
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
   * exit-IP probe): the same upstream and pause, counted apart in `readCounters(chipId, 'platform')`
   * and never drawn from the owner's budget.
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
  ownerId: string | null;
  ledgers: Record<TrafficKind, ByteLedger>;
}

interface ChipConnection {
  chip: Chip;
  kind: TrafficKind;
  ledger: ByteLedger;
}

const QUOTA_REFUSAL = 'chip paused: monthly quota reached';
// Tunnels are charged as their data arrives; this catches what moves on plain HTTP forwards.
const BUDGET_POLL_MS = 250;

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
  quota,
  quotaRetryMs,
}: MeteringGatewayOptions = {}): Promise<MeteringGateway> {
  const chips = new Map<string, Chip>();
  const connectionChips = new Map<number, ChipConnection>();
  /** The provider leg of each tunnel, held (not read) while its owner's next lease is being asked for. */
  const tunnels = new Map<number, net.Socket>();
  const metered = new WeakSet<net.Socket>();
  const held = new WeakSet<net.Socket>();
  const holdTunnel = (socket: net.Socket | undefined): void => {
    if (!socket) return;
    held.add(socket);
    socket.pause();
  };
  const releaseTunnel = (socket: net.Socket | undefined): void => {
    if (!socket || !held.delete(socket)) return;
    socket.resume();
  };
  // proxy-chain pipes the tunnel, and a pipe resumes its source whenever the chip's side drains: a
  // held tunnel is paused again at once, or a slow client would let the provider's bytes flow unleased.
  const keepHeld = (socket: net.Socket): void => {
    socket.on('resume', () => {
      if (held.has(socket)) socket.pause();
    });
  };
  let closing: Promise<void> | null = null;

  const connectionsOfChip = (chip: Chip): number[] => [...chip.ledgers.chip.connectionIds(), ...chip.ledgers.platform.connectionIds()];
  // Holding, releasing or cutting a user's tunnels, and settling a user's budget when their last chip
  // leaves, look at that user's chips only, not at every chip this worker carries.
  const chipsOfOwner = new Map<string, Set<Chip>>();
  const unindex = (chip: Chip): void => {
    const owned = chip.ownerId === null ? undefined : chipsOfOwner.get(chip.ownerId);
    owned?.delete(chip);
    if (owned?.size === 0) chipsOfOwner.delete(chip.ownerId!);
  };
  const ownedBy = (chip: Chip, ownerId: string | null): void => {
    unindex(chip);
    chip.ownerId = ownerId;
    if (ownerId !== null) chipsOfOwner.set(ownerId, (chipsOfOwner.get(ownerId) ?? new Set()).add(chip));
  };
  const connectionsOf = (ownerId: string): number[] => [...(chipsOfOwner.get(ownerId) ?? [])].flatMap((chip) => chip.ledgers.chip.connectionIds());
  const budgets = quota
    ? new UserBudgets(
        quota,
        {
          hold: (ownerId) => connectionsOf(ownerId).forEach((id) => holdTunnel(tunnels.get(id))),
          release: (ownerId) => connectionsOf(ownerId).forEach((id) => releaseTunnel(tunnels.get(id))),
          cut: (ownerId) => cut(connectionsOf(ownerId), QUOTA_REFUSAL),
        },
        { ...(quotaRetryMs !== undefined ? { retryMs: quotaRetryMs } : {}), onError: (err, userId) => onError(new Error(`Could not lease quota budget of user ${userId}: ${messageOf(err)}`)) },
      )
    : undefined;

  /** Charges the owner's budget with what the chip's own traffic moved since it was last read; platform traffic is not the owner's. */
  const charge = ({ chip, kind }: ChipConnection, added: bigint): void => {
    if (budgets && kind === 'chip' && chip.ownerId !== null && chips.get(chip.id) === chip && !closing) budgets.charge(chip.ownerId, chip.id, added);
  };
  const observe = (connection: ChipConnection, connectionId: number): void => {
    const stats = server.getConnectionStats(connectionId);
    if (stats) charge(connection, connection.ledger.observe(connectionId, readingOf(stats)));
  };
  const meterSocket = (socket: net.Socket | undefined, connection: ChipConnection, connectionId: number): void => {
    if (!socket || metered.has(socket)) return;
    metered.add(socket);
    socket.on('data', () => observe(connection, connectionId));
  };
  const budgeted = (connection: ChipConnection): connection is ChipConnection & { chip: { ownerId: string } } =>
    budgets !== undefined && connection.kind === 'chip' && connection.chip.ownerId !== null;

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
    return chip && named && passwordMatches(password, chip.credentials[named.kind].password) ? { chip, kind: named.kind, ledger: chip.ledgers[named.kind] } : null;
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
    if (budgets && budgeted(authenticated) && !(await budgets.admit(authenticated.chip.ownerId, chip.id))) throw new RequestError(QUOTA_REFUSAL, 403);
    connectionChips.set(connectionId, authenticated);
    ledger.open(connectionId);
    if (budgeted(authenticated)) meterSocket(server.connections.get(connectionId), authenticated, connectionId);
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
    tunnels.delete(connectionId);
    charge(connection, connection.ledger.close(connectionId, stats && readingOf(stats)));
  });
  server.on('tunnelConnectResponded', ({ proxyChainId, socket }: { proxyChainId: number; socket: net.Socket }) => {
    const connection = connectionChips.get(proxyChainId);
    if (!connection || !budgeted(connection)) return;
    tunnels.set(proxyChainId, socket);
    keepHeld(socket);
    meterSocket(socket, connection, proxyChainId);
  });
  const budgetPoll = budgets
    ? setInterval(() => {
        for (const [connectionId, connection] of connectionChips) if (budgeted(connection)) observe(connection, connectionId);
      }, BUDGET_POLL_MS).unref()
    : undefined;
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
  const observeAll = (chip: Chip, kind: TrafficKind): void => {
    const ledger = chip.ledgers[kind];
    for (const connectionId of ledger.connectionIds()) observe({ chip, kind, ledger }, connectionId);
  };

  return {
    url,
    port: server.port,

    registerChip(chipId, { resolveUpstream, ownerId }) {
      if (closing) throw new Error(`Cannot register chip ${chipId}: the metering gateway is closed`);
      if (typeof resolveUpstream !== 'function') {
        throw new TypeError(`resolveUpstream of chip ${chipId} must be a function returning the upstream proxy URL`);
      }
      const existing = chips.get(chipId);
      if (existing) {
        existing.resolveUpstream = resolveUpstream;
        ownedBy(existing, ownerId ?? existing.ownerId);
        return { ...existing.credentials.chip };
      }
      const credentials = { chip: newCredential(chipId, 'chip'), platform: newCredential(chipId, 'platform') };
      const ledgers = { chip: new ByteLedger(), platform: new ByteLedger() };
      const chip: Chip = { id: chipId, credentials, resolveUpstream, pausedReason: null, ownerId: null, ledgers };
      chips.set(chipId, chip);
      ownedBy(chip, ownerId ?? null);
      return { ...credentials.chip };
    },

    platformCredential(chipId) {
      return { ...requireChip(chipId).credentials.platform };
    },

    unregisterChip(chipId) {
      const chip = chips.get(chipId);
      if (!chip) return;
      observeAll(chip, 'chip');
      chips.delete(chipId);
      cut(connectionsOfChip(chip), `chip ${chipId} unregistered`);
      const { ownerId } = chip;
      unindex(chip);
      if (budgets && ownerId !== null && !chipsOfOwner.has(ownerId)) void budgets.settle(ownerId);
    },

    pauseChip(chipId, reason) {
      if (typeof reason !== 'string' || reason.trim() === '') {
        throw new RangeError(`pauseChip(${chipId}) needs a reason to tell the chip's clients, got ${typeof reason === 'string' ? JSON.stringify(reason) : typeof reason}`);
      }
      const chip = requireChip(chipId);
      chip.pausedReason = reason;
      cut(connectionsOfChip(chip), `chip paused: ${reason}`);
    },

    resumeChip(chipId) {
      const chip = requireChip(chipId);
      chip.pausedReason = null;
      if (chip.ownerId !== null) budgets?.reconsider(chip.ownerId);
    },

    isPaused(chipId) {
      return requireChip(chipId).pausedReason !== null;
    },

    readCounters(chipId, kind = 'chip') {
      const chip = requireChip(chipId);
      observeAll(chip, kind);
      return chip.ledgers[kind].totals();
    },

    openConnections() {
      return server.getConnectionIds().length;
    },

    close() {
      closing ??= (async () => {
        clearInterval(budgetPoll);
        const stopped = server.close(false);
        cut(server.getConnectionIds(), 'metering gateway closed');
        await stopped;
        await budgets?.settleAll();
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
