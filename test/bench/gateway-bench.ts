/**
 * Part 1: the metering gateway against going straight to the upstream (the Smartproxy stand-in),
 * measured in the same run with the two sides interleaved, so machine noise lands on both.
 *
 *   direct:   client ──CONNECT──► upstream ──► echo
 *   gateway:  client ──CONNECT──► gateway ──CONNECT──► upstream ──► echo
 *
 * Client, gateway and upstream are three processes; the gateway's own CPU time is read from its process.
 */
import { performance } from 'node:perf_hooks';
import { cpuMs, startBenchChild, type BenchChild } from './children';
import type { GatewayReady } from './gateway-child';
import { fmt, MiB, spread, summarize, table, type Spread, type Summary } from './stats';
import { getBytes, openTunnel, postBytes, type ProxyEndpoint, type Target, type Tunnel } from './tunnel';
import type { UpstreamReady } from './upstream-child';

export interface GatewayBenchOptions {
  connectSamples: number;
  bigBytes: number;
  bigRounds: number;
  smallCount: number;
  smallBytes: number;
  smallRounds: number;
  parallelTunnels: number;
}

export const DEFAULT_GATEWAY_BENCH: GatewayBenchOptions = {
  connectSamples: 300,
  bigBytes: 64 * MiB,
  bigRounds: 7,
  smallCount: 2000,
  smallBytes: 16 * 1024,
  smallRounds: 5,
  parallelTunnels: 8,
};

type Side = 'direct' | 'gateway';
const SIDES: readonly Side[] = ['direct', 'gateway'];

interface ThroughputResult {
  name: string;
  unit: string;
  direct: Spread;
  gateway: Spread;
  /** Median gateway / median direct. */
  ratio: number;
  gatewayCpuPerUnit: number;
  gatewayCpuUnit: string;
}

export interface GatewayBenchResult {
  options: GatewayBenchOptions;
  connectLatencyMs: { direct: Summary; gateway: Summary; ratioP50: number; ratioP95: number; ratioP99: number; gatewayCpuUsPerConnect: number; upstreamCpuUsPerConnect: number };
  throughput: ThroughputResult[];
  /** Payload bytes moved through the gateway vs what it counted on the provider leg (headers included). */
  metering: { payloadUp: number; payloadDown: number; meteredSent: number; meteredReceived: number };
}

/** Only the order alternates (ABBA…), so a drift in machine load hits both sides alike. */
function orderFor(round: number): readonly Side[] {
  return round % 2 === 0 ? SIDES : [...SIDES].reverse();
}

export async function runGatewayBench(
  upstream: UpstreamReady,
  upstreamChild: BenchChild,
  log: (line: string) => void,
  options: GatewayBenchOptions = DEFAULT_GATEWAY_BENCH,
): Promise<GatewayBenchResult> {
  const { child: gateway, ready } = await startBenchChild<GatewayReady>('gateway-child.ts', { name: 'gateway child' });
  try {
    return await measure(gateway, ready, upstream, upstreamChild, log, options);
  } finally {
    await gateway.stop();
  }
}

