/**
 * The worker pool: piscina threads that run batch tasks against shared snapshots. Production
 * loads the compiled worker (dist/workers/query.js); running from TypeScript sources, the pool
 * loads workers/query.ts through tsx.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { SnapshotBuffers } from './index/network-index.js';
import type { ParsedBatch, ParseTask } from './ingest/parse-batch.js';
import type { FinishTask } from './ingest/finish.js';

export interface PoolOptions {
  /** Worker threads, at least 1; default: the machine's parallelism. */
  threads?: number;
  /** Worker module (its default export runs a task); default: the query worker next to this build. */
  workerFile?: string | URL;
}

/** A batch task as the worker takes it (see workers/query.ts). */
export interface PoolTask {
  /** Snapshot version the task runs on, and its buffers. */
  version: number;
  buffers: SnapshotBuffers;
  /** Versions still held by the engine: the worker lets go of every other. */
  live: number[];
  infoZone: number;
  /** Corridor radius around the areas' rings (a route), or 0. */
  radius: number;
  /** Areas packed by packTask. */
  areas: ArrayBuffer;
}

/** A merge of owners' snapshots into one (see Snapshot): the worker builds it in new shared buffers. */
export interface MergeTask {
  parts: SnapshotBuffers[];
  chunkSize: number | undefined;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');

function defaultWorker(): URL {
  return new URL(FROM_SOURCE ? '../workers/query.ts' : '../workers/query.js', import.meta.url);
}

export class QueryPool {
  readonly threads: number;
  private readonly piscina: Piscina<PoolTask | MergeTask | ParseTask | FinishTask, ArrayBuffer | SnapshotBuffers | ParsedBatch>;
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    const threads = opts.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) throw new RangeError(`threads must be 1 to 256, got ${String(threads)}.`);
    this.threads = threads;
    const file = opts.workerFile ?? defaultWorker();
    const filename = file instanceof URL ? fileURLToPath(file) : file;
    this.piscina = new Piscina<PoolTask | MergeTask | ParseTask | FinishTask, ArrayBuffer | SnapshotBuffers | ParsedBatch>({
      filename,
      minThreads: threads,
      maxThreads: threads,
      // Workers stay up: each holds its attached snapshots.
      idleTimeout: Number.POSITIVE_INFINITY,
      concurrentTasksPerWorker: 1,
      execArgv: filename.endsWith('.ts') ? ['--import', 'tsx'] : []
    });
  }

  /** Runs one task; the task's areas buffer is moved to the worker (unusable here afterwards). */
  run(task: PoolTask): Promise<ArrayBuffer> {
    if (this.closed) return Promise.reject(new Error('The pool is closed.'));
    return this.piscina.run(task, { transferList: [task.areas] }) as Promise<ArrayBuffer>;
  }

  /** Merges owners' snapshots into one in a worker; the buffers are shared, nothing is copied across. */
  merge(parts: SnapshotBuffers[], chunkSize: number | undefined): Promise<SnapshotBuffers> {
    if (this.closed) return Promise.reject(new Error('The pool is closed.'));
    return this.piscina.run({ parts, chunkSize }, { name: 'merge' }) as Promise<SnapshotBuffers>;
  }

  /**
   * Parses one batch of an upload's features in a worker. The batch is copied there (about a
   * megabyte), not moved, so that the caller can still parse it itself should the worker fail.
   */
  parse(task: ParseTask): Promise<ParsedBatch> {
    if (this.closed) return Promise.reject(new Error('The pool is closed.'));
    return this.piscina.run(task, { name: 'parse' }) as Promise<ParsedBatch>;
  }

  /**
   * Lays out and indexes an owner's network from its columns in a worker (see ingest/finish.ts):
   * the columns are shared, the index comes back in new shared buffers.
   */
  finish(task: FinishTask): Promise<SnapshotBuffers> {
    if (this.closed) return Promise.reject(new Error('The pool is closed.'));
    return this.piscina.run(task, { name: 'finish' }) as Promise<SnapshotBuffers>;
  }

  /** The worker threads' ids (for tests and metrics). */
  get threadIds(): number[] {
    return this.piscina.threads.map((t) => t.threadId);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.close();
  }
}
