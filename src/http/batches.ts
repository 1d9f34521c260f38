/**
 * Planners' batches as jobs in the store: a batch's input, state and results live on disk, so a
 * batch of any size costs the service a window of results and its input while it runs, and nothing
 * while it waits or once it has ended; readers stream its results from disk, page by page.
 *
 * At most `maxBatchesRunning` run at once, `maxBatchesRunningPerPlanner` of one planner; the next to
 * run is picked planner by planner in turn (batch-queue.ts). Quotas per planner (batch-quotas.ts)
 * bound what one planner may have waiting and kept, and the bytes of its results; ended batches
 * are removed after `batchTtlSeconds`, or when their planner deletes them.
 *
 * A batch outlives the service: one that was waiting waits again after a restart, and one that was
 * running (cut by a crash or a stop) runs again from the start, its partial results dropped, so
 * each area's result is stored exactly once, and all of them from one snapshot.
 */
import { randomUUID } from 'node:crypto';
import { LerError } from '../errors.js';
import type { AreaSummary, BatchOptions, BatchProgress, Engine } from '../engine.js';
import type { AuditInput, BatchError, BatchRecord, BatchStatus, BatchStore, Store } from '../store/store.js';
import { readStoredInput, storedInput } from './batch-input.js';
import { PageWriter } from './batch-pages.js';
import { FairQueue } from './batch-queue.js';
import { checkBatchQuotas, resultBytesExceeded } from './batch-quotas.js';
import { batchProblem, storedView, withTotal, type BatchView } from './batch-view.js';
import type { ServiceLimits } from './config.js';
import { ProblemError } from './problem.js';
import type { BatchService } from './batch-service.js';
import { BatchWaiters } from './batch-waiters.js';
import { EndedBatchSweeper } from './batch-sweep.js';

export type { BatchStatus, BatchView };
export { batchProblem };

/** How a batch is checked, as stored with it. */
export type BatchSubmission = Omit<BatchOptions, 'signal' | 'onProgress'>;

/** The limits batches run within (config.ts). */
export type BatchLimits = Pick<
  ServiceLimits,
  | 'maxBatchAreas'
  | 'maxBatchesRunning'
  | 'maxBatchesQueued'
  | 'maxBatchesRunningPerPlanner'
  | 'maxBatchesQueuedPerPlanner'
  | 'batchesKeptPerPlanner'
  | 'batchResultBytesPerPlanner'
  | 'batchTtlSeconds'
>;
type Limits = BatchLimits;

export interface BatchManagerOptions {
  /** Told of each batch that ends, with its status (metrics). */
  onFinish?: (status: BatchStatus) => void;
  /** Told of what went wrong unexpectedly (the service logs it). */
  onError?: (error: unknown, id: string) => void;
  /** The clock (tests); default Date.now. */
  now?: () => number;
}

/** A batch running in this process. */
interface Active {
  record: BatchRecord;
  controller: AbortController;
  /** Cancelled by its requester or an admin (not stopped by the service closing). */
  cancelled: boolean;
  startedAt: string;
  progress: BatchProgress | null;
  version: number | null;
  writer: PageWriter | null;
}

const CANCELLED: BatchError = { code: 'BATCH_CANCELLED', message: 'Cancelled by its requester before it ended.' };
/** Areas read ahead by a batch that reports every conflict: its window of results is a few MB, not a hundred. */
const CONFLICTS_WINDOW = 512;
/** How often ended batches past their time are looked for. */
const SWEEP_MS = 60_000;

