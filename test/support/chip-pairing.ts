import type { ChipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import type { StandInPhone, WhatsAppStandIn } from '../standins/whatsapp';
import type { ChipWorld } from './chip-world';
import { until } from './until';

export type PairedChip = Awaited<ReturnType<ReturnType<typeof chipPairing>['pair']>>;

/**
 * Pairs chips as a customer does: starts the chip, waits for the QR the worker writes to its row
 * (what the web app shows), and scans it with a stand-in phone of a number of its own. The chips run
 * on the world's queue, or on `options.chips`' (a fleet of worker processes).
 */
export function chipPairing(world: ChipWorld, whatsapp: WhatsAppStandIn, options: { firstNumber?: number; chips?: ChipWorkflowClient } = {}) {
  let nextNumber = options.firstNumber ?? 5511900000001;
  const chipRow = (chipId: string) => world.db.chip.findUniqueOrThrow({ where: { id: chipId } });
  return {
    chipRow,
    nextPhoneNumber: () => String(nextNumber++),
    async pair(label: string, timeoutMs = 90_000) {
      const user = await world.createUser('ENTERPRISE');
      const phoneNumber = String(nextNumber++);
      const chipId = await world.startChip(user.id, label, options.chips);
      const { qrCode } = await until(
        `chip ${label} to show a QR`,
        async () => {
          const row = await chipRow(chipId);
          return row.status === 'QR' && row.qrCode ? { qrCode: row.qrCode } : undefined;
        },
        timeoutMs,
      );
      const phone: StandInPhone = whatsapp.phone(phoneNumber);
      const device = await phone.scan(qrCode);
      // Connected as the customer sees it: open, and its exit IP known. The exit-IP probe is a step after
      // the connect, so on a loaded machine it lands seconds after OPEN (the soak once read it too early).
      await until(`chip ${label} to be connected, its exit IP recorded`, async () => {
        const row = await chipRow(chipId);
        return row.status === 'OPEN' && row.exitIp !== null;
      }, timeoutMs);
      return { chipId, userId: user.id, phoneNumber, device };
    },
  };
}
