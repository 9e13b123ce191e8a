import { randomUUID } from 'node:crypto';
import type { ChipStatus, Db } from '@chipgate/db';
import type { CredentialCipher } from '@chipgate/activities/secrets/credential-cipher';
import { loadResolvedProvider } from '@chipgate/activities/providers/resolve-provider';
import { buildProxyUrl } from '@chipgate/activities/providers/proxy-endpoint';
import { echoedExitIp } from '@chipgate/activities/providers/provider-client';
import { recordChipStatus, recordExitIp } from '@chipgate/activities/chip/chip-records';
import { flushTrafficCounters } from '@chipgate/activities/chip/traffic-counters';
import { connectChipSocket, type ChipSocketState } from '../baileys/chip-connection';
import type { MeteringGateway } from '../gateway/metering-gateway';

const DIRECT_IP_TTL_MS = 5 * 60_000;

export type ConnectionOutcome = 'logged_out' | 'disconnected';

interface LiveChip {
  chipId: string;
  proxyId: string;
  counterId: string;
  proxyUrl: string;
  socket: Awaited<ReturnType<typeof connectChipSocket>> | null;
  /** Counts as last written to chip_traffic_counters; null before the first flush creates the row. */
  flushed: { sent: bigint; received: bigint } | null;
  outcome: Promise<ConnectionOutcome>;
  settle(outcome: ConnectionOutcome): void;
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
}

/**
 * The chips whose sockets live on this worker: each is registered at the local metering gateway
 * (which chains to the chip's sticky provider session) and runs Baileys through it.
 */
