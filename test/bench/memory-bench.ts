/**
 * Part 2: memory of the metering gateway per registered chip and per idle chip connection. K chips
 * are registered in a gateway process of its own; each chip then opens one WebSocket through it
 * (ws + https-proxy-agent, the way Baileys connects) to a local WebSocket server via the upstream,
 * and stays idle. Memory is read in the gateway process after forced garbage collections.
 */
import { once } from 'node:events';
import { HttpsProxyAgent } from 'https-proxy-agent';
import WebSocket, { WebSocketServer } from 'ws';
import { startBenchChild, type ProcessStats } from './children';
import type { GatewayReady } from './gateway-child';
import { fmt, fmtBytes, mapLimit, sleep, table } from './stats';
import type { UpstreamReady } from './upstream-child';

export interface MemoryStep {
  idleConnections: number;
  gcForced: boolean;
  base: ProcessStats;
  registered: ProcessStats;
  idle: ProcessStats;
  perChip: { rss: number; heapUsed: number };
  perConnection: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
  openMs: number;
}

export async function runMemoryBench(upstream: UpstreamReady, counts: number[], log: (line: string) => void): Promise<MemoryStep[]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const address = wss.address();
  const wsPort = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    const steps: MemoryStep[] = [];
    for (const k of counts) {
      log(`  ${k} chips, one idle WebSocket each…`);
      steps.push(await step(upstream, wsPort, k));
    }
    return steps;
  } finally {
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
}

async function step(upstream: UpstreamReady, wsPort: number, k: number): Promise<MemoryStep> {
  // A fresh process per step: memory a process once took is not given back reliably.
  const { child: gateway } = await startBenchChild<GatewayReady>('gateway-child.ts', { name: 'gateway child', nodeFlags: ['--expose-gc'] });
  const sockets: WebSocket[] = [];
  try {
    await sleep(500);
    const base = await gateway.stats({ gc: true });
    const chipIds = Array.from({ length: k }, (_, i) => `benchidle${String(i).padStart(5, '0')}`);
    const credentials = await gateway.request<Record<string, { proxyUrl: string }>>('register', {
      chipIds,
      upstream: { host: upstream.proxyHost, port: upstream.proxyPort, username: upstream.username, password: upstream.password },
    });
    const registered = await gateway.stats({ gc: true });
    const started = Date.now();
    await mapLimit(chipIds, 25, async (chipId) => {
      const socket = new WebSocket(`ws://127.0.0.1:${wsPort}/`, { agent: new HttpsProxyAgent(credentials[chipId]!.proxyUrl) });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
    });
    const openMs = Date.now() - started;
    await sleep(1_500);
    const idle = await gateway.stats({ gc: true });
    const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    if (open !== k) throw new Error(`only ${open} of ${k} idle WebSockets stayed open`);
    const per = (field: 'rss' | 'heapUsed' | 'external' | 'arrayBuffers', from: ProcessStats, to: ProcessStats) => (to[field] - from[field]) / k;
    return {
      idleConnections: k,
      gcForced: idle.gcForced,
      base,
      registered,
      idle,
      perChip: { rss: per('rss', base, registered), heapUsed: per('heapUsed', base, registered) },
      perConnection: {
        rss: per('rss', registered, idle),
        heapUsed: per('heapUsed', registered, idle),
        external: per('external', registered, idle),
        arrayBuffers: per('arrayBuffers', registered, idle),
      },
      openMs,
    };
  } finally {
    for (const socket of sockets) socket.terminate();
    await gateway.stop();
  }
}

export function formatMemoryBench(steps: MemoryStep[]): string {
  const rows = [
    ['Idle chip connections through the gateway', 'RSS', 'heap used', 'RSS / conn', 'heap / conn', 'external / conn', 'heap / registered chip', 'open all'],
    ...steps.map((s) => [
      `${s.idleConnections} chips × 1 idle WebSocket`,
      `${fmtBytes(s.registered.rss)} → ${fmtBytes(s.idle.rss)}`,
      `${fmtBytes(s.registered.heapUsed)} → ${fmtBytes(s.idle.heapUsed)}`,
      fmtBytes(s.perConnection.rss),
      fmtBytes(s.perConnection.heapUsed),
      fmtBytes(s.perConnection.external),
      fmtBytes(s.perChip.heapUsed),
      `${fmt(s.openMs / 1000, 1)} s`,
    ]),
  ];
  const gc = steps.every((s) => s.gcForced) ? 'after forced GC (--expose-gc)' : 'WITHOUT forced GC (gc() unavailable): heap figures are noisy';
  return `${table(rows)}\n  (gateway process alone, ${gc}; each idle tunnel is 2 sockets in the gateway: chip side and provider side)`;
}
