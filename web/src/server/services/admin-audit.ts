import type { Db, Prisma } from '@chipgate/db';
import type { SessionUser } from '../auth/session';

type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];

export type AdminAction =
  | 'customer.created'
  | 'customer.invited'
  | 'customer.reinvited'
  | 'customer.disabled'
  | 'customer.enabled'
  | 'customer.plan_changed'
  | 'customer.chip_limit_changed';

/** One row of the admin trail, written by the transaction of the action it records. `details` carry no secret. */
export async function recordAdminAction(
  tx: Tx,
  actor: Pick<SessionUser, 'id' | 'email'>,
  action: AdminAction,
  target: { id: string; email: string },
  details: Prisma.InputJsonObject = {},
): Promise<void> {
  await tx.adminAuditEvent.create({
    data: { actorUserId: actor.id, actorEmail: actor.email, action, targetUserId: target.id, targetEmail: target.email, details },
  });
}

/** The newest admin actions first, for the Audit page. */
export async function listAdminAuditEvents(db: Db, { take = 200 }: { take?: number } = {}) {
  return db.adminAuditEvent.findMany({
    select: { id: true, createdAt: true, actorEmail: true, action: true, targetEmail: true, details: true },
    orderBy: { createdAt: 'desc' },
    take,
  });
}
