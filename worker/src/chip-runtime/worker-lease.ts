import type { Db } from '@chipgate/db';
import { workerLog } from '../logger';

export interface WorkerLeaseOptions {
  db: Db;
  /** This process's id, which is also its own task queue. */
  workerId: string;
  taskQueue: string;
  /** How long a lease lives unrenewed; a worker silent for longer is dead or stalled. */
  ttlMs?: number;
  /** How often the lease is renewed and expired leases of other workers are looked for. */
  renewMs?: number;
  /** Another worker's lease expired and this process is the one that reaps it: tell its chips. */
  onDeadWorker(deadWorkerId: string, chipIds: string[]): Promise<void>;
  /**
   * This process's own lease expired before it could renew it (it stalled), and it has just taken a
   * new one: it must drop every chip another worker claimed meanwhile. Until this returns the lease
   * does not count here, so no socket of such a chip reopens on this worker in between.
   */
  onFenced(): Promise<void>;
  /** After each renewal: a chance to drop sockets whose claim another worker took. */
  onRenewed?(): Promise<void>;
}

export const DEFAULT_LEASE_TTL_MS = 15_000;
export const DEFAULT_LEASE_RENEW_MS = 5_000;
/** Clock drift and query latency the local view of the lease allows for. */
const SAFETY_MS = 1_000;
/** How long an ended worker's row stays readable (for an operator asking where a chip was), and how often that is tidied. */
const ENDED_WORKER_RETENTION = '7 days';
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * A worker process's lease in PostgreSQL (`chip_workers`): one row, renewed every few seconds. It is
 * how the fleet knows a worker lives — once per worker, not a heartbeat per chip — and what fences
 * a stalled one: a chip is only placed on a worker whose lease is valid, a worker only opens sockets
 * and lets traffic into its gateway while its own lease is valid, and a worker that finds its lease
 * expired drops everything it held.
 */
export class WorkerLease {
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private prunedAt = 0;
  /** The callbacks' work (dropping, fencing, reaping), beside the renewals: however long it takes, renewals go on. */
  private chores: Promise<void> | undefined;
  /** Lapses so far, and how many of them onFenced has answered: the lease counts only when they are equal. */
  private lapses = 0;
  private fencedLapses = 0;
  private readonly ttlMs: number;
  private readonly renewMs: number;

  private constructor(private readonly opts: WorkerLeaseOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.renewMs = opts.renewMs ?? DEFAULT_LEASE_RENEW_MS;
  }

  static async acquire(opts: WorkerLeaseOptions): Promise<WorkerLease> {
    const lease = new WorkerLease(opts);
    lease.validUntil = await lease.take();
    lease.timer = setInterval(() => void lease.tick(), lease.renewMs);
    void lease.tick();
    return lease;
  }

  get workerId(): string {
    return this.opts.workerId;
  }

  /** Whether this process may hold sockets and carry traffic right now (judged on the local clock). */
  valid(): boolean {
    return Date.now() < this.validUntil;
  }

  /** Ends the lease at once (a clean stop), so another worker reaps it without waiting out the TTL. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    await this.chores;
    this.validUntil = 0;
    await this.opts.db.$executeRaw`UPDATE chip_workers SET stopped_at = now(), expires_at = now() WHERE id = ${this.opts.workerId}`;
  }

  /** Writes a fresh lease row; answers until when it counts here, if nothing else stands in the way. */
  private async take(): Promise<number> {
    const sentAt = Date.now();
    const ttl = `${this.ttlMs} milliseconds`;
    await this.opts.db.$executeRaw`
      INSERT INTO chip_workers (id, task_queue, expires_at) VALUES (${this.opts.workerId}, ${this.opts.taskQueue}, now() + ${ttl}::interval)
      ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at, stopped_at = NULL, reaped_at = NULL, reaped_by = NULL`;
    return sentAt + this.ttlMs - SAFETY_MS;
  }

  /** One renewal at a time, and nothing else in it: a renewal never waits behind the callbacks. */
  private tick(): Promise<void> {
    this.ticking ??= this.renew()
      .catch((err: unknown) => workerLog.error({ workerId: this.opts.workerId, err }, 'worker lease renewal failed'))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async renew(): Promise<void> {
    const { db, workerId } = this.opts;
    const sentAt = Date.now();
    const ttl = `${this.ttlMs} milliseconds`;
    const renewed = await db.$executeRaw`
      UPDATE chip_workers SET expires_at = now() + ${ttl}::interval
       WHERE id = ${workerId} AND expires_at > now() AND stopped_at IS NULL AND reaped_at IS NULL`;
    if (renewed === 1) {
      if (this.fencedLapses === this.lapses) this.validUntil = sentAt + this.ttlMs - SAFETY_MS;
    } else {
      // Stalled past the TTL: the fleet counted this worker dead and may have placed some of its chips
      // elsewhere. A new lease first (from then on no other worker claims what is still here), then
      // only the chips claimed meanwhile are dropped: a stall nobody acted on reconnects no chip. The
      // lease counts here again only once they are dropped; its row is renewed all the while.
      this.validUntil = 0;
      this.lapses++;
      workerLog.error({ workerId }, 'worker lease expired before it was renewed; dropping the chips other workers took meanwhile');
      await this.take();
    }
    this.chores ??= this.doChores()
      .catch((err: unknown) => workerLog.error({ workerId, err }, 'worker lease housekeeping failed'))
      .finally(() => (this.chores = undefined));
  }

  private async doChores(): Promise<void> {
    const { db, workerId } = this.opts;
    const lapses = this.lapses;
    if (this.fencedLapses < lapses) {
      await this.opts.onFenced();
      this.fencedLapses = lapses;
    } else {
      await this.opts.onRenewed?.();
    }
    // Each expired lease is reaped by exactly one live worker (the UPDATE claims it), so its chips hear of it once.
    const dead = await db.$queryRaw<Array<{ id: string }>>`
      UPDATE chip_workers SET reaped_at = now(), reaped_by = ${workerId}
       WHERE expires_at < now() AND reaped_at IS NULL AND id <> ${workerId} RETURNING id`;
    for (const { id } of dead) {
      const chips = await db.chip.findMany({ where: { workerId: id }, select: { id: true } });
      await this.opts.onDeadWorker(
        id,
        chips.map((c) => c.id),
      );
    }
    if (Date.now() - this.prunedAt >= PRUNE_EVERY_MS) {
      this.prunedAt = Date.now();
      await pruneEndedWorkers(db);
    }
  }
}

/**
 * Every worker process ever started leaves a lease row (a deploy of a fleet adds dozens): rows of
 * workers reaped long ago are deleted, with the quota budget leases they held (which stopped counting
 * when their worker died). A chip still naming such a worker holds nothing there; its claim is cleared.
 */
export async function pruneEndedWorkers(db: Db): Promise<number> {
  return db.$transaction(async (tx) => {
    const pruned = await tx.$queryRaw<Array<{ id: string }>>`
      DELETE FROM chip_workers WHERE reaped_at < now() - ${ENDED_WORKER_RETENTION}::interval RETURNING id`;
    if (pruned.length > 0) {
      await tx.$executeRaw`DELETE FROM quota_budget_leases l WHERE NOT EXISTS (SELECT 1 FROM chip_workers w WHERE w.id = l.worker_id)`;
    }
    return pruned.length;
  });
}
