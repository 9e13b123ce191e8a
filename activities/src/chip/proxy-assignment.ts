import type { Db } from '@chipgate/db';
import { pickProxy } from '@chipgate/workflows/rules/proxy-selection';
import { sessionIdForChip } from '@chipgate/workflows/rules/session-naming';
import { NotFoundError } from '../errors';

export interface ChipAssignment {
  assignmentId: string;
  proxyId: string;
  sessionId: string;
}

/**
 * Gives the chip a proxy of its region with a new sticky session. Any live assignment is released
 * first, in the same transaction, so a chip never holds two and never holds none halfway.
 * Returns null when no healthy active proxy exists (or none but the one to avoid, when `onlyOther`):
 * the workflow waits and asks again.
 */
export async function assignProxy(db: Db, chipId: string, reason: string, avoid?: { proxyId: string; onlyOther: boolean }): Promise<ChipAssignment | null> {
  const chip = await db.chip.findUnique({ where: { id: chipId }, select: { region: true, deletedAt: true } });
  if (!chip) throw new NotFoundError(`chip ${chipId} does not exist`);
  if (chip.deletedAt) throw new NotFoundError(`chip ${chipId} was deleted`);
  const proxies = await db.proxy.findMany({
    where: { region: chip.region, isActive: true, provider: { isActive: true } },
    select: { id: true, healthScore: true, _count: { select: { assignments: { where: { releasedAt: null } } } } },
  });
  const candidates = proxies.map((p) => ({ id: p.id, healthScore: p.healthScore, liveChips: p._count.assignments }));
  // A chip leaving a proxy prefers another one; it may fall back to a new session on the same proxy unless that proxy must not be used at all.
  const proxy = pickProxy(candidates, avoid?.proxyId) ?? (avoid?.onlyOther ? undefined : pickProxy(candidates));
  if (!proxy) return null;
  return db.$transaction(async (tx) => {
    const released = await tx.chipProxyAssignment.updateMany({ where: { chipId, releasedAt: null }, data: { releasedAt: new Date() } });
    const generation = await tx.chipProxyAssignment.count({ where: { chipId } });
    const sessionId = sessionIdForChip(chipId, generation);
    const assignment = await tx.chipProxyAssignment.create({ data: { chipId, proxyId: proxy.id, sessionId, reason } });
    await tx.chipEvent.create({
      data: { chipId, type: released.count > 0 ? 'proxy_reassigned' : 'proxy_assigned', detail: { proxyId: proxy.id, sessionId, reason } },
    });
    return { assignmentId: assignment.id, proxyId: proxy.id, sessionId };
  });
}

/** Ends the chip's live assignment; releasing a chip that holds none is harmless. */
export async function releaseAssignment(db: Db, chipId: string, reason: string): Promise<{ released: boolean }> {
  const result = await db.chipProxyAssignment.updateMany({ where: { chipId, releasedAt: null }, data: { releasedAt: new Date() } });
  if (result.count > 0) await db.chipEvent.create({ data: { chipId, type: 'proxy_released', detail: { reason } } });
  return { released: result.count > 0 };
}
