/**
 * Planners' batches as durable jobs: the store's batch tables; the service over them (fair turns
 * between planners, each planner's quotas, ended batches expiring or deleted, results exactly once
 * per area across a restart); and the real service process under one planner's heavy batches: it
 * stays up, its memory stays bounded while hundreds of MB of results go through, and after a
 * SIGKILL the ended batches are all there and the batch it cut completes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { AreaSummary, BatchOptions, Engine } from '../src/engine.js';
import { readBatchResults, type ResultsRead } from '../bench/batch-results.js';
import { startServiceProcess, type ServiceProcess } from '../bench/service-process.js';
import { storedInput } from '../src/http/batch-input.js';
import type { BatchWaiters } from '../src/http/batch-waiters.js';
import { BatchManager, MAX_ATTEMPTS, type BatchView } from '../src/http/batches.js';
import { DEFAULT_LIMITS } from '../src/http/config.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('batch-durable');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

/** Cables across Odense on a 50 m grid. */
function network(owner: string) {
  return Array.from({ length: 40 }, (_, i) => cable(`${owner}-${i}`, [585000, 6139000 + 50 * i], [587000, 6139000 + 50 * i], { fareklasse: i % 4 === 0 ? 'meget farlig' : 'farlig' }));
}

/** n squares of 20 m along the grid, ids `${prefix}-i`. */
function areas(n: number, prefix = 'area') {
  return {
    type: 'FeatureCollection',
    features: Array.from({ length: n }, (_, i) => {
      const x = 585000 + (i % 90) * 20, y = 6139000 + Math.floor(i / 90) * 35 + 5;
      return { type: 'Feature', id: `${prefix}-${i}`, geometry: rect(x, y, x + 20, y + 20), properties: {} };
    })
  };
}

const ndjson = (body: string): AreaSummary[] => body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AreaSummary);

/**
 * Holds an engine's batches: each records the id of its first area, then waits (after `after`
 * results) until released or stopped. Deterministic turns without timing.
 */
function holdBatches(engine: Engine, after = 0) {
  const original = engine.checkBatch.bind(engine);
  let open = false;
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const started: string[] = [];
  const watchers: { n: number; resolve: () => void }[] = [];
  engine.checkBatch = async function* (input: unknown, opts: BatchOptions = {}): AsyncGenerator<AreaSummary> {
    const features = Array.isArray((input as { features?: unknown }).features) ? (input as { features: { id: string }[] }).features : [...(input as Iterable<{ id: string }>)];
    started.push(String(features[0]?.id ?? 'empty').replace(/-\d+$/, ''));
    for (const w of watchers) if (started.length >= w.n) w.resolve();
    const stopped = new Promise<void>((resolve) => (opts.signal?.aborted ? resolve() : opts.signal?.addEventListener('abort', () => resolve(), { once: true })));
    const hold = async (): Promise<void> => {
      if (open) return;
      await Promise.race([released, stopped]);
      opts.signal?.throwIfAborted();
    };
    let n = 0;
    if (after === 0) await hold();
    for await (const s of original(features, opts)) {
      yield s;
      if (++n === after) await hold();
    }
  };
  return {
    started,
    /** Resolves once n batches have started. */
    whenStarted: (n: number) => new Promise<void>((resolve) => (started.length >= n ? resolve() : watchers.push({ n, resolve }))),
    release: () => {
      open = true;
      release();
    }
  };
}

/** Resolves once the store has made durable a page of results of some batch. */
function firstPage(store: SqliteStore): Promise<void> {
  const append = store.appendBatchPage.bind(store);
  return new Promise((resolve) => {
    store.appendBatchPage = async (...args) => {
      await append(...args);
      resolve();
    };
  });
}

