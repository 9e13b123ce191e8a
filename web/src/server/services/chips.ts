import { TRPCError } from '@trpc/server';
import type { Client } from '@temporalio/client';
import type { Db } from '@chipgate/db';
import { chipWorkflowClient, UnknownChipError } from '@chipgate/workflows/client/chip-client';
import { chipLimitRefusal } from '@chipgate/workflows/rules/customer-limits';
import type { SessionUser } from '../auth/session';
import { AppError } from '../errors';
import { redactAddresses } from '../redact-addresses';
import { chipWorkflowUrl } from '../temporal';
import type { BillingMonth } from './month';
import { bytesBy } from './usage';
import { webLog } from '../logger';

/** How long the web app waits for a chip workflow to answer an update before telling the user. */
const WORKFLOW_ANSWER_MS = 20_000;

class WorkflowTimeoutError extends Error {
  override name = 'WorkflowTimeoutError';
}

/** A chip workflow that no worker is serving would keep an update waiting forever. */
function withDeadline<T>(work: Promise<T>, ms = WORKFLOW_ANSWER_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WorkflowTimeoutError(`the chip's workflow did not answer within ${ms / 1000} s (is a worker running?)`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const chipSelect = {
  id: true,
  ownerId: true,
  label: true,
  phoneNumber: true,
  region: true,
  status: true,
  qrCode: true,
  pairingCode: true,
  exitIp: true,
  lastError: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** The caller's own chips (not deleted), with bytes this month. */
export async function listOwnChips(db: Db, userId: string, month: BillingMonth) {
  const [chips, bytes] = await Promise.all([
    db.chip.findMany({ where: { ownerId: userId, deletedAt: null }, select: chipSelect, orderBy: { createdAt: 'asc' } }),
    bytesBy(db, 'chipId', { userId, month: month.date }),
  ]);
  return chips.map((chip) => ({ ...chip, lastError: chip.lastError && redactAddresses(chip.lastError), bytesThisMonth: bytes.get(chip.id) ?? 0n }));
}

/** A chip the caller may read: their own, or any chip for an admin. */
export async function readableChip(db: Db, user: SessionUser, chipId: string) {
  const chip = await db.chip.findFirst({ where: { id: chipId, deletedAt: null }, select: chipSelect });
  if (!chip) throw new TRPCError({ code: 'NOT_FOUND', message: 'No such chip.' });
  if (chip.ownerId !== user.id && user.role !== 'ADMIN') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This chip belongs to another account.' });
  }
  // Pairing material links a WhatsApp account: only its owner sees it, admins included.
  if (chip.ownerId !== user.id) return { ...chip, qrCode: null, pairingCode: null };
  return { ...chip, lastError: chip.lastError && redactAddresses(chip.lastError) };
}

export async function chipDetail(db: Db, user: SessionUser, chipId: string, month: BillingMonth) {
  const chip = await readableChip(db, user, chipId);
  const bytes = await bytesBy(db, 'chipId', { chipId, month: month.date });
  return { ...chip, bytesThisMonth: bytes.get(chipId) ?? 0n };
}

/**
 * Adds a chip: the row first (PENDING), then its workflow. If the workflow cannot be started the
 * row is removed again, so a failed add leaves nothing behind.
 */
export async function addChip(
  db: Db,
  temporal: () => Promise<Client>,
  user: SessionUser,
  input: { label: string; phoneNumber?: string | undefined },
) {
  const chip = await db.$transaction(async (tx) => {
    // The owner's row lock serialises concurrent adds, so parallel requests cannot all pass the count.
    await tx.$queryRaw`SELECT id FROM users WHERE id = ${user.id}::uuid FOR UPDATE`;
    const owner = await tx.user.findUniqueOrThrow({ where: { id: user.id }, select: { chipLimit: true, plan: { select: { name: true, chipLimit: true } } } });
    const refusal = chipLimitRefusal(await tx.chip.count({ where: { ownerId: user.id, deletedAt: null } }), owner.plan, owner.chipLimit);
    if (refusal) throw new AppError('FORBIDDEN', refusal);
    return tx.chip.create({
      data: { ownerId: user.id, label: input.label, phoneNumber: input.phoneNumber ?? null, status: 'PENDING' },
      select: chipSelect,
    });
  });
  try {
    await chipWorkflowClient(await temporal()).start({ chipId: chip.id, userId: user.id });
  } catch (err) {
    await db.chip.delete({ where: { id: chip.id } }).catch(() => {});
    // The cause (an internal address, most likely) goes to the server log, not to the user.
    webLog.error({ chipId: chip.id, err }, 'the chip workflow could not be started');
    throw new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The chip could not be started (the workflow service is unavailable). Nothing was added; try again.',
      cause: err,
    });
  }
  return { ...chip, bytesThisMonth: 0n };
}

