/**
 * A planner's batch, streamed: areas are read a window at a time, sorted along a Hilbert curve,
 * cut into tasks of at least a hundred areas and run in the pool (or inline), while the next
 * window is read; each window's summaries come out in input order. Memory stays bounded by two
 * windows however long the batch is.
 */
import { DENMARK_EXTENT } from '../crs/index.js';
import { LerError } from '../errors.js';
import type { NetworkIndex, SnapshotBuffers } from '../index/network-index.js';
import { hilbertIndex, sortByKey } from '../index/order.js';
import type { QueryPool } from '../pool.js';
import { packTask, runTask, viewPairs } from '../query/batch-task.js';
import type { BatchAreaLimits, BatchArea, BatchAreaFailure, BatchInput } from './areas.js';
import { failedSummary, summarize, type AreaSummary } from './summary.js';

export interface BatchProgress {
  /** Areas answered so far (failed ones included). */
  done: number;
  failed: number;
  /** Areas in the batch, when known up front (a FeatureCollection, an array, a route). */
  total: number | null;
  elapsedSeconds: number;
  /** Areas per second so far. */
  rate: number;
  /** Seconds to go at that rate, when the total is known. */
  etaSeconds: number | null;
}

/** The snapshot a batch runs on, held for its whole run. */
export interface BatchSnapshot {
  version: number;
  index: NetworkIndex;
  buffers: SnapshotBuffers;
}

export interface BatchPlan {
  input: BatchInput;
  limits: BatchAreaLimits;
  infoZone: number;
  /** A route's corridor half-width around each area's rings (its centreline), or 0. */
  radius: number;
  conflicts: boolean;
  signal: AbortSignal | null;
  onProgress: ((p: BatchProgress) => void) | null;
  /** Areas per task; 0 picks one from the window and the threads (at least 100). */
  taskSize: number;
  /** Areas read ahead, sorted and dispatched together. */
  window: number;
}

export interface BatchRunner {
  snapshot: BatchSnapshot;
  pool: QueryPool | null;
  /** Versions still held: workers drop the others. */
  live(): number[];
}

/** Smallest task the pool gets by default: a round trip costs about two digs. */
export const MIN_TASK_SIZE = 100;
export const DEFAULT_WINDOW = 8192;

type Item = BatchArea | BatchAreaFailure;

