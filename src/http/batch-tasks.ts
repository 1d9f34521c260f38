/**
 * One task of a batch, run by whichever replica's worker the job queue gave it to: its areas are
 * checked by this replica's engine as a slice of the whole batch (numbered as in it, with the
 * batch's options), so every NDJSON line is the one the whole batch run in one process writes; the
 * lines go to the store a page at a time, each page keyed by its place in the batch, and the task
 * is marked done once all its pages are there.
 *
 * A task may run twice at once (the queue gave it to another worker while the first still ran) or
 * again after a run that died half-way: pages already stored are not written again and a run
 * starts at the first page missing, a page is stored only while its batch runs, and only one run
 * marks the task done. A run stops at its next page once its batch was cancelled, failed or
 * deleted.
 */
import { BatchSlice } from '../batch/areas.js';
import { LerError } from '../errors.js';
import type { AreaSummary, BatchProgress, Engine } from '../engine.js';
import type { Enqueue, JobBatchRecord, PostgresBatches, TaskRef } from '../store/postgres-batches.js';
import type { BatchSubmission } from './batches.js';
import { resultBytesExceeded } from './batch-quotas.js';

/** Areas read ahead by a batch that reports every conflict (as BatchManager's). */
const CONFLICTS_WINDOW = 512;

/** The store's batch rows as a task uses them. */
export type TaskStore = Pick<PostgresBatches, 'jobBatch' | 'task' | 'routeInput' | 'storedPages' | 'putTaskPage' | 'finishTask' | 'endBatch'>;

export interface TaskContext {
  engine: Engine;
  store: TaskStore;
  /** Bytes of stored results a planner may keep; a batch whose page crosses it fails. */
  resultBytesPerPlanner: number;
  enqueue: Enqueue;
  now: () => number;
  /** Told after each page this run stored. */
  onPage: (batch: string) => void;
  /** Told when this run ended its batch. */
  onEnd: (batch: string, status: 'done' | 'failed') => void;
}

/** What a run of a task came to. */
export type TaskOutcome = 'done' | 'skipped' | 'stopped';

/** The progress of a batch from its stored counters: areas answered and failed, and the pace so far. */
export function jobProgress(r: JobBatchRecord, now: number): BatchProgress | null {
  if (r.startedAt === null) return null;
  const end = r.finishedAt !== null ? Date.parse(r.finishedAt) : now;
  const elapsedSeconds = Math.max(0, (end - Date.parse(r.startedAt)) / 1000);
  const done = r.results;
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const total = r.totalAreas ?? r.areas;
  return { done, failed: r.failedAreas, total, elapsedSeconds, rate, etaSeconds: total !== null && rate > 0 ? Math.max(0, total - done) / rate : null };
}

/** Runs one task to its end; throws when it should run again (the engine or store failed, or `signal` stopped it). */
export async function runTask(ctx: TaskContext, job: TaskRef, signal: AbortSignal): Promise<TaskOutcome> {
  const b = await ctx.store.jobBatch(job.batch);
  if (b === null || b.status !== 'running' || b.pageAreas === null) return 'skipped';
  const task = await ctx.store.task(job.batch, job.task);
  if (task === null || task.done) return 'skipped';
  const size = b.pageAreas;
  const end = task.first + task.count;
  const firstPage = task.first / size;
  const lastPage = Math.ceil(end / size) - 1;
  // Pages an earlier run stored are not computed again: this run starts at the first one missing.
  const stored = new Set(await ctx.store.storedPages(job.batch, firstPage, lastPage));
  let page = firstPage;
  while (page <= lastPage && stored.has(page)) page++;
  if (page <= lastPage) {
    const outcome = await computePages(ctx, b, task, page, stored, signal);
    if (outcome !== 'done') return outcome;
  }
  const iso = new Date(ctx.now()).toISOString();
  const { ended } = await ctx.store.finishTask(job.batch, job.task, iso, (r) => jobProgress(r, ctx.now()) as unknown as Record<string, unknown>, ctx.enqueue);
  if (ended) ctx.onEnd(job.batch, 'done');
  return 'done';
}

