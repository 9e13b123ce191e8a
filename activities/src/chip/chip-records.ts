import type { Db, ChipStatus } from '@chipgate/db';
import { NotFoundError } from '../errors';

/** Writes the chip's visible state (what the dashboard shows) and an event when something changed. */
export async function recordChipStatus(db: Db, chipId: string, status: ChipStatus, detail: { reason?: string; qrCode?: string | null; pairingCode?: string | null; lastError?: string | null; phoneNumber?: string } = {}) {
  const before = await db.chip.findUnique({ where: { id: chipId }, select: { status: true } });
  if (!before) throw new NotFoundError(`chip ${chipId} does not exist`);
  await db.chip.update({
    where: { id: chipId },
    data: {
      status,
      ...(detail.qrCode !== undefined ? { qrCode: detail.qrCode } : status !== 'QR' ? { qrCode: null } : {}),
      ...(detail.pairingCode !== undefined ? { pairingCode: detail.pairingCode } : {}),
      ...(detail.lastError !== undefined ? { lastError: detail.lastError } : {}),
      ...(detail.phoneNumber !== undefined ? { phoneNumber: detail.phoneNumber } : {}),
    },
  });
  if (before.status !== status) {
    await db.chipEvent.create({ data: { chipId, type: 'status_changed', detail: { from: before.status, to: status, ...(detail.reason ? { reason: detail.reason } : {}) } } });
  }
}

export async function recordChipEvent(db: Db, chipId: string, type: string, detail: Record<string, string | number | boolean | null>) {
  await db.chipEvent.create({ data: { chipId, type, detail } });
}

/** Records the chip's exit IP; a change is an event so operators can see when a sticky session moved. */
export async function recordExitIp(db: Db, chipId: string, exitIp: string): Promise<{ changed: boolean; previous: string | null }> {
  const chip = await db.chip.findUnique({ where: { id: chipId }, select: { exitIp: true } });
  if (!chip) throw new NotFoundError(`chip ${chipId} does not exist`);
  if (chip.exitIp === exitIp) return { changed: false, previous: chip.exitIp };
  await db.$transaction([
    db.chip.update({ where: { id: chipId }, data: { exitIp } }),
    db.chipEvent.create({ data: { chipId, type: 'exit_ip_changed', detail: { from: chip.exitIp, to: exitIp } } }),
  ]);
  return { changed: true, previous: chip.exitIp };
}
