/**
 * The engine's worker: attaches each snapshot's SharedArrayBuffers once (zero-copy), runs batch
 * tasks with the same code as the main thread, and moves the packed pairs back. It also merges
 * owners' snapshots, parses batches of uploaded features and lays out and indexes an upload's
 * columns, off the main thread.
 */
import { move } from 'piscina';
import { PreparedArea } from '../src/geometry/index.js';
import { NetworkIndex, type SnapshotBuffers } from '../src/index/network-index.js';
import { runTask } from '../src/query/batch-task.js';
import { parseFeatureBatch, type ParsedBatch, type ParseTask } from '../src/ingest/parse-batch.js';
import type { MergeTask, PoolTask } from '../src/pool.js';
import { finishIndex, type FinishTask } from '../src/ingest/finish.js';

/** A task as the pool sends it. */
export type WorkerTask = PoolTask;

const attached = new Map<number, NetworkIndex>();
const prepared = new PreparedArea();

export function attach(version: number, buffers: SnapshotBuffers, live: readonly number[]): NetworkIndex {
  for (const v of attached.keys()) if (v !== version && !live.includes(v)) attached.delete(v);
  let index = attached.get(version);
  if (index === undefined) {
    index = NetworkIndex.from(buffers);
    attached.set(version, index);
  }
  return index;
}

export default function check(task: WorkerTask): ArrayBuffer {
  const index = attach(task.version, task.buffers, task.live);
  return move(runTask(index, task.areas, task.infoZone, prepared, task.radius)) as ArrayBuffer;
}

/** Merges owners' snapshots into one, in new shared buffers the engine attaches without copying. */
export function merge(task: MergeTask): SnapshotBuffers {
  const parts = task.parts.map((b) => NetworkIndex.from(b));
  return NetworkIndex.merge(parts, task.chunkSize !== undefined ? { chunkSize: task.chunkSize } : {}).buffers;
}

/** Parses one batch of an upload's features into columns in shared memory. */
export function parse(task: ParseTask): ParsedBatch {
  return parseFeatureBatch(task);
}

/** Lays out and indexes an owner's network from its columns, in new shared buffers. */
export function finish(task: FinishTask): SnapshotBuffers {
  return finishIndex(task).buffers;
}
