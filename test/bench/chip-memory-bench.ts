/**
 * Part 5: a connected chip's memory in a worker, split into Baileys, the metering gateway and the
 * workflow cache. At each N, every figure is the growth of a FRESH process over its own baseline,
 * read after forced garbage collections (--expose-gc) once RSS has stopped moving, divided by N:
 *
 *   total     — a real worker (worker-child.ts) with N chips CONNECTED: their workflows in its sticky
 *               cache, their gateway registrations and tunnels, their Baileys sockets at the WhatsApp
 *               stand-in's QR (unpaired, as in the workflows part) and the chip runtime's bookkeeping;
 *   workflow  — the same worker with N chips in a region no proxy serves: each workflow is cached and
 *               runs its loop (meters, retries the assignment) but no socket or gateway route exists;
 *   gateway   — the `memory` part's measurement (memory-bench.ts): N chips registered in a gateway
 *               process of their own, one idle tunnel each;
 *   Baileys   — N connectChipSocket sockets (as the worker runs them) in a process of their own
 *               (baileys-child.ts), through a gateway in another process to the WhatsApp stand-in,
 *               each at its QR;
 *   residual  — total − (Baileys + gateway + workflow): the chip runtime's own bookkeeping, and what
 *               the parts do not add up to when run together (allocator and V8 heap sizing differ
 *               between one large process and several small ones).
 *
 * "Ours" (issue 8: ≤ 1 MiB per chip) = gateway + workflow + residual: everything but Baileys.
 */
import { startBenchChild, type BenchChild, type ProcessStats } from './children';
import type { GatewayReady } from './gateway-child';
import type { OpenSocketsReply, OpenSocketsRequest } from './baileys-child';
import { runMemoryBench, type MemoryStep } from './memory-bench';
import { fmtBytes, sleep, table } from './stats';
import type { UpstreamReady } from './upstream-child';
import { BENCH_WA_KEEPALIVE_MS, PROXIED_REGION, runCleanups, startWorkerBenchStack, type Cleanup, type WorkerBenchStack } from './worker-stack';
import type { ChipLifecycleStatus } from '@chipgate/workflows/chip/contract';

export interface ChipMemoryOptions {
  counts: number[];
  /** The chips' meter interval (and assignment retry interval): long enough not to load the box. */
  meterIntervalSeconds: number;
  /** After the last chip reached its state, before the reading: every chip metered at least once. */
  settleSeconds: number;
  connectTimeoutSeconds: number;
}

export const DEFAULT_CHIP_MEMORY: ChipMemoryOptions = {
  counts: [100, 200],
  meterIntervalSeconds: 10,
  settleSeconds: 15,
  connectTimeoutSeconds: 120,
};

/** A region with no proxy: its chips wait for one (WAITING_FOR_PROXY), their workflows cached, no socket. */
const UNPROXIED_REGION = 'zz';

const GC = ['--expose-gc'];

/** One process's growth over its baseline, after forced GC, per chip. */
export interface Growth {
  base: ProcessStats;
  loaded: ProcessStats;
  perChip: { rss: number; heapUsed: number; external: number; arrayBuffers: number };
}

/**
 * A reading after forced GC once RSS has stopped moving (two readings 2 s apart within 1 MiB, or 30 s):
 * a process that just started (a worker has just bundled its workflows) keeps giving pages back for a while.
 */
async function steadyStats(child: BenchChild): Promise<ProcessStats> {
  const deadline = Date.now() + 30_000;
  let last = await child.stats({ gc: true });
  for (;;) {
    await sleep(2_000);
    const now = await child.stats({ gc: true });
    if (Math.abs(now.rss - last.rss) < 1024 * 1024 || Date.now() > deadline) return now;
    last = now;
  }
}

function growth(base: ProcessStats, loaded: ProcessStats, n: number): Growth {
  const per = (field: 'rss' | 'heapUsed' | 'external' | 'arrayBuffers') => (loaded[field] - base[field]) / n;
  return { base, loaded, perChip: { rss: per('rss'), heapUsed: per('heapUsed'), external: per('external'), arrayBuffers: per('arrayBuffers') } };
}

export interface ChipMemoryStep {
  chips: number;
  /** A worker with N connected chips. */
  total: Growth & { reached: number; status: ChipLifecycleStatus };
  /** A worker with N cached chip workflows and no socket. */
  workflowCache: Growth & { reached: number; status: ChipLifecycleStatus };
  /** The `memory` part at N: registration + one idle tunnel per chip, gateway process alone. */
  gateway: { rss: number; heapUsed: number; external: number; step: MemoryStep };
  /** N Baileys sockets at their QR, in a process of their own. */
  baileys: Growth & { states: Record<string, number>; gatewayBehind: Growth };
  /** Per chip: total − (Baileys + gateway + workflow cache). */
  residual: { rss: number; heapUsed: number };
  /** Per chip: gateway + workflow cache + residual (= total − Baileys). */
  ours: { rss: number; heapUsed: number };
}

