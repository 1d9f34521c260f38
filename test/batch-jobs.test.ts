/**
 * Planners' batches as jobs on PostgreSQL (pg-boss), on a throwaway cluster: two "replicas" in this
 * process (each a JobBatches with its own engine loaded with the same network, its own pg-boss)
 * share one batch's tasks; the results are the very lines the whole batch run in one process
 * writes, each area once, in order, whoever ran which task and however often; a task whose replica
 * froze mid-way is run by the other within the stated bound and resumes at its first page missing;
 * cancellation, reading and deletion work from the replica that did not submit; quotas and turns
 * are counted from the shared tables; a task that fails every run fails its batch.
 */
import pg from 'pg';
import type PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchSlice } from '../src/batch/areas.js';
import { Engine, type AreaSummary, type BatchOptions } from '../src/engine.js';
import { readStoredInput, storedInput } from '../src/http/batch-input.js';
import { createJobQueue, DEFAULT_QUEUE_SETTINGS, TASK_QUEUE } from '../src/http/batch-job-queue.js';
import { JobBatches, type JobBatchesOptions } from '../src/http/batch-jobs.js';
import { splitBatch } from '../src/http/batch-split.js';
import { runTask, type TaskContext } from '../src/http/batch-tasks.js';
import type { BatchSubmission } from '../src/http/batches.js';
import { DEFAULT_LIMITS, type ServiceLimits } from '../src/http/config.js';
import { BATCH_MIGRATION, PostgresBatches, type TaskRef } from '../src/store/postgres-batches.js';
import { PgDatabase, type Queryable } from '../src/store/postgres-db.js';
import type { AuditInput } from '../src/store/store.js';
import { cable, rect } from './helpers/http-app.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

const UTM = 'EPSG:25832';
const OPTIONS: BatchSubmission = { crs: UTM, infoZone: 2 };

let cluster: PgCluster;
let db: PgDatabase;
let store: PostgresBatches;

/** The audit log as this test keeps it: one table, written in the caller's transaction. */
async function writeAudit(q: Queryable, e: AuditInput): Promise<void> {
  await q.query('INSERT INTO audit (actor, action, owner, detail) VALUES ($1, $2, $3, $4)', [e.actor, e.action, e.owner, JSON.stringify(e.detail)]);
}

beforeAll(async () => {
  cluster = await startPgCluster();
  db = new PgDatabase({ connectionString: cluster.url });
  await db.query(BATCH_MIGRATION);
  await db.query('CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY, actor text, action text, owner text, detail jsonb)');
  store = new PostgresBatches(db, writeAudit);
});

afterAll(async () => {
  await db?.close();
  await cluster?.stop();
});

/** Cables across Odense on a 50 m grid, of two owners. */
function network(owner: string, dy: number) {
  return {
    type: 'FeatureCollection',
    features: Array.from({ length: 40 }, (_, i) => cable(`${owner}-${i}`, [585000, 6139000 + dy + 50 * i], [587000, 6139000 + dy + 50 * i], { fareklasse: i % 4 === 0 ? 'meget farlig' : 'farlig' }))
  };
}

/** An engine loaded with the test network (every replica's the same), running batches inline. */
function replicaEngine(): Engine {
  const engine = new Engine({ workers: 0 });
  engine.putNetworks([
    { owner: 'el', input: network('el', 0), opts: { crs: UTM } },
    { owner: 'gas', input: network('gas', 20), opts: { crs: UTM } }
  ]);
  return engine;
}

/** n squares of 20 m along the grid; a few that cannot be read, each failing with its own number. */
function areas(n: number, prefix = 'area') {
  return {
    type: 'FeatureCollection',
    features: Array.from({ length: n }, (_, i) => {
      if (i === 7) return { type: 'Feature', id: `${prefix}-${i}`, geometry: null, properties: {} };
      if (i === 123) return 'not a feature';
      if (i === 301) return { type: 'Feature', id: `${prefix}-${i}`, geometry: { type: 'Polygon', coordinates: [[[585000, 6139000], [585020, 6139020], [585020, 6139000], [585000, 6139020], [585000, 6139000]]] }, properties: {} };
      const x = 585000 + (i % 90) * 20, y = 6139000 + Math.floor(i / 90) * 35 + 5;
      return { type: 'Feature', id: `${prefix}-${i}`, geometry: rect(x, y, x + 20, y + 20), properties: {} };
    })
  };
}

