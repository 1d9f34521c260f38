/**
 * Planners' batches on PostgreSQL, worked on by every replica: a submitted batch is stored with its
 * input cut into tasks (batch-split.ts), and while it runs its tasks go through a pg-boss job queue
 * (batch-job-queue.ts) whose workers, on every replica, check each task's areas with their own
 * engine and store its pages (batch-tasks.ts). The batch is done when its last task is; its results
 * are read in order from any replica, page by page as tasks finish (polling the page table, and
 * woken at once by pages this replica wrote); progress, cancellation, deletion and quotas go
 * through the shared tables, so any replica answers for any batch.
 *
 * At most `maxBatchesRunning` batches run at once across the replicas, `maxBatchesRunningPerPlanner`
 * of one planner, started planner by planner in turn (PostgresBatches.startQueued). A running
 * batch has at most `tasksAhead` tasks on the queue, the next following as each is done, so the
 * running batches' tasks interleave on the queue instead of one waiting for all of another's.
 *
 * A task is delivered at least once: a replica that dies leaves its task to another within
 * `takeoverSeconds()` (batch-job-queue.ts), and each area's summary is stored exactly once however
 * often its task runs. A task that fails every run fails its batch (the dead-letter queue).
 */
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import { LerError } from '../errors.js';
import type { Engine } from '../engine.js';
import type { PostgresBatches, TaskRef } from '../store/postgres-batches.js';
import type { Sql } from '../store/postgres-db.js';
import type { AuditInput, BatchError } from '../store/store.js';
import { createJobQueue, DEFAULT_QUEUE_SETTINGS, enqueueTasks, FAILED_TASK_QUEUE, JOB_TABLE, prepareQueues, takeoverSeconds, TASK_QUEUE, type JobQueueSettings } from './batch-job-queue.js';
import { checkBatchQuotas } from './batch-quotas.js';
import type { BatchService } from './batch-service.js';
import { BatchWaiters } from './batch-waiters.js';
import { EndedBatchSweeper } from './batch-sweep.js';
import { batchAreas, DEFAULT_PAGE_AREAS, DEFAULT_TASK_AREAS, splitBatch, splitSizes } from './batch-split.js';
import { jobProgress, runTask, type TaskContext, type TaskStore } from './batch-tasks.js';
import { batchProblem, storedView, type BatchView } from './batch-view.js';
import type { BatchLimits as Limits, BatchManagerOptions, BatchSubmission } from './batches.js';
import { ProblemError } from './problem.js';


/** The store's batch rows as the service uses them. */
export type JobBatchStore = TaskStore & Pick<PostgresBatches, 'createJobBatch' | 'startQueued' | 'batchCounts' | 'batchPage' | 'batchUsage' | 'deleteBatch' | 'endedBatchesBefore' | 'orphanedBatches' | 'nextPageSeq'>;

export interface JobBatchesOptions extends BatchManagerOptions, Partial<JobQueueSettings> {
  /** Most areas (or stretches) of one task; default 2048 (a tenth with conflicts), rounded up to whole pages. */
  taskAreas?: number;
  /** Areas of one page of results; default 256 (a tenth with conflicts). */
  pageAreas?: number;
  /** Tasks this replica runs at once; default 1 (a task keeps the engine's worker threads busy). */
  concurrency?: number;
  /** Tasks of one running batch on the queue at once; default 8 (at least the workers that are to share it). */
  tasksAhead?: number;
  /** How often a reader waiting for the next page looks for it, ms; default 250. */
  resultsPollMs?: number;
  /** How often queued batches are looked at (and started when there is room), ms; default 5000. */
  dispatchMs?: number;
  /** How long close() lets running tasks finish before they are stopped (and run again elsewhere), ms; default 5000. */
  closeTimeoutMs?: number;
}

const CANCELLED: BatchError = { code: 'BATCH_CANCELLED', message: 'Cancelled by its requester before it ended.' };
/** How often ended batches past their time are looked for. */
const SWEEP_MS = 60_000;