async function measure(
  gateway: BenchChild,
  ready: GatewayReady,
  upstream: UpstreamReady,
  upstreamChild: BenchChild,
  log: (line: string) => void,
  o: GatewayBenchOptions,
): Promise<GatewayBenchResult> {
  const chipId = 'benchthroughput1';
  const credentials = await gateway.request<Record<string, { username: string; password: string }>>('register', {
    chipIds: [chipId],
    upstream: { host: upstream.proxyHost, port: upstream.proxyPort, username: upstream.username, password: upstream.password },
  });
  const echo = new URL(upstream.echoUrl);
  const target: Target = { host: echo.hostname, port: Number(echo.port) };
  const endpoints: Record<Side, ProxyEndpoint> = {
    // The same sticky session the gateway chains to, so both sides leave from the same exit.
    direct: { host: upstream.proxyHost, port: upstream.proxyPort, username: `${upstream.username}-session-${chipId}`, password: upstream.password },
    gateway: { host: '127.0.0.1', port: ready.port, username: credentials[chipId]!.username, password: credentials[chipId]!.password },
  };
  const gatewayCpu = async () => cpuMs(await gateway.stats());
  const payload = { up: 0, down: 0 };

  // Warm-up: JIT, socket buffers, the upstream's session table, on both sides.
  log('  warm-up…');
  for (const side of SIDES) {
    for (let i = 0; i < 20; i++) (await openTunnel(endpoints[side], target)).socket.destroy();
    const tunnel = await openTunnel(endpoints[side], target);
    await getBytes(tunnel, target, 16 * MiB);
    await postBytes(tunnel, target, 16 * MiB);
    for (let i = 0; i < 200; i++) await getBytes(tunnel, target, o.smallBytes);
    tunnel.socket.destroy();
    if (side === 'gateway') {
      payload.up += 16 * MiB;
      payload.down += 16 * MiB + 200 * o.smallBytes;
    }
  }

  // (a) CONNECT latency: a fresh tunnel each time, closed right after its 200.
  log(`  CONNECT latency, ${o.connectSamples} tunnels per side…`);
  const latencies: Record<Side, number[]> = { direct: [], gateway: [] };
  const cpuBeforeConnects = await gatewayCpu();
  const upstreamCpuBefore = cpuMs(await upstreamChild.stats());
  for (let i = 0; i < o.connectSamples; i++) {
    for (const side of orderFor(i)) {
      const tunnel = await openTunnel(endpoints[side], target);
      latencies[side].push(tunnel.connectMs);
      tunnel.socket.destroy();
    }
  }
  const gatewayCpuUsPerConnect = (((await gatewayCpu()) - cpuBeforeConnects) * 1000) / o.connectSamples;
  // Both sides go through the upstream (also proxy-chain), so its cost per CONNECT is a reference.
  const upstreamCpuUsPerConnect = ((cpuMs(await upstreamChild.stats()) - upstreamCpuBefore) * 1000) / (2 * o.connectSamples);
  const direct = summarize(latencies.direct);
  const viaGateway = summarize(latencies.gateway);

  /** Runs `work` on a fresh tunnel per side per round; returns units per second and gateway CPU per unit. */
  const throughput = async (
    name: string,
    rounds: number,
    unit: string,
    units: number,
    moved: { up: number; down: number },
    tunnels: number,
    work: (tunnels: Tunnel[]) => Promise<void>,
    /** Gateway CPU ms × scale / units: ms per GiB with units in MiB and scale 1024, µs per request with scale 1000. */
    cpuUnit: { label: string; scale: number },
  ): Promise<ThroughputResult> => {
    log(`  ${name}, ${rounds} rounds per side…`);
    const rates: Record<Side, number[]> = { direct: [], gateway: [] };
    let gatewayCpuTotal = 0;
    for (let round = 0; round < rounds; round++) {
      for (const side of orderFor(round)) {
        const open: Tunnel[] = [];
        for (let t = 0; t < tunnels; t++) open.push(await openTunnel(endpoints[side], target));
        const cpuBefore = side === 'gateway' ? await gatewayCpu() : 0;
        const started = performance.now();
        await work(open);
        const seconds = (performance.now() - started) / 1000;
        if (side === 'gateway') {
          gatewayCpuTotal += (await gatewayCpu()) - cpuBefore;
          payload.up += moved.up;
          payload.down += moved.down;
        }
        for (const tunnel of open) tunnel.socket.destroy();
        rates[side].push(units / seconds);
      }
    }
    const d = spread(rates.direct);
    const g = spread(rates.gateway);
    return { name, unit, direct: d, gateway: g, ratio: g.median / d.median, gatewayCpuPerUnit: (gatewayCpuTotal * cpuUnit.scale) / (rounds * units), gatewayCpuUnit: cpuUnit.label };
  };

  const bigParts = Math.ceil(o.bigBytes / (16 * MiB));
  const results: ThroughputResult[] = [];
  results.push(
    await throughput(
      `download ${o.bigBytes / MiB} MiB in one tunnel (${bigParts} × GET)`,
      o.bigRounds,
      'MiB/s',
      o.bigBytes / MiB,
      { up: 0, down: o.bigBytes },
      1,
      async ([tunnel]) => {
        for (let left = o.bigBytes; left > 0; left -= 16 * MiB) await getBytes(tunnel!, target, Math.min(left, 16 * MiB));
      },
      { label: 'ms/GiB', scale: 1024 },
    ),
  );
  results.push(
    await throughput(
      `upload ${o.bigBytes / MiB} MiB in one tunnel (1 × POST)`,
      o.bigRounds,
      'MiB/s',
      o.bigBytes / MiB,
      { up: o.bigBytes, down: 0 },
      1,
      async ([tunnel]) => postBytes(tunnel!, target, o.bigBytes),
      { label: 'ms/GiB', scale: 1024 },
    ),
  );
  results.push(
    await throughput(
      `${o.smallCount} × GET ${o.smallBytes / 1024} KiB, 1 keep-alive tunnel`,
      o.smallRounds,
      'req/s',
      o.smallCount,
      { up: 0, down: o.smallCount * o.smallBytes },
      1,
      async ([tunnel]) => {
        for (let i = 0; i < o.smallCount; i++) await getBytes(tunnel!, target, o.smallBytes);
      },
      { label: 'µs/req', scale: 1000 },
    ),
  );
  results.push(
    await throughput(
      `${o.smallCount} × GET ${o.smallBytes / 1024} KiB, ${o.parallelTunnels} tunnels in parallel`,
      o.smallRounds,
      'req/s',
      o.smallCount,
      { up: 0, down: o.smallCount * o.smallBytes },
      o.parallelTunnels,
      async (tunnels) => {
        const each = Math.ceil(o.smallCount / tunnels.length);
        await Promise.all(
          tunnels.map(async (tunnel, lane) => {
            for (let i = lane * each; i < Math.min(o.smallCount, (lane + 1) * each); i++) await getBytes(tunnel, target, o.smallBytes);
          }),
        );
      },
      { label: 'µs/req', scale: 1000 },
    ),
  );

  // Tunnels were destroyed from this side; give the gateway a moment to see the closes before reading.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const counters = await gateway.request<{ sent: string; received: string }>('counters', chipId);

  return {
    options: o,
    connectLatencyMs: {
      direct,
      gateway: viaGateway,
      ratioP50: viaGateway.p50 / direct.p50,
      ratioP95: viaGateway.p95 / direct.p95,
      ratioP99: viaGateway.p99 / direct.p99,
      gatewayCpuUsPerConnect,
      upstreamCpuUsPerConnect,
    },
    throughput: results,
    metering: { payloadUp: payload.up, payloadDown: payload.down, meteredSent: Number(counters.sent), meteredReceived: Number(counters.received) },
  };
}

