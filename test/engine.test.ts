import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, marginOf, type AreaSummary } from '../src/library.js';
import type { Feature, LineString, MultiPolygon, Polygon } from '../src/types.js';
import { PLANAR } from './helpers/compare.js';
import { heapAfterGc } from './helpers/heap.js';
import { areaOf, featureDistance, segmentSegmentSq, type SqDist } from './helpers/oracle.js';
import type { Pt } from './helpers/shapes.js';
import { Random, randomDigArea, randomWorld, type World } from './helpers/random.js';
import { shapeProblem } from './helpers/query.js';
import { CRASH_X, THROW_X } from './helpers/faulty-worker.js';

const GRID = { size: 400, half: 0.3 };
const OPTS = { ...PLANAR, infoZone: 2 } as const;

function makeWorld(seed: number): World {
  return randomWorld(new Random(seed), { ...GRID, owners: 3, featuresPerOwner: 250, components: 0.2 });
}

async function load(engine: Engine, world: World): Promise<void> {
  await engine.putNetworks(world.owners.map(({ owner, features }) => ({ owner, input: { type: 'FeatureCollection', features }, opts: PLANAR })));
}

function digAreas(seed: number, n: number): Feature<Polygon | MultiPolygon>[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, (_, i) => ({ type: 'Feature', id: `dig-${i}`, geometry: randomDigArea(rng, GRID), properties: {} }));
}

async function collect(run: AsyncIterable<AreaSummary>): Promise<AreaSummary[]> {
  const out: AreaSummary[] = [];
  for await (const s of run) out.push(s);
  return out;
}

/** The conflicts of a summary as comparable keys. */
function keys(s: AreaSummary): string[] {
  return (s.conflicts ?? []).map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}`).sort();
}

function queryKeys(engine: Engine, area: Polygon | MultiPolygon, infoZone = 2): string[] {
  return engine
    .query(area, { ...PLANAR, infoZone, geometry: false })
    .map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}`)
    .sort();
}