/** Whether the reader a signal stands for has gone away. */
function gone(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

export class JobBatches implements BatchService {
  /** Resolves once the queue is ready (schema, queues, workers); every method waits for it. */
  readonly ready: Promise<void>;
  readonly settings: JobQueueSettings;
  private readonly boss: PgBoss;
  private readonly ownsBoss: boolean;
  private readonly workerIds: string[] = [];
  private readonly sizes: { taskAreas: number; pageAreas: number };
  private readonly opts: Required<Pick<JobBatchesOptions, 'concurrency' | 'tasksAhead' | 'resultsPollMs' | 'dispatchMs' | 'closeTimeoutMs'>>;
  private readonly now: () => number;
  private readonly ctx: TaskContext;
  /** Tasks running here, with what stops each. */
  private readonly running = new Map<string, { batch: string; controller: AbortController; done: Promise<unknown> }>();
  /** Readers waiting for a batch's next page or its end. */
  private readonly waiters = new BatchWaiters();
  /** Batches being submitted here, by planner (checked against its quotas before they are stored). */
  private readonly submitting = new Map<string, number>();
  private queuedSeen = 0;
  private readonly ticker: ReturnType<typeof setInterval>;
  private lastSweep = 0;
  /** Batches found orphaned on the last tick (reaped when found so again). */
  private suspects = new Set<string>();
  private readonly sweeper: EndedBatchSweeper;
  private dispatching: Promise<void> | null = null;
  private closed = false;

  /**
   * @param queue a connection string (the queue is made, started and stopped here) or a pg-boss
   *   instance made by createJobQueue (started here, stopped by its owner)
   */
  constructor(
    private readonly engine: Engine,
    private readonly store: JobBatchStore,
    private readonly limits: Limits,
    queue: string | PgBoss,
    private readonly options: JobBatchesOptions = {}
  ) {
    this.settings = {
      expireInSeconds: options.expireInSeconds ?? DEFAULT_QUEUE_SETTINGS.expireInSeconds,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? DEFAULT_QUEUE_SETTINGS.maintenanceIntervalSeconds,
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? DEFAULT_QUEUE_SETTINGS.pollingIntervalSeconds,
      retryLimit: options.retryLimit ?? DEFAULT_QUEUE_SETTINGS.retryLimit,
      retryDelaySeconds: options.retryDelaySeconds ?? DEFAULT_QUEUE_SETTINGS.retryDelaySeconds
    };
    this.opts = {
      concurrency: options.concurrency ?? 1,
      tasksAhead: options.tasksAhead ?? 8,
      resultsPollMs: options.resultsPollMs ?? 250,
      dispatchMs: options.dispatchMs ?? 5000,
      closeTimeoutMs: options.closeTimeoutMs ?? 5000
    };
    for (const [name, n] of Object.entries({ ...this.opts, taskAreas: options.taskAreas ?? 1, pageAreas: options.pageAreas ?? 1 })) {
      if (!Number.isInteger(n) || n < 1) throw new LerError('OPTION_INVALID', { pointer: `/${name}` }, `${name} must be a whole number from 1, got ${String(n)}.`);
    }
    this.sizes = { taskAreas: options.taskAreas ?? DEFAULT_TASK_AREAS, pageAreas: options.pageAreas ?? DEFAULT_PAGE_AREAS };
    this.now = options.now ?? Date.now;
    this.sweeper = new EndedBatchSweeper({ store, ttlSeconds: limits.batchTtlSeconds, now: this.now, closed: () => this.closed, removed: (id) => this.waiters.wake(id), onError: (error) => this.report(error, 'sweep') });
    this.ownsBoss = typeof queue === 'string';
    this.boss = typeof queue === 'string' ? createJobQueue(queue, this.settings, this.opts.concurrency + 3) : queue;
    this.boss.on('error', (error) => this.report(error, 'queue'));
    this.ctx = {
      engine,
      store,
      resultBytesPerPlanner: limits.batchResultBytesPerPlanner,
      enqueue: (q, tasks) => enqueueTasks(this.boss, q, tasks, this.settings),
      now: this.now,
      onPage: (batch) => this.waiters.wake(batch),
      onEnd: (batch, status) => this.ended(batch, status)
    };
    this.ready = this.start();
    // A failed start is the callers' to see (every method waits for it); never an unhandled rejection.
    this.ready.catch((error: unknown) => this.report(error, 'start'));
    this.ticker = setInterval(() => void this.tick(), this.opts.dispatchMs);
    this.ticker.unref();
  }

  /** Seconds within which a task a dead replica held is run again elsewhere (batch-job-queue.ts). */
  get takeoverSeconds(): number {
    return takeoverSeconds(this.settings);
  }

  async submit(requester: string, input: unknown, options: BatchSubmission, route: boolean, audit?: (id: string) => AuditInput): Promise<BatchView> {
    if (this.closed) throw new LerError('ENGINE_CLOSED');
    await this.ready;
    await this.sweep();
    const total = batchAreas(input, options, route);
    if (total > this.limits.maxBatchAreas) {
      throw new LerError('BATCH_TOO_LARGE', { pointer: route ? '/stretchLength' : '/areas/features' }, `${total} areas; at most ${this.limits.maxBatchAreas} (LER_MAX_BATCH_AREAS).`);
    }
    // The shared tables say what runs and waits; batches being stored here count as well. Checked
    // again where the batch is stored, under a lock all replicas' submissions take.
    const submitting = this.submitting.get(requester) ?? 0;
    const inFlight = [...this.submitting.values()].reduce((s, n) => s + n, 0);
    await this.admit(requester, submitting, inFlight);
    this.submitting.set(requester, submitting + 1);
    const id = randomUUID();
    try {
      const sizes = splitSizes(this.sizes, options.conflicts === true);
      const split = await splitBatch(input, route, total, sizes.taskAreas);
      await this.store.createJobBatch(
        { id, requester, createdAt: this.iso(), options: { ...options, route }, areas: route ? null : total, input: split.routeInput, totalAreas: total, ...sizes },
        split.tasks,
        audit?.(id),
        (q) => this.admit(requester, 0, 0, q)
      );
    } finally {
      const n = (this.submitting.get(requester) ?? 1) - 1;
      if (n > 0) this.submitting.set(requester, n);
      else this.submitting.delete(requester);
    }
    // Stored: it starts here now if there is room, or later at any replica.
    await this.dispatch();
    return (await this.get(id, null)) as BatchView;
  }

  async get(id: string, requester: string | null): Promise<BatchView | undefined> {
    const r = await this.store.jobBatch(id);
    if (r === null || (requester !== null && r.requester !== requester)) return undefined;
    const view = storedView(r);
    if (r.status === 'running' && r.tasks !== null) view.progress = jobProgress(r, this.now());
    return view;
  }

  async *results(id: string, requester: string | null, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    if ((await this.get(id, requester)) === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' });
    for (let seq = 0; ; ) {
      const page = await this.store.batchPage(id, seq);
      if (page !== null) {
        seq++;
        yield page.data;
        continue;
      }
      // No page yet: the state, then the page again (a batch ends only once all its pages are stored).
      const record = await this.store.jobBatch(id);
      if (record === null) throw new ProblemError('BATCH_UNKNOWN', { where: { pointer: '/id' }, detail: 'The batch was deleted (or expired) while its results were read.' });
      if (record.status === 'done' || record.status === 'failed' || record.status === 'cancelled') {
        const last = await this.store.batchPage(id, seq);
        if (last !== null) {
          seq++;
          yield last.data;
          continue;
        }
        if (record.status === 'done') return;
        // Tasks ran side by side, and some did not finish: the results after the gap are read too
        // (each line says its area's index), then the batch's problem.
        const next = await this.store.nextPageSeq(id, seq);
        if (next !== null) {
          seq = next;
          continue;
        }
        throw batchProblem(record);
      }
      if (this.closed) throw new ProblemError('ENGINE_CLOSED', { detail: 'The service is stopping; the batch goes on at the other replicas, or here when it is back.' });
      if (gone(signal)) return;
      await this.pause(id, signal);
      if (gone(signal)) return;
    }
  }

  /**
   * Throws the planner's quota a new batch would pass (429), or BATCH_QUEUE_FULL (503): counting
   * the batches stored (read through `q`, the storing transaction, when given) and those being
   * stored here.
   */
  private async admit(requester: string, submitting: number, inFlight: number, q?: Sql): Promise<void> {
    const usage = await this.store.batchUsage(requester, q);
    const all = await this.store.batchCounts(q);
    const globalFree = Math.max(0, this.limits.maxBatchesRunning - all.running);
    const free = Math.min(globalFree, Math.max(0, this.limits.maxBatchesRunningPerPlanner - usage.running));
    const wouldWait = usage.queued > 0 || submitting >= free;
    checkBatchQuotas(
      { ...usage, queued: usage.queued + Math.max(0, submitting - free), submitting: Math.min(submitting, free), pendingBytes: 0, wouldWait, runningEtaSeconds: null },
      this.limits,
      this.now()
    );
    const waiting = all.queued + Math.max(0, inFlight - globalFree);
    if (wouldWait && waiting >= this.limits.maxBatchesQueued) {
      throw new ProblemError('BATCH_QUEUE_FULL', { detail: `${all.running} running, ${waiting} waiting.`, headers: { 'retry-after': '30' } });
    }
  }

  async remove(id: string, requester: string | null, audit?: (view: BatchView, removed: boolean) => AuditInput): Promise<{ view: BatchView; removed: boolean } | undefined> {
    const view = await this.get(id, requester);
    if (view === undefined) return undefined;
    if (view.status === 'queued' || view.status === 'running') {
      // Ended at once for every replica: its tasks still queued are passed over, a running one stops at its next page.
      await this.store.endBatch(id, { status: 'cancelled', finishedAt: this.iso(), error: CANCELLED, progress: view.progress as unknown as Record<string, unknown> | null }, audit?.(view, false));
      const after = await this.get(id, null);
      if (after?.status === 'cancelled') this.ended(id, 'cancelled');
      return { view: after ?? view, removed: false };
    }
    await this.store.deleteBatch(id, audit?.(view, true));
    this.waiters.wake(id);
    return { view, removed: true };
  }

  get depth(): { running: number; queued: number } {
    return { running: new Set([...this.running.values()].map((t) => t.batch)).size, queued: this.queuedSeen };
  }

  /** Removes ended batches past their time, with their results. */
  sweep(): Promise<void> {
    return this.sweeper.sweep();
  }

  /**
   * Stops working on tasks: the running ones get `closeTimeoutMs` to finish, then are stopped and
   * run again elsewhere (or here after a restart); readers end. The store is its owner's to close.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.ticker);
    await this.ready.catch(() => undefined);
    const stopAll = (): void => {
      for (const t of this.running.values()) t.controller.abort(new LerError('ENGINE_CLOSED'));
    };
    if (this.ownsBoss) {
      // pg-boss stops fetching, waits for the running tasks, then gives back any still running.
      const timer = setTimeout(stopAll, this.opts.closeTimeoutMs);
      try {
        await this.boss.stop({ graceful: true, wait: true, timeout: this.opts.closeTimeoutMs });
      } catch (error) {
        this.report(error, 'close');
      } finally {
        clearTimeout(timer);
      }
      stopAll();
    } else {
      await Promise.allSettled(this.workerIds.map((id) => this.boss.offWork({ id })));
      const timer = setTimeout(stopAll, this.opts.closeTimeoutMs);
      await Promise.allSettled([...this.running.values()].map((t) => t.done));
      clearTimeout(timer);
    }
    await Promise.allSettled([...this.running.values()].map((t) => t.done));
    await this.sweeper.settled();
    await this.dispatching?.catch(() => undefined);
    this.waiters.wakeAll();
  }

  private async start(): Promise<void> {
    await this.boss.start();
    await prepareQueues(this.boss, this.settings);
    const polling = { pollingIntervalSeconds: this.settings.pollingIntervalSeconds, batchSize: 1 };
    for (let i = 0; i < this.opts.concurrency; i++) {
      let id = '';
      id = await this.boss.work<TaskRef>(TASK_QUEUE, polling, async ([job]) => {
        try {
          return await this.handle(job);
        } finally {
          // Straight on to the next task, rather than after a poll interval.
          if (!this.closed) this.boss.notifyWorker(id);
        }
      });
      this.workerIds.push(id);
    }
    this.workerIds.push(await this.boss.work<TaskRef>(FAILED_TASK_QUEUE, polling, ([job]) => this.failTask(job.data)));
    if (this.closed) return;
    await this.dispatch();
  }

  /** One task's job: run it here, stopped at its expiry (the queue then gives it to another worker) or when the service closes. */
  private async handle(job: PgBoss.Job<TaskRef>): Promise<string> {
    if (this.closed) throw new LerError('ENGINE_CLOSED');
    const controller = new AbortController();
    const expiry = setTimeout(() => controller.abort(new Error('The task ran past its expiry: it runs again elsewhere.')), job.expireInSeconds * 1000);
    const done = runTask(this.ctx, job.data, controller.signal);
    this.running.set(job.id, { batch: job.data.batch, controller, done: done.catch(() => undefined) });
    try {
      return await done;
    } catch (error) {
      if (!this.closed && !controller.signal.aborted && !(error instanceof LerError)) this.report(error, job.data.batch);
      throw error;
    } finally {
      clearTimeout(expiry);
      this.running.delete(job.id);
    }
  }

  /** A task that failed every run: its batch fails (once, whichever replica hears of it). */
  private async failTask(t: TaskRef): Promise<void> {
    const b = await this.store.jobBatch(t.batch);
    if (b === null || (b.status !== 'running' && b.status !== 'queued')) return;
    // Its last run timed out on the queue but went on, and finished: nothing failed.
    if ((await this.store.task(t.batch, t.task))?.done === true) return;
    const error: BatchError = { code: 'BATCH_FAILED', message: `Its task of areas ${t.first} to ${t.first + t.count - 1} failed ${this.settings.retryLimit + 1} times: it is not run again.` };
    await this.store.endBatch(t.batch, { status: 'failed', finishedAt: this.iso(), error, progress: jobProgress(b, this.now()) as unknown as Record<string, unknown> | null });
    const after = await this.store.jobBatch(t.batch);
    if (after?.status === 'failed' && after.error?.code === 'BATCH_FAILED') this.ended(t.batch, 'failed');
  }

  /** Starts the queued batches there is room for (across the replicas); one pass at a time here. */
  private dispatch(): Promise<void> {
    if (this.dispatching !== null) return this.dispatching;
    const dispatching = (async () => {
      try {
        const r = await this.store.startQueued(
          { running: this.limits.maxBatchesRunning, runningPerPlanner: this.limits.maxBatchesRunningPerPlanner, tasksAhead: this.opts.tasksAhead },
          this.iso(),
          (b) => jobProgress(b, this.now()) as unknown as Record<string, unknown>,
          this.ctx.enqueue
        );
        this.queuedSeen = r.queued;
        for (const id of r.ended) this.ended(id, 'done');
        if (r.started.length > r.ended.length) this.notifyWorkers();
      } catch (error) {
        if (!this.closed) this.report(error, 'dispatch');
      }
    })();
    this.dispatching = dispatching.finally(() => {
      this.dispatching = null;
    });
    return this.dispatching;
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    await this.ready.catch(() => undefined);
    await this.dispatch();
    await this.reap().catch((error: unknown) => this.report(error, 'reap'));
    if (this.now() - this.lastSweep >= SWEEP_MS) {
      this.lastSweep = this.now();
      await this.sweep();
    }
  }

  /**
   * Fails running batches that nothing would ever end: tasks not done and none of their jobs left
   * on the queue. Seen so on two ticks in a row (a job is never missing for that long in the
   * ordinary course: a task's next job is queued in the transaction that marks it done).
   */
  private async reap(): Promise<void> {
    const orphans = new Set(await this.store.orphanedBatches(JOB_TABLE, [TASK_QUEUE, FAILED_TASK_QUEUE]));
    for (const id of orphans) {
      if (!this.suspects.has(id) || this.closed) continue;
      const b = await this.store.jobBatch(id);
      if (b === null || b.status !== 'running') continue;
      const error: BatchError = { code: 'BATCH_FAILED', message: 'Its tasks were lost by the job queue (they failed every run, and their failure could not be handled): it is not run again.' };
      await this.store.endBatch(id, { status: 'failed', finishedAt: this.iso(), error, progress: jobProgress(b, this.now()) as unknown as Record<string, unknown> | null });
      const after = await this.store.jobBatch(id);
      if (after?.status === 'failed' && after.error?.message === error.message) this.ended(id, 'failed');
    }
    this.suspects = orphans;
  }

  /** A batch ended (here): readers hear it, a place to run is free. */
  private ended(batch: string, status: 'done' | 'failed' | 'cancelled'): void {
    this.options.onFinish?.(status);
    this.waiters.wake(batch);
    if (!this.closed) void this.dispatch();
  }

  private notifyWorkers(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  /** Waits until this replica stores a page of the batch, the poll interval passes, or the reader goes. */
  private pause(id: string, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.remove(id, done);
        resolve();
      };
      const timer = setTimeout(done, this.opts.resultsPollMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(id, done);
    });
  }



  private report(error: unknown, id: string): void {
    this.options.onError?.(error, id);
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
