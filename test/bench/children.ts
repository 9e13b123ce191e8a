/**
 * Benchmark helper processes: each runs one component (the upstream stand-in, the metering gateway,
 * a Chipgate worker) in its own node process, so its CPU and memory are measured apart from the
 * client that loads it. Parent and child talk over node's IPC channel with request/reply messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { repoRoot } from '../stack/paths';

interface RequestMessage {
  id: number;
  type: string;
  payload?: unknown;
}

interface ReplyMessage {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/** What every bench child reports about itself. */
export interface ProcessStats {
  pid: number;
  /** process.cpuUsage() since start, microseconds (all threads). */
  cpuUserUs: number;
  cpuSystemUs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Event loop utilisation (0..1) and delay percentiles (ms) since the previous stats call. */
  eventLoopUtilization: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  gcForced: boolean;
}

export interface BenchChild {
  pid: number;
  request<T>(type: string, payload?: unknown, timeoutMs?: number): Promise<T>;
  stats(options?: { gc?: boolean }): Promise<ProcessStats>;
  /** With `quiet`: how many lines the child printed, and the last of them. */
  output(): { lineCount: number; tail: string[] };
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `test/bench/<file>` with tsx in a new node process and waits for its "ready" reply. A child
 * exits by itself when the parent goes away (IPC disconnect), so a killed bench leaves nothing behind.
 */
export async function startBenchChild<Ready>(
  file: string,
  opts: {
    env?: NodeJS.ProcessEnv;
    nodeFlags?: string[];
    readyTimeoutMs?: number;
    name: string;
    /** Keep the child's output (its last lines are in `output()`) instead of printing it. */
    quiet?: boolean;
  },
): Promise<{ child: BenchChild; ready: Ready }> {
  const proc: ChildProcess = spawn(process.execPath, [...(opts.nodeFlags ?? []), '--import', 'tsx', path.join(repoRoot, 'test', 'bench', file)], {
    cwd: repoRoot,
    env: opts.env ?? process.env,
    stdio: ['ignore', opts.quiet ? 'pipe' : 'inherit', opts.quiet ? 'pipe' : 'inherit', 'ipc'],
  });
  const lines: string[] = [];
  let lineCount = 0;
  const keep = (chunk: Buffer) => {
    for (const line of stripVTControlCharacters(chunk.toString()).split('\n')) {
      if (line.trim() === '') continue;
      lineCount++;
      lines.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
      if (lines.length > 40) lines.shift();
    }
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited: Error | null = null;
  proc.on('message', (raw) => {
    const message = raw as ReplyMessage;
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(`${opts.name}: ${message.error ?? 'failed'}`));
  });
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = new Error(`${opts.name} exited (code ${code}, signal ${signal})`);
      for (const waiter of pending.values()) waiter.reject(exited);
      pending.clear();
      resolve();
    }),
  );

  const request = <T>(type: string, payload?: unknown, timeoutMs = 120_000): Promise<T> => {
    if (exited) return Promise.reject(exited);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${opts.name}: no reply to "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      proc.send({ id, type, payload } satisfies RequestMessage);
    });
  };

  const child: BenchChild = {
    pid: proc.pid!,
    request,
    stats: (o = {}) => request<ProcessStats>('stats', o),
    output: () => ({ lineCount, tail: [...lines] }),
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  try {
    const ready = await request<Ready>('ready', undefined, opts.readyTimeoutMs ?? 120_000);
    return { child, ready };
  } catch (error) {
    await child.stop(2_000);
    if (opts.quiet && lines.length) console.error(`${opts.name} output:\n${lines.join('\n')}`);
    throw error;
  }
}

type Handler = (payload: unknown) => unknown;

/**
 * Child side: answers the parent's requests with `handlers` (plus "stats"); "ready" resolves once
 * `start` has. The process exits when the parent disconnects, and stops cleanly on SIGTERM.
 */
export function serveParent(start: () => Promise<{ ready: unknown; handlers: Record<string, Handler>; stop: () => Promise<void> }>): void {
  if (!process.send) throw new Error('this file is a benchmark child process: run `npm run bench`');
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization();
  const started = start();
  // Handled where it is awaited (the "ready" reply carries the error); this keeps node from crashing first.
  started.catch(() => {});
  let stopping: Promise<void> | null = null;
  const shutdown = (code: number) => {
    stopping ??= started
      .then((s) => s.stop())
      .catch((error: unknown) => console.error(error))
      .finally(() => process.exit(code));
  };
  process.on('disconnect', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  const stats = (payload: unknown): ProcessStats => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const wantGc = Boolean((payload as { gc?: boolean } | undefined)?.gc);
    if (wantGc && gc) {
      gc();
      gc();
    }
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    const elu = performance.eventLoopUtilization(lastElu);
    lastElu = performance.eventLoopUtilization();
    const result: ProcessStats = {
      pid: process.pid,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      heapTotal: mem.heapTotal,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      eventLoopUtilization: elu.utilization,
      loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: loopDelay.max / 1e6,
      gcForced: wantGc && Boolean(gc),
    };
    loopDelay.reset();
    return result;
  };

  process.on('message', (raw) => {
    const message = raw as RequestMessage;
    void (async () => {
      try {
        let result: unknown;
        if (message.type === 'ready') result = (await started).ready;
        else if (message.type === 'stats') result = stats(message.payload);
        else {
          const handler = (await started).handlers[message.type];
          if (!handler) throw new Error(`unknown request "${message.type}"`);
          result = await handler(message.payload);
        }
        process.send?.({ id: message.id, ok: true, result } satisfies ReplyMessage);
      } catch (error) {
        process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies ReplyMessage);
      }
    })();
  });
}

export const cpuMs = (s: ProcessStats) => (s.cpuUserUs + s.cpuSystemUs) / 1000;
