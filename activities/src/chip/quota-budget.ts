import { Prisma, type Db } from '@chipgate/db';
import { billingMonthDate } from '@chipgate/workflows/rules/billing-month';
import { monthlyAllowanceBytes, type QuotaThreshold } from '@chipgate/workflows/rules/quota';
import { committedBytes, leaseGrant, thresholdsCrossed } from '@chipgate/workflows/rules/quota-budget';
import { NotFoundError } from '../errors';

type Tx = Prisma.TransactionClient;

/** The user's allowance for the month: the plan's GB plus every top-up credited to it. */
export async function monthAllowance(db: Db | Tx, userId: string, month: string): Promise<bigint> {
  const [user, credits] = await Promise.all([
    db.user.findUnique({ where: { id: userId }, select: { plan: { select: { proxyGbLimit: true } } } }),
    db.topUpCredit.findMany({ where: { userId, month: billingMonthDate(month) }, select: { bytes: true } }),
  ]);
  if (!user) throw new NotFoundError(`user ${userId} does not exist`);
  return monthlyAllowanceBytes(user.plan.proxyGbLimit.toString(), credits.map((c) => c.bytes));
}

/**
 * The parts of the month's commitment (`committedBytes`): billed, reported by gateways, and leased to
 * workers whose lease is live. One fragment, read by the standing and under the lease's lock alike.
 */
const commitmentColumns = (userId: string, month: string) => Prisma.sql`
  COALESCE((SELECT bytes_total FROM user_proxy_costs WHERE user_id = ${userId}::uuid AND month = ${month}::date), 0)::bigint AS billed,
  COALESCE((SELECT consumed_bytes FROM user_quota_budgets WHERE user_id = ${userId}::uuid AND month = ${month}::date), 0)::bigint AS consumed,
  COALESCE((SELECT SUM(l.reserved_bytes) FROM quota_budget_leases l JOIN chip_workers w ON w.id = l.worker_id AND w.expires_at > now()
             WHERE l.user_id = ${userId}::uuid AND l.month = ${month}::date), 0)::bigint AS leased`;

/**
 * Bytes of the month spoken for: billed, or reported by gateways plus the leases live workers hold.
 * The roll-up is written in the same transaction as each usage row, so it equals their sum.
 */
export async function monthCommitment(db: Db | Tx, userId: string, month: string): Promise<bigint> {
  const [row] = await db.$queryRaw<Array<{ billed: bigint; consumed: bigint; leased: bigint }>>`SELECT ${commitmentColumns(userId, month)}`;
  return committedBytes({ billedBytes: row!.billed, consumedBytes: row!.consumed, leasedBytes: row!.leased });
}

export interface LeaseRequest {
  userId: string;
  month: string;
  workerId: string;
  /** Bytes the gateway moved for the user since its last report, drawn from the lease it holds. */
  spentBytes: bigint;
  /** False when the gateway only reports and gives its lease back (the user has no chip left on it). */
  wantMore: boolean;
  /** How much a fast gateway would like (`wantedLeaseBytes`); it is granted at least a chunk. */
  wantedBytes?: bigint;
}

export interface LeaseAnswer {
  grantedBytes: bigint;
  allowanceBytes: bigint;
  committedBytes: bigint;
  /** Nothing is left to lease: the user's chips are at 100% until the allowance rises. */
  exhausted: boolean;
  /** Thresholds this call's change carried the user across, under this allowance: told by this caller only. */
  crossed: QuotaThreshold[];
}

/**
 * Reports what a gateway spent and leases it more, in one transaction under the user's budget row
 * lock: callers on every worker take turns, so leases never add up to more than the allowance.
 * Traffic waits on the answer, so it is three statements (lock, read everything, write): at full
 * speed a slow answer is bytes the provider sends into its buffers while the gateway holds the
 * user's tunnels.
 */