/** Releases the chip's proxy through its workflow, then marks the chip deleted. */
export async function removeChip(db: Db, temporal: () => Promise<Client>, user: SessionUser, chipId: string) {
  const chip = await readableChip(db, user, chipId);
  try {
    await withDeadline(chipWorkflowClient(await temporal()).release(chip.id, 'deleted by user'));
  } catch (err) {
    // A chip whose workflow already ended has nothing left to release.
    if (!(err instanceof UnknownChipError)) {
      throw new TRPCError({
        code: 'SERVICE_UNAVAILABLE',
        message: `The chip could not be released (${err instanceof WorkflowTimeoutError ? err.message : 'the workflow service is unavailable'}); it was not removed. Try again.`,
        cause: err,
      });
    }
  }
  await db.chip.update({ where: { id: chip.id }, data: { deletedAt: new Date() } });
  return { id: chip.id };
}

/** Every live chip for the admin view: owner, live proxy assignment, bytes this month, workflow link. */
export async function listAllChips(db: Db, month: BillingMonth) {
  const [chips, bytes] = await Promise.all([
    db.chip.findMany({
      where: { deletedAt: null },
      select: {
        ...chipSelect,
        owner: { select: { id: true, email: true, name: true } },
        assignments: {
          where: { releasedAt: null },
          select: {
            sessionId: true,
            assignedAt: true,
            proxy: { select: { id: true, region: true, kind: true, provider: { select: { id: true, name: true } } } },
          },
          take: 1,
        },
      },
      orderBy: [{ owner: { email: 'asc' } }, { createdAt: 'asc' }],
    }),
    bytesBy(db, 'chipId', { month: month.date }),
  ]);
  return chips.map(({ assignments, qrCode: _qr, pairingCode: _pairing, ...chip }) => ({
    ...chip,
    assignment: assignments[0] ?? null,
    bytesThisMonth: bytes.get(chip.id) ?? 0n,
    workflowUrl: chipWorkflowUrl(chip.id),
  }));
}

/**
 * Tells the chip workflows of some users that their allowance changed (plan edit, plan change).
 * Best effort and bounded in time: the workflows re-check quota on their next meter anyway, so
 * the answer reports how many were told within a few seconds and the rest carry on in background.
 */
export async function notifyQuotaChanged(db: Db, temporal: () => Promise<Client>, where: { userId?: string; planId?: string }) {
  const chips = await db.chip.findMany({
    where: {
      deletedAt: null,
      status: { notIn: ['RELEASED', 'LOGGED_OUT'] },
      ...(where.userId ? { ownerId: where.userId } : {}),
      ...(where.planId ? { owner: { planId: where.planId } } : {}),
    },
    select: { id: true },
  });
  const tally = { chips: chips.length, notified: 0, failed: 0 };
  if (chips.length === 0) return tally;
  const work = (async () => {
    const chipClient = chipWorkflowClient(await temporal());
    for (let i = 0; i < chips.length; i += 20) {
      const results = await Promise.allSettled(chips.slice(i, i + 20).map((c) => withDeadline(chipClient.quotaChanged(c.id), 10_000)));
      for (const r of results) {
        if (r.status === 'fulfilled') tally.notified++;
        // A chip without a running workflow has no quota to re-check.
        else if (!(r.reason instanceof UnknownChipError)) tally.failed++;
      }
    }
  })();
  await withDeadline(work, 5_000).catch(() => {});
  return { ...tally };
}
