import type { Db } from '@chipgate/db';

/** The platform's own bytes through the providers (the exit-IP probes): carried by the provider, billed to no customer. */
export async function platformBytes(db: Db): Promise<{ sent: bigint; received: bigint; total: bigint }> {
  const sum = await db.platformTraffic.aggregate({ _sum: { bytesSent: true, bytesReceived: true } });
  const sent = sum._sum.bytesSent ?? 0n;
  const received = sum._sum.bytesReceived ?? 0n;
  return { sent, received, total: sent + received };
}
