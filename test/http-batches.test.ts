import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaSummary } from '../src/engine.js';
import type { BatchView } from '../src/http/batches.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('batches');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

/** Two owners' cables on a 50 m grid. */
function network(owner: string, dy: number) {
  return Array.from({ length: 40 }, (_, i) => cable(`${owner}-${i}`, [585000, 6139000 + 50 * i + dy], [587000, 6139000 + 50 * i + dy], { fareklasse: i % 4 === 0 ? 'meget farlig' : 'farlig' }));
}

/** n square areas of 20 m along a diagonal; one with an unclosed ring when `bad` is given. */
function areas(n: number, bad = -1) {
  return {
    type: 'FeatureCollection',
    features: Array.from({ length: n }, (_, i) => {
      const x = 585000 + (i % 90) * 20, y = 6139000 + Math.floor(i / 90) * 35 + 5;
      const geometry = rect(x, y, x + 20, y + 20);
      if (i === bad) geometry.coordinates[0].pop();
      return { type: 'Feature', id: `area-${i}`, geometry, properties: {} };
    })
  };
}

const ndjson = (body: string): AreaSummary[] => body.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AreaSummary);

describe('planners\' batches', () => {
  let t: TestApp;
  let planner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('run'), {
      workers: 1,
      prepare: (engine) => engine.putNetworks([{ owner: 'el', input: network('el', 0), opts: { crs: UTM } }, { owner: 'gas', input: network('gas', 3), opts: { crs: UTM } }])
    });
    planner = await t.key('planner');
  });
  afterAll(async () => t.close());

  it('runs areas in the background and streams the engine\'s summaries as NDJSON', async () => {
    const input = areas(400, 7);
    const res = await t.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: input, crs: UTM, infoZone: 2 } });
    expect(res.statusCode, res.body).toBe(202);
    const view = res.json() as BatchView;
    expect(res.headers.location).toBe(`/v1/batches/${view.id}`);
    expect(['queued', 'running']).toContain(view.status);
    const results = await t.as(planner, { method: 'GET', url: `/v1/batches/${view.id}/results` });
    expect(results.statusCode).toBe(200);
    expect(results.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const got = ndjson(results.body);
    const expected: AreaSummary[] = [];
    for await (const s of t.engine.checkBatch(input, { crs: UTM, infoZone: 2 })) expected.push(s);
    expect(got).toEqual(expected);
    expect(got).toHaveLength(400);
    expect(got[7]).toMatchObject({ status: 'failed', error: { code: 'RING_NOT_CLOSED' } });
    expect(got.filter((s) => s.status === 'ok' && s.conflictCount > 0).length).toBeGreaterThan(100);
    const status = (await t.as(planner, { method: 'GET', url: `/v1/batches/${view.id}` })).json() as BatchView;
    expect(status).toMatchObject({ id: view.id, status: 'done', results: 400, version: 1, error: null });
    expect(status.progress).toMatchObject({ done: 400, failed: 1, total: 400 });
  });

  it('checks a route as a corridor, stretch by stretch, with every conflict when asked', async () => {
    const route = { type: 'Feature', id: 'r1', geometry: { type: 'LineString', coordinates: [[585010, 6138990], [585010, 6139400]] }, properties: {} };
    const res = await t.as(planner, { method: 'POST', url: '/v1/batches', payload: { route, corridorWidth: 10, stretchLength: 100, crs: UTM, conflicts: true } });
    expect(res.statusCode, res.body).toBe(202);
    const got = ndjson((await t.as(planner, { method: 'GET', url: `/v1/batches/${(res.json() as BatchView).id}/results` })).body);
    expect(got.map((s) => s.id)).toEqual(['r1:0', 'r1:1', 'r1:2', 'r1:3', 'r1:4']);
    expect(got[0].stretch).toEqual({ from: 0, to: 100 });
    // Cables every 50 m (el) and 53 m (gas) cross the corridor.
    expect(got[0].conflicts?.map((c) => c.featureId).sort()).toEqual(['el-0', 'el-1', 'gas-0', 'gas-1']);
  });

  it.each([
    ['neither areas nor a route', {}, 400, 'BATCH_INVALID'],
    ['both areas and a route', { areas: areas(1), route: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000]] }, corridorWidth: 10 }, 400, 'BATCH_INVALID'],
    ['a route without corridor width', { route: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000]] }, crs: UTM }, 422, 'ROUTE_INVALID'],
    ['an information zone of 200 m', { areas: areas(1), crs: UTM, infoZone: 200 }, 422, 'INFO_ZONE_OUT_OF_RANGE'],
    ['an unknown CRS', { areas: areas(1), crs: 'EPSG:900913' }, 400, 'CRS_UNSUPPORTED'],
    ['areas that are not a collection', { areas: { type: 'Polygon', coordinates: [] } }, 400, 'REQUEST_INVALID'],
    // A route is read when it is submitted, not when it runs.
    ['a Point for a route', { route: { type: 'Point', coordinates: [585000, 6139000] }, corridorWidth: 10, crs: UTM }, 422, 'ROUTE_INVALID', '/route/type'],
    ['a Feature of a Point for a route', { route: { type: 'Feature', geometry: { type: 'Point', coordinates: [585000, 6139000] }, properties: {} }, corridorWidth: 10, crs: UTM }, 422, 'ROUTE_INVALID', '/route/geometry/type'],
    ['a stretch length of 0', { route: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000]] }, corridorWidth: 10, stretchLength: 0, crs: UTM }, 422, 'ROUTE_INVALID', '/stretchLength'],
    ['a stretch length of 1e15 m', { route: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000]] }, corridorWidth: 10, stretchLength: 1e15, crs: UTM }, 422, 'ROUTE_INVALID', '/stretchLength'],
    ['a corridor 500 m wide', { route: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000]] }, corridorWidth: 500, crs: UTM }, 422, 'ROUTE_INVALID', '/corridorWidth'],
    ['a route outside Denmark', { route: { type: 'LineString', coordinates: [[5, 50], [5.01, 50]] }, corridorWidth: 10 }, 422, 'COORDINATE_OUT_OF_EXTENT', '/route'],
    ['a route of more stretches than a batch may have', { route: { type: 'LineString', coordinates: [[500000, 6139000], [650000, 6139000]] }, corridorWidth: 10, stretchLength: 1, crs: UTM }, 413, 'BATCH_TOO_LARGE', '/stretchLength']
  ])('refuses %s', async (_name, payload, status, code, pointer?: string) => {
    const res = await t.as(planner, { method: 'POST', url: '/v1/batches', payload: payload as Record<string, unknown> });
    expect(res.statusCode, res.body).toBe(status);
    expect(problemOf(res).code).toBe(code);
    if (pointer !== undefined) expect(problemOf(res).pointer).toBe(pointer);
  });

  it('refuses a route whose stretches are longer than an area may be when it is submitted, not once it runs', async () => {
    const res = await t.as(planner, { method: 'POST', url: '/v1/batches', payload: { route: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000]] }, corridorWidth: 10, stretchLength: 5000, crs: UTM } });
    expect(res.statusCode, res.body).toBe(422);
    expect(problemOf(res)).toMatchObject({ code: 'ROUTE_INVALID', pointer: '/stretchLength' });
  });
});

