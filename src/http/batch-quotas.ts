/**
 * A planner's quotas on batches, checked when it submits one: bytes of stored results, batches
 * kept, batches waiting. Each refusal is a 429 whose code names the quota and whose Retry-After
 * says when it may free up: when the planner's oldest ended batch expires (kept and bytes), or
 * when its running batch should end (waiting). A planner's quotas count its own batches only, so
 * what one planner does never refuses or evicts another's.
 */
import type { BatchUsage } from '../store/store.js';
import type { ServiceLimits } from './config.js';
import { ProblemError } from './problem.js';

export type BatchQuotaLimits = Pick<ServiceLimits, 'maxBatchesQueuedPerPlanner' | 'batchesKeptPerPlanner' | 'batchResultBytesPerPlanner' | 'batchTtlSeconds'>;

/** Retry-After when nothing says better, seconds. */
const DEFAULT_RETRY_S = 30;

export interface PlannerState extends BatchUsage {
  /** Batches being submitted (not yet stored) that will run at once; those that will wait are in `queued`. */
  submitting: number;
  /** Bytes of results on their way to the store. */
  pendingBytes: number;
  /** Whether a new batch would have to wait (the planner's running batches are at their limit, or all are). */
  wouldWait: boolean;
  /** Seconds until the planner's running batch should end, when known. */
  runningEtaSeconds: number | null;
}

/** Throws the 429 of the first quota the planner has reached. */
export function checkBatchQuotas(s: PlannerState, limits: BatchQuotaLimits, now: number): void {
  const untilExpiry = s.oldestEndedAt === null ? DEFAULT_RETRY_S : Math.ceil((Date.parse(s.oldestEndedAt) + limits.batchTtlSeconds * 1000 - now) / 1000);
  const bytes = s.resultBytes + s.pendingBytes;
  if (bytes >= limits.batchResultBytesPerPlanner) {
    throw refusal('QUOTA_BATCH_RESULT_BYTES', `Stored results: ${bytes} bytes; at most ${limits.batchResultBytesPerPlanner}.`, untilExpiry);
  }
  const kept = s.ended + s.running + s.submitting + s.queued;
  if (kept >= limits.batchesKeptPerPlanner) {
    throw refusal('QUOTA_BATCHES_KEPT', `${s.ended} ended, ${s.running + s.submitting} running and ${s.queued} waiting; at most ${limits.batchesKeptPerPlanner} in all.`, s.ended > 0 ? untilExpiry : (s.runningEtaSeconds ?? DEFAULT_RETRY_S));
  }
  if (s.wouldWait && s.queued >= limits.maxBatchesQueuedPerPlanner) {
    throw refusal('QUOTA_BATCHES_QUEUED', `${s.queued} waiting; at most ${limits.maxBatchesQueuedPerPlanner}.`, s.runningEtaSeconds ?? DEFAULT_RETRY_S);
  }
}

function refusal(code: 'QUOTA_BATCH_RESULT_BYTES' | 'QUOTA_BATCHES_KEPT' | 'QUOTA_BATCHES_QUEUED', detail: string, retrySeconds: number): ProblemError {
  const seconds = Math.min(86_400, Math.max(1, Math.ceil(Number.isFinite(retrySeconds) ? retrySeconds : DEFAULT_RETRY_S)));
  return new ProblemError(code, { detail, headers: { 'retry-after': String(seconds) } });
}

/** The error of a running batch whose results brought the planner's to its quota of bytes (the batch fails with it). */
export function resultBytesExceeded(used: number, limit: number): ProblemError {
  return new ProblemError('QUOTA_BATCH_RESULT_BYTES', { detail: `The planner's stored results reached ${used} bytes; at most ${limit}.`, headers: { 'retry-after': String(DEFAULT_RETRY_S) } });
}
