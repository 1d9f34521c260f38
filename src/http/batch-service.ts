/**
 * What the HTTP routes ask of planners' batches, whoever runs them: `BatchManager` (batches.ts)
 * runs them in this process on the embedded store; `JobBatches` (batch-jobs.ts) splits them into
 * tasks on a PostgreSQL job queue that every replica works on.
 */
import type { AuditInput } from '../store/store.js';
import type { BatchView } from './batch-view.js';
import type { BatchSubmission } from './batches.js';

export interface BatchService {
  /**
   * Stores a batch (its input included) and queues it; resolves once it is durable. Throws a 429 of
   * the planner's quota it would pass, or BATCH_QUEUE_FULL (503) when every place is taken.
   */
  submit(requester: string, input: unknown, options: BatchSubmission, route: boolean, audit?: (id: string) => AuditInput): Promise<BatchView>;
  /** A batch its requester (or an admin: `requester` null) may see; undefined otherwise. */
  get(id: string, requester: string | null): Promise<BatchView | undefined>;
  /**
   * The results as NDJSON, in area order, following a running batch until it ends. Throws the
   * batch's problem when it failed or was cancelled (before the first byte: the answer is that
   * problem; after: the stream is cut, and the batch's status says why).
   */
  results(id: string, requester: string | null, signal?: AbortSignal): AsyncGenerator<Uint8Array>;
  /**
   * DELETE of a batch its requester (or an admin) may see: a waiting one is cancelled at once, a
   * running one within its current task; an ended one is removed with its results (`removed`).
   * Undefined when there is no such batch.
   */
  remove(id: string, requester: string | null, audit?: (view: BatchView, removed: boolean) => AuditInput): Promise<{ view: BatchView; removed: boolean } | undefined>;
  /** Batches running and waiting, as this process sees them (metrics). */
  readonly depth: { running: number; queued: number };
  /** Removes ended batches past their time, with their results. */
  sweep(): Promise<void>;
  /** Stops working on batches; what is unfinished is finished later (here after a restart, or by another replica). */
  close(): Promise<void>;
}
