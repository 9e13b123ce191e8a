/**
 * Part 3: how many chip workflows one worker process sustains with the meter interval compressed.
 *
 * A real PostgreSQL (embedded, or a scratch database on the DATABASE_URL server), a headless Temporal
 * dev server, the Smartproxy stand-in as the provider and ONE worker process (worker-child.ts). Chips
 * are added in steps (25 → 50 → 100 → 200 by default, the earlier ones keep running); after each step
 * has connected, meter cycles are counted over a window from proxy_usage_logs. A chip's usage row
 * for a period carries period_start (when the previous meter ran) and period_end (when this one ran),
 * so each row gives the lag behind the intended time: period_end − period_start − interval.
 * "Sustains" = at least 95% of the expected N / interval meter cycles per second.
 */
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { chipWorkflowClient } from '@chipgate/workflows/client/chip-client';
import { chipWorkflowId, type ChipLifecycleStatus } from '@chipgate/workflows/chip/contract';
import { repoRoot } from '../stack/paths';
import { rawQuery } from '../support/database';
import { tickCosts } from '../support/history';
import { cpuMs, type BenchChild, type ProcessStats } from './children';
import { machineCpu, threadCpuSeconds, treeCpuSeconds, vmRssBytes } from './proc';
import { fmt, fmtBytes, mapLimit, percentile, sleep, table } from './stats';
import type { UpstreamReady } from './upstream-child';
import { runCleanups, startWorkerBenchStack, type Cleanup } from './worker-stack';

export interface WorkflowBenchOptions {
  steps: number[];
  meterIntervalSeconds: number;
  windowSeconds: number;
  /** Wall-clock budget from the first chip started to the end of the last window. */
  budgetSeconds: number;
  /** How long a step may take to get its new chips placed on the worker before its window starts anyway. */
  connectTimeoutSeconds: number;
  releaseTimeoutSeconds: number;
}

export const DEFAULT_WORKFLOW_BENCH: WorkflowBenchOptions = {
  steps: [25, 50, 100, 200],
  meterIntervalSeconds: 2,
  windowSeconds: 24,
  budgetSeconds: 180,
  connectTimeoutSeconds: 30,
  releaseTimeoutSeconds: 60,
};

/** The workflow status once a chip's socket is placed on a worker (typed, so a rename breaks the bench's type-check). */
const PLACED: ChipLifecycleStatus = 'CONNECTED';

export interface WorkflowStep {
  chips: number;
  openChips: number;
  connectSeconds: number;
  windowSeconds: number;
  expectedPerSecond: number;
  achievedPerSecond: number;
  achievedPct: number;
  /** The brief's criterion: at least 95% of N / interval meter cycles per second. */
  sustained: boolean;
  /**
   * The worker keeps up (no growing backlog): every chip metered in the window, p95 lag under one
   * interval, and the lag did not grow from the first half of the window to the second.
   */
  keepsUp: boolean;
  chipsMetered: number;
  lagTrendMs: { firstHalfP50: number; secondHalfP50: number };
  usageRows: number;
  /** Meters that ran but wrote no row (nothing to bill), inferred from gaps between a chip's periods. */
  inferredMetersWithoutRow: number;
  lagMs: { p50: number; p95: number; p99: number; max: number; samples: number };
  /** % of one core over the window; `others` = whatever else ran on the machine (machine busy − ours). */
  cpuPctOfOneCore: { worker: number; temporal: number | null; postgres: number | null; upstream: number; bench: number; others: number; machineBusyPctOfAllCores: number };
  /** CPU time spent per achieved meter cycle, ms (null where the process is not ours to read). */
  cpuMsPerMeter: { worker: number; temporal: number | null; postgres: number | null };
  /** % of one core per thread group of the worker process. */
  workerThreadsPct: { main: number; workflowThreads: number; temporalCore: number; other: number } | null;
  worker: { rssStart: number; rssEnd: number; heapUsedEnd: number; eventLoopUtilization: number; loopDelayP99Ms: number; loopDelayMaxMs: number };
  temporalRss: number | null;
  /** Temporal actions and history events per meter tick, counted in the current run's history of a few sampled chips. */
  tickCost: { chips: number; ticks: number; actionsMax: number; actionsMean: number; eventsMax: number; eventsMean: number };
  /** Worker RSS above the idle worker's, per chip: workflow cache, gateway registration, Baileys' (unanswered) socket. */
  workerRssPerChip: number;
  /** From a sample of chips' workflow state at the end of the window. */
  stateSample: { sampled: number; withLastError: number; errors: string[]; statuses: Record<string, number> };
}