/** What the whole batch run in one process writes (BatchManager: one JSON line per summary, in order). */
async function reference(engine: Engine, input: unknown, route: boolean, options: BatchSubmission = OPTIONS): Promise<string> {
  const stored = await storedInput(input, route);
  let out = '';
  for await (const s of engine.checkBatch(readStoredInput(stored.text, route), options)) out += `${JSON.stringify(s)}\n`;
  return out;
}

/** Records the slices an engine checks (their first area); `gate` may hold a slice before it runs. */
function watch(engine: Engine, gate?: (first: number, signal: AbortSignal | undefined) => Promise<void>): number[] {
  const original = engine.checkBatch.bind(engine);
  const slices: number[] = [];
  engine.checkBatch = async function* (input: unknown, opts: BatchOptions = {}): AsyncGenerator<AreaSummary> {
    const first = input instanceof BatchSlice ? input.first : -1;
    slices.push(first);
    if (gate !== undefined) await gate(first, opts.signal);
    yield* original(input, opts);
  };
  return slices;
}

/** A promise that settles when the signal aborts (rejecting), else never. */
function until(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('stopped')), { once: true }));
}

async function waitFor(what: string, done: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`Not within ${timeoutMs} ms: ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function readAll(batches: JobBatches, id: string, requester: string | null = null): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of batches.results(id, requester)) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

function indexes(body: string): number[] {
  return body
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as AreaSummary).index);
}

const limits = (more: Partial<ServiceLimits> = {}): ServiceLimits => ({ ...DEFAULT_LIMITS, ...more });

/** Replicas started by a test, closed at its end whatever happens. */
async function withReplicas(run: (start: (engine: Engine, opts?: JobBatchesOptions, l?: ServiceLimits, queue?: string | PgBoss) => Promise<JobBatches>, errors: unknown[]) => Promise<void>): Promise<void> {
  const started: { batches: JobBatches; engine: Engine }[] = [];
  const errors: unknown[] = [];
  try {
    await run(async (engine, opts = {}, l = limits(), queue = cluster.url) => {
      const batches = new JobBatches(engine, store, l, queue, { resultsPollMs: 50, dispatchMs: 500, pollingIntervalSeconds: 0.5, closeTimeoutMs: 1000, onError: (e) => errors.push(e), ...opts });
      started.push({ batches, engine });
      await batches.ready;
      return batches;
    }, errors);
  } finally {
    for (const r of started) await r.batches.close();
    for (const r of started) await r.engine.close();
  }
}

describe('the batch tables', () => {
  it('store a page once whatever order pages come in, only while the batch runs, and remove a batch with its pages and audit entry in one go', async () => {
    const id = 'pages-once';
    await store.createBatch({ id, requester: 'p', createdAt: new Date().toISOString(), options: { infoZone: 0 }, areas: 3, input: 'x\n' }, { actor: 'p', action: 'batch.submit', owner: null, detail: { id } });
    const page = (seq: number, text: string) => ({ seq, first: seq, count: 1, data: Buffer.from(text) });
    await store.appendBatchPage(id, page(0, 'early\n'), { progress: null, version: 1 });
    expect(await store.batchPage(id, 0)).toBeNull();
    await store.startBatch(id, new Date().toISOString());
    await store.appendBatchPage(id, page(1, 'second\n'), { progress: { done: 2 }, version: 1 });
    await store.appendBatchPage(id, page(0, 'first\n'), { progress: { done: 1 }, version: 1 });
    await store.appendBatchPage(id, page(1, 'again\n'), { progress: { done: 3 }, version: 1 });
    expect(Buffer.from((await store.batchPage(id, 0))!.data).toString()).toBe('first\n');
    expect(Buffer.from((await store.batchPage(id, 1))!.data).toString()).toBe('second\n');
    const record = await store.batch(id);
    expect(record).toMatchObject({ status: 'running', results: 2, resultBytes: 13, attempts: 1 });
    expect(await store.batchInput(id)).toBe('x\n');
    await store.endBatch(id, { status: 'done', finishedAt: new Date().toISOString(), error: null, progress: null });
    expect(await store.batchInput(id)).toBeNull();
    await store.appendBatchPage(id, page(2, 'late\n'), { progress: null, version: 1 });
    expect(await store.batchPage(id, 2)).toBeNull();
    await store.deleteBatch(id, { actor: 'p', action: 'batch.delete', owner: null, detail: { id } });
    expect(await store.batch(id)).toBeNull();
    expect((await db.query('SELECT count(*) AS n FROM batch_pages WHERE batch = $1', [id])).rows[0].n).toBe('0');
    expect((await db.query("SELECT action FROM audit WHERE detail->>'id' = $1 ORDER BY id", [id])).rows.map((r) => r.action)).toEqual(['batch.submit', 'batch.delete']);
  });
});

describe('a slice of a batch', () => {
  it('gives the whole batch\'s summaries of its areas and stretches, numbered as in it, and stops at the input\'s end', async () => {
    const engine = replicaEngine();
    try {
      const lines = async (input: unknown, options: BatchSubmission = OPTIONS): Promise<string[]> => {
        const out: string[] = [];
        for await (const s of engine.checkBatch(input, options)) out.push(JSON.stringify(s));
        return out;
      };
      const input = areas(150, 'slice');
      const whole = await lines(input);
      expect(await lines(new BatchSlice(input, 120, 10))).toEqual(whole.slice(120, 130));
      expect(await lines(new BatchSlice(input, 140, 50))).toEqual(whole.slice(140));
      const route = { type: 'LineString', coordinates: [[585003.3, 6139004.1], [585803.2, 6139006.6]] };
      const options: BatchSubmission = { ...OPTIONS, corridorWidth: 6, stretchLength: 25 };
      const stretches = await lines(route, options);
      expect(stretches.length).toBe(32);
      expect(await lines(new BatchSlice(route, 30, 10), options)).toEqual(stretches.slice(30));
      expect(() => new BatchSlice(input, -1, 3)).toThrow(expect.objectContaining({ code: 'BATCH_INVALID' }));
    } finally {
      await engine.close();
    }
  });
});

describe('batches as jobs on pg-boss', () => {
  it('share one batch between two replicas: the lines of the whole batch, each area once, in order, read and deleted at the replica that did not submit', async () => {
    await withReplicas(async (start, errors) => {
      const engineA = replicaEngine();
      const engineB = replicaEngine();
      const input = areas(700);
      const expected = await reference(engineA, input, false);
      // A holds its first task until B has started one: both work on the batch, without timing.
      let bStarted: () => void = () => {};
      const bGo = new Promise<void>((resolve) => (bStarted = resolve));
      const slicesA = watch(engineA, async (_first, signal) => {
        if (slicesA.length === 1) await Promise.race([bGo, until(signal)]);
      });
      const slicesB = watch(engineB, async () => bStarted());
      const a = await start(engineA, { taskAreas: 100, pageAreas: 25 });
      const b = await start(engineB, { taskAreas: 100, pageAreas: 25 });
      const submitted = await a.submit('planner-1', input, OPTIONS, false, (id) => ({ actor: 'planner-1', action: 'batch.submit', owner: null, detail: { id } }));
      expect(submitted.status).toBe('running');
      const body = await readAll(b, submitted.id, 'planner-1');
      expect(body).toBe(expected);
      expect(indexes(body)).toEqual(Array.from({ length: 700 }, (_, i) => i));
      // The areas that could not be read fail with their own numbers in the whole batch.
      const failed = body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AreaSummary).filter((s) => s.status === 'failed');
      expect(failed.map((s) => s.index)).toEqual([7, 123, 301]);
      expect(failed[1].error?.message).toContain('feature #123');
      expect(slicesA.length).toBeGreaterThan(0);
      expect(slicesB.length).toBeGreaterThan(0);
      expect(new Set([...slicesA, ...slicesB])).toEqual(new Set(Array.from({ length: 7 }, (_, t) => t * 100)));
      const view = await b.get(submitted.id, 'planner-1');
      expect(view).toMatchObject({ status: 'done', results: 700, progress: { done: 700, failed: 3, total: 700 } });
      expect(view?.resultBytes).toBe(Buffer.byteLength(expected));
      expect(await a.get(submitted.id, 'planner-2')).toBeUndefined();
      // Deleted at B: gone with its pages and tasks for both replicas.
      const removed = await b.remove(submitted.id, 'planner-1', (v, gone) => ({ actor: 'planner-1', action: gone ? 'batch.delete' : 'batch.cancel', owner: null, detail: { id: v.id } }));
      expect(removed?.removed).toBe(true);
      expect(await a.get(submitted.id, null)).toBeUndefined();
      for (const table of ['batch_pages', 'batch_tasks', 'batch_inputs']) {
        expect((await db.query(`SELECT count(*) AS n FROM ${table} WHERE batch = $1`, [submitted.id])).rows[0].n).toBe('0');
      }
      expect((await db.query("SELECT action FROM audit WHERE detail->>'id' = $1 ORDER BY id", [submitted.id])).rows.map((r) => r.action)).toEqual(['batch.submit', 'batch.delete']);
      await expect(readAll(a, submitted.id)).rejects.toMatchObject({ code: 'BATCH_UNKNOWN' });
      expect(errors).toEqual([]);
    });
  });

  it('split a route into its stretches as the engine cuts it: the same lines as the whole route', async () => {
    await withReplicas(async (start, errors) => {
      const engineA = replicaEngine();
      const engineB = replicaEngine();
      const route = { type: 'Feature', id: 'trace', geometry: { type: 'LineString', coordinates: [[585003.3, 6139004.1], [587001.7, 6139006.2], [587002.5, 6139903.9]] }, properties: {} };
      const options: BatchSubmission = { ...OPTIONS, corridorWidth: 10, stretchLength: 10 };
      const expected = await reference(engineA, route, true, options);
      const stretches = expected.split('\n').filter(Boolean).length;
      expect(stretches).toBeGreaterThan(250);
      const slicesA = watch(engineA);
      const slicesB = watch(engineB);
      const a = await start(engineA, { taskAreas: 64, pageAreas: 16 });
      await start(engineB, { taskAreas: 64, pageAreas: 16 });
      const submitted = await a.submit('planner-r', route, options, true);
      const body = await readAll(a, submitted.id);
      expect(body).toBe(expected);
      expect(indexes(body)).toEqual(Array.from({ length: stretches }, (_, i) => i));
      expect([...slicesA, ...slicesB].sort((x, y) => x - y)).toEqual(Array.from({ length: Math.ceil(stretches / 64) }, (_, t) => t * 64));
      expect(errors).toEqual([]);
    });
  });

  it('store each area once when a task is delivered twice and both runs go on at once', async () => {
    const input = areas(300, 'twice');
    const engines = [replicaEngine(), replicaEngine()];
    try {
      const expected = await reference(engines[0], input, false);
      const split = await splitBatch(input, false, 300, 60);
      const id = 'delivered-twice';
      await store.createJobBatch({ id, requester: 'planner-t', createdAt: new Date().toISOString(), options: { ...OPTIONS, route: false }, areas: 300, input: null, totalAreas: 300, taskAreas: 60, pageAreas: 20 }, split.tasks);
      const queued: TaskRef[] = [];
      const enqueue = async (_q: Queryable, tasks: readonly TaskRef[]): Promise<void> => void queued.push(...tasks);
      await store.startQueued({ running: 100, runningPerPlanner: 100, tasksAhead: 100 }, new Date().toISOString(), () => ({}), enqueue);
      expect(queued.map((t) => t.task)).toEqual([0, 1, 2, 3, 4]);
      const ends: string[] = [];
      const context = (engine: Engine): TaskContext => ({ engine, store, resultBytesPerPlanner: Infinity, enqueue, now: Date.now, onPage: () => {}, onEnd: (_b, status) => ends.push(status) });
      const outcomes = await Promise.all(queued.flatMap((job) => engines.map((engine) => runTask(context(engine), job, new AbortController().signal))));
      expect(outcomes.filter((o) => o === 'done').length).toBeGreaterThanOrEqual(5);
      expect(ends).toEqual(['done']);
      const record = await store.jobBatch(id);
      expect(record).toMatchObject({ status: 'done', results: 300, tasksDone: 5, failedAreas: 2, resultBytes: Buffer.byteLength(expected) });
      let body = '';
      for (let seq = 0; ; seq++) {
        const page = await store.batchPage(id, seq);
        if (page === null) break;
        body += Buffer.from(page.data).toString('utf8');
      }
      expect(body).toBe(expected);
      // A third delivery after the end changes nothing.
      expect(await runTask(context(engines[1]), queued[2], new AbortController().signal)).toBe('skipped');
      await store.deleteBatch(id);
    } finally {
      for (const e of engines) await e.close();
    }
  });

  it('run a task whose replica froze mid-way at the other replica within takeoverSeconds, from its first page missing', async () => {
    // Replica C's queue connection can be frozen (a process stopped, or cut off): nothing it holds is given back.
    const pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
    pool.on('error', () => {});
    let frozen: (() => void)[] | null = null;
    const bossC = createJobQueue(
      {
        async executeSql(text: string, values: unknown[]) {
          if (frozen !== null) await new Promise<void>((resolve) => frozen?.push(resolve));
          return pool.query(text, values);
        }
      },
      { ...DEFAULT_QUEUE_SETTINGS, expireInSeconds: 2, maintenanceIntervalSeconds: 1, pollingIntervalSeconds: 0.5, retryDelaySeconds: 0 }
    );
    bossC.on('error', () => {});
    const fast: JobBatchesOptions = { taskAreas: 40, pageAreas: 10, expireInSeconds: 2, maintenanceIntervalSeconds: 1, retryDelaySeconds: 0 };
    try {
      await withReplicas(async (start, errors) => {
        const engineC = replicaEngine();
        const engineD = replicaEngine();
        const input = areas(80, 'frozen');
        const expected = await reference(engineC, input, false);
        // C stores the first page of its task, then hangs.
        let hung: { first: number; at: number } | null = null;
        const original = engineC.checkBatch.bind(engineC);
        engineC.checkBatch = async function* (slice: unknown, opts: BatchOptions = {}): AsyncGenerator<AreaSummary> {
          const first = (slice as BatchSlice).first;
          const startedAt = Date.now();
          let n = 0;
          for await (const s of original(slice, opts)) {
            if (n++ === 10) {
              hung = { first, at: startedAt };
              await until(opts.signal);
            }
            yield s;
          }
        };
        const slicesD = watch(engineD);
        const c = await start(engineC, { ...fast, onError: () => {} }, limits(), bossC);
        const submitted = await c.submit('planner-f', input, OPTIONS, false);
        await waitFor('C hangs in its task', () => hung !== null);
        const held = hung as unknown as { first: number; at: number };
        frozen = [];
        expect(await store.storedPages(submitted.id, held.first / 10, held.first / 10 + 3)).toEqual([held.first / 10]);
        const d = await start(engineD, fast);
        const bound = d.takeoverSeconds;
        expect(bound).toBe(2 + 2 * 1 + 0 + 0.5);
        // Liveness, not speed: the batch ends within the bound (and the other task and slack for a busy machine).
        await waitFor('D finishes the batch', async () => (await d.get(submitted.id, null))?.status === 'done', (bound + 15) * 1000);
        expect(await readAll(d, submitted.id)).toBe(expected);
        // D ran the other task whole, and C's task from C's first page missing.
        expect(slicesD.sort((x, y) => x - y)).toEqual([held.first + 10, 40 - held.first].sort((x, y) => x - y));
        const job = await db.query(`SELECT state, retry_count, output FROM pgboss.job WHERE name = $1 AND data->>'batch' = $2 AND (data->>'task')::int = $3`, [TASK_QUEUE, submitted.id, held.first / 40]);
        expect(job.rows[0]).toMatchObject({ state: 'completed', retry_count: 1 });
        expect(errors).toEqual([]);
        // C comes back to life: what it still does changes nothing.
        const thaw = frozen;
        frozen = null;
        for (const resolve of thaw ?? []) resolve();
      });
    } finally {
      const thaw = frozen as (() => void)[] | null;
      frozen = null;
      for (const resolve of thaw ?? []) resolve();
      await bossC.stop({ graceful: false, close: false }).catch(() => undefined);
      await pool.end();
    }
  });

  it('cancel a running batch from the other replica: its remaining tasks are passed over, its results so far stay readable', async () => {
    await withReplicas(async (start, errors) => {
      const engineA = replicaEngine();
      const engineB = replicaEngine();
      const input = areas(300, 'cancel');
      const expected = await reference(engineA, input, false);
      // The first task runs; every other waits until released.
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let held = 0;
      const gate = async (first: number, signal: AbortSignal | undefined): Promise<void> => {
        if (first === 0) return;
        held++;
        await Promise.race([released, until(signal)]);
      };
      watch(engineA, gate);
      watch(engineB, gate);
      const a = await start(engineA, { taskAreas: 50, pageAreas: 25, tasksAhead: 2 });
      const b = await start(engineB, { taskAreas: 50, pageAreas: 25, tasksAhead: 2 });
      const submitted = await a.submit('planner-c', input, OPTIONS, false);
      await waitFor('the first task is done and the next ones wait', async () => (await store.jobBatch(submitted.id))?.tasksDone === 1 && held >= 1);
      // Progress from the shared counters, at the replica that runs nothing of it.
      expect(await b.get(submitted.id, 'planner-c')).toMatchObject({ status: 'running', results: 50, progress: { done: 50, total: 300 } });
      const cancelled = await b.remove(submitted.id, 'planner-c', (v) => ({ actor: 'planner-c', action: 'batch.cancel', owner: null, detail: { id: v.id } }));
      expect(cancelled?.view.status).toBe('cancelled');
      release();
      await waitFor('the queue is drained', async () => (await db.query(`SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state < 'completed'`, [TASK_QUEUE])).rows[0].n === '0');
      const record = await store.jobBatch(submitted.id);
      // Task 0 done; the two handed on meanwhile stopped at their first page; the other three never queued.
      expect(record).toMatchObject({ status: 'cancelled', tasksDone: 1, tasksSent: 3, results: 50, error: { code: 'BATCH_CANCELLED' } });
      // Task 0's pages, then the stream is cut with the batch's problem.
      const chunks: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of a.results(submitted.id, 'planner-c')) chunks.push(Buffer.from(chunk).toString('utf8'));
        })()
      ).rejects.toMatchObject({ code: 'BATCH_CANCELLED' });
      expect(chunks.join('')).toBe(expected.split('\n').slice(0, 50).join('\n') + '\n');
      expect((await db.query('SELECT count(*) AS n FROM batch_pages WHERE batch = $1', [submitted.id])).rows[0].n).toBe('2');
      expect((await db.query("SELECT action FROM audit WHERE detail->>'id' = $1", [submitted.id])).rows.map((r) => r.action)).toEqual(['batch.cancel']);
      expect(errors).toEqual([]);
    });
  });

  it('read a cancelled batch\'s results past a task that did not finish, then its problem', async () => {
    await withReplicas(async (start) => {
      const engineA = replicaEngine();
      const engineB = replicaEngine();
      const input = areas(100, 'gap');
      const expected = (await reference(engineA, input, false)).split('\n');
      // The first task never finishes; the second does.
      const gate = async (first: number, signal: AbortSignal | undefined): Promise<void> => {
        if (first === 0) await until(signal);
      };
      watch(engineA, gate);
      watch(engineB, gate);
      const a = await start(engineA, { taskAreas: 50, pageAreas: 25 });
      await start(engineB, { taskAreas: 50, pageAreas: 25 });
      const submitted = await a.submit('planner-gap', input, OPTIONS, false);
      await waitFor('the second task done', async () => (await store.jobBatch(submitted.id))?.tasksDone === 1);
      await a.remove(submitted.id, 'planner-gap');
      const chunks: string[] = [];
      await expect(
        (async () => {
          for await (const chunk of a.results(submitted.id, 'planner-gap')) chunks.push(Buffer.from(chunk).toString('utf8'));
        })()
      ).rejects.toMatchObject({ code: 'BATCH_CANCELLED' });
      // Areas 50 to 99, each as the whole batch has it.
      expect(chunks.join('')).toBe(expected.slice(50, 100).join('\n') + '\n');
    });
  });

  it('admit one batch of a planner at its last place, though two replicas are asked at the same moment', async () => {
    await withReplicas(async (start) => {
      const l = limits({ batchesKeptPerPlanner: 1 });
      const a = await start(replicaEngine(), {}, l);
      const b = await start(replicaEngine(), {}, l);
      const results = await Promise.allSettled([a.submit('planner-race', areas(3000, 'ra'), OPTIONS, false), b.submit('planner-race', areas(3000, 'rb'), OPTIONS, false)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected');
      expect(refused?.status === 'rejected' ? refused.reason : null).toMatchObject({ code: 'QUOTA_BATCHES_KEPT' });
      expect((await db.query('SELECT count(*) AS n FROM batches WHERE requester = $1', ['planner-race'])).rows[0].n).toBe('1');
      // Ended, so that it takes no place to run from the tests after this one.
      const admitted = results.find((r) => r.status === 'fulfilled');
      const id = admitted?.status === 'fulfilled' ? admitted.value.id : '';
      await a.remove(id, null);
      await waitFor('the admitted batch ended', async () => ['cancelled', 'done'].includes(String((await a.get(id, null))?.status)));
    });
  });

  it('count quotas and turns from the shared tables: a planner\'s second batch waits for its first, whichever replica it was sent to', async () => {
    await withReplicas(async (start, errors) => {
      const engineA = replicaEngine();
      const engineB = replicaEngine();
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const gate = async (_first: number, signal: AbortSignal | undefined): Promise<void> => {
        await Promise.race([released, until(signal)]);
      };
      watch(engineA, gate);
      watch(engineB, gate);
      const l = limits({ maxBatchesRunningPerPlanner: 1, batchesKeptPerPlanner: 2 });
      const a = await start(engineA, {}, l);
      const b = await start(engineB, {}, l);
      const first = await a.submit('planner-q', areas(20, 'q1'), OPTIONS, false);
      const second = await b.submit('planner-q', areas(20, 'q2'), OPTIONS, false);
      expect(first.status).toBe('running');
      expect(second.status).toBe('queued');
      await expect(b.submit('planner-q', areas(5, 'q3'), OPTIONS, false)).rejects.toMatchObject({ code: 'QUOTA_BATCHES_KEPT' });
      // Another planner's batch is not held up by this one's.
      const other = await a.submit('planner-o', areas(5, 'o'), OPTIONS, false);
      expect(other.status).toBe('running');
      release();
      await waitFor('both batches are done', async () => (await a.get(second.id, null))?.status === 'done');
      const [r1, r2] = [await store.jobBatch(first.id), await store.jobBatch(second.id)];
      expect(Date.parse(r2?.startedAt as string)).toBeGreaterThanOrEqual(Date.parse(r1?.finishedAt as string));
      expect(errors).toEqual([]);
    });
  });

  it('fail a batch whose task fails every run (the dead letters), at whichever replica hears of it', async () => {
    await withReplicas(async (start) => {
      const engine = replicaEngine();
      watch(engine, async (first) => {
        if (first === 20) throw new Error('this task always breaks');
      });
      const a = await start(engine, { taskAreas: 20, pageAreas: 10, retryLimit: 1, retryDelaySeconds: 0 });
      const submitted = await a.submit('planner-x', areas(60, 'x'), OPTIONS, false);
      await waitFor('the batch fails', async () => (await a.get(submitted.id, null))?.status === 'failed');
      const view = await a.get(submitted.id, null);
      expect(view?.error).toMatchObject({ code: 'BATCH_FAILED' });
      expect(view?.error?.message).toContain('areas 20 to 39 failed 2 times');
      await expect(readAll(a, submitted.id)).rejects.toMatchObject({ code: 'BATCH_FAILED' });
    });
  });

  it('fail a running batch whose jobs the queue lost, rather than leave it running for ever', async () => {
    await withReplicas(async (start) => {
      const engine = replicaEngine();
      let release = (): void => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      watch(engine, () => held);
      const a = await start(engine, { taskAreas: 20, pageAreas: 10 });
      try {
        const submitted = await a.submit('planner-lost', areas(60, 'l'), OPTIONS, false);
        await waitFor('the batch running', async () => (await a.get(submitted.id, null))?.status === 'running');
        // Nothing of the queue would ever end it now (as when a dead letter itself failed).
        await db.query("DELETE FROM pgboss.job WHERE data->>'batch' = $1", [submitted.id]);
        await waitFor('the batch failed', async () => (await a.get(submitted.id, null))?.status === 'failed');
        expect((await a.get(submitted.id, null))?.error).toMatchObject({ code: 'BATCH_FAILED' });
      } finally {
        release();
      }
    });
  });
});
