/**
 * Timing and memory helpers: per-call latencies in microseconds, summaries, a result sink that
 * keeps the work observable, and a forced garbage collection for heap measurements.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface Summary {
  n: number;
  min: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles over latencies in microseconds. */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { n: 0, min: Number.NaN, mean: Number.NaN, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(values).sort();
  let total = 0;
  for (let i = 0; i < n; i++) total += sorted[i];
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))];
  return { n, min: sorted[0], mean: total / n, p50: rank(0.5), p99: rank(0.99), max: sorted[n - 1] };
}

/** Everything a timed call returns is folded in here, so no call can be optimised away. */
export const sink = { value: 0 };

export interface Timing {
  /** Per item, the fastest of its timed calls, microseconds. */
  best: Float64Array;
  /** Mean per call of the fastest whole pass, its stalls and garbage collection included, microseconds. */
  passMean: number;
}

/**
 * Calls `fn` untimed on the first `warmup` items (all by default), then `reps` times over all
 * items, timing each call alone. `fn` returns a number that goes to the sink. The best of an
 * item's calls filters out stalls of a shared machine; `passMean` keeps a whole pass's, as a batch
 * timed end to end would.
 */
export function timeEach<T>(items: readonly T[], fn: (item: T) => number, warmup = Infinity, reps = 1): Timing {
  const w = Math.min(items.length, warmup);
  for (let i = 0; i < w; i++) sink.value += fn(items[i]);
  const best = new Float64Array(items.length).fill(Infinity);
  let bestPass = Infinity;
  for (let r = 0; r < reps; r++) {
    let total = 0;
    for (let i = 0; i < items.length; i++) {
      const t0 = performance.now();
      sink.value += fn(items[i]);
      const t = (performance.now() - t0) * 1000;
      total += t;
      if (t < best[i]) best[i] = t;
    }
    if (total < bestPass) bestPass = total;
  }
  return { best, passMean: bestPass / Math.max(1, items.length) };
}

/** Percentiles of the best call per item, and the mean call of the best pass. */
export type Latency = Summary & { passMean: number };

export function measure<T>(items: readonly T[], fn: (item: T) => number, warmup = Infinity, reps = 1): Latency {
  const t = timeEach(items, fn, warmup, reps);
  return { ...summarize(t.best), passMean: t.passMean };
}

let collect: (() => void) | null = null;

/** A full garbage collection, enabling `--expose-gc` at run time when Node was started without it. */
export function fullGc(): void {
  if (!collect) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) collect = existing;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  collect();
  collect();
}

/**
 * A full collection, then a pause: the collector's background threads (which share the pinned
 * core) finish sweeping before a timing starts, so it pays for the engine's own work and garbage
 * only.
 */
export function settle(ms = 300): void {
  fullGc();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Heap in use after a full collection, bytes. */
export function heapAfterGc(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}

export function seconds(t0: number): number {
  return (performance.now() - t0) / 1000;
}
