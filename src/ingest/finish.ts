/**
 * The last step of building an owner's network: its columns (an upload's batches, or a network
 * and a change set) laid out together along a Hilbert curve and indexed. It is the one step of an
 * upload that reads every feature at once (seconds for hundreds of megabytes), so the engine runs
 * it in a worker thread when it has a pool; the columns are SharedArrayBuffers, read there
 * without a copy. Inline and in a worker, the same function gives the same index.
 */
import { columnsFrom } from '../index/columns.js';
import { mergeColumns } from '../index/merge.js';
import { NetworkIndex, type SnapshotBuffers } from '../index/network-index.js';

/** What to lay out and index: columns in input order, each with its features to keep. */
export interface FinishTask {
  columns: SharedArrayBuffer[];
  /** Per input, 1 for each feature to keep (null: all). */
  keep: (Uint8Array | null)[];
  chunkSize: number | undefined;
}

/** Bytes of the columns a task lays out: what it costs to do it inline. */
export function finishBytes(task: FinishTask): number {
  return task.columns.reduce((n, c) => n + c.byteLength, 0);
}

/** Lays out and indexes inline. */
export function finishIndex(task: FinishTask): NetworkIndex {
  const laid = mergeColumns(task.columns.map(columnsFrom), { keep: task.keep, sharedOwners: true });
  return NetworkIndex.fromColumns(laid, task.chunkSize !== undefined ? { chunkSize: task.chunkSize } : {});
}

/** Runs finish tasks elsewhere (the engine's worker pool). */
export interface Finisher {
  finish(task: FinishTask): Promise<SnapshotBuffers>;
}

/**
 * Lays out and indexes in `finisher` when there is one; a worker that fails (or a pool closing)
 * leaves the work to be done here: the same answer.
 */
export async function finishElsewhere(task: FinishTask, finisher: Finisher | null | undefined): Promise<NetworkIndex> {
  if (finisher === null || finisher === undefined) return finishIndex(task);
  let buffers: SnapshotBuffers;
  try {
    buffers = await finisher.finish(task);
  } catch {
    return finishIndex(task);
  }
  return NetworkIndex.from(buffers);
}
