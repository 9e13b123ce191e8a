/**
 * Smartproxy STAND-IN (test double, loopback only) — account traffic metering.
 *
 * Bills what crosses the provider's gateway as the client sees it: `sent` is what the client wrote
 * to the proxy (client→target), `received` what the proxy wrote back (target→client), protocol
 * overhead included. proxy-chain only reports a connection's bytes when it closes, so live billed
 * connections are polled with getConnectionStats() and the differences go into a time-stamped
 * ledger; that way a tunnel that stays open for days is still billed while it is open.
 */
import type { ConnectionStats, Server } from 'proxy-chain';

export type ByteCounts = { sent: bigint; received: bigint; total: bigint };

type LedgerEntry = { at: number; sent: bigint; received: bigint };
type Seen = { sent: number; received: number };

const SAMPLE_INTERVAL_MS = 1000;

export class AccountMeter {
  private readonly ledger: LedgerEntry[] = [];
  private readonly billed = new Map<Server, Map<number, Seen>>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  watch(server: Server): void {
    const connections = new Map<number, Seen>();
    this.billed.set(server, connections);
    server.on('connectionClosed', ({ connectionId, stats }: { connectionId: number; stats?: ConnectionStats }) => {
      const seen = connections.get(connectionId);
      if (!seen) return;
      connections.delete(connectionId);
      if (stats) this.record(seen, stats);
    });
  }

  /** Called once a request on the connection is authenticated; unauthenticated bytes are free. */
  bill(server: Server, connectionId: number): void {
    const connections = this.billed.get(server);
    if (connections && !connections.has(connectionId)) connections.set(connectionId, { sent: 0, received: 0 });
  }

  totals(): ByteCounts {
    this.sample();
    return sum(this.ledger);
  }

  /** Bytes recorded in [from, to), in milliseconds since the epoch. */
  between(from: number, to: number): ByteCounts {
    this.sample();
    return sum(this.ledger.filter((entry) => entry.at >= from && entry.at < to));
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  private sample(): void {
    for (const [server, connections] of this.billed) {
      for (const [connectionId, seen] of connections) {
        const stats = server.getConnectionStats(connectionId);
        if (stats) this.record(seen, stats);
      }
    }
  }

  private record(seen: Seen, stats: ConnectionStats): void {
    const sent = stats.srcRxBytes - seen.sent;
    const received = stats.srcTxBytes - seen.received;
    seen.sent = stats.srcRxBytes;
    seen.received = stats.srcTxBytes;
    if (sent > 0 || received > 0) {
      this.ledger.push({ at: this.now(), sent: BigInt(sent), received: BigInt(received) });
    }
  }
}

function sum(entries: readonly LedgerEntry[]): ByteCounts {
  let sent = 0n;
  let received = 0n;
  for (const entry of entries) {
    sent += entry.sent;
    received += entry.received;
  }
  return { sent, received, total: sent + received };
}