describe('the store\'s batch tables', () => {
  it('keep a batch\'s input, state and pages of results, across a reopen, until it is deleted', async () => {
    const path = dir.sub('store');
    let store = new SqliteStore({ dataDir: path });
    try {
      const options = { crs: UTM, conflicts: true };
      await store.createBatch({ id: 'b1', requester: 'p1', createdAt: '2026-01-01T00:00:00.000Z', options, areas: 3, input: '{"type":"Feature"}\n' });
      await store.createBatch({ id: 'b2', requester: 'p1', createdAt: '2026-01-01T00:00:01.000Z', options: {}, areas: null, input: '{"type":"LineString"}' });
      expect(await store.batch('b1')).toMatchObject({ id: 'b1', requester: 'p1', status: 'queued', options, areas: 3, results: 0, resultBytes: 0, progress: null, version: null, error: null });
      expect(await store.batchInput('b1')).toBe('{"type":"Feature"}\n');
      expect((await store.batchesIn(['queued'])).map((b) => b.id)).toEqual(['b1', 'b2']);

      // A page of a batch that is not running is not taken.
      const page = (seq: number, first: number, text: string) => ({ seq, first, count: text.split('\n').length - 1, data: Buffer.from(text) });
      await store.appendBatchPage('b1', page(0, 0, '{"index":0}\n'), { progress: null, version: 1 });
      expect(await store.batchPage('b1', 0)).toBeNull();

      await store.startBatch('b1', '2026-01-01T00:00:02.000Z');
      await store.appendBatchPage('b1', page(0, 0, '{"index":0}\n{"index":1}\n'), { progress: { done: 2 }, version: 7 });
      await store.appendBatchPage('b1', page(1, 2, '{"index":2}\n'), { progress: { done: 3 }, version: 7 });
      expect(await store.batch('b1')).toMatchObject({ status: 'running', startedAt: '2026-01-01T00:00:02.000Z', results: 3, resultBytes: 36, progress: { done: 3 }, version: 7 });
      expect(Buffer.from((await store.batchPage('b1', 1))?.data ?? []).toString()).toBe('{"index":2}\n');
      expect(await store.batchPage('b1', 1)).toMatchObject({ seq: 1, first: 2, count: 1 });
      expect(await store.batchUsage('p1')).toEqual({ queued: 1, running: 1, ended: 0, resultBytes: 36, oldestEndedAt: null });

      await store.endBatch('b1', { status: 'done', finishedAt: '2026-01-01T00:00:03.000Z', error: null, progress: null });
      expect(await store.batch('b1')).toMatchObject({ status: 'done', finishedAt: '2026-01-01T00:00:03.000Z', progress: { done: 3 }, results: 3 });
      expect(await store.batchInput('b1')).toBeNull();
      await store.endBatch('b2', { status: 'cancelled', finishedAt: '2026-01-01T00:00:04.000Z', error: { code: 'BATCH_CANCELLED', message: 'by its requester' }, progress: null });
      expect(await store.batchUsage('p1')).toEqual({ queued: 0, running: 0, ended: 2, resultBytes: 36, oldestEndedAt: '2026-01-01T00:00:03.000Z' });
      expect(await store.endedBatchesBefore('2026-01-01T00:00:03.500Z', 10)).toEqual(['b1']);

      // Reopened: all still there.
      await store.close();
      store = new SqliteStore({ dataDir: path });
      expect(await store.batch('b2')).toMatchObject({ status: 'cancelled', error: { code: 'BATCH_CANCELLED' } });
      expect((await store.batchPage('b1', 0))?.count).toBe(2);

      await store.deleteBatch('b1');
      expect(await store.batch('b1')).toBeNull();
      expect(await store.batchPage('b1', 0)).toBeNull();
      expect((await store.batchUsage('p1')).resultBytes).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('put a batch cut short back in the queue without its results, and remove the pages of a big batch in several transactions', async () => {
    const path = dir.sub('store-requeue');
    const store = new SqliteStore({ dataDir: path });
    try {
      await store.createBatch({ id: 'big', requester: 'p', createdAt: '2026-01-01T00:00:00.000Z', options: {}, areas: 100, input: '' });
      await store.startBatch('big', '2026-01-01T00:00:01.000Z');
      for (let seq = 0; seq < 100; seq++) await store.appendBatchPage('big', { seq, first: seq, count: 1, data: Buffer.from(`{"index":${seq}}\n`) }, { progress: null, version: 1 });
      expect(await store.batch('big')).toMatchObject({ status: 'running', results: 100 });
      await store.requeueBatch('big');
      expect(await store.batch('big')).toMatchObject({ status: 'queued', startedAt: null, results: 0, resultBytes: 0 });
      expect(await store.batchPage('big', 0)).toBeNull();

      await store.startBatch('big', '2026-01-01T00:00:02.000Z');
      for (let seq = 0; seq < 100; seq++) await store.appendBatchPage('big', { seq, first: seq, count: 1, data: Buffer.from(`{"index":${seq}}\n`) }, { progress: null, version: 1 });
      await store.endBatch('big', { status: 'done', finishedAt: '2026-01-01T00:00:03.000Z', error: null, progress: null });
      const before = store.groupCommits.commits;
      await store.deleteBatch('big');
      // The row, then 32 pages per transaction.
      expect(store.groupCommits.commits - before).toBeGreaterThanOrEqual(5);
      expect(await store.batchPage('big', 99)).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('drop at open the pages of a batch whose removal a crash cut short', async () => {
    const path = dir.sub('store-orphans');
    await new SqliteStore({ dataDir: path }).close();
    const db = new Database(`${path}/ler.sqlite`);
    db.prepare('INSERT INTO batch_pages (batch, seq, first, count, data) VALUES (?, 0, 0, 1, ?)').run('gone', Buffer.from('{}\n'));
    db.close();
    const store = new SqliteStore({ dataDir: path });
    try {
      expect(await store.batchPage('gone', 0)).toBeNull();
    } finally {
      await store.close();
    }
  });
});

describe('batches between planners', () => {
  it('takes planners in turn: the other planner\'s batch runs next, and one planner\'s flood never evicts it', async () => {
    const t = await testApp(dir.sub('fair'), {
      config: { limits: { maxBatchesRunning: 1, maxBatchesQueuedPerPlanner: 5 } },
      prepare: (engine) => engine.putNetwork('el', network('el'), { crs: UTM })
    });
    try {
      const a = await t.key('planner');
      const b = await t.key('planner');
      const held = holdBatches(t.engine);
      const post = async (who: string, n: number, prefix: string) => {
        const res = await t.as(who, { method: 'POST', url: '/v1/batches', payload: { areas: areas(n, prefix), crs: UTM } });
        expect(res.statusCode, res.body).toBe(202);
        return (res.json() as BatchView).id;
      };
      const a1 = await post(a, 50, 'a1');
      await post(a, 50, 'a2');
      const a3 = await post(a, 50, 'a3');
      const b1 = await post(b, 50, 'b1');
      held.release();
      await t.as(a, { method: 'GET', url: `/v1/batches/${a3}/results` });
      // First come, first served would run a2 and a3 before b1.
      expect(held.started).toEqual(['a1', 'b1', 'a2', 'a3']);
      expect((await t.as(a, { method: 'GET', url: `/v1/batches/${a1}` })).json()).toMatchObject({ status: 'done', results: 50 });

      // Planner a runs 50 more batches, one after another: b's ended batch stays.
      for (let i = 0; i < 50; i++) await t.as(a, { method: 'GET', url: `/v1/batches/${await post(a, 0, 'empty')}/results` });
      const kept = await t.as(b, { method: 'GET', url: `/v1/batches/${b1}` });
      expect(kept.statusCode, kept.body).toBe(200);
      expect(kept.json()).toMatchObject({ status: 'done', results: 50 });
      expect(ndjson((await t.as(b, { method: 'GET', url: `/v1/batches/${b1}/results` })).body).map((s) => s.id)).toEqual(areas(50, 'b1').features.map((f) => f.id));
    } finally {
      await t.close();
    }
  });

  it('refuses a flooding planner with its own quota, never the others with a full queue', async () => {
    // The default limits: 2 running, 1 per planner, 4 waiting per planner, 32 in all.
    const t = await testApp(dir.sub('flood'), { prepare: (engine) => engine.putNetwork('el', network('el'), { crs: UTM }) });
    try {
      const a = await t.key('planner');
      const b = await t.key('planner');
      const held = holdBatches(t.engine);
      const flood = await Promise.all(Array.from({ length: 50 }, () => t.as(a, { method: 'POST', url: '/v1/batches', payload: { areas: areas(1), crs: UTM } })));
      // One runs, four wait, the rest are refused with the planner's own quota.
      expect(flood.filter((r) => r.statusCode === 202)).toHaveLength(5);
      const refused = flood.filter((r) => r.statusCode !== 202);
      expect(refused).toHaveLength(45);
      for (const r of refused) {
        expect(r.statusCode).toBe(429);
        expect(problemOf(r).code).toBe('QUOTA_BATCHES_QUEUED');
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      }
      // Another planner's batch is taken, and runs at once beside a's.
      const other = await t.as(b, { method: 'POST', url: '/v1/batches', payload: { areas: areas(3, 'b'), crs: UTM } });
      expect(other.statusCode, other.body).toBe(202);
      await held.whenStarted(2);
      expect(held.started).toEqual(['area', 'b']);
      held.release();
      expect(ndjson((await t.as(b, { method: 'GET', url: `/v1/batches/${(other.json() as BatchView).id}/results` })).body)).toHaveLength(3);
    } finally {
      await t.close();
    }
  });

  it('answers each quota with 429, Retry-After and its code; a planner frees its places by deleting ended batches', async () => {
    const t = await testApp(dir.sub('quotas'), {
      config: { limits: { batchesKeptPerPlanner: 3, batchResultBytesPerPlanner: 300_000, batchTtlSeconds: 3600 } },
      prepare: (engine) => engine.putNetwork('el', network('el'), { crs: UTM })
    });
    try {
      const planner = await t.key('planner');
      const post = (payload: Record<string, unknown>) => t.as(planner, { method: 'POST', url: '/v1/batches', payload });
      const results = (id: string) => t.as(planner, { method: 'GET', url: `/v1/batches/${id}/results` });

      // Bytes: a batch whose results reach the quota fails with its code once its page is stored...
      const big = await post({ areas: areas(3000), crs: UTM, infoZone: 20, conflicts: true });
      expect(big.statusCode, big.body).toBe(202);
      const bigId = (big.json() as BatchView).id;
      // Its results are cut short where it failed.
      await expect(results(bigId)).rejects.toThrow();
      const failed = (await t.as(planner, { method: 'GET', url: `/v1/batches/${bigId}` })).json() as BatchView;
      expect(failed).toMatchObject({ status: 'failed', error: { code: 'QUOTA_BATCH_RESULT_BYTES' } });
      expect(failed.results).toBeGreaterThan(0);
      expect(failed.results).toBeLessThan(3000);
      expect(failed.resultBytes).toBeGreaterThanOrEqual(300_000);
      // ... and the planner's next batch is refused until it frees space.
      const noRoom = await post({ areas: areas(5), crs: UTM });
      expect(noRoom.statusCode).toBe(429);
      expect(problemOf(noRoom).code).toBe('QUOTA_BATCH_RESULT_BYTES');
      // Its oldest ended batch expires within the hour.
      expect(Number(noRoom.headers['retry-after'])).toBeGreaterThan(3500);
      expect(Number(noRoom.headers['retry-after'])).toBeLessThanOrEqual(3600);
      expect((await t.as(planner, { method: 'DELETE', url: `/v1/batches/${bigId}` })).statusCode).toBe(200);

      // Kept: three at most, ended or not.
      for (let i = 0; i < 3; i++) {
        const ok = await post({ areas: areas(5), crs: UTM });
        expect(ok.statusCode, ok.body).toBe(202);
        await results((ok.json() as BatchView).id);
      }
      const full = await post({ areas: areas(5), crs: UTM });
      expect(full.statusCode).toBe(429);
      expect(problemOf(full).code).toBe('QUOTA_BATCHES_KEPT');
      expect(Number(full.headers['retry-after'])).toBeGreaterThan(0);
      // Another planner is not concerned.
      const other = await t.as(await t.key('planner'), { method: 'POST', url: '/v1/batches', payload: { areas: areas(5), crs: UTM } });
      expect(other.statusCode).toBe(202);
    } finally {
      await t.close();
    }
  });

  it('answers the results of a batch cancelled before its first result with its problem, never a 500', async () => {
    const t = await testApp(dir.sub('cancelled'), {
      config: { limits: { maxBatchesRunning: 1 } },
      prepare: (engine) => engine.putNetwork('el', network('el'), { crs: UTM })
    });
    try {
      const planner = await t.key('planner');
      holdBatches(t.engine);
      const post = async () => ((await t.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: areas(5), crs: UTM } })).json() as BatchView).id;
      const running = await post();
      const waiting = await post();
      for (const id of [waiting, running]) {
        // The reader waits for the first result; the batch is cancelled meanwhile.
        const reading = t.as(planner, { method: 'GET', url: `/v1/batches/${id}/results` });
        // A few turns of the event loop: the reader is past its checks and waits for the first page.
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
        expect((await t.as(planner, { method: 'DELETE', url: `/v1/batches/${id}` })).statusCode).toBe(200);
        const res = await reading;
        expect(res.statusCode, res.body).toBe(409);
        expect(problemOf(res).code).toBe('BATCH_CANCELLED');
      }
    } finally {
      await t.close();
    }
  });

  it('answers the results of a batch that failed unexpectedly before its first result with BATCH_FAILED, never a 500', async () => {
    const t = await testApp(dir.sub('failed'), { prepare: (engine) => engine.putNetwork('el', network('el'), { crs: UTM }) });
    try {
      const planner = await t.key('planner');
      // eslint-disable-next-line require-yield
      t.engine.checkBatch = async function* (): AsyncGenerator<AreaSummary> {
        throw new Error('The disk is on fire.');
      };
      const id = ((await t.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: areas(5), crs: UTM } })).json() as BatchView).id;
      const res = await t.as(planner, { method: 'GET', url: `/v1/batches/${id}/results` });
      expect(res.statusCode, res.body).toBe(409);
      expect(problemOf(res)).toMatchObject({ code: 'BATCH_FAILED', detail: 'The batch failed with INTERNAL_ERROR: The batch failed unexpectedly.' });
      expect((await t.as(planner, { method: 'GET', url: `/v1/batches/${id}` })).json()).toMatchObject({ status: 'failed', results: 0, error: { code: 'INTERNAL_ERROR' } });
    } finally {
      await t.close();
    }
  });
});