export interface ChipMemoryResult {
  options: ChipMemoryOptions;
  postgres: string;
  temporal: string;
  steps: ChipMemoryStep[];
}

export async function runChipMemoryBench(upstream: UpstreamReady, log: (line: string) => void, o: ChipMemoryOptions = DEFAULT_CHIP_MEMORY): Promise<ChipMemoryResult> {
  const cleanups: Cleanup[] = [];
  try {
    const stack = await startWorkerBenchStack(upstream, log, cleanups);
    log('  gateway share (the memory part, at the same N)…');
    const gatewaySteps = await runMemoryBench(upstream, o.counts, log);
    const steps: ChipMemoryStep[] = [];
    for (const [i, n] of o.counts.entries()) {
      log(`  ${n} chips: a worker with ${n} connected chips…`);
      const total = await workerGrowth(stack, n, PROXIED_REGION, 'CONNECTED', o, log);
      log(`  ${n} chips: a worker with ${n} chip workflows waiting for a proxy (no socket)…`);
      const workflowCache = await workerGrowth(stack, n, UNPROXIED_REGION, 'WAITING_FOR_PROXY', o, log);
      log(`  ${n} chips: ${n} Baileys sockets in a process of their own…`);
      const baileys = await baileysGrowth(stack, upstream, n, o);
      const g = gatewaySteps[i]!;
      const gateway = {
        rss: g.perChip.rss + g.perConnection.rss,
        heapUsed: g.perChip.heapUsed + g.perConnection.heapUsed,
        external: g.perConnection.external,
        step: g,
      };
      const residual = {
        rss: total.perChip.rss - baileys.perChip.rss - gateway.rss - workflowCache.perChip.rss,
        heapUsed: total.perChip.heapUsed - baileys.perChip.heapUsed - gateway.heapUsed - workflowCache.perChip.heapUsed,
      };
      const ours = { rss: gateway.rss + workflowCache.perChip.rss + residual.rss, heapUsed: gateway.heapUsed + workflowCache.perChip.heapUsed + residual.heapUsed };
      steps.push({ chips: n, total, workflowCache, gateway, baileys, residual, ours });
      log(`    total ${fmtBytes(total.perChip.rss)} = Baileys ${fmtBytes(baileys.perChip.rss)} + ours ${fmtBytes(ours.rss)} per chip (RSS)`);
    }
    return { options: o, postgres: stack.postgres, temporal: stack.temporal, steps };
  } finally {
    await runCleanups(cleanups);
  }
}

/** A fresh worker, its baseline after GC, N chips started and settled in `status`, and the reading after GC. */
async function workerGrowth(
  stack: WorkerBenchStack,
  n: number,
  region: string,
  status: ChipLifecycleStatus,
  o: ChipMemoryOptions,
  log: (line: string) => void,
): Promise<Growth & { reached: number; status: ChipLifecycleStatus }> {
  const config = stack.workerConfig();
  const worker = await stack.startWorker(config, GC);
  try {
    const base = await steadyStats(worker);
    const chips = await stack.createChips(n, region);
    const interval = o.meterIntervalSeconds;
    await stack.startChips(config.taskQueue, chips, { meterIntervalSeconds: interval, proxyRetrySeconds: interval }, interval);
    const reached = await stack.waitForStatus(config.taskQueue, status, n, o.connectTimeoutSeconds);
    log(`    ${reached}/${n} ${status}; settling ${o.settleSeconds} s…`);
    await sleep(o.settleSeconds * 1000);
    const loaded = await steadyStats(worker);
    return { ...growth(base, loaded, n), reached, status };
  } finally {
    // The worker first (it closes the sockets), then the workflows: no other worker polls its queue.
    await worker.stop(20_000);
    await stack.terminateChips('chip memory measured');
  }
}

