/**
 * What a planner sees of a batch: its view (status, counts, progress), and the problem a batch that
 * failed or was cancelled answers its results with.
 */
import { ErrorCodes, type ErrorCode } from '../errors.js';
import type { BatchProgress } from '../engine.js';
import type { BatchError, BatchRecord, BatchStatus } from '../store/store.js';
import { ProblemError } from './problem.js';

export interface BatchView {
  id: string;
  status: BatchStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Summaries ready to read. */
  results: number;
  /** Bytes of the stored results (they count towards the planner's quota). */
  resultBytes: number;
  progress: BatchProgress | null;
  /** Snapshot version the batch runs on (known once the first result is in). */
  version: number | null;
  error: BatchError | null;
}

/** The view of a batch as stored (waiting, or ended). */
export function storedView(r: BatchRecord): BatchView {
  return {
    id: r.id,
    status: r.status,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    results: r.results,
    resultBytes: r.resultBytes,
    progress: r.progress as unknown as BatchProgress | null,
    version: r.version,
    error: r.error
  };
}

/** The progress with the total filled in from the areas counted at submission (the stored input is read as it goes). */
export function withTotal(p: BatchProgress, areas: number | null): BatchProgress {
  if (p.total !== null || areas === null) return p;
  return { ...p, total: areas, etaSeconds: p.rate > 0 ? Math.max(0, areas - p.done) / p.rate : null };
}

/**
 * The problem a batch that failed or was cancelled answers its results with: its own code when
 * that is the planner's to fix (a 4xx), else BATCH_CANCELLED or BATCH_FAILED (the request for the
 * results did not fail: the batch did).
 */
export function batchProblem(r: Pick<BatchRecord, 'status' | 'error'>): ProblemError {
  const own = r.error !== null && isCode(r.error.code) ? r.error.code : null;
  const code: ErrorCode = own !== null && ErrorCodes[own].status < 500 ? own : r.status === 'cancelled' ? 'BATCH_CANCELLED' : 'BATCH_FAILED';
  const why = r.error === null ? '' : code === own ? `: ${r.error.message}` : ` with ${r.error.code}: ${r.error.message}`;
  return new ProblemError(code, { where: code === own && r.error?.pointer !== undefined ? { pointer: r.error.pointer } : {}, detail: `The batch ${r.status}${why}` });
}

function isCode(code: string): code is ErrorCode {
  return Object.hasOwn(ErrorCodes, code);
}