export async function* runBatch(plan: BatchPlan, runner: BatchRunner): AsyncGenerator<AreaSummary> {
  const { snapshot, pool } = runner;
  const started = performance.now();
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(plan.signal?.reason);
  plan.signal?.addEventListener('abort', onAbort, { once: true });
  let done = 0;
  let failed = 0;
  const report = (): void => {
    if (plan.onProgress === null) return;
    const elapsedSeconds = (performance.now() - started) / 1000;
    const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const total = plan.input.total;
    plan.onProgress({ done, failed, total, elapsedSeconds, rate, etaSeconds: total !== null && rate > 0 ? Math.max(0, total - done) / rate : null });
  };
  const iterator = plan.input.areas[Symbol.asyncIterator]();
  let exhausted = false;

  const readWindow = async (): Promise<Item[]> => {
    const items: Item[] = [];
    while (!exhausted && items.length < plan.window) {
      const next = await iterator.next();
      if (next.done) exhausted = true;
      else items.push(next.value);
    }
    return items;
  };

  /** Starts a window's tasks; resolves to its summaries in input order. */
  const dispatch = (items: Item[]): Promise<AreaSummary[]> => {
    const out: AreaSummary[] = new Array(items.length);
    const areas: BatchArea[] = [];
    const slots: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if ('error' in item) {
        out[i] = failedSummary(item, snapshot.version, item.error);
        failed++;
        done++;
      } else {
        areas.push(item);
        slots.push(i);
      }
    }
    // Along a Hilbert curve over Denmark: a task's areas lie together, and so do their features.
    const [x0, y0, x1, y1] = DENMARK_EXTENT;
    const keys = new Uint32Array(areas.length);
    for (let k = 0; k < areas.length; k++) {
      const x = Math.min(65535, Math.max(0, Math.floor(((areas[k].cx - x0) / (x1 - x0)) * 65535)));
      const y = Math.min(65535, Math.max(0, Math.floor(((areas[k].cy - y0) / (y1 - y0)) * 65535)));
      keys[k] = hilbertIndex(x, y);
    }
    const order = sortByKey(keys);
    const threads = pool?.threads ?? 1;
    const size = plan.taskSize > 0 ? plan.taskSize : Math.max(MIN_TASK_SIZE, Math.ceil(areas.length / (4 * threads)));
    const tasks: Promise<void>[] = [];
    for (let t = 0; t < areas.length; t += size) {
      const picked: BatchArea[] = [];
      const taskSlots: number[] = [];
      for (let k = t; k < Math.min(areas.length, t + size); k++) {
        picked.push(areas[order[k]]);
        taskSlots.push(slots[order[k]]);
      }
      tasks.push(
        runOne(picked, taskSlots).then(
          (buffer) => {
            const pairs = viewPairs(buffer);
            for (let k = 0; k < pairs.slots.length; k++) {
              const slot = pairs.slots[k];
              out[slot] = summarize(items[slot] as BatchArea, snapshot.version, snapshot.index, pairs, k, plan.conflicts);
            }
            done += picked.length;
            report();
          },
          (error: unknown) => {
            if (stop.signal.aborted) throw abortError(stop.signal);
            // The worker failed (crashed or threw): only this task's areas fail.
            const failure = new LerError('WORKER_FAILED', {}, error instanceof Error ? error.message : String(error));
            for (const slot of taskSlots) out[slot] = failedSummary(items[slot] as BatchArea, snapshot.version, failure);
            failed += picked.length;
            done += picked.length;
            report();
          }
        )
      );
    }
    return Promise.all(tasks).then(() => out);
  };

  // Tasks handed to the pool at once: two per thread keeps every thread busy, and a cancelled
  // batch only waits for those (a task takes milliseconds), never for a queue of them.
  const limit = 2 * (pool?.threads ?? 1);
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (): Promise<void> => {
    while (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
  };
  const free = (): void => {
    running--;
    waiting.shift()?.();
  };

  const runOne = async (picked: BatchArea[], taskSlots: number[]): Promise<ArrayBuffer> => {
    await slot();
    try {
      if (stop.signal.aborted) throw abortError(stop.signal);
      const areas = packTask(picked, taskSlots);
      if (pool === null) {
        // Inline: one task per turn of the event loop, so that cancellation and progress get in.
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (stop.signal.aborted) throw abortError(stop.signal);
        return runTask(snapshot.index, areas, plan.infoZone, undefined, plan.radius);
      }
      return await pool.run({ version: snapshot.version, buffers: snapshot.buffers, live: runner.live(), infoZone: plan.infoZone, radius: plan.radius, areas });
    } finally {
      free();
    }
  };

  const pending: Promise<AreaSummary[]>[] = [];
  try {
    if (plan.signal?.aborted) throw abortError(plan.signal);
    let items = await readWindow();
    let current = dispatch(items);
    current.catch(() => {});
    pending.push(current);
    for (;;) {
      // Read and start the next window while this one runs.
      items = exhausted ? [] : await readWindow();
      const next = items.length > 0 ? dispatch(items) : null;
      if (next !== null) {
        next.catch(() => {});
        pending.push(next);
          }
      const summaries = await current;
      pending.shift();
      if (stop.signal.aborted) throw abortError(stop.signal);
      yield* summaries;
      if (next === null) break;
      current = next;
    }
  } finally {
    // Stopped early (cancelled, failed, or the consumer left): nothing more runs for this batch.
    if (!exhausted || pending.length > 0) stop.abort(plan.signal?.reason ?? new Error('The batch was left.'));
    plan.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(pending);
    if (!exhausted) await iterator.return?.();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const error = new Error('The batch was cancelled.', { cause: reason });
  error.name = 'AbortError';
  return error;
}
