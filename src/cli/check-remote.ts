/**
 * A planner's batch run by a service: POST /v1/batches, progress from GET /v1/batches/{id} while
 * GET /v1/batches/{id}/results streams the summaries (NDJSON) as they are made. When the command
 * is stopped, it cancels the batch at the service (DELETE /v1/batches/{id}).
 */
import type { AreaSummary } from '../batch/summary.js';
import type { BatchInput, CheckOptions } from './batch-input.js';
import { Failure, hintsFor } from './common.js';
import type { Progress } from './progress.js';
import { pause, type ServiceClient } from './service-client.js';

/** What GET /v1/batches/{id} answers (the members read here). */
interface BatchView {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  results: number;
  progress: { done: number; failed: number; total: number | null } | null;
  error: { code: string; message: string; pointer?: string } | null;
}

const POLL_MS = 250;

/** The request body: the areas as one FeatureCollection (read whole: the service takes one JSON body), or the route. */
async function batchBody(batch: BatchInput, opts: CheckOptions): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = { crs: batch.crs };
  if (opts.infoZone !== undefined) body.infoZone = opts.infoZone;
  if (opts.conflicts) body.conflicts = true;
  if (batch.kind === 'route') {
    body.route = batch.input;
    body.corridorWidth = opts.corridorWidth;
    if (opts.stretchLength !== undefined) body.stretchLength = opts.stretchLength;
  } else {
    const features: unknown[] = [];
    for await (const f of batch.input as AsyncIterable<unknown>) features.push(f);
    body.areas = { type: 'FeatureCollection', features };
  }
  return body;
}

/**
 * Runs the batch at the service, handing each summary to `onSummary` in the order the service
 * streams them (input order, as the local check). Rejects with a Failure when the service refuses
 * the batch or the batch fails there, with the signal's reason when stopped (after cancelling the
 * batch at the service).
 */
export async function checkRemote(
  client: ServiceClient,
  batch: BatchInput,
  opts: CheckOptions,
  onSummary: (s: AreaSummary) => Promise<void>,
  progress: Progress | null,
  signal: AbortSignal,
  /** Set when the command is stopped: whether the service cancelled the batch. */
  outcome: { cancelledAtService: boolean } = { cancelledAtService: false }
): Promise<void> {
  const submitted = await client.json<BatchView>('POST', 'v1/batches', await batchBody(batch, opts));
  const path = `v1/batches/${encodeURIComponent(submitted.id)}`;

  const stop = new AbortController();
  const polling = progress === null ? Promise.resolve() : poll(client, path, progress, AbortSignal.any([signal, stop.signal]));
  let read = 0;
  try {
    try {
      for await (const line of client.lines(`${path}/results`)) {
        await onSummary(JSON.parse(line) as AreaSummary);
        read++;
      }
    } catch (error) {
      // A stream cut short: the batch's status says why, when it failed there.
      if (signal.aborted || !(error instanceof Failure)) throw error;
      throw (await failureOf(client, path, read)) ?? error;
    }
    const failure = await failureOf(client, path, read);
    if (failure !== null) throw failure;
  } finally {
    stop.abort();
    await polling;
    if (signal.aborted) outcome.cancelledAtService = await client.sendAfterStop('DELETE', path);
  }
}

/** The batch's own error when it failed or was cancelled at the service; null when it is done. */
async function failureOf(client: ServiceClient, path: string, read: number): Promise<Failure | null> {
  const view = await client.json<BatchView>('GET', path);
  if (view.status === 'done') return null;
  if (view.status === 'failed') {
    const hints = hintsFor(view.error !== null ? [view.error.code] : []);
    return new Failure(`${view.error?.message ?? 'The batch failed at the service.'}${read > 0 ? ` (after ${read} areas; the output is incomplete)` : ''}${hints.length > 0 ? ` ${hints.join(' ')}` : ''}`);
  }
  if (view.status === 'cancelled') return new Failure(`The service stopped the batch after ${read} areas (it is shutting down?); the output is incomplete. Run it again.`);
  return new Failure(`The service ended the results of batch ${view.id} while it was ${view.status}; the output is incomplete. Run it again.`);
}

/** Shows the batch's progress as the service reports it, until stopped. */
async function poll(client: ServiceClient, path: string, progress: Progress, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const view = await client.json<BatchView>('GET', path);
      if (view.progress !== null) progress.update(view.progress.done, view.progress.total, `${view.progress.failed} failed`);
    } catch {
      // Progress is only shown: the results stream says what went wrong, if anything did.
    }
    await pause(POLL_MS, signal);
  }
}