/** Checks the task's areas from page `from` on and stores the pages not yet stored. */
async function computePages(ctx: TaskContext, b: JobBatchRecord, task: { first: number; count: number; input: string | null }, from: number, stored: Set<number>, signal: AbortSignal): Promise<TaskOutcome> {
  const size = b.pageAreas as number;
  const end = task.first + task.count;
  const start = from * size;
  const { route, ...options } = b.options as BatchSubmission & { route?: boolean };
  let input: unknown;
  if (route === true) {
    const text = await ctx.store.routeInput(b.id);
    // Ended meanwhile: its input is gone, and nothing more is written for it.
    if (text === null) return 'skipped';
    input = JSON.parse(text) as unknown;
  } else {
    input = taskAreas(task.input ?? '', task.first);
  }
  const stop = new AbortController();
  const onAbort = (): void => stop.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    const summaries = ctx.engine.checkBatch(new BatchSlice(input, start, end - start), {
      ...options,
      ...(options.conflicts === true && options.window === undefined ? { window: CONFLICTS_WINDOW } : {}),
      signal: stop.signal
    });
    let lines: string[] = [];
    let failed = 0;
    let seq = from;
    let version: number | null = null;
    let index = start;
    const flush = async (): Promise<boolean> => {
      const count = lines.length;
      const data = Buffer.from(lines.join(''), 'utf8');
      lines = [];
      const failedHere = failed;
      failed = 0;
      const at = seq++;
      if (stored.has(at)) return true;
      const write = await ctx.store.putTaskPage(b.id, { seq: at, first: at * size, count, failed: failedHere, data }, version ?? 0);
      if (!write.running) return false;
      if (write.stored) ctx.onPage(b.id);
      if (write.plannerBytes >= ctx.resultBytesPerPlanner) {
        // The page that crosses the planner's quota is kept; the batch stops after it.
        const error = resultBytesExceeded(write.plannerBytes, ctx.resultBytesPerPlanner);
        await ctx.store.endBatch(b.id, { status: 'failed', finishedAt: new Date(ctx.now()).toISOString(), error: { code: error.code, message: error.message }, progress: null });
        ctx.onEnd(b.id, 'failed');
        return false;
      }
      return true;
    };
    for await (const summary of summaries as AsyncGenerator<AreaSummary>) {
      if (summary.index !== index) throw new Error(`Task of batch ${b.id}: expected area ${index}, the engine gave ${summary.index}.`);
      index++;
      version ??= summary.version;
      lines.push(`${JSON.stringify(summary)}\n`);
      if (summary.status === 'failed') failed++;
      if (lines.length === size && !(await flush())) return 'stopped';
    }
    if (index !== end) throw new Error(`Task of batch ${b.id}: expected areas up to ${end - 1}, the engine gave up to ${index - 1}.`);
    if (lines.length > 0 && !(await flush())) return 'stopped';
    return 'done';
  } catch (error) {
    // A problem of the batch itself (the planner's to fix) fails it: running it again would too.
    if (error instanceof LerError && error.status < 500 && !signal.aborted) {
      const where = error.pointer !== undefined ? { pointer: error.pointer } : {};
      await ctx.store.endBatch(b.id, { status: 'failed', finishedAt: new Date(ctx.now()).toISOString(), error: { code: error.code, message: error.message, ...where }, progress: null });
      ctx.onEnd(b.id, 'failed');
      return 'stopped';
    }
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
    // Whatever the engine still had under way for this slice stops.
    stop.abort();
  }
}

/**
 * A task's areas as the engine reads a slice: `first` places it passes over unread, then the
 * task's features, each parsed as it is read.
 */
function taskAreas(text: string, first: number): Iterable<unknown> {
  return {
    *[Symbol.iterator](): Generator<unknown> {
      for (let i = 0; i < first; i++) yield undefined;
      for (let at = 0; at < text.length; ) {
        const stop = text.indexOf('\n', at);
        const line = stop < 0 ? text.length : stop;
        if (line > at) yield JSON.parse(text.slice(at, line)) as unknown;
        at = line + 1;
      }
    }
  };
}
