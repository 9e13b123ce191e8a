/**
 * Benchmark child: real Baileys sockets (worker/src/baileys/chip-connection.ts connectChipSocket, as
 * the worker runs them: the chip's proxy route, its auth state in PostgreSQL, Baileys' socket) and
 * nothing else of the worker, so what N sockets take can be read from this process alone. Their
 * proxy URLs are credentials on a metering gateway in another process; DATABASE_URL holds the chips.
 */
import { createDb } from '@chipgate/db';
import { connectChipSocket, type ChipConnection, type ChipSocketState } from '@chipgate/worker/baileys/chip-connection';
import { parseCertificateKey, trustStandInCertificateKey } from '@chipgate/worker/baileys/whatsapp-certificate';
import { serveParent } from './children';
import { mapLimit, sleep } from './stats';

export interface OpenSocketsRequest {
  chips: { chipId: string; proxyUrl: string }[];
  keepAliveIntervalMs: number;
  /** How long to wait for every socket to reach the state its chip would show unpaired (the QR). */
  timeoutMs: number;
}

export interface OpenSocketsReply {
  opened: number;
  /** Each chip's last reported state, counted. */
  states: Record<string, number>;
}

serveParent(async () => {
  const databaseUrl = process.env.DATABASE_URL;
  const waWebSocketUrl = process.env.BENCH_WA_URL;
  const certificateKey = process.env.BENCH_WA_CERTIFICATE_KEY;
  if (!databaseUrl || !waWebSocketUrl || !certificateKey) throw new Error('DATABASE_URL, BENCH_WA_URL and BENCH_WA_CERTIFICATE_KEY must be set');
  trustStandInCertificateKey(parseCertificateKey(certificateKey), waWebSocketUrl);
  const db = createDb(databaseUrl);
  // Connected before the parent's baseline, as the worker's pool is before its first chip.
  await db.$queryRawUnsafe('SELECT 1');
  const connections: ChipConnection[] = [];
  const last = new Map<string, ChipSocketState>();
  return {
    ready: {},
    handlers: {
      async open(payload) {
        const { chips, keepAliveIntervalMs, timeoutMs } = payload as OpenSocketsRequest;
        await mapLimit(chips, 25, async ({ chipId, proxyUrl }) => {
          connections.push(
            await connectChipSocket({
              chipId,
              db,
              proxyUrl,
              waWebSocketUrl,
              keepAliveIntervalMs,
              onState: (state) => void last.set(chipId, state),
            }),
          );
        });
        const deadline = Date.now() + timeoutMs;
        const atQr = () => chips.filter((c) => last.get(c.chipId) === 'qr').length;
        while (atQr() < chips.length && Date.now() < deadline) await sleep(250);
        const states: Record<string, number> = {};
        for (const c of chips) {
          const state = last.get(c.chipId) ?? 'none';
          states[state] = (states[state] ?? 0) + 1;
        }
        return { opened: connections.length, states } satisfies OpenSocketsReply;
      },
    },
    async stop() {
      await Promise.allSettled(connections.map((c) => c.close()));
      await db.$disconnect();
    },
  };
});