export interface WorkflowBenchResult {
  options: WorkflowBenchOptions;
  postgres: string;
  temporal: string;
  setupSeconds: number;
  /** The worker process with no chip yet (workflow bundle loaded, Temporal workers polling). */
  workerIdle: { rss: number; heapUsed: number };
  steps: WorkflowStep[];
  skippedSteps: { chips: number; why: string }[];
  largestSustained: number | null;
  largestKeepingUp: number | null;
  release: { chips: number; released: number; terminated: number; seconds: number };
  workerOutput: { lineCount: number; tail: string[] };
}

export async function runWorkflowBench(
  upstream: { ready: UpstreamReady; child: BenchChild },
  log: (line: string) => void,
  o: WorkflowBenchOptions = DEFAULT_WORKFLOW_BENCH,
): Promise<WorkflowBenchResult> {
  const cleanups: Cleanup[] = [];
  const setupStarted = Date.now();
  try {
    const stack = await startWorkerBenchStack(upstream.ready, log, cleanups);
    const { client, databaseUrl, temporalPid, pgPid } = stack;

    log('  starting one worker process (bundles the workflows)…');
    const workerConfig = stack.workerConfig();
    const taskQueue = workerConfig.taskQueue;
    // BENCH_WORKER_CPU_PROF=1 writes a V8 CPU profile of the worker to test-artifacts/bench/profile/ when it stops.
    const worker = await stack.startWorker(
      workerConfig,
      process.env.BENCH_WORKER_CPU_PROF === '1' ? ['--cpu-prof', '--cpu-prof-dir', path.join(repoRoot, 'test-artifacts', 'bench', 'profile')] : [],
    );
    const workerIdle = await worker.stats();

    const chips = chipWorkflowClient(client, taskQueue);
    const setupSeconds = (Date.now() - setupStarted) / 1000;

    const chipIds: string[] = [];
    const steps: WorkflowStep[] = [];
    const skippedSteps: { chips: number; why: string }[] = [];
    const rampStarted = Date.now();
    const interval = o.meterIntervalSeconds;
    let stopReason: string | null = null;

    for (const target of o.steps) {
      if (stopReason) {
        skippedSteps.push({ chips: target, why: stopReason });
        continue;
      }
      const elapsed = (Date.now() - rampStarted) / 1000;
      const estimate = 10 + 5 * interval + o.windowSeconds + 2;
      if (elapsed + estimate > o.budgetSeconds) {
        skippedSteps.push({ chips: target, why: `time budget (${o.budgetSeconds} s) would be exceeded` });
        continue;
      }
      const add = target - chipIds.length;
      log(`  ${target} chips: starting ${add} more chip workflows (meter every ${interval} s)…`);
      const stepStarted = Date.now();
      const newChips = await stack.createChips(add);
      await stack.startChips(taskQueue, newChips, { meterIntervalSeconds: interval }, interval);
      chipIds.push(...newChips.map((c) => c.id));
      // Every chip placed on the worker (search attribute, read from visibility, not from the worker).
      const openChips = await stack.waitForStatus(taskQueue, PLACED, chipIds.length, o.connectTimeoutSeconds);
      const connectSeconds = (Date.now() - stepStarted) / 1000;
      log(`    ${openChips}/${chipIds.length} ${PLACED} after ${fmt(connectSeconds, 1)} s; settling ${3 * interval} s, then measuring ${o.windowSeconds} s…`);
      await sleep(3 * interval * 1000);

      const before = await sample(worker, upstream.child, temporalPid, pgPid);
      const t0 = new Date();
      await sleep(o.windowSeconds * 1000);
      const t1 = new Date();
      const after = await sample(worker, upstream.child, temporalPid, pgPid);
      // The meter after the window closes the period that straddles its end; a chip whose meter is
      // later than this counts as not having metered that part of the window.
      await sleep(interval * 1000 + 2_000);

      const step = await evaluate(databaseUrl, chipIds, t0, t1, interval, before, after);
      step.openChips = openChips;
      step.connectSeconds = connectSeconds;
      step.stateSample = await stateSample(chips, chipIds);
      step.tickCost = await tickCostSample(client, chipIds);
      step.workerRssPerChip = (step.worker.rssEnd - workerIdle.rss) / chipIds.length;
      step.temporalRss = temporalPid === null ? null : vmRssBytes(temporalPid);
      steps.push(step);
      log(
        `    ${fmt(step.achievedPerSecond, 1)} of ${fmt(step.expectedPerSecond, 1)} meters/s (${fmt(step.achievedPct, 0)}%), ${step.chipsMetered} chips metered, lag p95 ${fmt(step.lagMs.p95, 0)} ms, ` +
          `worker CPU ${fmt(step.cpuPctOfOneCore.worker, 0)}%, machine ${fmt(step.cpuPctOfOneCore.machineBusyPctOfAllCores, 0)}% busy`,
      );
      // Past the strict rate, stepping on still shows where the worker stops keeping up at all.
      if (!step.keepsUp) stopReason = `${target} chips: the worker no longer kept up (see lag and chips metered)`;
    }

    log(`  releasing ${chipIds.length} chips…`);
    const release = await releaseAll(client, chips, chipIds, o.releaseTimeoutSeconds);
    stack.forgetChips();
    const sustained = steps.filter((s) => s.sustained).map((s) => s.chips);
    const keepingUp = steps.filter((s) => s.keepsUp).map((s) => s.chips);
    return {
      options: o,
      postgres: stack.postgres,
      temporal: stack.temporal,
      setupSeconds,
      workerIdle: { rss: workerIdle.rss, heapUsed: workerIdle.heapUsed },
      steps,
      skippedSteps,
      largestSustained: sustained.length ? Math.max(...sustained) : null,
      largestKeepingUp: keepingUp.length ? Math.max(...keepingUp) : null,
      release,
      workerOutput: worker.output(),
    };
  } finally {
    await runCleanups(cleanups);
  }
}

