/**
 * `npm run bench`: Chipgate's benchmarks. Apart from the test suite; prints figures, asserts nothing.
 *
 *   1. the metering gateway vs straight to the upstream: CONNECT latency and throughput, as ratios
 *   2. memory per idle chip connection through the gateway
 *   3. chip workflows one worker sustains with the meter interval compressed
 *   4. WhatsApp traffic of one chip (real Baileys, WhatsApp stand-in): bytes of a pairing, of a login,
 *      and of an idle connected chip per hour and per month, and what that costs at the demo price
 *   5. a connected chip's worker RSS split into Baileys, the gateway and the workflow cache (and the
 *      residual), each a fresh process's growth after forced GC, at the same N chips (`chipmemory`)
 *
 * Everything runs on 127.0.0.1, is bounded in count and time, and cleans up after itself (child
 * processes, Temporal dev server, embedded PostgreSQL or the scratch database on DATABASE_URL).
 * Results are also written to test-artifacts/bench/results.json.
 *
 * Env: BENCH_PARTS=gateway,memory,workflows,whatsapp,chipmemory (default all); BENCH_CHIP_STEPS=25,50,100,200;
 *      BENCH_METER_INTERVAL_SECONDS=2; BENCH_WINDOW_SECONDS=24; BENCH_BUDGET_SECONDS=180 (part 3's ramp);
 *      BENCH_IDLE_CONNECTIONS=200,500; BENCH_WORKER_CPU_PROF=1 (V8 profile of the worker, test-artifacts/bench/profile/);
 *      BENCH_WA_LOGINS=3, BENCH_WA_PINGS=60, BENCH_WA_KEEPALIVE_MS=1000 (part 4);
 *      BENCH_CHIPMEM_COUNTS=100,200 (part 5's N), BENCH_CHIPMEM_METER_SECONDS=10 (its chips' meter interval),
 *      BENCH_CHIPMEM_SETTLE_SECONDS=15 (from the last chip placed to the reading).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../stack/paths';
import { startBenchChild, type BenchChild } from './children';
import { DEFAULT_CHIP_MEMORY, formatChipMemoryBench, runChipMemoryBench } from './chip-memory-bench';
import { DEFAULT_GATEWAY_BENCH, formatGatewayBench, runGatewayBench } from './gateway-bench';
import { formatMemoryBench, runMemoryBench } from './memory-bench';
import { machineFacts } from './proc';
import { benchAbort, fmt } from './stats';
import type { UpstreamReady } from './upstream-child';
import { DEFAULT_WHATSAPP_BENCH, formatWhatsAppBench, runWhatsAppBench } from './whatsapp-bench';
import { DEFAULT_WORKFLOW_BENCH, formatWorkflowBench, runWorkflowBench } from './workflow-bench';

const PARTS = ['gateway', 'memory', 'workflows', 'whatsapp', 'chipmemory'] as const;
type Part = (typeof PARTS)[number];

function listEnv(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const values = raw.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isInteger(v) || v <= 0)) throw new Error(`${name} must be a comma-separated list of positive integers, got "${raw}"`);
  return values;
}

function numberEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function selectedParts(): Part[] {
  const raw = process.env.BENCH_PARTS;
  if (!raw) return [...PARTS];
  const parts = raw.split(',').map((p) => p.trim());
  const unknown = parts.filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`BENCH_PARTS: unknown part(s) ${unknown.join(', ')}; choose from ${PARTS.join(', ')}`);
  return parts as Part[];
}

const started = Date.now();
const elapsed = () => `${fmt((Date.now() - started) / 1000, 0)} s`;
const log = (line: string) => console.log(line);

function heading(title: string): void {
  console.log(`\n━━ ${title} ${'━'.repeat(Math.max(0, 96 - title.length))}`);
}

async function main(): Promise<void> {
  const parts = selectedParts();
  const machine = machineFacts();
  heading('Chipgate benchmarks');
  console.log(`machine: ${machine.nproc} CPUs (nproc) · ${machine.cpuModel} · ${fmt(machine.memTotalMiB / 1024, 1)} GiB RAM · ${machine.kernel}`);
  console.log(`node ${machine.node} · load average at start ${machine.loadAverage.join(' / ')} (1/5/15 min; other work on this machine shares the CPUs)`);
  console.log(`parts: ${parts.join(', ')}`);

  const results: Record<string, unknown> = { startedAt: new Date().toISOString(), machine, parts };
  const outDir = path.join(repoRoot, 'test-artifacts', 'bench');
  const write = () => {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  };

  let upstream: { child: BenchChild; ready: UpstreamReady } | null = null;
  const stopUpstream = async () => {
    const running = upstream;
    upstream = null;
    await running?.child.stop();
  };
  try {
    // Parts 1–3 and 5 share the upstream child; part 4 starts its own stand-in in-process (it reads the provider's count).
    const shared = parts.some((p) => p !== 'whatsapp') ? await startBenchChild<UpstreamReady>('upstream-child.ts', { name: 'upstream (Smartproxy stand-in) child' }) : null;
    upstream = shared;
    const sharedUpstream = () => {
      if (!shared) throw new Error('the upstream child was not started');
      return shared;
    };

    if (parts.includes('gateway')) {
      heading('1. Metering gateway vs straight to the upstream (Smartproxy stand-in)');
      const result = await runGatewayBench(sharedUpstream().ready, sharedUpstream().child, log, DEFAULT_GATEWAY_BENCH);
      results.gateway = result;
      write();
      console.log(`\n${formatGatewayBench(result)}\n  [${elapsed()}]`);
    }

    if (parts.includes('memory')) {
      heading('2. Memory per idle chip connection (gateway process)');
      const steps = await runMemoryBench(sharedUpstream().ready, listEnv('BENCH_IDLE_CONNECTIONS', [200, 500]), log);
      results.memory = steps;
      write();
      console.log(`\n${formatMemoryBench(steps)}\n  [${elapsed()}]`);
    }

    if (parts.includes('workflows')) {
      heading('3. Chip workflows one worker sustains (meter interval compressed)');
      const result = await runWorkflowBench(sharedUpstream(), log, {
        ...DEFAULT_WORKFLOW_BENCH,
        steps: listEnv('BENCH_CHIP_STEPS', DEFAULT_WORKFLOW_BENCH.steps),
        meterIntervalSeconds: numberEnv('BENCH_METER_INTERVAL_SECONDS', DEFAULT_WORKFLOW_BENCH.meterIntervalSeconds, 1, 60),
        windowSeconds: numberEnv('BENCH_WINDOW_SECONDS', DEFAULT_WORKFLOW_BENCH.windowSeconds, 5, 300),
        budgetSeconds: numberEnv('BENCH_BUDGET_SECONDS', DEFAULT_WORKFLOW_BENCH.budgetSeconds, 30, 1800),
      });
      results.workflows = result;
      write();
      console.log(`\n${formatWorkflowBench(result)}\n  [${elapsed()}]`);
    }

    if (parts.includes('whatsapp')) {
      heading('4. WhatsApp traffic of one chip: pairing, login, idle (real Baileys, WhatsApp stand-in)');
      const result = await runWhatsAppBench(log, {
        ...DEFAULT_WHATSAPP_BENCH,
        logins: Math.round(numberEnv('BENCH_WA_LOGINS', DEFAULT_WHATSAPP_BENCH.logins, 1, 20)),
        pings: Math.round(numberEnv('BENCH_WA_PINGS', DEFAULT_WHATSAPP_BENCH.pings, 5, 3600)),
        keepAliveIntervalMs: numberEnv('BENCH_WA_KEEPALIVE_MS', DEFAULT_WHATSAPP_BENCH.keepAliveIntervalMs, 200, 30_000),
      });
      results.whatsapp = result;
      write();
      console.log(`\n${formatWhatsAppBench(result)}\n  [${elapsed()}]`);
    }

    if (parts.includes('chipmemory')) {
      heading('5. Worker RSS per connected chip: Baileys, gateway, workflow cache (fresh processes, forced GC)');
      const result = await runChipMemoryBench(sharedUpstream().ready, log, {
        ...DEFAULT_CHIP_MEMORY,
        counts: listEnv('BENCH_CHIPMEM_COUNTS', DEFAULT_CHIP_MEMORY.counts),
        meterIntervalSeconds: numberEnv('BENCH_CHIPMEM_METER_SECONDS', DEFAULT_CHIP_MEMORY.meterIntervalSeconds, 1, 300),
        settleSeconds: numberEnv('BENCH_CHIPMEM_SETTLE_SECONDS', DEFAULT_CHIP_MEMORY.settleSeconds, 0, 600),
      });
      results.chipMemory = result;
      write();
      console.log(`\n${formatChipMemoryBench(result)}\n  [${elapsed()}]`);
    }
  } finally {
    await stopUpstream();
    results.finishedAt = new Date().toISOString();
    results.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
    write();
  }
  console.log(`\nload average at end ${(results.loadAverageAtEnd as number[]).join(' / ')}; total ${elapsed()}; results in ${path.relative(repoRoot, path.join(outDir, 'results.json'))}`);
}

let interruptedAt = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Ctrl-C reaches this process twice (from the terminal and relayed by tsx); only a signal well
    // after the first forces the exit. Until then the parts unwind and their cleanups stop children,
    // Temporal and PostgreSQL.
    if (interruptedAt && Date.now() - interruptedAt > 2_000) process.exit(130);
    if (interruptedAt) return;
    interruptedAt = Date.now();
    console.error(`\n${signal}: stopping the benchmark and cleaning up (again to force)…`);
    process.exitCode = 130;
    benchAbort.abort();
  });
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
