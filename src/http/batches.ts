/**
 * Planners' batches, run in the background on the engine: at most `maxBatchesRunning` at once,
 * `maxBatchesQueued` waiting, results kept in memory (bounded by `maxBatchAreas` per batch, and
 * the newest `batchesKept` finished batches for `batchTtlSeconds`). A batch lives on its own,
 * whoever is listening; it is lost when the service stops.
 */
import { randomUUID } from 'node:crypto';
import { LerError } from '../errors.js';
import type { AreaSummary, BatchOptions, BatchProgress, Engine } from '../engine.js';
import type { ServiceLimits } from './config.js';
import { ProblemError } from './problem.js';

export type BatchStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface BatchView {
  id: string;
  status: BatchStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Summaries ready to read. */
  results: number;
  progress: BatchProgress | null;
  /** Snapshot version the batch runs on (known once the first result is in). */
  version: number | null;
  error: { code: string; message: string; pointer?: string } | null;
}

interface Batch {
  id: string;
  requester: string;
  status: BatchStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  finished: number;
  input: unknown;
  options: BatchOptions;
  results: AreaSummary[];
  progress: BatchProgress | null;
  error: BatchView['error'];
  controller: AbortController;
  /** Cancelled by its requester or an admin (not by the service stopping). */
  cancelled: boolean;
  /** Readers waiting for the next result or the end. */
  waiters: Set<() => void>;
}

const CANCELLED = { code: 'BATCH_CANCELLED', message: 'Cancelled by its requester before it ended.' };