interface Sample {
  at: number;
  worker: ProcessStats;
  workerThreads: ReturnType<typeof threadCpuSeconds>;
  upstream: ProcessStats;
  bench: number;
  trees: Record<string, number | null>;
  machine: { busy: number; total: number };
}

async function sample(worker: BenchChild, upstream: BenchChild, temporalPid: number | null, pgPid: number | null): Promise<Sample> {
  const [w, u] = await Promise.all([worker.stats(), upstream.stats()]);
  const cpu = process.cpuUsage();
  return {
    at: Date.now(),
    worker: w,
    workerThreads: threadCpuSeconds(w.pid),
    upstream: u,
    bench: (cpu.user + cpu.system) / 1000,
    trees: treeCpuSeconds({ temporal: temporalPid, postgres: pgPid }),
    machine: machineCpu(),
  };
}

async function evaluate(databaseUrl: string, chipIds: string[], t0: Date, t1: Date, interval: number, before: Sample, after: Sample): Promise<WorkflowStep> {
  const rows = await rawQuery<{ chip_id: string; period_start: Date; period_end: Date; prev_end: Date | null }>(
    databaseUrl,
    `SELECT chip_id, period_start, period_end, prev_end FROM (
       SELECT chip_id, period_start, period_end, lag(period_end) OVER (PARTITION BY chip_id ORDER BY period_end) AS prev_end
         FROM proxy_usage_logs WHERE chip_id = ANY($1::uuid[])) r
      WHERE period_end > $2`,
    [chipIds, t0],
  );
  const intervalMs = interval * 1000;
  const from = t0.getTime();
  const to = t1.getTime();
  const windowMs = to - from;
  // Chips started together meter in phase, so counting rows whose period ends inside the window
  // would jump by N at a time. Instead every meter period (and every gap left by a meter that had
  // nothing to bill) counts for the fraction of it that lies inside the window: a chip that meters
  // every P seconds scores exactly window / P, and one that stopped scores less.
  let cycles = 0;
  let rowsInWindow = 0;
  let missed = 0;
  const lags: number[] = [];
  const firstHalf: number[] = [];
  const secondHalf: number[] = [];
  const metered = new Set<string>();
  const overlap = (start: number, end: number) => Math.max(0, Math.min(end, to) - Math.max(start, from)) / Math.max(1, end - start);
  for (const row of rows) {
    const start = row.period_start.getTime();
    const end = row.period_end.getTime();
    if (row.prev_end === null) continue; // a chip's first period starts when its workflow did, not at a meter
    cycles += overlap(start, end);
    const gap = start - row.prev_end.getTime();
    // A meter with nothing to bill writes no row but still moves the next period's start.
    if (gap > 0) {
      const count = Math.max(1, Math.round(gap / intervalMs));
      cycles += count * overlap(row.prev_end.getTime(), start);
      if (end > from && end <= to) missed += count;
    }
    if (end > from && end <= to) {
      rowsInWindow++;
      metered.add(row.chip_id);
      const lag = end - start - intervalMs;
      lags.push(lag);
      (end <= from + windowMs / 2 ? firstHalf : secondHalf).push(lag);
    }
  }
  const windowSeconds = windowMs / 1000;
  const expectedPerSecond = chipIds.length / interval;
  const achievedPerSecond = cycles / windowSeconds;
  const wall = (after.at - before.at) / 1000;
  // A process tree's sum drops when one of its processes exits (a Postgres backend), hence the floor at 0.
  const pct = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : Math.max(0, ((a - b) / wall) * 100));
  const machine = after.machine.total > before.machine.total ? ((after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total)) * 100 : Number.NaN;
  const cpu = {
    worker: ((cpuMs(after.worker) - cpuMs(before.worker)) / 1000 / wall) * 100,
    temporal: pct(after.trees.temporal, before.trees.temporal),
    postgres: pct(after.trees.postgres, before.trees.postgres),
    upstream: ((cpuMs(after.upstream) - cpuMs(before.upstream)) / 1000 / wall) * 100,
    bench: ((after.bench - before.bench) / 1000 / wall) * 100,
  };
  const threads =
    after.workerThreads && before.workerThreads
      ? {
          main: ((after.workerThreads.main - before.workerThreads.main) / wall) * 100,
          workflowThreads: ((after.workerThreads.workflowThreads - before.workerThreads.workflowThreads) / wall) * 100,
          temporalCore: ((after.workerThreads.temporalCore - before.workerThreads.temporalCore) / wall) * 100,
          other: ((after.workerThreads.other - before.workerThreads.other) / wall) * 100,
        }
      : null;
  const lagTrendMs = { firstHalfP50: percentile(firstHalf, 50), secondHalfP50: percentile(secondHalf, 50) };
  const p95 = percentile(lags, 95);
  const keepsUp =
    metered.size === chipIds.length && p95 < intervalMs && !(lagTrendMs.secondHalfP50 - lagTrendMs.firstHalfP50 > intervalMs / 4);
  const ours = cpu.worker + (cpu.temporal ?? 0) + (cpu.postgres ?? 0) + cpu.upstream + cpu.bench;
  return {
    chips: chipIds.length,
    openChips: 0,
    connectSeconds: 0,
    windowSeconds,
    expectedPerSecond,
    achievedPerSecond,
    achievedPct: (achievedPerSecond / expectedPerSecond) * 100,
    sustained: achievedPerSecond >= 0.95 * expectedPerSecond,
    keepsUp,
    chipsMetered: metered.size,
    lagTrendMs,
    workerThreadsPct: threads,
    cpuMsPerMeter: {
      worker: (cpu.worker * 10) / achievedPerSecond,
      temporal: cpu.temporal === null ? null : (cpu.temporal * 10) / achievedPerSecond,
      postgres: cpu.postgres === null ? null : (cpu.postgres * 10) / achievedPerSecond,
    },
    usageRows: rowsInWindow,
    inferredMetersWithoutRow: missed,
    lagMs: { p50: percentile(lags, 50), p95, p99: percentile(lags, 99), max: lags.length ? Math.max(...lags) : Number.NaN, samples: lags.length },
    cpuPctOfOneCore: { ...cpu, others: Math.max(0, (machine / 100) * os.cpus().length * 100 - ours), machineBusyPctOfAllCores: machine },
    worker: {
      rssStart: before.worker.rss,
      rssEnd: after.worker.rss,
      heapUsedEnd: after.worker.heapUsed,
      eventLoopUtilization: after.worker.eventLoopUtilization,
      loopDelayP99Ms: after.worker.loopDelayP99Ms,
      loopDelayMaxMs: after.worker.loopDelayMaxMs,
    },
    temporalRss: null,
    tickCost: { chips: 0, ticks: 0, actionsMax: 0, actionsMean: 0, eventsMax: 0, eventsMean: 0 },
    workerRssPerChip: 0,
    stateSample: { sampled: 0, withLastError: 0, errors: [], statuses: {} },
  };
}