describe('Engine: batches in the pool', () => {
  const world = makeWorld(101);
  const areas = digAreas(202, 900);
  const pool = new Engine({ workers: 2 });
  const inline = new Engine({ workers: 0 });
  let inlineSummaries: AreaSummary[] = [];

  beforeAll(async () => {
    await load(pool, world);
    await load(inline, world);
    inlineSummaries = await collect(inline.checkBatch({ type: 'FeatureCollection', features: areas }, { ...OPTS, conflicts: true }));
  });
  afterAll(async () => {
    await pool.close();
    await inline.close();
  });

  it('answers every area, in input order, as the single query does', () => {
    expect(inlineSummaries.map((s) => s.index)).toEqual(areas.map((_, i) => i));
    expect(inlineSummaries.map((s) => s.id)).toEqual(areas.map((a) => a.id));
    let hits = 0;
    let refused = 0;
    for (let i = 0; i < areas.length; i++) {
      const s = inlineSummaries[i];
      // A shape a dig request is refused (members sharing an edge, say) fails with the same code.
      const problem = shapeProblem(areas[i].geometry, PLANAR);
      if (problem !== null) {
        expect(s.status).toBe('failed');
        expect(s.error?.code).toBe(problem);
        refused++;
        continue;
      }
      expect(s.status).toBe('ok');
      expect(keys(s)).toEqual(queryKeys(inline, areas[i].geometry));
      expect(s.conflictCount).toBe(s.conflicts?.length);
      hits += s.conflictCount;
    }
    // The random areas do meet the network, and some are refused.
    expect(hits).toBeGreaterThan(areas.length - refused);
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(areas.length / 2);
  });

  it('gives identical summaries in the pool and inline', async () => {
    const pooled = await collect(pool.checkBatch({ type: 'FeatureCollection', features: areas }, { ...OPTS, conflicts: true, taskSize: 100 }));
    expect(pooled).toEqual(inlineSummaries);
  });

  it('sums up each area: owners, kinds of supply, danger classes, most dangerous line, length inside', () => {
    const rank = (f: string | null): number => (f === 'meget farlig' ? 3 : f === 'farlig' ? 2 : f === 'ikke farlig' ? 1 : 0);
    for (const s of inlineSummaries) {
      const list = s.conflicts ?? [];
      expect(s.owners).toEqual([...new Set(list.map((c) => c.owner))].sort());
      expect(s.inDigArea + s.inInfoZone).toBe(list.length);
      expect(s.inDigArea).toBe(list.filter((c) => c.zone === 'digArea').length);
      expect(Object.values(s.byForsyningsart).reduce((a, b) => a + b, 0)).toBe(list.length);
      expect(Object.values(s.byFareklasse).reduce((a, b) => a + b, 0)).toBe(list.length);
      for (const c of list) expect(s.byFareklasse[c.fareklasse ?? 'ukendt']).toBeGreaterThan(0);
      expect(s.lengthInside).toBeCloseTo(list.reduce((a, c) => a + c.lengthInside, 0), 6);
      const lines = list.filter((c) => !c.featureType.toLowerCase().endsWith('komponent'));
      if (lines.length === 0) expect(s.mostDangerous).toBeNull();
      else {
        const best = Math.max(...lines.map((c) => rank(c.fareklasse)));
        expect(rank(s.mostDangerous?.fareklasse ?? null)).toBe(best);
      }
    }
  });

  it('runs two batches at once', async () => {
    const [a, b] = await Promise.all([
      collect(pool.checkBatch({ type: 'FeatureCollection', features: areas }, { ...OPTS, conflicts: true, taskSize: 150 })),
      collect(pool.checkBatch(areas.slice(0, 300), { ...OPTS, conflicts: true }))
    ]);
    expect(a).toEqual(inlineSummaries);
    expect(b).toEqual(inlineSummaries.slice(0, 300));
  });

  it('reports bad areas with their code and goes on with the rest', async () => {
    const bad: unknown[] = [
      areas[0],
      { type: 'Feature', id: 'open', geometry: { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10]]] }, properties: {} },
      { type: 'Feature', id: 'point', geometry: { type: 'Point', coordinates: [1, 1] }, properties: {} },
      { type: 'Feature', id: 'nan', geometry: { type: 'Polygon', coordinates: [[[0, 0], [Number.NaN, 0], [10, 10], [0, 0]]] }, properties: {} },
      { type: 'Feature', id: 'huge', geometry: { type: 'Polygon', coordinates: [[[0, 0], [5000, 0], [5000, 10], [0, 0]]] }, properties: {} },
      'not a feature',
      areas[1]
    ];
    const out = await collect(pool.checkBatch(bad, { ...OPTS, conflicts: true }));
    expect(out.map((s) => s.status)).toEqual(['ok', 'failed', 'failed', 'failed', 'failed', 'failed', 'ok']);
    expect(out.map((s) => s.error?.code ?? null)).toEqual([null, 'RING_NOT_CLOSED', 'GEOMETRY_TYPE_UNSUPPORTED', 'COORDINATE_NOT_FINITE', 'AREA_TOO_LARGE', 'FEATURE_NOT_OBJECT', null]);
    expect(out[1].error?.pointer).toBe('/geometry/coordinates/0');
    expect(out[1].id).toBe('open');
    expect(out[0]).toEqual(inlineSummaries[0]);
    expect(out[6]).toEqual({ ...inlineSummaries[1], index: 6 });
  });

  it('rejects unusable batch input as a whole, with a code', async () => {
    await expect(collect(pool.checkBatch({ type: 'FeatureCollection', features: 3 }, OPTS))).rejects.toMatchObject({ code: 'FEATURE_COLLECTION_INVALID' });
    await expect(collect(pool.checkBatch(areas, { ...OPTS, infoZone: 500 }))).rejects.toMatchObject({ code: 'INFO_ZONE_OUT_OF_RANGE' });
    await expect(collect(pool.checkBatch({ type: 'LineString', coordinates: [[0, 0], [10, 0]] }, OPTS))).rejects.toMatchObject({ code: 'ROUTE_INVALID' });
    await expect(collect(pool.checkBatch(areas, { ...OPTS, taskSize: 0 }))).rejects.toMatchObject({ code: 'BATCH_INVALID' });
    await expect(collect(pool.checkBatch(areas, { ...OPTS, window: 1e9 }))).rejects.toMatchObject({ code: 'BATCH_INVALID', pointer: '/window' });
    await expect(collect(pool.checkBatch((async function* () {})() as unknown, OPTS))).resolves.toEqual([]);
  });

  it('streams an async iterable input with bounded memory', async () => {
    const n = 60_000;
    const rng = new Random(5);
    const shapes = Array.from({ length: 64 }, () => randomDigArea(rng, GRID));
    async function* lazily(): AsyncGenerator<Feature> {
      for (let i = 0; i < n; i++) yield { type: 'Feature', id: i, geometry: shapes[i % shapes.length], properties: {} };
    }
    const heap: number[] = [];
    let count = 0;
    let conflicts = 0;
    for await (const s of pool.checkBatch(lazily(), OPTS)) {
      expect(s.index).toBe(count);
      count++;
      conflicts += s.conflictCount;
      if (count % 15_000 === 0) heap.push(heapAfterGc());
    }
    expect(count).toBe(n);
    const perShape = shapes.map((g) => (shapeProblem(g, PLANAR) === null ? queryKeys(pool, g).length : 0));
    expect(conflicts).toBe(Array.from({ length: n }, (_, i) => perShape[i % shapes.length]).reduce((a, b) => a + b, 0));
    // Summaries are not kept: the heap does not grow with the batch.
    expect(Math.max(...heap) - heap[0]).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('Engine: versions', () => {
  it('finishes a batch on the version it started with while a new one is swapped in', async () => {
    const world = makeWorld(303);
    const changed: World = {
      owners: world.owners.map((o, i) => (i === 0 ? { owner: o.owner, features: o.features.slice(0, 40) } : o))
    };
    const areas = digAreas(404, 1200);
    const engine = new Engine({ workers: 2 });
    const before = new Engine({ workers: 0 });
    const after = new Engine({ workers: 0 });
    try {
      await load(engine, world);
      await load(before, world);
      await load(after, changed);
      const v1 = engine.snapshot?.version;
      const expectedBefore = await collect(before.checkBatch(areas, { ...OPTS, conflicts: true }));
      const expectedAfter = await collect(after.checkBatch(areas, { ...OPTS, conflicts: true }));
      // The change does matter for these areas.
      expect(expectedAfter.map(keys)).not.toEqual(expectedBefore.map(keys));

      const got: AreaSummary[] = [];
      let swapped = false;
      for await (const s of engine.checkBatch(areas, { ...OPTS, conflicts: true, taskSize: 100, window: 300 })) {
        got.push(s);
        if (!swapped) {
          await engine.putNetwork(world.owners[0].owner, { type: 'FeatureCollection', features: changed.owners[0].features }, PLANAR);
          swapped = true;
          // Both versions are live while the batch runs; the old one goes when it ends.
          expect(engine.liveVersions().sort()).toEqual([v1, engine.snapshot?.version].sort());
        }
      }
      expect(engine.snapshot?.version).toBe((v1 ?? 0) + 1);
      expect(got.map(keys)).toEqual(expectedBefore.map(keys));
      expect(new Set(got.map((s) => s.version))).toEqual(new Set([v1]));
      expect(engine.liveVersions()).toEqual([engine.snapshot?.version]);
      expect(engine.snapshot?.networks.get(world.owners[0].owner)?.version).toBe(2);

      const next = await collect(engine.checkBatch(areas, { ...OPTS, conflicts: true }));
      expect(next.map(keys)).toEqual(expectedAfter.map(keys));
    } finally {
      await Promise.all([engine.close(), before.close(), after.close()]);
    }
  });

  it('leaves the network as it was when an upload is invalid', async () => {
    const engine = new Engine({ workers: 0 });
    const world = makeWorld(7);
    await load(engine, world);
    const v = engine.snapshot?.version;
    const area = digAreas(8, 1)[0].geometry;
    const answer = queryKeys(engine, area);
    const bad = [...world.owners[0].features.slice(0, 5), { type: 'Feature', id: 'x', geometry: null, properties: { featureType: 'Elledning' } }];
    expect(() => engine.putNetwork(world.owners[0].owner, bad, PLANAR)).toThrow(expect.objectContaining({ code: 'GEOMETRY_MISSING', featureIndex: 5 }));
    expect(engine.snapshot?.version).toBe(v);
    expect(queryKeys(engine, area)).toEqual(answer);
  });
});

describe('Engine: failures and cancellation', () => {
  const world = makeWorld(505);
  const areas = digAreas(606, 1000);
  let reference: AreaSummary[] = [];
  const engine = new Engine({ workers: 2, workerFile: new URL('./helpers/faulty-worker.ts', import.meta.url) });

  beforeAll(async () => {
    await load(engine, world);
    const inline = new Engine({ workers: 0 });
    await load(inline, world);
    reference = await collect(inline.checkBatch(areas, { ...OPTS, conflicts: true }));
    await inline.close();
  });
  afterAll(() => engine.close());

  const marked = (x: number): Feature<Polygon> => ({
    type: 'Feature',
    id: `marked-${x}`,
    geometry: { type: 'Polygon', coordinates: [[[x, 10], [x + 5, 10], [x + 5, 15], [x, 10]]] },
    properties: {}
  });

  for (const [what, x] of [['crashes', CRASH_X], ['throws', THROW_X]] as const) {
    it(`fails only the task whose worker ${what}, and the pool goes on`, async () => {
      const input = [...areas.slice(0, 500), marked(x), ...areas.slice(500)];
      const out = await collect(engine.checkBatch(input, { ...OPTS, conflicts: true, taskSize: 100 }));
      expect(out).toHaveLength(input.length);
      // Areas refused for their shape fail as in the reference; the worker's failure is WORKER_FAILED.
      const failed = out.filter((s) => s.status === 'failed' && s.error?.code === 'WORKER_FAILED');
      // Exactly the marked area's task: at most a hundred areas, the marked one among them.
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.length).toBeLessThanOrEqual(100);
      expect(failed.map((s) => s.id)).toContain(`marked-${x}`);
      for (const s of out) {
        if (s.error?.code === 'WORKER_FAILED' || s.index === 500) continue;
        const i = s.index < 500 ? s.index : s.index - 1;
        // A refused area's message names its position in this input, one further on past the marked area.
        if (s.error !== undefined) expect({ ...s, index: i, error: { ...s.error, message: reference[i].error?.message } }).toEqual(reference[i]);
        else expect({ ...s, index: i }).toEqual(reference[i]);
      }
      // The pool is whole again: a batch after the failure is answered in full.
      const again = await collect(engine.checkBatch(areas.slice(0, 300), { ...OPTS, conflicts: true }));
      expect(again).toEqual(reference.slice(0, 300));
    });
  }

  it('stops promptly when cancelled', async () => {
    const many = Array.from({ length: 40 }, () => areas).flat();
    const controller = new AbortController();
    let doneAtAbort = -1;
    let lastDone = 0;
    const run = collect(
      engine.checkBatch(many, {
        ...OPTS,
        taskSize: 100,
        signal: controller.signal,
        onProgress: (p) => {
          lastDone = p.done;
          expect(p.total).toBe(many.length);
          if (p.done >= 1000 && doneAtAbort < 0) {
            doneAtAbort = p.done;
            controller.abort();
          }
        }
      })
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(doneAtAbort).toBeGreaterThan(0);
    // Only tasks already in the workers' hands may finish after the abort.
    expect(lastDone - doneAtAbort).toBeLessThanOrEqual(2 * engine.workers * 100);
    expect(lastDone).toBeLessThan(many.length / 2);
    // And the engine answers the next batch in full.
    const again = await collect(engine.checkBatch(areas.slice(0, 200), { ...OPTS, conflicts: true }));
    expect(again).toEqual(reference.slice(0, 200));
  });
});

describe('Engine: routes', () => {
  const world = makeWorld(909);
  const engine = new Engine({ workers: 2 });
  beforeAll(() => load(engine, world));
  afterAll(() => engine.close());

  const coords: Pt[] = [[20, 20], [150, 35], [210, 180], [380, 200], [300, 390]];
  const route: Feature<LineString> = { type: 'Feature', id: 'route-1', geometry: { type: 'LineString', coordinates: coords }, properties: {} };
  const length = coords.slice(1).reduce((s, p, i) => s + Math.hypot(p[0] - coords[i][0], p[1] - coords[i][1]), 0);

  /** Distance from a feature to the part of the route from s0 to s1 metres along it. */
  function distanceToStretch(feature: Feature, s0: number, s1: number): number {
    let best = Infinity;
    let at = 0;
    for (let i = 1; i < coords.length; i++) {
      const [ax, ay] = coords[i - 1];
      const [bx, by] = coords[i];
      const l = Math.hypot(bx - ax, by - ay);
      const t0 = Math.max(0, (s0 - at) / l);
      const t1 = Math.min(1, (s1 - at) / l);
      at += l;
      if (t1 < t0) continue;
      const p: Pt = [ax + t0 * (bx - ax), ay + t0 * (by - ay)];
      const q: Pt = [ax + t1 * (bx - ax), ay + t1 * (by - ay)];
      best = Math.min(best, segmentDistanceToFeature(p, q, feature));
    }
    return best;
  }

  it('checks the corridor stretch by stretch, exactly: within half the width + m(F) (+ b) of each stretch', async () => {
    const width = 12;
    const r = width / 2;
    const b = 2;
    const out = await collect(engine.checkBatch(route, { ...PLANAR, infoZone: b, corridorWidth: width, conflicts: true }));
    expect(out).toHaveLength(Math.ceil(length / 100));
    expect(out.map((s) => s.id)).toEqual(out.map((_, k) => `route-1:${k}`));
    expect(out[out.length - 1].stretch?.to).toBeCloseTo(length, 9);
    let found = 0;
    let checked = 0;
    for (const s of out) {
      expect(s.status).toBe('ok');
      const { from, to } = s.stretch ?? { from: 0, to: 0 };
      const reported = new Map((s.conflicts ?? []).map((c) => [`${c.owner}|${String(c.featureId)}`, c]));
      for (const { owner, features } of world.owners) {
        for (const f of features) {
          const d = distanceToStretch(f, from, to);
          const m = marginOf(f.properties ?? {});
          const c = reported.get(`${owner}|${String(f.id)}`);
          // Ties within rounding of a zone's edge are left out.
          if (Math.abs(d - (r + m)) < 1e-6 || Math.abs(d - (r + m + b)) < 1e-6) continue;
          const want = d <= r + m ? 'digArea' : d <= r + m + b ? 'infoZone' : undefined;
          expect(c?.zone, `${owner} ${String(f.id)} at ${d} m of stretch ${s.index}`).toBe(want);
          if (c) expect(c.distance).toBeCloseTo(Math.max(0, d - r), 6);
          checked++;
        }
      }
      found += s.conflictCount;
    }
    expect(checked).toBeGreaterThan(1000);
    expect(found).toBeGreaterThan(0);
  });

  it('measures the length of each line inside a stretch\'s corridor', async () => {
    const lines = new Engine({ workers: 1 });
    try {
      const line = (id: string, coordinates: number[][]): Feature => ({ type: 'Feature', id, geometry: { type: 'LineString', coordinates }, properties: { featureType: 'Elledning' } });
      await lines.putNetwork('dk-el', [line('across', [[50, -20], [50, 20]]), line('along', [[-50, 3], [350, 3]]), line('beside', [[-50, 8], [350, 8]])], PLANAR);
      const straight: LineString = { type: 'LineString', coordinates: [[0, 0], [120, 0], [300, 0]] };
      const out = await collect(lines.checkBatch(straight, { ...PLANAR, infoZone: 4, corridorWidth: 10, conflicts: true }));
      expect(out.map((s) => s.stretch)).toEqual([{ from: 0, to: 100 }, { from: 100, to: 200 }, { from: 200, to: 300 }]);
      const byId = out.map((s) => Object.fromEntries((s.conflicts ?? []).map((c) => [c.featureId, c])));
      // Across the first stretch: 10 m inside; along it at 3 m: the stretch and 4 m of each round end.
      expect(byId[0].across).toMatchObject({ zone: 'digArea', distance: 0 });
      expect(byId[0].across.lengthInside).toBeCloseTo(10, 9);
      for (const k of [0, 1, 2]) {
        expect(byId[k].along.zone).toBe('digArea');
        expect(byId[k].along.lengthInside).toBeCloseTo(108, 9);
        // At 8 m, 3 m outside the corridor: in the information zone of 4 m.
        expect(byId[k].beside).toMatchObject({ zone: 'infoZone', lengthInside: 0 });
        expect(byId[k].beside.distance).toBeCloseTo(3, 9);
      }
      expect(byId[1].across).toBeUndefined();
      expect(out[0].lengthInside).toBeCloseTo(118, 9);
    } finally {
      await lines.close();
    }
  });

  it('answers a route in lon/lat as in metres', async () => {
    const inMetres = await collect(engine.checkBatch(route, { ...PLANAR, corridorWidth: 8, stretchLength: 50 }));
    expect(inMetres.length).toBe(Math.ceil(length / 50));
    await expect(collect(engine.checkBatch(route, { ...PLANAR, corridorWidth: -1 }))).rejects.toMatchObject({ code: 'ROUTE_INVALID' });
  });
});

/** Distance between the segment pq and a feature's geometry, by the oracle. */
function segmentDistanceToFeature(p: Pt, q: Pt, feature: Feature): number {
  const g = feature.geometry;
  const segments: [Pt, Pt][] = [];
  const points: Pt[] = [];
  const line = (cs: number[][]): void => {
    for (let i = 1; i < cs.length; i++) segments.push([cs[i - 1] as Pt, cs[i] as Pt]);
    if (cs.length === 1) points.push(cs[0] as Pt);
  };
  switch (g.type) {
    case 'Point':
      points.push(g.coordinates as Pt);
      break;
    case 'MultiPoint':
      for (const c of g.coordinates) points.push(c as Pt);
      break;
    case 'LineString':
      line(g.coordinates);
      break;
    case 'MultiLineString':
      g.coordinates.forEach(line);
      break;
    case 'Polygon':
    case 'MultiPolygon':
      // The polygon as the area, the segment as the feature: 0 when the segment reaches in.
      return featureDistance(areaOf(g), { type: 'LineString', coordinates: [p, q] });
  }
  let best = Infinity;
  for (const [a, b] of segments) best = Math.min(best, sqrtOf(segmentSegmentSq(p, q, a, b)));
  for (const a of points) best = Math.min(best, sqrtOf(segmentSegmentSq(p, q, a, a)));
  return best;
}

function sqrtOf(d: SqDist): number {
  return Math.sqrt(d.num / d.den);
}
