import { Prisma, type Db } from '@chipgate/db';

export interface CounterReading {
  counterId: string;
  chipId: string;
  proxyId: string;
  workerId: string;
  bytesSent: bigint;
  bytesReceived: bigint;
}

/**
 * Persists cumulative gateway counters in one statement, whatever the number of chips. Counters only
 * grow, so GREATEST keeps a late, older flush from moving a counter backwards.
 */
export async function flushTrafficCounters(db: Db, readings: readonly CounterReading[]): Promise<void> {
  if (readings.length === 0) return;
  const rows = readings.map(
    (r) => Prisma.sql`(${r.counterId}::uuid, ${r.chipId}::uuid, ${r.proxyId}::uuid, ${r.workerId}, ${r.bytesSent}, ${r.bytesReceived}, now())`,
  );
  await db.$executeRaw`
    INSERT INTO chip_traffic_counters (id, chip_id, proxy_id, worker_id, bytes_sent, bytes_received, updated_at)
    VALUES ${Prisma.join(rows)}
    ON CONFLICT (id) DO UPDATE SET
      bytes_sent = GREATEST(chip_traffic_counters.bytes_sent, EXCLUDED.bytes_sent),
      bytes_received = GREATEST(chip_traffic_counters.bytes_received, EXCLUDED.bytes_received),
      updated_at = now()`;
}