export async function leaseQuotaBudget(db: Db, request: LeaseRequest): Promise<LeaseAnswer> {
  if (request.spentBytes < 0n) throw new RangeError(`spentBytes must not be negative, got ${request.spentBytes}`);
  if (request.wantedBytes !== undefined && request.wantedBytes < 0n) throw new RangeError(`wantedBytes must not be negative, got ${request.wantedBytes}`);
  const { userId, workerId, month, spentBytes } = request;
  billingMonthDate(month); // a malformed month is refused by name, before anything is written
  return db.$transaction(async (tx) => {
    // Takes the lock; an unknown user gets no row (and is refused below) instead of a foreign-key error.
    await tx.$executeRaw`INSERT INTO user_quota_budgets (user_id, month) SELECT id, ${month}::date FROM users WHERE id = ${userId}::uuid
                          ON CONFLICT (user_id, month) DO UPDATE SET updated_at = now()`;
    const [row] = await tx.$queryRaw<Array<{ planGb: string | null; credits: bigint; billed: bigint; consumed: bigint; leased: bigint; own: bigint; ownLive: boolean }>>`
      SELECT (SELECT p.proxy_gb_limit::text FROM users u JOIN plans p ON p.id = u.plan_id WHERE u.id = ${userId}::uuid) AS "planGb",
             COALESCE((SELECT SUM(bytes) FROM top_up_credits WHERE user_id = ${userId}::uuid AND month = ${month}::date), 0)::bigint AS credits,
             ${commitmentColumns(userId, month)},
             COALESCE((SELECT reserved_bytes FROM quota_budget_leases WHERE user_id = ${userId}::uuid AND month = ${month}::date AND worker_id = ${workerId}), 0)::bigint AS own,
             EXISTS (SELECT 1 FROM chip_workers WHERE id = ${workerId} AND expires_at > now()) AS "ownLive",
             -- Traffic waits on the commit; the ledger is only the ceiling (usage rows are the money), so
             -- it need not wait for the disk: a database crash forgets at most its last fraction of a second.
             set_config('synchronous_commit', 'off', true) AS "asynchronousCommit"`;
    const { planGb, credits, billed, consumed, leased, own, ownLive } = row!;
    if (planGb === null) throw new NotFoundError(`user ${userId} does not exist`);
    const allowance = monthlyAllowanceBytes(planGb, [credits]);
    const ownAfterReport = own > spentBytes ? own - spentBytes : 0n;
    const before = committedBytes({ billedBytes: billed, consumedBytes: consumed, leasedBytes: leased });
    const reported = committedBytes({ billedBytes: billed, consumedBytes: consumed + spentBytes, leasedBytes: ownLive ? leased - own + ownAfterReport : leased });
    const granted = request.wantMore ? leaseGrant(allowance, reported, request.wantedBytes) : 0n;
    await tx.$executeRaw`
      WITH consumed AS (
        UPDATE user_quota_budgets SET consumed_bytes = consumed_bytes + ${spentBytes}::bigint, updated_at = now()
         WHERE user_id = ${userId}::uuid AND month = ${month}::date
      ), kept AS (
        INSERT INTO quota_budget_leases (user_id, month, worker_id, reserved_bytes)
        SELECT ${userId}::uuid, ${month}::date, ${workerId}::text, ${ownAfterReport + granted}::bigint WHERE ${request.wantMore}::boolean
        ON CONFLICT (user_id, month, worker_id) DO UPDATE SET reserved_bytes = EXCLUDED.reserved_bytes, updated_at = now()
      )
      DELETE FROM quota_budget_leases WHERE NOT ${request.wantMore}::boolean AND user_id = ${userId}::uuid AND month = ${month}::date AND worker_id = ${workerId}`;
    const after = reported + granted;
    return { grantedBytes: granted, allowanceBytes: allowance, committedBytes: after, exhausted: after >= allowance, crossed: thresholdsCrossed(before, after, allowance) };
  }, LEASE_TRANSACTION);
}

/** A lease is asked for while traffic waits on it: it queues briefly for a connection rather than failing. */
const LEASE_TRANSACTION = { maxWait: 5_000, timeout: 10_000 };
