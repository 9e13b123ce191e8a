/** Machine facts and per-process CPU/RSS read from /proc (Linux), for the benchmark report. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface MachineFacts {
  nproc: number;
  cpuModel: string;
  node: string;
  memTotalMiB: number;
  kernel: string;
  loadAverage: number[];
}

export function machineFacts(): MachineFacts {
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // nproc is coreutils; availableParallelism() is the same figure on Linux.
  }
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // not Linux
  }
  return {
    nproc,
    cpuModel,
    node: process.version,
    memTotalMiB: Math.round(os.totalmem() / 1024 / 1024),
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcEntry {
  pid: number;
  ppid: number;
  cpuSeconds: number;
}

function readProcs(): Map<number, ProcEntry> {
  const procs = new Map<number, ProcEntry>();
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return procs;
  }
  for (const name of names) {
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may itself contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const ticks = Number(fields[11]) + Number(fields[12]);
      procs.set(Number(name), { pid: Number(name), ppid, cpuSeconds: ticks / CLOCK_TICKS });
    } catch {
      // the process ended while we were listing
    }
  }
  return procs;
}

function subtree(procs: Map<number, ProcEntry>, root: number): ProcEntry[] {
  const children = new Map<number, number[]>();
  for (const p of procs.values()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p.pid]);
  const out: ProcEntry[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const entry = procs.get(pid);
    if (entry) out.push(entry);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** CPU seconds used so far by each named process tree (a process and all its descendants). */
export function treeCpuSeconds(roots: Record<string, number | null>): Record<string, number | null> {
  const procs = readProcs();
  const result: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(roots)) {
    result[name] = pid === null || !procs.has(pid) ? null : subtree(procs, pid).reduce((sum, p) => sum + p.cpuSeconds, 0);
  }
  return result;
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** The pid of a running process whose command line contains every one of `parts`, or null. */
export function findProcess(parts: string[]): number | null {
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const name of names) {
    try {
      const args = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (parts.every((part) => args.includes(part))) return Number(name);
    } catch {
      // gone
    }
  }
  return null;
}

/** The postmaster's pid from a data directory's postmaster.pid, or null. */
export function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export function vmRssBytes(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU seconds of a node process's threads, grouped: the main JS thread, Temporal's workflow thread(s)
 * ("workflow-proces…"), Temporal Core's Rust runtime ("tokio-runtime-w…"), and the rest (V8 GC and
 * compiler helpers, libuv's pool).
 */
export function threadCpuSeconds(pid: number): { main: number; workflowThreads: number; temporalCore: number; other: number } | null {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  const out = { main: 0, workflowThreads: 0, temporalCore: 0, other: 0 };
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      if (tid === String(pid)) out.main += seconds;
      else if (comm.startsWith('workflow-proc')) out.workflowThreads += seconds;
      else if (comm.startsWith('tokio-runtime')) out.temporalCore += seconds;
      else out.other += seconds;
    } catch {
      // the thread ended
    }
  }
  return out;
}