export function formatGatewayBench(r: GatewayBenchResult): string {
  const c = r.connectLatencyMs;
  const latency = table([
    ['CONNECT latency (ms)', 'direct', 'gateway', 'gateway/direct'],
    ['p50', fmt(c.direct.p50, 3), fmt(c.gateway.p50, 3), `${fmt(c.ratioP50, 2)}×`],
    ['p95', fmt(c.direct.p95, 3), fmt(c.gateway.p95, 3), `${fmt(c.ratioP95, 2)}×`],
    ['p99', fmt(c.direct.p99, 3), fmt(c.gateway.p99, 3), `${fmt(c.ratioP99, 2)}×`],
    ['mean', fmt(c.direct.mean, 3), fmt(c.gateway.mean, 3), `${fmt(c.gateway.mean / c.direct.mean, 2)}×`],
    ['max', fmt(c.direct.max, 3), fmt(c.gateway.max, 3), ''],
  ]);
  const band = (s: Spread) => `${fmt(s.median, 0)} (${fmt(s.min, 0)}–${fmt(s.max, 0)}, ±${fmt(s.spreadPct / 2, 0)}%)`;
  const tput = table([
    ['Throughput: median (min–max, ±half-range)', 'direct', 'gateway', 'gateway/direct', 'gateway CPU'],
    ...r.throughput.map((t) => [`${t.name} [${t.unit}]`, band(t.direct), band(t.gateway), `${fmt(t.ratio, 2)}×`, `${fmt(t.gatewayCpuPerUnit, 0)} ${t.gatewayCpuUnit}`]),
  ]);
  const m = r.metering;
  return [
    `${latency}\n  (${c.direct.n} tunnels per side, alternating; CPU per CONNECT: gateway process ≈ ${fmt(c.gatewayCpuUsPerConnect, 0)} µs, upstream stand-in ≈ ${fmt(c.upstreamCpuUsPerConnect, 0)} µs)`,
    '',
    tput,
    '',
    `  metering check: payload through the gateway ${fmt(m.payloadUp / MiB, 1)} MiB up / ${fmt(m.payloadDown / MiB, 1)} MiB down; ` +
      `it counted ${fmt(m.meteredSent / MiB, 1)} MiB sent / ${fmt(m.meteredReceived / MiB, 1)} MiB received on the provider leg ` +
      `(+${fmt(((m.meteredSent + m.meteredReceived) / (m.payloadUp + m.payloadDown) - 1) * 100, 2)}% HTTP/CONNECT headers)`,
  ].join('\n');
}