export class BatchManager {
  private readonly batches = new Map<string, Batch>();
  private readonly queue: Batch[] = [];
  private running = 0;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly limits: Pick<ServiceLimits, 'maxBatchAreas' | 'maxBatchesRunning' | 'maxBatchesQueued' | 'batchesKept' | 'batchTtlSeconds'>,
    private readonly onFinish: (status: BatchStatus) => void = () => {}
  ) {}

  /** Starts a batch (or queues it); throws BATCH_QUEUE_FULL (503) when the queue is full. */
  submit(requester: string, input: unknown, options: Omit<BatchOptions, 'signal' | 'onProgress'>): BatchView {
    if (this.closed) throw new LerError('ENGINE_CLOSED');
    this.evict();
    if (this.running >= this.limits.maxBatchesRunning && this.queue.length >= this.limits.maxBatchesQueued) {
      throw new ProblemError('BATCH_QUEUE_FULL', { detail: `${this.running} running, ${this.queue.length} waiting.`, headers: { 'retry-after': '30' } });
    }
    const batch: Batch = {
      id: randomUUID(),
      requester,
      status: 'queued',
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      finished: 0,
      input,
      options,
      results: [],
      progress: null,
      error: null,
      controller: new AbortController(),
      cancelled: false,
      waiters: new Set()
    };
    this.batches.set(batch.id, batch);
    this.queue.push(batch);
    this.pump();
    return this.view(batch);
  }

  /** A batch its requester (or an admin: `requester` null) may see; undefined otherwise. */
  get(id: string, requester: string | null): BatchView | undefined {
    const b = this.find(id, requester);
    return b === undefined ? undefined : this.view(b);
  }

  /** Results from the first on, as they arrive, until the batch ends; throws the batch's error when it failed. */
  async *results(id: string, requester: string | null): AsyncGenerator<AreaSummary> {
    const b = this.find(id, requester);
    if (b === undefined) throw new LerError('BATCH_UNKNOWN', { pointer: '/id' });
    let i = 0;
    for (;;) {
      while (i < b.results.length) yield b.results[i++];
      if (b.status === 'done') return;
      // The answer has begun: the stream is cut short, and the batch's status says why.
      if (b.status === 'failed' || b.status === 'cancelled') throw new Error(`Batch ${b.id} ${b.status}${b.error ? `: ${b.error.code}` : ''}.`);
      await new Promise<void>((resolve) => b.waiters.add(resolve));
    }
  }

  /**
   * Cancels a batch its requester (or an admin: `requester` null) may see: a waiting one at once, a
   * running one within its current task. A batch that has ended is left as it is. Undefined when
   * there is no such batch.
   */
  cancel(id: string, requester: string | null): BatchView | undefined {
    const b = this.find(id, requester);
    if (b === undefined) return undefined;
    if (b.status === 'queued') {
      this.queue.splice(this.queue.indexOf(b), 1);
      b.cancelled = true;
      b.input = null;
      this.finish(b, 'cancelled', CANCELLED);
    } else if (b.status === 'running') {
      b.cancelled = true;
      b.controller.abort();
    }
    return this.view(b);
  }

  /** Whether a batch exists and the requester may see it (for answering before streaming). */
  has(id: string, requester: string | null): boolean {
    return this.find(id, requester) !== undefined;
  }

  get depth(): { running: number; queued: number; kept: number } {
    return { running: this.running, queued: this.queue.length, kept: this.batches.size };
  }

  /** Cancels every batch; their readers end. */
  close(): void {
    this.closed = true;
    for (const b of this.queue.splice(0)) this.finish(b, 'cancelled', null);
    for (const b of this.batches.values()) b.controller.abort();
  }

  private find(id: string, requester: string | null): Batch | undefined {
    this.evict();
    const b = this.batches.get(id);
    if (b === undefined || (requester !== null && b.requester !== requester)) return undefined;
    return b;
  }

  private pump(): void {
    while (this.running < this.limits.maxBatchesRunning && this.queue.length > 0) {
      const b = this.queue.shift() as Batch;
      this.running++;
      void this.run(b).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(b: Batch): Promise<void> {
    b.status = 'running';
    b.startedAt = new Date().toISOString();
    try {
      const it = this.engine.checkBatch(b.input, {
        ...b.options,
        signal: b.controller.signal,
        onProgress: (p) => {
          b.progress = p;
        }
      });
      for await (const summary of it) {
        if (b.results.length >= this.limits.maxBatchAreas) {
          b.controller.abort();
          throw new LerError('BATCH_TOO_LARGE', {}, `More than ${this.limits.maxBatchAreas} areas (LER_MAX_BATCH_AREAS).`);
        }
        b.results.push(summary);
        this.wake(b);
      }
      this.finish(b, 'done', null);
    } catch (error) {
      if (b.cancelled) this.finish(b, 'cancelled', CANCELLED);
      else if (error instanceof LerError) this.finish(b, 'failed', error.pointer !== undefined ? { code: error.code, message: error.message, pointer: error.pointer } : { code: error.code, message: error.message });
      else if (b.controller.signal.aborted) this.finish(b, 'cancelled', { code: 'ENGINE_CLOSED', message: 'The service stopped before the batch ended.' });
      else this.finish(b, 'failed', { code: 'INTERNAL_ERROR', message: 'The batch failed unexpectedly.' });
    } finally {
      // The input is no longer needed; the results stay for their readers.
      b.input = null;
    }
  }

  private finish(b: Batch, status: BatchStatus, error: BatchView['error']): void {
    b.status = status;
    b.error = error;
    b.finishedAt = new Date().toISOString();
    b.finished = Date.now();
    this.onFinish(status);
    this.wake(b);
  }

  private wake(b: Batch): void {
    const waiting = [...b.waiters];
    b.waiters.clear();
    for (const w of waiting) w();
  }

  /** Drops finished batches past their time, and the oldest beyond the number kept. */
  private evict(): void {
    const now = Date.now();
    const finished = [...this.batches.values()].filter((b) => b.finished > 0).sort((x, y) => y.finished - x.finished);
    finished.forEach((b, i) => {
      if (i >= this.limits.batchesKept || now - b.finished > this.limits.batchTtlSeconds * 1000) this.batches.delete(b.id);
    });
  }

  private view(b: Batch): BatchView {
    return {
      id: b.id,
      status: b.status,
      createdAt: b.createdAt,
      startedAt: b.startedAt,
      finishedAt: b.finishedAt,
      results: b.results.length,
      progress: b.progress,
      version: b.results[0]?.version ?? null,
      error: b.error
    };
  }
}