/** What a steady meter tick costs in Temporal, read from real histories (the bench's chips only meter). */
async function tickCostSample(client: Client, chipIds: string[]): Promise<WorkflowStep['tickCost']> {
  const picked = chipIds.filter((_, i) => i % Math.max(1, Math.floor(chipIds.length / 5)) === 0).slice(0, 5);
  const ticks = [];
  for (const id of picked) {
    const events = (await client.workflow.getHandle(chipWorkflowId(id)).fetchHistory()).events ?? [];
    // The first tick after the connect carries the forced exit-IP probe; the rest are the steady ones.
    ticks.push(...tickCosts(events).slice(1));
  }
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
  const actions = ticks.map((t) => t.actions);
  const events = ticks.map((t) => t.events);
  return { chips: picked.length, ticks: ticks.length, actionsMax: Math.max(...actions), actionsMean: mean(actions), eventsMax: Math.max(...events), eventsMean: mean(events) };
}

/** Queries a few chips' workflow state (queries are worker work too, so only a sample). */
async function stateSample(chips: ReturnType<typeof chipWorkflowClient>, chipIds: string[]): Promise<WorkflowStep['stateSample']> {
  const picked = chipIds.filter((_, i) => i % Math.max(1, Math.floor(chipIds.length / 10)) === 0).slice(0, 10);
  const states = await Promise.all(
    picked.map((id) => chips.state(id).catch((error: unknown) => ({ status: 'QUERY_FAILED', lastError: `query failed: ${String(error)}` }))),
  );
  const statuses: Record<string, number> = {};
  for (const state of states) statuses[state.status] = (statuses[state.status] ?? 0) + 1;
  const errors = [...new Set(states.map((s) => s.lastError).filter((e): e is string => Boolean(e)).map((e) => (e.length > 160 ? `${e.slice(0, 160)}…` : e)))];
  return { sampled: picked.length, withLastError: states.filter((s) => s.lastError).length, errors, statuses };
}

