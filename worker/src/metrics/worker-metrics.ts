import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { bearerTokenMatches } from '@chipgate/activities/secrets/bearer-token';

/**
 * What one worker process did, for Prometheus: counters of its own events (bytes it billed, alert
 * deliveries), gauges read at scrape time from its gateway and sockets. Business state that every
 * worker shares (chips by status, proxy health) is the web app's /metrics, read once from PostgreSQL.
 */
export interface WorkerMetrics {
  registry: Registry;
  usageBilled(row: { provider: string; bytesSent: bigint; bytesReceived: bigint; periodEnd: Date }): void;
  alertDelivery(channel: 'email' | 'webhook', outcome: 'delivered' | 'failed'): void;
  /** Gauges read when Prometheus scrapes. */
  observe(sources: { gatewayConnections(): number; chipsHeld(): Record<string, number> }): void;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'chipgate_worker_' });
  const bytesMetered = new Counter({
    name: 'chipgate_bytes_metered_total',
    help: 'Bytes billed to customers by this worker, by direction (sent/received at the provider) and provider',
    labelNames: ['direction', 'provider'] as const,
    registers: [registry],
  });
  const meterLag = new Histogram({
    name: 'chipgate_meter_lag_seconds',
    help: 'How long after its period ended a meter committed its usage rows',
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900],
    registers: [registry],
  });
  const alertDeliveries = new Counter({
    name: 'chipgate_alert_deliveries_total',
    help: 'Quota alert deliveries attempted by this worker, by channel and outcome',
    labelNames: ['channel', 'outcome'] as const,
    registers: [registry],
  });
  let sources: Parameters<WorkerMetrics['observe']>[0] | undefined;
  new Gauge({
    name: 'chipgate_gateway_connections',
    help: 'Connections open through this worker’s metering gateway',
    registers: [registry],
    collect() {
      if (sources) this.set(sources.gatewayConnections());
    },
  });
  new Gauge({
    name: 'chipgate_worker_chips',
    help: 'Chips whose socket this worker holds, by socket state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      if (!sources) return;
      this.reset();
      for (const [state, count] of Object.entries(sources.chipsHeld())) this.set({ state }, count);
    },
  });
  return {
    registry,
    usageBilled({ provider, bytesSent, bytesReceived, periodEnd }) {
      // Counters are doubles: exact up to 2^53 bytes (8 PiB) per series, far beyond a process's life.
      bytesMetered.inc({ direction: 'sent', provider }, Number(bytesSent));
      bytesMetered.inc({ direction: 'received', provider }, Number(bytesReceived));
      meterLag.observe(Math.max(0, (Date.now() - periodEnd.getTime()) / 1000));
    },
    alertDelivery(channel, outcome) {
      alertDeliveries.inc({ channel, outcome });
    },
    observe(next) {
      sources = next;
    },
  };
}

/**
 * Serves `GET /metrics` in Prometheus' text format. With a token, scrapers must send
 * `Authorization: Bearer <token>`; the port should still be reachable only from the monitoring network.
 */
export async function serveMetrics(registry: Registry, options: { host: string; port: number; token?: string }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://metrics').pathname !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
      return;
    }
    if (options.token && !bearerTokenMatches(request.headers.authorization, options.token)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' }).end('unauthorized\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/metrics`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
