import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, NetworkIndex, SqliteStore, buildFromStream } from '../src/library.js';
import { finishIndex, type FinishTask } from '../src/ingest/finish.js';
import type { SnapshotBuffers } from '../src/index/network-index.js';
import type { Snapshot } from '../src/snapshot.js';
import { writeVersion, writeVersionNow, type VersionJob } from '../src/store/version-writer.js';
import { PLANAR } from './helpers/compare.js';
import { buildNetwork } from './helpers/query.js';
import { CHILD_OWNER, networkOf } from './helpers/upload-child.js';

// Storing and laying out a big upload must not hold the event loop: the snapshot is written by the
// store's writer thread in steps (dig requests committed between them), the layout and index are
// built in the pool, and the version is visible only once durable. Speed itself is measured in
// bench/upload-stall.ts; these tests pin down the structure that makes it so.

const root = mkdtempSync(join(tmpdir(), 'ler-no-stall-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const dir = (): string => join(root, String(dirs++));

const encoder = new TextEncoder();
const bytesOf = (k: number): Uint8Array => encoder.encode(JSON.stringify({ type: 'FeatureCollection', features: networkOf(k) }));
const digEvent = (id: string) => ({ actor: 'contractor-1', action: 'dig-request.create', owner: null, detail: { id } });
const same = (a: SnapshotBuffers, b: SnapshotBuffers): boolean =>
  (['columns', 'chunks', 'tree'] as const).every((p) => Buffer.from(new Uint8Array(a[p])).equals(Buffer.from(new Uint8Array(b[p]))));

/** Counts turns of the event loop (setImmediate callbacks) until stopped. */
function loopTurns(): { turns: () => number; stop: () => void } {
  let turns = 0;
  let running = true;
  const tick = (): void => {
    if (!running) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  return { turns: () => turns, stop: () => void (running = false) };
}

describe('a version written in steps', () => {
  it('commits the dig requests that come while a big snapshot is being written before that snapshot', async () => {
    const store = new SqliteStore({ dataDir: dir(), pieceBytes: 16 * 1024 });
    try {
      const index = buildNetwork(networkOf(200), { owner: CHILD_OWNER, ...PLANAR });
      const order: string[] = [];
      const version = store.commitVersion(CHILD_OWNER, 1, index.buffers, index.featureCount, { actor: 'dk-el', action: 'network.replace', owner: CHILD_OWNER, detail: { version: 1 } }).then(() => order.push('version'));
      const dig = store.recordDigRequest('d1', 'contractor-1', '{}', digEvent('d1')).then(() => order.push('dig'));
      await Promise.all([version, dig]);
      expect(order).toEqual(['dig', 'version']);
      expect((await store.history(CHILD_OWNER)).map((v) => v.version)).toEqual([1]);
      expect(same(await store.loadSnapshot(CHILD_OWNER, 1), index.buffers)).toBe(true);
      expect((await store.auditLog()).map((e) => e.action).sort()).toEqual(['dig-request.create', 'network.replace']);
    } finally {
      await store.close();
    }
  });

  it('leaves no version for pieces staged before a crash, stages that version again whole, and drops the pieces of versions past the history', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d, history: 2 });
    await store.close();
    const db = new Database(join(d, 'ler.sqlite'));
    try {
      const job = (version: number, k: number): VersionJob => {
        const index = buildNetwork(networkOf(k), { owner: CHILD_OWNER, ...PLANAR });
        return { owner: CHILD_OWNER, version, buffers: index.buffers, features: index.featureCount, createdAt: 'now', keep: 2, pieceBytes: 8192, audit: { at: 'now', actor: 'a', action: 'network.replace', owner: CHILD_OWNER, detail: JSON.stringify({ version }) } };
      };
      // Cut short after a few pieces, as a crash would.
      const cut = writeVersion(db, job(1, 1));
      for (let i = 0; i < 6; i++) expect(cut.next().value).toBe('step');
      const pieces = (): number => (db.prepare('SELECT count(*) AS n FROM snapshot_pieces').get() as { n: number }).n;
      expect(pieces()).toBeGreaterThan(0);
      expect(db.prepare('SELECT count(*) AS n FROM network_versions').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT count(*) AS n FROM audit_log').get()).toEqual({ n: 0 });

      const jobs = [job(1, 2), job(2, 3), job(3, 4)];
      for (const j of jobs) writeVersionNow(db, j);
      const reopened = new SqliteStore({ dataDir: d, history: 2 });
      try {
        expect((await reopened.history(CHILD_OWNER)).map((v) => v.version)).toEqual([3, 2]);
        expect(same(await reopened.loadSnapshot(CHILD_OWNER, 2), jobs[1].buffers)).toBe(true);
        expect(same(await reopened.loadSnapshot(CHILD_OWNER, 3), jobs[2].buffers)).toBe(true);
        expect(db.prepare('SELECT DISTINCT version FROM snapshot_pieces ORDER BY version').all()).toEqual([{ version: 2 }, { version: 3 }]);
        expect((await reopened.auditLog()).map((e) => e.detail.version)).toEqual([3, 2, 1]);
      } finally {
        await reopened.close();
      }
      // A version stored already is never staged over.
      expect(() => writeVersionNow(db, job(3, 5))).toThrow(/stored already/);
    } finally {
      db.close();
    }
  });
});

describe('an upload stored without holding the event loop', () => {
  it('lets the event loop turn while the version is written, and swaps it in only once it is durable', async () => {
    const store = new SqliteStore({ dataDir: dir(), pieceBytes: 16 * 1024 });
    const engine = await Engine.open({ workers: 0, store });
    try {
      await engine.putNetworkStream(CHILD_OWNER, bytesOf(1), PLANAR);
      // From the moment the store is asked to write the next version until the upload resolves:
      // how often the loop turned, and which version queries saw meanwhile.
      let loop: ReturnType<typeof loopTurns> | null = null;
      const seen = new Set<number>();
      const watch = (): void => {
        seen.add(engine.snapshot?.networks.get(CHILD_OWNER)?.version ?? 0);
        if (loop !== null) setImmediate(watch);
      };
      for (const name of ['saveVersion', 'commitVersion'] as const) {
        const original = (store[name] as (...args: unknown[]) => unknown).bind(store);
        (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]): unknown => {
          loop ??= loopTurns();
          setImmediate(watch);
          return original(...args);
        };
      }
      const snapshot = await engine.putNetworkStream(CHILD_OWNER, bytesOf(150), PLANAR);
      const turns = (loop as ReturnType<typeof loopTurns> | null)?.turns() ?? 0;
      (loop as ReturnType<typeof loopTurns> | null)?.stop();
      loop = null;
      expect(turns).toBeGreaterThan(0);
      // Durable before visible: while it was being written, queries saw version 1 only.
      expect([...seen]).toEqual([1]);
      expect(snapshot.networks.get(CHILD_OWNER)?.version).toBe(2);
      expect(await store.currentVersions()).toEqual([expect.objectContaining({ owner: CHILD_OWNER, version: 2, features: 170 })]);
      expect((await store.auditLog()).filter((e) => e.action === 'network.replace').map((e) => e.detail.version)).toEqual([2, 1]);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('lays out and indexes the upload in the pool, the same index as inline', async () => {
    const tasks: FinishTask[] = [];
    const parser = {
      threads: 1,
      parse: async (task: Parameters<typeof import('../src/ingest/parse-batch.js').parseFeatureBatch>[0]) => (await import('../src/ingest/parse-batch.js')).parseFeatureBatch(task),
      finish: async (task: FinishTask): Promise<SnapshotBuffers> => {
        tasks.push(task);
        return finishIndex(task).buffers;
      }
    };
    const built = await buildFromStream(bytesOf(40), { owner: CHILD_OWNER, ...PLANAR, parser, batchBytes: 64 * 1024 });
    expect(tasks).toHaveLength(1);
    expect(tasks[0].columns.length).toBeGreaterThan(1);
    expect(tasks[0].columns.every((c) => c instanceof SharedArrayBuffer)).toBe(true);
    const inline = await buildFromStream(bytesOf(40), { owner: CHILD_OWNER, ...PLANAR, batchBytes: 64 * 1024 });
    expect(same(built.index.buffers, inline.index.buffers)).toBe(true);
    expect(built.index).toBeInstanceOf(NetworkIndex);
  });

  it('applies a change set as patchNetwork does, laid out in the pool and stored in steps', async () => {
    const store = new SqliteStore({ dataDir: dir(), pieceBytes: 16 * 1024 });
    const engine = await Engine.open({ workers: 1, store });
    const plain = new Engine({ workers: 0 });
    try {
      const base = networkOf(30);
      await engine.putNetwork(CHILD_OWNER, base, PLANAR);
      await plain.putNetwork(CHILD_OWNER, base, PLANAR);
      const changes = { upsert: { type: 'FeatureCollection', features: networkOf(35).slice(30) }, delete: ['L0', 'L1'] };
      const loop = loopTurns();
      const snapshot = await engine.applyChangeSet(CHILD_OWNER, changes, { ...PLANAR, audit: { actor: 'owner-key' } });
      loop.stop();
      expect(loop.turns()).toBeGreaterThan(0);
      const expected = await plain.patchNetwork(CHILD_OWNER, changes, PLANAR);
      expect(snapshot.networks.get(CHILD_OWNER)).toEqual(expected.networks.get(CHILD_OWNER));
      expect(same(snapshot.index.buffers, expected.index.buffers)).toBe(true);
      expect(same(await store.loadSnapshot(CHILD_OWNER, 2), expected.index.buffers)).toBe(true);
      expect((await store.auditLog())[0]).toMatchObject({ actor: 'owner-key', action: 'network.patch', owner: CHILD_OWNER, detail: { version: 2, features: 53 } });
      // A bad change set changes nothing.
      await expect(engine.applyChangeSet(CHILD_OWNER, { delete: ['no-such-id'] }, PLANAR)).rejects.toMatchObject({ code: 'FEATURE_ID_UNKNOWN' });
      expect((await store.history(CHILD_OWNER)).map((v) => v.version)).toEqual([2, 1]);
    } finally {
      await engine.close();
      await plain.close();
      await store.close();
    }
  });

  it('keeps an owner removed while its upload was being stored removed, in memory and in the store', async () => {
    const store = new SqliteStore({ dataDir: dir(), pieceBytes: 16 * 1024 });
    const engine = await Engine.open({ workers: 0, store });
    try {
      await engine.putNetwork(CHILD_OWNER, networkOf(1), PLANAR);
      await engine.putNetwork('dk-vand', networkOf(2), PLANAR);
      const commit = store.commitVersion.bind(store);
      let removed: Promise<unknown> = Promise.resolve();
      // Removed as its version is handed to the writer thread (before the thread writes anything of
      // it: a removal in the middle of the writing fails the upload with OWNER_UNKNOWN instead).
      store.commitVersion = (...args) => {
        removed = engine.removeNetwork(CHILD_OWNER, { audit: { actor: 'admin' } });
        return commit(...args);
      };
      await engine.putNetworkStream(CHILD_OWNER, bytesOf(50), PLANAR);
      await removed;
      expect([...(engine.snapshot?.networks.keys() ?? [])]).toEqual(['dk-vand']);
      expect((await store.currentVersions()).map((v) => v.owner)).toEqual(['dk-vand']);
      expect((await store.auditLog()).slice(0, 3).map((e) => [e.action, e.detail.version ?? null])).toEqual([['network.remove', 2], ['network.replace', 2], ['network.remove', null]]);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('numbers versions past one the store holds that the engine never heard of (a write committed, its answer lost)', async () => {
    const store = new SqliteStore({ dataDir: dir() });
    const engine = await Engine.open({ workers: 0, store });
    try {
      await engine.putNetwork(CHILD_OWNER, networkOf(1), PLANAR);
      // Version 2 is durable, but its writer died before it said so: the engine is still at 1.
      const lost = buildNetwork(networkOf(2), { owner: CHILD_OWNER, ...PLANAR });
      store.saveVersion(CHILD_OWNER, 2, lost.buffers, lost.featureCount, { actor: 'owner-key', action: 'network.replace', owner: CHILD_OWNER, detail: { version: 2 } });
      expect(engine.snapshot?.networks.get(CHILD_OWNER)?.version).toBe(1);
      // The next upload is version 3, not a second version 2.
      await engine.putNetworkStream(CHILD_OWNER, bytesOf(3), PLANAR);
      expect(engine.snapshot?.networks.get(CHILD_OWNER)?.version).toBe(3);
      expect((await store.history(CHILD_OWNER)).map((v) => v.version)).toEqual([3, 2, 1]);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('numbers versions past one being stored, and keeps a newer synchronous change live', async () => {
    const store = new SqliteStore({ dataDir: dir(), pieceBytes: 16 * 1024 });
    const engine = await Engine.open({ workers: 0, store });
    try {
      await engine.putNetwork(CHILD_OWNER, networkOf(1), PLANAR);
      // While the streamed upload's version is being written, the owner changes synchronously.
      const commit = store.commitVersion.bind(store);
      let change: Promise<Snapshot> | null = null;
      store.commitVersion = (...args) => {
        const writing = commit(...args);
        change ??= engine.putNetwork(CHILD_OWNER, networkOf(3), PLANAR);
        return writing;
      };
      await engine.putNetworkStream(CHILD_OWNER, bytesOf(100), PLANAR);
      const sync = (await (change as Promise<Snapshot> | null))?.networks.get(CHILD_OWNER)?.version;
      expect(sync).toBe(3);
      expect(engine.snapshot?.networks.get(CHILD_OWNER)).toMatchObject({ version: 3, features: 23 });
      expect((await store.history(CHILD_OWNER)).map((v) => v.version)).toEqual([3, 2, 1]);
      expect(await store.currentVersions()).toEqual([expect.objectContaining({ version: 3, features: 23 })]);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
