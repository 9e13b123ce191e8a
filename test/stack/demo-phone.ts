/**
 * The demo's phone, for `npm start` only: a few seconds after the web app shows a chip's QR or
 * pairing code, it does what a person holding the chip's phone would — scans that QR, or types that
 * code — on the WhatsApp stand-in. It reads what the dashboard shows (the chip row), nothing more.
 */
import { createHash } from 'node:crypto';
import type { Db } from '@chipgate/db';
import type { WhatsAppStandIn } from '../standins/whatsapp';

const POLL_MS = 2000;

export interface DemoPhoneOptions {
  db: Db;
  whatsapp: WhatsAppStandIn;
  /** How long a QR or code stays on screen before the phone takes it. */
  scanAfterMs: number;
  log(line: string): void;
}

/** A stable Brazilian mobile number for a chip added without one (it pairs by QR). */
export function demoPhoneNumberFor(chipId: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(chipId).digest('hex').slice(0, 12)}`) % 100_000_000n;
  return `55119${digits.toString().padStart(8, '0')}`;
}

export function startDemoPhone(options: DemoPhoneOptions): { stop(): void } {
  const { db, whatsapp, scanAfterMs, log } = options;
  /** When each QR or code was first seen: it is taken once it has been on screen for scanAfterMs. */
  const firstSeen = new Map<string, number>();
  const inFlight = new Set<string>();
  let stopped = false;

  async function take(chip: { id: string; label: string; phoneNumber: string | null; qrCode: string | null; pairingCode: string | null }, shown: string) {
    inFlight.add(shown);
    try {
      if (chip.pairingCode && chip.phoneNumber) {
        const number = chip.phoneNumber.replace(/\D/g, '');
        await whatsapp.phone(number).enterPairingCode(chip.pairingCode);
        log(`demo phone +${number} entered the pairing code of "${chip.label}"`);
      } else if (chip.qrCode) {
        const number = chip.phoneNumber?.replace(/\D/g, '') || demoPhoneNumberFor(chip.id);
        await whatsapp.phone(number).scan(chip.qrCode);
        log(`demo phone +${number} scanned the QR of "${chip.label}"`);
      }
    } catch (err) {
      // A QR that rotated meanwhile is simply taken again on a later round.
      log(`demo phone could not pair "${chip.label}": ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      inFlight.delete(shown);
    }
  }

  async function round() {
    const showing = await db.chip.findMany({
      where: { status: 'QR', deletedAt: null, OR: [{ qrCode: { not: null } }, { pairingCode: { not: null } }] },
      select: { id: true, label: true, phoneNumber: true, qrCode: true, pairingCode: true },
    });
    const now = Date.now();
    const current = new Set<string>();
    for (const chip of showing) {
      const shown = `${chip.id}:${chip.pairingCode ?? chip.qrCode}`;
      current.add(shown);
      const since = firstSeen.get(shown) ?? now;
      firstSeen.set(shown, since);
      if (now - since >= scanAfterMs && !inFlight.has(shown)) void take(chip, shown);
    }
    for (const shown of firstSeen.keys()) if (!current.has(shown)) firstSeen.delete(shown);
  }

  const timer = setInterval(() => {
    if (!stopped) round().catch((err: unknown) => log(`demo phone: ${err instanceof Error ? err.message : String(err)}`));
  }, POLL_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
