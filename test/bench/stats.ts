/** Small statistics and table helpers for the benchmarks (no dependencies, nothing asserted). */
import { setMaxListeners } from 'node:events';

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  return {
    n: values.length,
    min: values.length ? Math.min(...values) : Number.NaN,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: values.length ? Math.max(...values) : Number.NaN,
    mean: mean(values),
  };
}

/** Median and range of repeated measurements; `spreadPct` is (max − min) / median. */
export interface Spread {
  runs: number[];
  median: number;
  min: number;
  max: number;
  spreadPct: number;
}

export function spread(runs: readonly number[]): Spread {
  const m = median(runs);
  const min = Math.min(...runs);
  const max = Math.max(...runs);
  return { runs: [...runs], median: m, min, max, spreadPct: ((max - min) / m) * 100 };
}

export function fmt(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export const MiB = 1024 * 1024;

export function fmtBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= MiB) return `${fmt(bytes / MiB, 1)} MiB`;
  if (abs >= 1024) return `${fmt(bytes / 1024, 1)} KiB`;
  return `${fmt(bytes, 0)} B`;
}

/** A plain-text table: the first row is the header; columns after the first are right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  const [head, ...body] = rows;
  if (!head) return '';
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Aborted on Ctrl-C: every wait in the benchmarks ends, so the parts unwind through their cleanups. */
export const benchAbort = new AbortController();
// Every pending sleep listens on it; dozens at once is expected, not a leak.
setMaxListeners(0, benchAbort.signal);

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const { signal } = benchAbort;
    if (signal.aborted) return reject(new Error('benchmark interrupted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error('benchmark interrupted'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export { mapLimit } from '../support/map-limit';
