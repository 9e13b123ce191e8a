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
 * Bytes of the month spoken for: billed, or reported by gateways plus the leases live workers hold.
 * The roll-up is written in the same transaction as each usage row, so it equals their sum.
 */
export async function monthCommitment(db: Db | Tx, userId: string, month: string): Promise<bigint> {
  const [row] = await db.$queryRaw<Array<{ billed: bigint; consumed: bigint; leased: bigint }>>`
    SELECT COALESCE((SELECT bytes_total FROM user_proxy_costs WHERE user_id = ${userId}::uuid AND month = ${month}::date), 0)::bigint AS billed,
           COALESCE((SELECT consumed_bytes FROM user_quota_budgets WHERE user_id = ${userId}::uuid AND month = ${month}::date), 0)::bigint AS consumed,
           COALESCE((SELECT SUM(l.reserved_bytes) FROM quota_budget_leases l JOIN chip_workers w ON w.id = l.worker_id AND w.expires_at > now()
                      WHERE l.user_id = ${userId}::uuid AND l.month = ${month}::date), 0)::bigint AS leased`;
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
 */
export async function leaseQuotaBudget(db: Db, request: LeaseRequest): Promise<LeaseAnswer> {
  if (request.spentBytes < 0n) throw new RangeError(`spentBytes must not be negative, got ${request.spentBytes}`);
  const { userId, workerId } = request;
  return db.$transaction(async (tx) => {
    // Read first: it also refuses a malformed month before anything is written.
    const allowance = await monthAllowance(tx, userId, request.month);
    await tx.$executeRaw`INSERT INTO user_quota_budgets (user_id, month) VALUES (${userId}::uuid, ${request.month}::date) ON CONFLICT DO NOTHING`;
    await tx.$queryRaw`SELECT 1 FROM user_quota_budgets WHERE user_id = ${userId}::uuid AND month = ${request.month}::date FOR UPDATE`;
    const before = await monthCommitment(tx, userId, request.month);
    await tx.$executeRaw`UPDATE user_quota_budgets SET consumed_bytes = consumed_bytes + ${request.spentBytes}, updated_at = now()
                          WHERE user_id = ${userId}::uuid AND month = ${request.month}::date`;
    await tx.$executeRaw`INSERT INTO quota_budget_leases (user_id, month, worker_id, reserved_bytes) VALUES (${userId}::uuid, ${request.month}::date, ${workerId}, 0)
                          ON CONFLICT (user_id, month, worker_id) DO UPDATE
                          SET reserved_bytes = GREATEST(quota_budget_leases.reserved_bytes - ${request.spentBytes}, 0), updated_at = now()`;
    const reported = await monthCommitment(tx, userId, request.month);
    const granted = request.wantMore ? leaseGrant(allowance, reported) : 0n;
    if (granted > 0n) {
      await tx.$executeRaw`UPDATE quota_budget_leases SET reserved_bytes = reserved_bytes + ${granted}
                            WHERE user_id = ${userId}::uuid AND month = ${request.month}::date AND worker_id = ${workerId}`;
    } else if (!request.wantMore) {
      await tx.$executeRaw`DELETE FROM quota_budget_leases WHERE user_id = ${userId}::uuid AND month = ${request.month}::date AND worker_id = ${workerId}`;
    }
    const after = reported + granted;
    return { grantedBytes: granted, allowanceBytes: allowance, committedBytes: after, exhausted: after >= allowance, crossed: thresholdsCrossed(before, after, allowance) };
  }, LEASE_TRANSACTION);
}

/** A lease is asked for while traffic waits on it: it queues briefly for a connection rather than failing. */
const LEASE_TRANSACTION = { maxWait: 5_000, timeout: 10_000 };
