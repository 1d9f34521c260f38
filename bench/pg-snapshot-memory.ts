/**
 * Memory of a big snapshot through the PostgreSQL store: a seeded snapshot of about 200 MB (three
 * buffers, as an owner's index is packed) committed as a version and read back, on a throwaway
 * cluster. Reports the process's RSS growth over the snapshot itself while writing and while
 * reading (sampled every 10 ms: the peak), the time of each and the event loop's longest delay
 * meanwhile. The store streams large objects, so neither way should hold the snapshot twice, nor
 * block the event loop for long.
 *
 *   node --import tsx --expose-gc bench/pg-snapshot-memory.ts [megabytes]
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { PostgresStore } from '../src/store/postgres.js';
import { LO_READ_PIECE, LO_WRITE_PIECE } from '../src/store/postgres-snapshots.js';
import type { SnapshotBuffers } from '../src/index/network-index.js';
import { startPgCluster } from '../test/helpers/pg-cluster.js';
import { Random } from '../test/helpers/random.js';

const MB = 1024 * 1024;

function seededBuffer(bytes: number, rng: Random): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes);
  const words = new Uint32Array(buffer, 0, Math.floor(bytes / 4));
  for (let i = 0; i < words.length; i++) words[i] = Math.floor(rng.next() * 0x1_0000_0000);
  return buffer;
}

/** Runs `fn` while sampling RSS; the peak RSS seen, the time taken and the longest event loop delay. */
async function watched<T>(fn: () => Promise<T>): Promise<{ value: T; peak: number; ms: number; loopMs: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const t0 = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peak, ms: performance.now() - t0, loopMs: loop.max / 1e6 };
  } finally {
    loop.disable();
    clearInterval(timer);
  }
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const mb = (n: number): string => `${(n / MB).toFixed(0)} MB`;

const total = Number(process.argv[2] ?? 200) * MB;
const cluster = await startPgCluster();
try {
  const store = await PostgresStore.open({ url: cluster.url });
  const rng = new Random(16);
  // Sizes in the proportions of a packed index: columns most, then chunk tables, then the tree.
  const buffers: SnapshotBuffers = { columns: seededBuffer(Math.round(total * 0.7) + 3, rng), chunks: seededBuffer(Math.round(total * 0.25) + 1, rng), tree: seededBuffer(Math.round(total * 0.05), rng) };
  const bytes = buffers.columns.byteLength + buffers.chunks.byteLength + buffers.tree.byteLength;
  gc();
  const base = process.memoryUsage.rss();
  const write = await watched(() => store.commitVersion('bench-el', 1, buffers, 1));
  gc();
  const afterWrite = process.memoryUsage.rss();
  const read = await watched(() => store.loadSnapshot('bench-el', 1));
  const same = (['columns', 'chunks', 'tree'] as const).every((p) => Buffer.from(read.value[p]).equals(Buffer.from(buffers[p])));
  console.log(`snapshot ${mb(bytes)} (PostgreSQL large objects, written in pieces of ${LO_WRITE_PIECE / 1024} KiB, read in ${LO_READ_PIECE / 1024} KiB), Node ${process.version}`);
  console.log(`RSS with the snapshot in memory: ${mb(base)}`);
  console.log(`write: ${(write.ms / 1000).toFixed(2)} s, peak RSS growth ${mb(write.peak - base)}, after ${mb(afterWrite - base)}, longest event loop delay ${write.loopMs.toFixed(0)} ms`);
  console.log(`read:  ${(read.ms / 1000).toFixed(2)} s, peak RSS growth ${mb(read.peak - afterWrite)} (the read snapshot itself: ${mb(bytes)}; beyond it ${mb(read.peak - afterWrite - bytes)}), longest event loop delay ${read.loopMs.toFixed(0)} ms, equal: ${same}`);
  await store.close();
} finally {
  await cluster.stop();
}