/** Whether the reader a signal stands for has gone away. */
function gone(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** Runs of one batch a crash may cut short before it is failed rather than run again. */
export const MAX_ATTEMPTS = 3;

export class BatchManager implements BatchService {
  private readonly active = new Map<string, Active>();
  private readonly queue = new FairQueue();
  /** Readers waiting for a batch's next page or its end. */
  private readonly waiters = new BatchWaiters();
  private readonly runs = new Set<Promise<void>>();
  /** Batches being submitted, by planner (checked against its quotas before they are stored). */
  private readonly submitting = new Map<string, number>();
  /** Each planner's stored result bytes, as last read (after each page it writes). */
  private readonly storedBytes = new Map<string, number>();
  /** Batches taken from the queue whose run is still reading them from the store, by planner: they count as running. */
  private readonly starting = new Map<string, number>();
  private readonly now: () => number;
  private readonly sweeper: ReturnType<typeof setInterval>;
  private readonly ended: EndedBatchSweeper;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly store: BatchStore & Pick<Store, 'audit'>,
    private readonly limits: Limits,
    private readonly opts: BatchManagerOptions = {}
  ) {
    this.now = opts.now ?? Date.now;
    this.ended = new EndedBatchSweeper({ store, ttlSeconds: limits.batchTtlSeconds, now: this.now, closed: () => this.closed, removed: (id) => this.waiters.wake(id), onError: (error) => opts.onError?.(error, 'sweep') });
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** A manager with the batches the store holds: those cut short run again, those waiting wait again. */
  static async open(engine: Engine, store: BatchStore & Pick<Store, 'audit'>, limits: Limits, opts: BatchManagerOptions = {}): Promise<BatchManager> {
    const manager = new BatchManager(engine, store, limits, opts);
    try {
      await manager.restore();
    } catch (error) {
      await manager.close();
      throw error;
    }
    return manager;
  }

  private async restore(): Promise<void> {
    // A batch cut short by a crash or a stop runs again from its start; those waiting wait again.
    // One whose runs ended in a crash time and again is not run again: it may be what crashes.
    for (const b of await this.store.batchesIn(['running'])) {
      if (b.attempts < MAX_ATTEMPTS) await this.store.requeueBatch(b.id);
      else await this.store.endBatch(b.id, { status: 'failed', finishedAt: this.iso(), error: { code: 'BATCH_FAILED', message: `Its run was cut short by the service ending ${b.attempts} times: it is not run again.` }, progress: b.progress }).catch((error: unknown) => this.opts.onError?.(error, b.id));
    }
    for (const b of await this.store.batchesIn(['queued'])) this.queue.push(b.requester, b.id);
    void this.sweep();
    this.pump();
  }

  /**
   * Stores a batch (its input included) and queues it; resolves once it is durable. Throws a 429 of
   * the planner's quota it would pass, or BATCH_QUEUE_FULL (503) when every place is taken.
   */
  async submit(requester: string, input: unknown, options: BatchSubmission, route: boolean, audit?: (id: string) => AuditInput): Promise<BatchView> {
    if (this.closed) throw new LerError('ENGINE_CLOSED');
    await this.sweep();
    // What is running and waiting now, counting the batches being stored: they take the places
    // free to run first, and wait beyond them.
    const submitting = this.submitting.get(requester) ?? 0;
    const inFlight = [...this.submitting.values()].reduce((s, n) => s + n, 0);
    const globalFree = Math.max(0, this.limits.maxBatchesRunning - this.runningCount());
    const free = Math.min(globalFree, Math.max(0, this.limits.maxBatchesRunningPerPlanner - this.runningOf(requester)));
    const queued = this.queue.of(requester) + Math.max(0, submitting - free);
    const wouldWait = this.queue.of(requester) > 0 || submitting >= free;
    // Ended batches and bytes from the store; running and waiting ones as this process sees them.
    const usage = await this.store.batchUsage(requester);
    this.storedBytes.set(requester, usage.resultBytes);
    checkBatchQuotas(
      { ...usage, running: this.runningOf(requester), queued, submitting: Math.min(submitting, free), pendingBytes: this.pendingBytesOf(requester), wouldWait, runningEtaSeconds: this.etaOf(requester) },
      this.limits,
      this.now()
    );
    const waiting = this.queue.size + Math.max(0, inFlight - globalFree);
    if (wouldWait && waiting >= this.limits.maxBatchesQueued) {
      throw new ProblemError('BATCH_QUEUE_FULL', { detail: `${this.active.size} running, ${waiting} waiting.`, headers: { 'retry-after': '30' } });
    }
    this.submitting.set(requester, submitting + 1);
    const id = randomUUID();
    try {
      const stored = await storedInput(input, route);
      await this.store.createBatch({ id, requester, createdAt: this.iso(), options: { ...options, route }, areas: stored.areas, input: stored.text }, audit?.(id));
    } finally {
      const n = (this.submitting.get(requester) ?? 1) - 1;
      if (n > 0) this.submitting.set(requester, n);
      else this.submitting.delete(requester);
    }
    // Stored: it runs, here or after the next start.
    this.queue.push(requester, id);
    this.pump();
    return (await this.get(id, null)) as BatchView;
  }

  /** A batch its requester (or an admin: `requester` null) may see; undefined otherwise. */
  async get(id: string, requester: string | null): Promise<BatchView | undefined> {
    const a = this.active.get(id);
    if (a !== undefined) return requester === null || a.record.requester === requester ? this.activeView(a) : undefined;
    const r = await this.store.batch(id);
    // Started while it was read: the running view.
    const started = this.active.get(id);
    if (started !== undefined) return requester === null || started.record.requester === requester ? this.activeView(started) : undefined;
    if (r === null || (requester !== null && r.requester !== requester)) return undefined;
    return storedView(r);
  }

  /**
   * The results as NDJSON, page by page from the store, from the first on, following a running
   * batch until it ends. Throws the batch's problem when it failed or was cancelled (before the
   * first byte: the answer is that problem; after: the stream is cut, and the batch's status says
   * why).
   */
  async *results(id: string, requester: string | null, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if ((await this.get(id, requester)) === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' });
    for (let seq = 0; ; ) {
      // The state first, then the page: a batch ends only once all its pages are durable.
      const running = this.active.has(id);
      const record = running ? null : await this.store.batch(id);
      if (!running && record === null) throw new ProblemError('BATCH_UNKNOWN', { where: { pointer: '/id' }, detail: 'The batch was deleted (or expired) while its results were read.' });
      const page = await this.store.batchPage(id, seq);
      if (page !== null) {
        seq++;
        yield page.data;
        continue;
      }
      if (record !== null) {
        if (record.status === 'done') return;
        if (record.status === 'failed' || record.status === 'cancelled') throw batchProblem(record);
        if (this.closed) throw new ProblemError('ENGINE_CLOSED', { detail: 'The service is stopping; the batch runs again when it is back.' });
      }
      // A reader that goes away while it waits stops waiting (nothing of it is kept until the next page).
      if (gone(signal)) return;
      await new Promise<void>((resolve) => {
        const woken = (): void => {
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        const stop = (): void => {
          this.waiters.remove(id, woken);
          resolve();
        };
        signal?.addEventListener('abort', stop, { once: true });
        this.waiters.add(id, woken);
      });
      if (gone(signal)) return;
    }
  }

  /**
   * DELETE of a batch its requester (or an admin) may see: a waiting one is cancelled at once, a
   * running one within its current task (its results so far stay readable); an ended one is
   * removed with its results (`removed`). Undefined when there is no such batch.
   */
  async remove(id: string, requester: string | null, audit?: (view: BatchView, removed: boolean) => AuditInput): Promise<{ view: BatchView; removed: boolean } | undefined> {
    const view = await this.get(id, requester);
    if (view === undefined) return undefined;
    const a = this.active.get(id);
    if (a !== undefined) {
      a.cancelled = true;
      a.controller.abort();
      const running = this.activeView(a);
      // The request to stop is the event; the batch's end is written when its run stops.
      if (audit !== undefined) await this.store.audit(audit(running, false));
      return { view: running, removed: false };
    }
    const r = await this.store.batch(id);
    if (r === null) return undefined;
    if (r.status === 'queued') {
      if (this.queue.remove(r.requester, id)) {
        await this.store.endBatch(id, { status: 'cancelled', finishedAt: this.iso(), error: CANCELLED, progress: null }, audit?.(view, false));
        this.opts.onFinish?.('cancelled');
        this.waiters.wake(id);
      }
      return { view: (await this.get(id, null)) ?? view, removed: false };
    }
    if (r.status === 'running') return { view, removed: false };
    await this.store.deleteBatch(id, audit?.(view, true));
    this.waiters.wake(id);
    return { view, removed: true };
  }

  get depth(): { running: number; queued: number } {
    return { running: this.active.size, queued: this.queue.size };
  }

  /** Removes ended batches past their time, with their results. */
  sweep(): Promise<void> {
    return this.ended.sweep();
  }

  /**
   * Stops: running batches are stopped and left to run again at the next start, waiting ones wait in
   * the store; readers end. Resolves once no batch writes any more.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const stopped = [...this.active.keys()];
    for (const a of this.active.values()) a.controller.abort();
    await Promise.allSettled([...this.runs]);
    // Back in the queue for the next start, without counting this run: the service stopped it.
    for (const id of stopped) {
      try {
        await this.store.requeueBatch(id, { stopped: true });
      } catch (error) {
        this.opts.onError?.(error, id);
      }
    }
    await this.ended.settled();
    this.waiters.wakeAll();
  }

  private pump(): void {
    while (!this.closed && this.runningCount() < this.limits.maxBatchesRunning) {
      const next = this.queue.take((planner) => this.runningOf(planner) < this.limits.maxBatchesRunningPerPlanner);
      if (next === undefined) return;
      this.starting.set(next.planner, (this.starting.get(next.planner) ?? 0) + 1);
      const run: Promise<void> = this.run(next.id, next.planner)
        .catch((error: unknown) => this.opts.onError?.(error, next.id))
        .finally(() => {
          this.runs.delete(run);
          this.pump();
        });
      this.runs.add(run);
    }
  }

  private async run(id: string, planner: string): Promise<void> {
    let record: BatchRecord | null;
    try {
      record = await this.store.batch(id);
    } finally {
      // Active from here on (or not run at all): no longer counted as starting.
      const n = (this.starting.get(planner) ?? 1) - 1;
      if (n > 0) this.starting.set(planner, n);
      else this.starting.delete(planner);
    }
    if (record === null || record.status !== 'queued' || this.closed) return;
    const a: Active = { record, controller: new AbortController(), cancelled: false, startedAt: this.iso(), progress: null, version: null, writer: null };
    this.active.set(id, a);
    try {
      await this.store.startBatch(id, a.startedAt);
      this.storedBytes.set(record.requester, (await this.store.batchUsage(record.requester)).resultBytes);
      const { route, ...options } = record.options as BatchSubmission & { route?: boolean };
      const input = readStoredInput((await this.store.batchInput(id)) ?? '', route === true);
      const writer = new PageWriter(
        async (page) => {
          await this.store.appendBatchPage(id, page, { progress: a.progress as unknown as Record<string, unknown> | null, version: a.version ?? 0 });
          this.storedBytes.set(record.requester, (await this.store.batchUsage(record.requester)).resultBytes);
        },
        () => this.checkBytes(record.requester),
        () => this.waiters.wake(id)
      );
      a.writer = writer;
      const summaries = this.engine.checkBatch(input, {
        ...options,
        ...(options.conflicts === true && options.window === undefined ? { window: CONFLICTS_WINDOW } : {}),
        signal: a.controller.signal,
        onProgress: (p) => {
          a.progress = withTotal(p, record.areas);
        }
      });
      let n = 0;
      for await (const summary of summaries) {
        if (++n > this.limits.maxBatchAreas) throw new LerError('BATCH_TOO_LARGE', {}, `More than ${this.limits.maxBatchAreas} areas (LER_MAX_BATCH_AREAS).`);
        a.version ??= (summary as AreaSummary).version;
        await writer.add(summary);
      }
      await writer.finish();
      await this.end(a, 'done', null);
    } catch (error) {
      await a.writer?.settle();
      if (a.cancelled) await this.end(a, 'cancelled', CANCELLED);
      else if (this.closed) {
        // Stopped with the service: left running in the store, it runs again at the next start.
      } else if (error instanceof LerError) await this.end(a, 'failed', error.pointer !== undefined ? { code: error.code, message: error.message, pointer: error.pointer } : { code: error.code, message: error.message });
      else {
        this.opts.onError?.(error, id);
        await this.end(a, 'failed', { code: 'INTERNAL_ERROR', message: 'The batch failed unexpectedly.' });
      }
    } finally {
      this.active.delete(id);
      this.waiters.wake(id);
    }
  }

  private async end(a: Active, status: 'done' | 'failed' | 'cancelled', error: BatchError | null): Promise<void> {
    try {
      await this.store.endBatch(a.record.id, { status, finishedAt: this.iso(), error, progress: a.progress as unknown as Record<string, unknown> | null });
      this.opts.onFinish?.(status);
    } catch (e) {
      // The store is closing: the batch runs again at the next start.
      if (!this.closed) this.opts.onError?.(e, a.record.id);
    }
  }

  /** Throws once the planner's stored results (those on their way included) reach its quota. */
  private checkBytes(requester: string): void {
    const used = (this.storedBytes.get(requester) ?? 0) + this.pendingBytesOf(requester);
    if (used >= this.limits.batchResultBytesPerPlanner) throw resultBytesExceeded(used, this.limits.batchResultBytesPerPlanner);
  }

  /** Batches running, those being started included. */
  private runningCount(): number {
    let n = this.active.size;
    for (const k of this.starting.values()) n += k;
    return n;
  }

  private runningOf(planner: string): number {
    let n = this.starting.get(planner) ?? 0;
    for (const a of this.active.values()) if (a.record.requester === planner) n++;
    return n;
  }

  private pendingBytesOf(planner: string): number {
    let n = 0;
    for (const a of this.active.values()) if (a.record.requester === planner) n += a.writer?.pendingBytes ?? 0;
    return n;
  }

  /** Seconds until the planner's first running batch should end, when its progress says. */
  private etaOf(planner: string): number | null {
    let eta: number | null = null;
    for (const a of this.active.values()) {
      const e = a.record.requester === planner ? a.progress?.etaSeconds : null;
      if (e !== null && e !== undefined && (eta === null || e < eta)) eta = e;
    }
    return eta;
  }




  private activeView(a: Active): BatchView {
    const r = a.record;
    return {
      id: r.id,
      status: 'running',
      createdAt: r.createdAt,
      startedAt: a.startedAt,
      finishedAt: null,
      results: a.writer?.committed ?? 0,
      resultBytes: a.writer?.committedBytes ?? 0,
      progress: a.progress,
      version: a.version,
      error: null
    };
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
