import { randomUUID } from 'node:crypto';
import type { ChipStatus, Db } from '@chipgate/db';
import type { CredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { loadResolvedProvider } from '@chipgate/activities/providers/resolve-provider';
import { buildProxyUrl } from '@chipgate/activities/providers/proxy-endpoint';
import { echoedExitIp } from '@chipgate/activities/providers/provider-client';
import { recordChipStatus, recordExitIp } from '@chipgate/activities/chip/chip-records';
import { flushTrafficCounters } from '@chipgate/activities/chip/traffic-counters';
import { recordPlatformTraffic } from '@chipgate/activities/chip/platform-traffic';
import { connectChipSocket, type ChipSocketState } from '../baileys/chip-connection';
import type { ByteCounts, MeteringGateway } from '../gateway/metering-gateway';
import { workerLog } from '../logger';

const DIRECT_IP_TTL_MS = 5 * 60_000;

/** Why a chip's connection ended on this worker without its workflow asking: what the workflow is told. */
export type ConnectionOutcome = 'logged_out' | 'disconnected' | 'worker_lost';

interface LiveChip {
  chipId: string;
  proxyId: string;
  counterId: string;
  proxyUrl: string;
  /** The gateway URL for the platform's own requests through the chip's proxy, counted apart and never billed. */
  platformProxyUrl: string;
  /** Platform bytes already added to platform_traffic. */
  platformRecorded: ByteCounts;
  socket: Awaited<ReturnType<typeof connectChipSocket>> | null;
  /** Counts as last written to chip_traffic_counters; null before the first flush creates the row. */
  flushed: { sent: bigint; received: bigint } | null;
  /** The socket's last reported state; `paused` while quota or an operator holds it. */
  state: ChipSocketState | 'paused';
}

const STATUS_OF: Record<ChipSocketState, ChipStatus> = {
  connecting: 'CONNECTING',
  qr: 'QR',
  open: 'OPEN',
  closed: 'CLOSED',
  logged_out: 'LOGGED_OUT',
};

export interface ChipConnectionsDeps {
  db: Db;
  cipher: CredentialCipher;
  gateway: MeteringGateway;
  workerId: string;
  ipEchoUrl: string;
  /** Where Baileys opens its WebSocket; unset means WhatsApp's own servers. */
  waWebSocketUrl?: string;
  /** Baileys' keep-alive ping interval; WhatsApp Web's 30 s unless set. */
  waKeepAliveMs?: number;
  reconnectBaseDelayMs?: number;
  /** Beyond this many chips the worker refuses new ones, so another worker takes them. */
  maxChips?: number;
  /**
   * This process's lease: while it is not valid (the worker stalled past its TTL) no socket opens
   * and no traffic enters the gateway, so a chip placed elsewhere meanwhile is never connected twice.
   * Absent only in tests that hold chips without a fleet.
   */
  lease?: { valid(): boolean };
  /** Tells the chip's workflow that its connection ended here by itself (logout, fencing). */
  onConnectionEnded?: (chipId: string, outcome: ConnectionOutcome) => Promise<void>;
}

/**
 * The chips whose sockets live on this worker: each is registered at the local metering gateway
 * (which chains to the chip's sticky provider session) and runs Baileys through it.
 */
export class ChipConnections {
  private readonly chips = new Map<string, LiveChip>();
  private readonly connecting = new Map<string, Promise<void>>();
  private direct: { at: number; ip: Promise<string | undefined> } | undefined;

  constructor(private readonly deps: ChipConnectionsDeps) {}

  has(chipId: string): boolean {
    return this.chips.has(chipId);
  }

  /** The chip's gateway URL with its per-chip credential: for the chip's own clients, never for logs. */
  proxyUrl(chipId: string): string {
    return this.live(chipId).proxyUrl;
  }

  async connect(chipId: string): Promise<void> {
    if (this.chips.has(chipId)) return;
    const underway = this.connecting.get(chipId);
    if (underway) return underway;
    // Chips still connecting count against the maximum, or connects arriving together would all fit.
    if (this.deps.maxChips !== undefined && this.chips.size + this.connecting.size >= this.deps.maxChips) {
      throw new WorkerFullError(`worker ${this.deps.workerId} already holds its maximum of ${this.deps.maxChips} chips`);
    }
    this.assertLease();
    const connecting = this.connectHere(chipId).finally(() => this.connecting.delete(chipId));
    this.connecting.set(chipId, connecting);
    return connecting;
  }

  private async connectHere(chipId: string): Promise<void> {
    const { db, cipher, gateway } = this.deps;
    await this.claim(chipId);
    const assignment = await db.chipProxyAssignment.findFirst({
      where: { chipId, releasedAt: null },
      select: { sessionId: true, chip: { select: { ownerId: true } }, proxy: { select: { id: true, kind: true, staticHost: true, staticPort: true, providerId: true } } },
    });
    if (!assignment) throw new Error(`chip ${chipId} has no live proxy assignment`);
    const { proxy, sessionId } = assignment;
    const lease = this.deps.lease;
    const credential = gateway.registerChip(chipId, {
      ownerId: assignment.chip.ownerId,
      // Resolved per connection so a rotated provider password takes effect without a restart; and
      // where traffic enters the gateway, so a worker whose lease lapsed carries none.
      async resolveUpstream() {
        if (lease && !lease.valid()) throw new Error(`chip ${chipId}: this worker's lease lapsed; it carries no traffic`);
        const { resolved } = await loadResolvedProvider(db, cipher, proxy.providerId);
        if (proxy.kind === 'STATIC') return buildProxyUrl({ ...resolved, server: proxy.staticHost!, port: proxy.staticPort! });
        return buildProxyUrl(resolved, sessionId);
      },
    });
    const chip: LiveChip = {
      chipId,
      proxyId: proxy.id,
      counterId: randomUUID(),
      proxyUrl: credential.proxyUrl,
      platformProxyUrl: gateway.platformCredential(chipId).proxyUrl,
      platformRecorded: { sent: 0n, received: 0n },
      socket: null,
      flushed: null,
      state: 'connecting',
    };
    this.chips.set(chipId, chip);
    await this.flush(chipId);
    await this.openSocket(chip);
  }

  /**
   * Fencing where the socket opens: the chip becomes this worker's only if no other worker with a
   * live lease holds it. A stalled holder's chip is taken once its lease has expired.
   */
  private async claim(chipId: string): Promise<void> {
    const { db, workerId } = this.deps;
    const claimed = await db.$executeRaw`
      UPDATE chips SET worker_id = ${workerId}, placement_generation = placement_generation + 1
       WHERE id = ${chipId}::uuid
         AND (worker_id IS NULL OR worker_id = ${workerId}
              OR NOT EXISTS (SELECT 1 FROM chip_workers w WHERE w.id = chips.worker_id AND w.expires_at > now()))`;
    if (claimed === 0) {
      const chip = await db.chip.findUnique({ where: { id: chipId }, select: { workerId: true } });
      if (!chip) throw new Error(`chip ${chipId} does not exist`);
      throw new ChipHeldElsewhereError(`chip ${chipId} is still held by worker ${chip.workerId ?? '?'}, whose lease has not expired`);
    }
  }

  private assertLease(): void {
    if (this.deps.lease && !this.deps.lease.valid()) throw new WorkerFencedError(`worker ${this.deps.workerId}'s lease is not valid; it takes no chips`);
  }

  /** The chips this worker holds now. */
  chipIds(): string[] {
    return [...this.chips.keys()];
  }

  /** Quota or an operator paused the chip: the gateway refuses it and Baileys stops, auth state kept. */
  async pause(chipId: string, reason: string): Promise<void> {
    const chip = this.live(chipId);
    this.deps.gateway.pauseChip(chipId, reason);
    await chip.socket?.close();
    chip.socket = null;
    chip.state = 'paused';
    await this.flush(chipId);
  }

  /** How many chips this worker holds, by their socket's state (for metrics). */
  heldByState(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const chip of this.chips.values()) counts[chip.state] = (counts[chip.state] ?? 0) + 1;
    return counts;
  }

  async resume(chipId: string): Promise<void> {
    const chip = this.live(chipId);
    this.deps.gateway.resumeChip(chipId);
    if (!chip.socket) await this.openSocket(chip);
  }

  async disconnect(chipId: string): Promise<void> {
    const chip = this.chips.get(chipId);
    if (!chip) return;
    await this.drop(chip);
    await this.deps.db.$executeRaw`UPDATE chips SET worker_id = NULL WHERE id = ${chipId}::uuid AND worker_id = ${this.deps.workerId}`;
  }

  /**
   * Chips this worker holds in memory that the database says it does not (taken over after a stall,
   * or released): dropped here, so a socket never outlives its claim.
   */
  async dropUnclaimed(): Promise<void> {
    const mine = this.chipIds();
    if (mine.length === 0) return;
    const claimed = await this.deps.db.chip.findMany({ where: { id: { in: mine }, workerId: this.deps.workerId }, select: { id: true } });
    const keep = new Set(claimed.map((c) => c.id));
    for (const id of mine) if (!keep.has(id)) await this.drop(this.chips.get(id)!).catch((err: unknown) => workerLog.error({ chipId: id, err }, 'dropping the chip failed'));
  }

  private async drop(chip: LiveChip): Promise<void> {
    const { chipId } = chip;
    await chip.socket?.close();
    // Cutting every connection first means nothing moves between the final flush and unregistering.
    this.deps.gateway.pauseChip(chipId, 'chip disconnected');
    await this.flush(chipId);
    await this.recordPlatformTraffic(chip);
    this.deps.gateway.unregisterChip(chipId);
    this.chips.delete(chipId);
  }

  /**
   * Persists the gateway's live counters of one chip, or of all chips on this worker. Idle chips
   * (counts unchanged since their last flush) are left out, so a worker full of quiet chips writes little.
   */
  async flush(chipId?: string): Promise<void> {
    const chips = chipId ? [this.live(chipId)] : [...this.chips.values()];
    const changed = chips
      .map((chip) => ({ chip, counts: this.deps.gateway.readCounters(chip.chipId) }))
      .filter(({ chip, counts }) => chip.flushed?.sent !== counts.sent || chip.flushed.received !== counts.received);
    await flushTrafficCounters(
      this.deps.db,
      changed.map(({ chip, counts }) => ({
        counterId: chip.counterId,
        chipId: chip.chipId,
        proxyId: chip.proxyId,
        workerId: this.deps.workerId,
        bytesSent: counts.sent,
        bytesReceived: counts.received,
      })),
    );
    for (const { chip, counts } of changed) chip.flushed = counts;
  }

  /**
   * Asks the echo endpoint through the chip's own proxy which address the world sees. An exit
   * address equal to this server's own means the "proxy" let the chip's traffic out unproxied.
   * The probe is the platform's request, not the customer's: its bytes go to platform_traffic.
   */
  async observeExitIp(chipId: string): Promise<{ exitIp: string; proxied: boolean }> {
    const chip = this.live(chipId);
    try {
      const [exitIp, directIp] = await Promise.all([echoedExitIp(this.deps.ipEchoUrl, { proxyUrl: chip.platformProxyUrl }), this.directIp()]);
      await recordExitIp(this.deps.db, chipId, exitIp);
      return { exitIp, proxied: exitIp !== directIp };
    } finally {
      await this.recordPlatformTraffic(chip);
    }
  }

  /**
   * Adds the chip's platform bytes since the last record. Marked recorded before the write, so a
   * probe and a disconnect at once never add the same bytes twice; a failed write loses them from
   * the admins' figure only (no customer is billed for them either way).
   */
  private async recordPlatformTraffic(chip: LiveChip): Promise<void> {
    const counts = this.deps.gateway.readCounters(chip.chipId, 'platform');
    const bytesSent = counts.sent - chip.platformRecorded.sent;
    const bytesReceived = counts.received - chip.platformRecorded.received;
    if (bytesSent === 0n && bytesReceived === 0n) return;
    chip.platformRecorded = counts;
    await recordPlatformTraffic(this.deps.db, { proxyId: chip.proxyId, bytesSent, bytesReceived, at: new Date() }).catch((err: unknown) =>
      workerLog.error({ chipId: chip.chipId, err }, 'could not record the exit-IP probe\u2019s platform traffic'),
    );
  }

  /** This server's own address as the echo sees it; asked again every few minutes, unknown if the echo fails. */
  private directIp(): Promise<string | undefined> {
    const now = Date.now();
    if (!this.direct || this.direct.at < now - DIRECT_IP_TTL_MS) {
      this.direct = { at: now, ip: echoedExitIp(this.deps.ipEchoUrl).catch(() => undefined) };
    }
    return this.direct.ip;
  }

  /**
   * An orderly stop bills every byte: the sockets close first (their last frames still go out through
   * the gateway), then the gateway, which cuts whatever is left and takes each connection's final
   * count, and only then are the counters flushed. The counters stay unbilled in the database, where
   * the chip's next meter (on whichever worker takes it) or, for a chip no workflow meters any more,
   * the orphaned-counter sweep bills them.
   */
  async shutdown(): Promise<void> {
    await Promise.all(
      [...this.chips.values()].map((chip) => chip.socket?.close().catch((err: unknown) => workerLog.error({ chipId: chip.chipId, err }, 'closing the chip socket failed'))),
    );
    await this.deps.gateway.close().catch((err: unknown) => workerLog.error({ err }, 'closing the metering gateway failed'));
    await this.flush().catch((err: unknown) => workerLog.error({ err }, 'final counter flush failed'));
  }

  private live(chipId: string): LiveChip {
    const chip = this.chips.get(chipId);
    if (!chip) throw new ChipNotOnThisWorkerError(chipId, this.deps.workerId);
    return chip;
  }

  private async openSocket(chip: LiveChip): Promise<void> {
    this.assertLease();
    const { db } = this.deps;
    // A number the user gave when adding the chip means "pair by code"; Baileys only asks for one while unlinked.
    const { phoneNumber } = await db.chip.findUniqueOrThrow({ where: { id: chip.chipId }, select: { phoneNumber: true } });
    chip.socket = await connectChipSocket({
      chipId: chip.chipId,
      db,
      proxyUrl: chip.proxyUrl,
      waWebSocketUrl: this.deps.waWebSocketUrl,
      keepAliveIntervalMs: this.deps.waKeepAliveMs,
      reconnectBaseDelayMs: this.deps.reconnectBaseDelayMs,
      ...(phoneNumber ? { pairingPhoneNumber: phoneNumber.replace(/\D/g, '') } : {}),
      // Awaited in order and by the socket's close(): states land as they happened, and a caller that
      // records its own verdict after closing (the ended-workflow watcher) is not overwritten by a late
      // 'closed on request'.
      onState: async (state, detail) => {
        chip.state = state;
        await recordChipStatus(db, chip.chipId, STATUS_OF[state], {
          qrCode: state === 'qr' ? (detail?.qr ?? null) : undefined,
          pairingCode: state === 'qr' ? (detail?.pairingCode ?? null) : state === 'open' ? null : undefined,
          phoneNumber: detail?.phoneNumber,
          lastError: state === 'closed' ? (detail?.reason ?? null) : state === 'open' ? null : undefined,
          reason: detail?.reason,
        }).catch((err: unknown) => workerLog.error({ chipId: chip.chipId, state, err }, 'could not record the chip state'));
        if (state === 'logged_out') void this.deps.onConnectionEnded?.(chip.chipId, 'logged_out').catch((err: unknown) => workerLog.error({ chipId: chip.chipId, err }, 'could not tell the chip workflow of the logout'));
      },
    });
  }
}

export class ChipNotOnThisWorkerError extends Error {
  constructor(chipId: string, workerId: string) {
    super(`chip ${chipId} has no connection on worker ${workerId}`);
    this.name = 'ChipNotOnThisWorkerError';
  }
}

/** Retryable: the holder's lease expires soon if it is dead, and then the chip can be placed here. */
export class ChipHeldElsewhereError extends Error {
  override name = 'ChipHeldElsewhereError';
}

/** Retryable: another worker (or this one, once its lease is back) takes the chip. */
export class WorkerFencedError extends Error {
  override name = 'WorkerFencedError';
}

/** Retryable: the connect activity's next attempt may land on a worker with room. */
export class WorkerFullError extends Error {
  override name = 'WorkerFullError';
}