export class ChipConnections {
  private readonly chips = new Map<string, LiveChip>();
  private readonly orphanTimers = new Map<string, NodeJS.Timeout>();
  /** Supervise activities watching each chip right now: a continue-as-new briefly has two (the new run's and the old one's). */
  private readonly watchers = new Map<string, number>();
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
    if (this.deps.maxChips !== undefined && this.chips.size >= this.deps.maxChips) {
      throw new WorkerFullError(`worker ${this.deps.workerId} already holds its maximum of ${this.deps.maxChips} chips`);
    }
    const { db, cipher, gateway } = this.deps;
    const assignment = await db.chipProxyAssignment.findFirst({
      where: { chipId, releasedAt: null },
      select: { sessionId: true, proxy: { select: { id: true, kind: true, staticHost: true, staticPort: true, providerId: true } } },
    });
    if (!assignment) throw new Error(`chip ${chipId} has no live proxy assignment`);
    const { proxy, sessionId } = assignment;
    const credential = gateway.registerChip(chipId, {
      // Resolved per connection so a rotated provider password takes effect without a restart.
      async resolveUpstream() {
        const { resolved } = await loadResolvedProvider(db, cipher, proxy.providerId);
        if (proxy.kind === 'STATIC') return buildProxyUrl({ ...resolved, server: proxy.staticHost!, port: proxy.staticPort! });
        return buildProxyUrl(resolved, sessionId);
      },
    });
    let settle!: (outcome: ConnectionOutcome) => void;
    const outcome = new Promise<ConnectionOutcome>((resolve) => (settle = resolve));
    const chip: LiveChip = { chipId, proxyId: proxy.id, counterId: randomUUID(), proxyUrl: credential.proxyUrl, socket: null, flushed: null, outcome, settle };
    this.chips.set(chipId, chip);
    await this.flush(chipId);
    await this.openSocket(chip);
  }

  /** Resolves when the chip's connection ends for good on this worker (logout or disconnect). */
  outcome(chipId: string): Promise<ConnectionOutcome> {
    return this.live(chipId).outcome;
  }

  /** A workflow run watches the chip (its first, or a new run after continue-as-new or a workflow task retry). */
  adopt(chipId: string): void {
    this.watchers.set(chipId, (this.watchers.get(chipId) ?? 0) + 1);
    clearTimeout(this.orphanTimers.get(chipId));
    this.orphanTimers.delete(chipId);
  }

  /**
   * One run stopped watching the chip. At continue-as-new the old run's watch ends (its cancellation
   * arrives seconds later) after the new run's began: the chip is still watched, nothing happens.
   * When nobody watches any more (a terminated workflow), the socket must not outlive it: it is
   * disconnected after a grace that lets a retried workflow task adopt it again.
   */
  orphan(chipId: string, graceMs: number): void {
    const watchers = Math.max(0, (this.watchers.get(chipId) ?? 0) - 1);
    if (watchers > 0) {
      this.watchers.set(chipId, watchers);
      return;
    }
    this.watchers.delete(chipId);
    if (!this.chips.has(chipId)) return;
    clearTimeout(this.orphanTimers.get(chipId));
    this.orphanTimers.set(
      chipId,
      setTimeout(() => void this.disconnect(chipId).catch((err: unknown) => console.error(`chip ${chipId}: orphan disconnect failed: ${String(err)}`)), graceMs),
    );
  }

  /** Quota or an operator paused the chip: the gateway refuses it and Baileys stops, auth state kept. */
  async pause(chipId: string, reason: string): Promise<void> {
    const chip = this.live(chipId);
    this.deps.gateway.pauseChip(chipId, reason);
    await chip.socket?.close();
    chip.socket = null;
    await this.flush(chipId);
  }

  async resume(chipId: string): Promise<void> {
    const chip = this.live(chipId);
    this.deps.gateway.resumeChip(chipId);
    if (!chip.socket) await this.openSocket(chip);
  }

  async disconnect(chipId: string): Promise<void> {
    const chip = this.chips.get(chipId);
    if (!chip) return;
    await chip.socket?.close();
    // Cutting every connection first means nothing moves between the final flush and unregistering.
    this.deps.gateway.pauseChip(chipId, 'chip disconnected');
    await this.flush(chipId);
    this.deps.gateway.unregisterChip(chipId);
    this.chips.delete(chipId);
    this.watchers.delete(chipId);
    chip.settle('disconnected');
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
   */
  async observeExitIp(chipId: string): Promise<{ exitIp: string; proxied: boolean }> {
    const [exitIp, directIp] = await Promise.all([echoedExitIp(this.deps.ipEchoUrl, { proxyUrl: this.live(chipId).proxyUrl }), this.directIp()]);
    await recordExitIp(this.deps.db, chipId, exitIp);
    return { exitIp, proxied: exitIp !== directIp };
  }

  /** This server's own address as the echo sees it; asked again every few minutes, unknown if the echo fails. */
  private directIp(): Promise<string | undefined> {
    const now = Date.now();
    if (!this.direct || this.direct.at < now - DIRECT_IP_TTL_MS) {
      this.direct = { at: now, ip: echoedExitIp(this.deps.ipEchoUrl).catch(() => undefined) };
    }
    return this.direct.ip;
  }

  async shutdown(): Promise<void> {
    for (const timer of this.orphanTimers.values()) clearTimeout(timer);
    await this.flush().catch((err: unknown) => console.error(`final counter flush failed: ${String(err)}`));
    await Promise.all([...this.chips.values()].map((chip) => chip.socket?.close()));
  }

  private live(chipId: string): LiveChip {
    const chip = this.chips.get(chipId);
    if (!chip) throw new ChipNotOnThisWorkerError(chipId, this.deps.workerId);
    return chip;
  }

  private async openSocket(chip: LiveChip): Promise<void> {
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
      ...(phoneNumber ? { pairingPhoneNumber: phoneNumber.replace(/^\+/, '') } : {}),
      onState: (state, detail) => {
        void recordChipStatus(db, chip.chipId, STATUS_OF[state], {
          qrCode: state === 'qr' ? (detail?.qr ?? null) : undefined,
          pairingCode: state === 'qr' ? (detail?.pairingCode ?? null) : state === 'open' ? null : undefined,
          phoneNumber: detail?.phoneNumber,
          lastError: state === 'closed' ? (detail?.reason ?? null) : undefined,
          reason: detail?.reason,
        }).catch((err: unknown) => console.error(`chip ${chip.chipId}: could not record state ${state}: ${String(err)}`));
        if (state === 'logged_out') chip.settle('logged_out');
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

/** Retryable: the connect activity's next attempt may land on a worker with room. */
export class WorkerFullError extends Error {
  override name = 'WorkerFullError';
}