describe('ended batches', () => {
  it('expire after their time: removed from disk with their results', async () => {
    const path = dir.sub('expire');
    const store = new SqliteStore({ dataDir: path });
    const { Engine } = await import('../src/engine.js');
    const engine = await Engine.open({ workers: 0, store });
    await engine.putNetwork('el', network('el'), { crs: UTM });
    let clock = Date.parse('2026-03-01T12:00:00Z');
    const manager = await BatchManager.open(engine, store, { ...DEFAULT_LIMITS, batchTtlSeconds: 600 }, { now: () => clock });
    try {
      const run = async (n: number) => {
        const view = await manager.submit('p', areas(n), { crs: UTM }, false);
        for await (const _ of manager.results(view.id, 'p'));
        return view.id;
      };
      const old = await run(20);
      clock += 300_000;
      const recent = await run(5);
      expect(await store.batchPage(old, 0)).not.toBeNull();
      clock += 301_000;
      await manager.sweep();
      expect(await store.batch(old)).toBeNull();
      expect(await store.batchPage(old, 0)).toBeNull();
      expect(await manager.get(old, 'p')).toBeUndefined();
      expect(await manager.get(recent, 'p')).toMatchObject({ status: 'done', results: 5 });
    } finally {
      await manager.close();
      await engine.close();
      await store.close();
    }
  });
});