/** N chips' Baileys sockets in a child of their own, through a gateway child, to the WhatsApp stand-in. */
async function baileysGrowth(stack: WorkerBenchStack, upstream: UpstreamReady, n: number, o: ChipMemoryOptions): Promise<ChipMemoryStep['baileys']> {
  const chips = await stack.createChips(n);
  const { child: gateway } = await startBenchChild<GatewayReady>('gateway-child.ts', { name: 'gateway child (behind the Baileys sockets)', nodeFlags: GC });
  try {
    const credentials = await gateway.request<Record<string, { proxyUrl: string }>>('register', {
      chipIds: chips.map((c) => c.id),
      upstream: { host: upstream.proxyHost, port: upstream.proxyPort, username: upstream.username, password: upstream.password },
    });
    const { child: baileys } = await startBenchChild<Record<string, never>>('baileys-child.ts', {
      name: 'Baileys child',
      nodeFlags: GC,
      env: { ...process.env, DATABASE_URL: stack.databaseUrl, BENCH_WA_URL: stack.whatsapp.url, BENCH_WA_CERTIFICATE_KEY: stack.whatsapp.certificatePublicKey },
    });
    try {
      const [base, gatewayBase] = await Promise.all([steadyStats(baileys), steadyStats(gateway)]);
      const request: OpenSocketsRequest = {
        chips: chips.map((c) => ({ chipId: c.id, proxyUrl: credentials[c.id]!.proxyUrl })),
        keepAliveIntervalMs: BENCH_WA_KEEPALIVE_MS,
        timeoutMs: o.connectTimeoutSeconds * 1000,
      };
      const reply = await baileys.request<OpenSocketsReply>('open', request, o.connectTimeoutSeconds * 1000 + 60_000);
      await sleep(o.settleSeconds * 1000);
      const [loaded, gatewayLoaded] = await Promise.all([steadyStats(baileys), steadyStats(gateway)]);
      return { ...growth(base, loaded, n), states: reply.states, gatewayBehind: growth(gatewayBase, gatewayLoaded, n) };
    } finally {
      await baileys.stop();
    }
  } finally {
    await gateway.stop();
  }
}

export function formatChipMemoryBench(r: ChipMemoryResult): string {
  const b = fmtBytes;
  const rows = [
    ['RSS per connected chip', 'total (worker)', 'Baileys', 'gateway', 'workflow cache', 'residual', 'ours = gateway + workflow + residual', '≤ 1 MiB'],
    ...r.steps.map((s) => [
      `${s.chips} chips`,
      b(s.total.perChip.rss),
      b(s.baileys.perChip.rss),
      b(s.gateway.rss),
      b(s.workflowCache.perChip.rss),
      b(s.residual.rss),
      b(s.ours.rss),
      s.ours.rss <= 1024 * 1024 ? 'yes' : 'NO',
    ]),
  ];
  const heapRows = [
    ['JS heap used per chip (main thread) / external', 'total (worker)', 'Baileys', 'gateway', 'workflow cache', 'residual'],
    ...r.steps.map((s) => [
      `${s.chips} chips`,
      `${b(s.total.perChip.heapUsed)} / ${b(s.total.perChip.external)}`,
      `${b(s.baileys.perChip.heapUsed)} / ${b(s.baileys.perChip.external)}`,
      `${b(s.gateway.heapUsed)} / ${b(s.gateway.external)}`,
      `${b(s.workflowCache.perChip.heapUsed)} / ${b(s.workflowCache.perChip.external)}`,
      b(s.residual.heapUsed),
    ]),
  ];
  const lines = [
    table(rows),
    '',
    table(heapRows),
    `  every figure: a fresh process's growth over its own baseline after forced GC (--expose-gc), ÷ N; ${r.postgres}; ${r.temporal}.`,
    `  total = worker with N chips CONNECTED (sockets at the WhatsApp stand-in's QR, unpaired); workflow cache = the same worker with N chips`,
    `  WAITING_FOR_PROXY (region ${UNPROXIED_REGION}, no proxy: cached, metering and retrying every ${r.options.meterIntervalSeconds} s, no socket); gateway = the memory part at N`,
    '  (registration + one idle tunnel per chip); Baileys = N connectChipSocket sockets at their QR in a process of their own; residual = total − the three.',
    "  The workflow cache's V8 heap lives in the worker's workflow thread, which gc() does not reach and heap used does not show: it is in RSS only.",
  ];
  for (const s of r.steps) {
    const states = Object.entries(s.baileys.states).map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(
      `  ${s.chips} chips: worker idle RSS ${b(s.total.base.rss)} → ${b(s.total.loaded.rss)} (${s.total.reached}/${s.chips} ${s.total.status}); ` +
        `no-socket worker ${b(s.workflowCache.base.rss)} → ${b(s.workflowCache.loaded.rss)} (${s.workflowCache.reached}/${s.chips} ${s.workflowCache.status}); ` +
        `Baileys process ${b(s.baileys.base.rss)} → ${b(s.baileys.loaded.rss)} (sockets: ${states}); the gateway behind those sockets grew ${b(s.baileys.gatewayBehind.perChip.rss)} RSS per chip` +
        ` (the memory part's idle tunnels: ${b(s.gateway.rss)}).`,
    );
  }
  return lines.join('\n');
}