async function releaseAll(client: Client, chips: ReturnType<typeof chipWorkflowClient>, chipIds: string[], timeoutSeconds: number): Promise<WorkflowBenchResult['release']> {
  const started = Date.now();
  const released = new Set<string>();
  const all = Promise.allSettled(chipIds.map((id) => chips.release(id, 'benchmark finished').then(() => released.add(id))));
  await Promise.race([all, sleep(timeoutSeconds * 1000)]);
  // Whatever could not finish its release in time is terminated: the scratch Temporal goes away anyway.
  const leftovers = chipIds.filter((id) => !released.has(id));
  let terminated = 0;
  await mapLimit(leftovers, 20, async (id) => {
    const handle = client.workflow.getHandle(chipWorkflowId(id));
    try {
      await handle.terminate('benchmark finished; release did not complete in time');
      terminated++;
    } catch {
      // Its release finished between the deadline and the terminate.
      if ((await handle.describe().catch(() => null))?.status.name === 'COMPLETED') released.add(id);
    }
  });
  return { chips: chipIds.length, released: released.size, terminated, seconds: (Date.now() - started) / 1000 };
}

export function formatWorkflowBench(r: WorkflowBenchResult): string {
  const o = r.options;
  const pct = (v: number | null) => (v === null ? 'n/a' : `${fmt(v, 0)}%`);
  const rows = [
    ['Chips on one worker', 'keeps up', `${PLACED} / metered`, 'expected meters/s', 'achieved', '%', 'lag p50 / p95 / max (ms)', 'worker CPU', 'Temporal CPU', 'Postgres CPU', 'stand-in CPU', 'other procs', 'machine busy', 'worker RSS', 'RSS per chip', 'ELU', 'loop p99'],
    ...r.steps.map((s) => [
      `${s.chips}${s.sustained ? '  ✔ sustained' : '  ✘ not sustained'}`,
      s.keepsUp ? 'yes' : 'NO',
      `${s.openChips} / ${s.chipsMetered}`,
      fmt(s.expectedPerSecond, 1),
      fmt(s.achievedPerSecond, 1),
      `${fmt(s.achievedPct, 0)}%`,
      `${fmt(s.lagMs.p50, 0)} / ${fmt(s.lagMs.p95, 0)} / ${fmt(s.lagMs.max, 0)}`,
      pct(s.cpuPctOfOneCore.worker),
      pct(s.cpuPctOfOneCore.temporal),
      pct(s.cpuPctOfOneCore.postgres),
      pct(s.cpuPctOfOneCore.upstream),
      pct(s.cpuPctOfOneCore.others),
      pct(s.cpuPctOfOneCore.machineBusyPctOfAllCores),
      fmtBytes(s.worker.rssEnd),
      fmtBytes(s.workerRssPerChip),
      fmt(s.worker.eventLoopUtilization, 2),
      `${fmt(s.worker.loopDelayP99Ms, 0)} ms`,
    ]),
  ];
  const lines = [
    table(rows),
    `  meter interval ${o.meterIntervalSeconds} s, window ${o.windowSeconds} s per step, chips from earlier steps keep running; ${r.postgres}; ${r.temporal}.`,
    '  achieved = meter periods (usage rows) falling in the window, each weighted by its overlap; lag = period_end − period_start − interval.',
    '  CPU columns are % of ONE core over the window (worker = the worker process, all threads; Temporal/Postgres = their process trees;',
    `  other procs = everything else on the machine, not ours); machine busy = % of all cores. Worker with no chips: RSS ${fmtBytes(r.workerIdle.rss)}, heap ${fmtBytes(r.workerIdle.heapUsed)}.`,
    '  sustained = achieved ≥ 95% of N / interval (the brief\u2019s criterion). Each cycle is scheduled from the previous meter\u2019s start, so every',
    '  millisecond of lag stretches it: at a 2 s interval a steady 100 ms lag alone costs 5%. keeps up = every chip metered, lag p95 < 1 interval, lag not growing.',
    `  Largest N sustained: ${r.largestSustained ?? 'none'} · largest N the worker kept up with: ${r.largestKeepingUp ?? 'none'}` +
      (r.largestKeepingUp
        ? ` (the same meter CPU load as ≈ ${fmt((r.largestKeepingUp * 300) / o.meterIntervalSeconds, 0)} chips at the production 300 s interval — CPU only; limits that do not scale with the interval still apply)`
        : ''),
  ];
  const starved = r.steps.find((s) => s.stateSample.errors.some((e) => e.includes('ScheduleToStart')));
  if (starved) {
    lines.push(
      `  ⚠ at ${starved.chips} chips the worker's own task queue starved (activity ScheduleToStart timeouts) while its CPU was ${fmt(starved.cpuPctOfOneCore.worker, 0)}%:`,
      '    its activity slots (sized from CHIPGATE_MAX_CHIPS_PER_WORKER) were all taken, so socket activities such as',
      '    connect, pause and disconnect waited; a larger CHIPGATE_MAX_CHIPS_PER_WORKER, or more workers, gives them room.',
    );
  }
  if (r.workerOutput.lineCount > 0) lines.push(`  the worker printed ${r.workerOutput.lineCount} lines (warnings and errors; the last ones are in results.json)`);
  const threadRows = r.steps.filter((s) => s.workerThreadsPct).map((s) => {
    const t = s.workerThreadsPct!;
    const m = s.cpuMsPerMeter;
    const ms = (v: number | null) => (v === null ? 'n/a' : fmt(v, 0));
    return [
      `${s.chips} chips`,
      `${fmt(t.main, 0)}%`,
      `${fmt(t.workflowThreads, 0)}%`,
      `${fmt(t.temporalCore, 0)}%`,
      `${fmt(t.other, 0)}%`,
      `${ms(m.worker)} / ${ms(m.temporal)} / ${ms(m.postgres)}`,
      `${fmt(s.lagTrendMs.firstHalfP50, 0)} → ${fmt(s.lagTrendMs.secondHalfP50, 0)} ms`,
    ];
  });
  if (threadRows.length) {
    lines.push(
      '',
      table([['Worker threads (% of one core)', 'JS main thread', 'workflow thread', 'Temporal Core (Rust)', 'V8/libuv helpers', 'CPU ms per meter: worker / Temporal / PG', 'lag p50 1st → 2nd half'], ...threadRows]),
      '  main thread = activities, Prisma, metering gateway, Baileys sockets; workflow thread = workflow code in its V8 context.',
    );
  }
  for (const s of r.steps) {
    const c = s.tickCost;
    lines.push(
      `  ${s.chips} chips: a meter tick costs ${c.actionsMax} Temporal actions and ${c.eventsMax} history events at most (mean ${fmt(c.actionsMean, 2)} / ${fmt(c.eventsMean, 1)}; ${c.ticks} ticks of ${c.chips} chips' histories)`,
    );
    lines.push(`  ${s.chips} chips: workflow status of ${s.stateSample.sampled} sampled chips: ${Object.entries(s.stateSample.statuses).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (s.stateSample.withLastError > 0) lines.push(`  ${s.chips} chips: ${s.stateSample.withLastError}/${s.stateSample.sampled} sampled chips report lastError: ${s.stateSample.errors.join(' | ')}`);
    if (s.inferredMetersWithoutRow > 0) lines.push(`  ${s.chips} chips: ${s.inferredMetersWithoutRow} meter cycles inferred from period gaps (no bytes, so no usage row)`);
  }
  for (const s of r.skippedSteps) lines.push(`  ${s.chips} chips: not run — ${s.why}`);
  lines.push(
    `  setup (PostgreSQL, migrations, Temporal, worker bundle) ${fmt(r.setupSeconds, 0)} s; release: ${r.release.released}/${r.release.chips} released, ${r.release.terminated} terminated, in ${fmt(r.release.seconds, 0)} s`,
  );
  return lines.join('\n');
}