describe('a reader', () => {
  it('that goes away while the batch has nothing new stops waiting, and nothing of it is kept', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('reader') });
    const { Engine } = await import('../src/engine.js');
    const engine = await Engine.open({ workers: 0, store });
    await engine.putNetwork('el', network('el'), { crs: UTM });
    // No batch runs: the one submitted waits, and so does its reader.
    const manager = await BatchManager.open(engine, store, { ...DEFAULT_LIMITS, maxBatchesRunning: 0 });
    try {
      const view = await manager.submit('p', areas(3), { crs: UTM }, false);
      const waiters = (): number => (manager as unknown as { waiters: BatchWaiters }).waiters.count(view.id);
      const gone = new AbortController();
      const reader = manager.results(view.id, 'p', gone.signal);
      const next = reader.next();
      await new Promise((resolve) => setImmediate(resolve));
      expect(waiters()).toBe(1);
      gone.abort();
      await expect(next).resolves.toEqual({ done: true, value: undefined });
      expect(waiters()).toBe(0);
    } finally {
      await manager.close();
      await engine.close();
      await store.close();
    }
  });
});

describe('a restart', () => {
  it('runs the batch it cut short again and the waiting one, each area\'s result stored exactly once', async () => {
    const path = dir.sub('restart');
    const options = { limits: { maxBatchesRunning: 1 } };
    const first: TestApp = await testApp(path, { workers: 1, config: options, prepare: (engine) => engine.putNetwork('el', network('el'), { crs: UTM }) });
    const planner = await first.key('planner');
    const input = areas(3000, 'cut');
    let cut: string, waiting: string;
    try {
      // The first batch stops after 1500 results, its first pages durable; the app closes under it.
      holdBatches(first.engine, 1500);
      const paged = firstPage(first.store);
      cut = ((await first.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: input, crs: UTM, infoZone: 2, conflicts: true } })).json() as BatchView).id;
      waiting = ((await first.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: areas(10, 'waiting'), crs: UTM } })).json() as BatchView).id;
      await paged;
      const view = (await first.as(planner, { method: 'GET', url: `/v1/batches/${cut}` })).json() as BatchView;
      expect(view.status).toBe('running');
      expect(view.results).toBeGreaterThan(0);
    } finally {
      await first.close();
    }

    const second = await testApp(path, { workers: 1, config: options });
    try {
      const got = ndjson((await second.as(planner, { method: 'GET', url: `/v1/batches/${cut}/results` })).body);
      expect(got.map((s) => s.index)).toEqual(input.features.map((_, i) => i));
      const expected: AreaSummary[] = [];
      for await (const s of second.engine.checkBatch(input, { crs: UTM, infoZone: 2, conflicts: true })) expected.push(s);
      expect(got).toEqual(expected);
      expect((await second.as(planner, { method: 'GET', url: `/v1/batches/${cut}` })).json()).toMatchObject({ status: 'done', results: 3000 });
      expect(ndjson((await second.as(planner, { method: 'GET', url: `/v1/batches/${waiting}/results` })).body)).toHaveLength(10);
    } finally {
      await second.close();
    }
  });

  it('fails a batch whose runs a crash cut short time and again instead of running it once more, and counts no stop as one', async () => {
    const path = dir.sub('crash-loop');
    const store = new SqliteStore({ dataDir: path });
    const { Engine } = await import('../src/engine.js');
    const engine = await Engine.open({ workers: 0, store });
    await engine.putNetwork('el', network('el'), { crs: UTM });
    const at = '2026-03-01T12:00:00.000Z';
    try {
      // Started and cut short by crashes MAX_ATTEMPTS times (the store as a killed process leaves it).
      const one = await storedInput(areas(1), false);
      await store.createBatch({ id: 'poison', requester: 'p', createdAt: at, options: { crs: UTM }, areas: one.areas, input: one.text });
      for (let k = 0; k < MAX_ATTEMPTS; k++) {
        await store.startBatch('poison', at);
        if (k < MAX_ATTEMPTS - 1) await store.requeueBatch('poison');
      }
      // Cut short once by a crash, then stopped by the service twice: one attempt.
      const five = await storedInput(areas(5), false);
      await store.createBatch({ id: 'stopped', requester: 'q', createdAt: at, options: { crs: UTM }, areas: five.areas, input: five.text });
      await store.startBatch('stopped', at);
      for (let k = 0; k < 2; k++) {
        await store.requeueBatch('stopped', { stopped: true });
        await store.startBatch('stopped', at);
      }
      expect(await store.batch('poison')).toMatchObject({ status: 'running', attempts: MAX_ATTEMPTS });
      expect(await store.batch('stopped')).toMatchObject({ status: 'running', attempts: 1 });
      const manager = await BatchManager.open(engine, store, DEFAULT_LIMITS);
      try {
        for await (const _ of manager.results('stopped', 'q'));
        expect(await manager.get('stopped', 'q')).toMatchObject({ status: 'done', results: 5 });
        for (let i = 0; i < 100 && (await store.batch('poison'))?.status === 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await store.batch('poison')).toMatchObject({ status: 'failed', error: { code: 'BATCH_FAILED' }, results: 0 });
      } finally {
        await manager.close();
      }
    } finally {
      await engine.close();
      await store.close();
    }
  });
});