describe('batch limits', () => {
  it('bounds areas per batch, batches at once, and batches kept per planner', async () => {
    const t = await testApp(dir.sub('limits'), {
      config: { limits: { maxBatchAreas: 3000, maxBatchesRunning: 1, maxBatchesQueued: 0, batchesKeptPerPlanner: 2 } },
      prepare: (engine) => engine.putNetwork('el', network('el', 0), { crs: UTM })
    });
    try {
      const planner = await t.key('planner');
      const post = (n: number) => t.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: areas(n), crs: UTM } });
      const tooMany = await post(3001);
      expect(tooMany.statusCode).toBe(413);
      expect(problemOf(tooMany)).toMatchObject({ code: 'BATCH_TOO_LARGE', pointer: '/areas/features' });
      // One running, none may wait: the second is refused while the first runs.
      const [first, second] = await Promise.all([post(3000), post(10)]);
      expect(first.statusCode).toBe(202);
      expect(second.statusCode).toBe(503);
      expect(problemOf(second).code).toBe('BATCH_QUEUE_FULL');
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
      const firstId = (first.json() as BatchView).id;
      expect(ndjson((await t.as(planner, { method: 'GET', url: `/v1/batches/${firstId}/results` })).body)).toHaveLength(3000);
      // Once the first is done, another runs; both stay kept, and a third is refused until the
      // planner deletes one (an ended batch is deleted with its results).
      const third = await post(5);
      expect(third.statusCode).toBe(202);
      expect(ndjson((await t.as(planner, { method: 'GET', url: `/v1/batches/${(third.json() as BatchView).id}/results` })).body)).toHaveLength(5);
      expect((await t.as(planner, { method: 'GET', url: `/v1/batches/${firstId}` })).json()).toMatchObject({ status: 'done', results: 3000 });
      const fourth = await post(5);
      expect(fourth.statusCode).toBe(429);
      expect(problemOf(fourth).code).toBe('QUOTA_BATCHES_KEPT');
      expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
      const deleted = await t.as(planner, { method: 'DELETE', url: `/v1/batches/${firstId}` });
      expect(deleted.json()).toMatchObject({ id: firstId, status: 'done', results: 3000 });
      expect(problemOf(await t.as(planner, { method: 'GET', url: `/v1/batches/${firstId}` })).code).toBe('BATCH_UNKNOWN');
      expect(problemOf(await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/batches/${firstId}/results` })).code).toBe('BATCH_UNKNOWN');
      expect((await post(5)).statusCode).toBe(202);
    } finally {
      await t.close();
    }
  });

  it('cancels a waiting batch at once and a running one within moments, for its requester or an admin only', async () => {
    const t = await testApp(dir.sub('cancel'), {
      workers: 1,
      // The 100,000-area body is parsed on the event loop: on a busy machine that can pass the
      // overload guard's delay, which this test is not about.
      config: { limits: { maxBatchAreas: 100_000, maxBatchesRunning: 1, maxBatchesQueued: 1 }, pressure: { maxEventLoopDelayMs: 0 } },
      prepare: (engine) => engine.putNetwork('el', network('el', 0), { crs: UTM })
    });
    try {
      const planner = await t.key('planner');
      const other = await t.key('planner');
      const post = (n: number) => t.as(planner, { method: 'POST', url: '/v1/batches', payload: { areas: areas(n), crs: UTM } });
      const running = (await post(100_000)).json() as BatchView;
      const waiting = (await post(10)).json() as BatchView;
      expect(waiting.status).toBe('queued');
      const del = (who: string, id: string) => t.as(who, { method: 'DELETE', url: `/v1/batches/${id}` });
      expect(problemOf(await del(other, running.id)).code).toBe('BATCH_UNKNOWN');
      expect(problemOf(await del(planner, 'no-such-batch')).code).toBe('BATCH_UNKNOWN');
      const w = await del(planner, waiting.id);
      expect(w.statusCode).toBe(200);
      expect(w.json()).toMatchObject({ id: waiting.id, status: 'cancelled', results: 0, error: { code: 'BATCH_CANCELLED' } });
      const r = await del(ADMIN_TOKEN, running.id);
      expect(r.statusCode).toBe(200);
      // One batch runs at a time: the next one starts once the cancelled one has ended, so the end
      // of its results is the moment to look (no polling).
      const next = await post(5);
      expect(next.statusCode).toBe(202);
      const done = next.json() as BatchView;
      expect(ndjson((await t.as(planner, { method: 'GET', url: `/v1/batches/${done.id}/results` })).body)).toHaveLength(5);
      const view = (await t.as(planner, { method: 'GET', url: `/v1/batches/${running.id}` })).json() as BatchView;
      expect(view).toMatchObject({ status: 'cancelled', error: { code: 'BATCH_CANCELLED' } });
      expect(view.results).toBeLessThan(100_000);
      // A cancelled batch with no results answers its results with its code; a finished one is deleted.
      expect(problemOf(await t.as(planner, { method: 'GET', url: `/v1/batches/${waiting.id}/results` })).code).toBe('BATCH_CANCELLED');
      expect((await del(planner, done.id)).json()).toMatchObject({ status: 'done', results: 5 });
      expect(problemOf(await t.as(planner, { method: 'GET', url: `/v1/batches/${done.id}` })).code).toBe('BATCH_UNKNOWN');
      const audit = (await t.store.auditLog(10)).filter((e) => e.action === 'batch.cancel' || e.action === 'batch.delete');
      expect(audit.map((e) => [e.action, e.detail.id])).toEqual([['batch.delete', done.id], ['batch.cancel', running.id], ['batch.cancel', waiting.id]]);
    } finally {
      await t.close();
    }
  });

  it('needs a network to check against', async () => {
    const t = await testApp(dir.sub('empty'));
    try {
      const res = await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/batches', payload: { areas: areas(1), crs: UTM } });
      expect(res.statusCode).toBe(503);
      expect(problemOf(res).code).toBe('NETWORK_EMPTY');
    } finally {
      await t.close();
    }
  });
});