describe('the service process under one planner\'s heavy batches', () => {
  const serverFile = fileURLToPath(new URL('../src/server.ts', import.meta.url));
  const TOKEN = 'heavy-batches-admin-token-0123456789';
  /** Heavy batches, and the areas of each: with b = 10 m each area meets about 20 lines, about 20 KB of results. */
  const BATCHES = 3;
  const AREAS = 8000;
  /**
   * The bound on the service's RSS growth while the batches run and are read, over its RSS before
   * them (network loaded, worker thread started). About 490 MiB of results pass through; results
   * kept in the heap grow it by as much (625 MiB for 608 MiB measured), and with every batch, where
   * results kept on disk cost a fixed amount (the heap and buffers the collector has not yet
   * reclaimed, the store's page caches): 230 to 265 MiB measured, the same for three batches or ten.
   */
  const RSS_GROWTH_BOUND = 350 * 1024 * 1024;

  type Service = ServiceProcess;

  function start(data: string): Promise<Service> {
    return startServiceProcess({
      args: ['--import', 'tsx', serverFile],
      env: {
        LER_DATA_DIR: data,
        LER_ADMIN_TOKEN: TOKEN,
        LER_DEMO: '0',
        LER_WORKERS: '1',
        LER_LOG_LEVEL: 'warn',
        // Both cores are busy: this test is about memory and durability, not the overload guard or rate limits.
        LER_MAX_EVENT_LOOP_DELAY_MS: '0',
        LER_RATE_LIMIT_MAX: '1000000'
      }
    });
  }

  const rss = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

  async function call(s: Service, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  const readResults = (s: Service, id: string, token: string, n: number): Promise<ResultsRead> => readBatchResults(`${s.url}/v1/batches/${id}/results`, token, n);

  /** A grid of cables every 5 m each way over 2 x 2 km of Odense, each with a remark a conflict carries along. */
  function grid() {
    const features = [];
    const remark = (k: string) => ({ bemaerkning: `${k}: ${'lagt i fortov, krydser indkørsler; '.repeat(18)}` });
    for (let i = 0; i < 400; i++) {
      features.push(cable(`h${i}`, [585000, 6139000 + 5 * i + 2.5], [587000, 6139000 + 5 * i + 2.5], remark(`h${i}`)));
      features.push(cable(`v${i}`, [585000 + 5 * i + 2.5, 6139000], [585000 + 5 * i + 2.5, 6141000], remark(`v${i}`)));
    }
    return { type: 'FeatureCollection', features };
  }

  /** n squares of 30 m at seeded random places on the grid. */
  function heavyAreas(n: number, seed: number) {
    let s = seed;
    const next = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
    return { type: 'FeatureCollection', features: Array.from({ length: n }, (_, i) => {
      const x = 585050 + next() * 1900, y = 6139050 + next() * 1900;
      return { type: 'Feature', id: i, geometry: rect(x, y, x + 30, y + 30), properties: {} };
    }) };
  }

  it('stays up with bounded memory, keeps every result, and completes the batch a SIGKILL cut', async () => {
    const data = dir.sub('process');
    let s = await start(data);
    try {
      expect((await call(s, 'PUT', `/v1/owners/heavy-el/network?crs=${UTM}`, TOKEN, grid())).status).toBe(200);
      const planner = String((await call(s, 'POST', '/v1/keys', TOKEN, { role: 'planner' })).json.token);
      const submit = async (seed: number): Promise<string> => {
        const res = await call(s, 'POST', '/v1/batches', planner, { areas: heavyAreas(AREAS, seed), crs: UTM, infoZone: 10, conflicts: true });
        expect(res.status, JSON.stringify(res.json)).toBe(202);
        return String(res.json.id);
      };
      // A small batch first: the worker thread is started and the merged index built before the baseline.
      const warm = await call(s, 'POST', '/v1/batches', planner, { areas: heavyAreas(10, 99), crs: UTM, conflicts: true });
      await readResults(s, String(warm.json.id), planner, 10);
      const baseline = rss(s.child.pid as number);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(s.child.pid as number))), 50);

      const ids: string[] = [];
      for (let b = 0; b < BATCHES; b++) ids.push(await submit(b + 1));
      // Every batch read as it runs (the last ones wait their turn), each index exactly once.
      const read = await Promise.all(ids.map((id) => readResults(s, id, planner, AREAS)));
      clearInterval(sampler);
      peak = Math.max(peak, rss(s.child.pid as number));
      const total = read.reduce((t, r) => t + r.bytes, 0);
      expect(read.every((r) => r.once)).toBe(true);
      // More results than the bound: they cannot have stayed in memory.
      expect(total).toBeGreaterThan(RSS_GROWTH_BOUND);
      expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);
      expect((await call(s, 'GET', '/healthz', planner)).status).toBe(200);

      // A batch cut by SIGKILL once its first results are stored.
      const cut = await submit(BATCHES + 1);
      for (let view = await call(s, 'GET', `/v1/batches/${cut}`, planner); Number(view.json.results) === 0; view = await call(s, 'GET', `/v1/batches/${cut}`, planner)) {
        expect(view.json.status).not.toBe('failed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      s.child.kill('SIGKILL');
      await s.exit;

      // Started again: the ended batches' results read again while the cut batch runs again.
      s = await start(data);
      for (const id of ids) expect((await call(s, 'GET', `/v1/batches/${id}`, planner)).json).toMatchObject({ status: 'done', results: AREAS });
      const [again, rerun] = await Promise.all([Promise.all(ids.map((id) => readResults(s, id, planner, AREAS))), readResults(s, cut, planner, AREAS)]);
      expect(again).toEqual(read);
      expect(rerun.once).toBe(true);
      expect((await call(s, 'GET', `/v1/batches/${cut}`, planner)).json).toMatchObject({ status: 'done', results: AREAS });
      console.log(`heavy batches: ${(total / 2 ** 20).toFixed(0)} MiB of results; service RSS ${(baseline / 2 ** 20).toFixed(0)} MiB before, ${(peak / 2 ** 20).toFixed(0)} MiB at peak (+${((peak - baseline) / 2 ** 20).toFixed(0)} MiB, bound ${RSS_GROWTH_BOUND / 2 ** 20} MiB)`);
    } finally {
      s.child.kill('SIGKILL');
      await s.exit;
    }
  });
});
