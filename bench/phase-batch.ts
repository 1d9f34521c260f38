/**
 * Planners' batches: throughput of `Engine.checkBatch` with 0 (inline), 1 and 2 worker threads on
 * the full network, for building-sized areas, 500 x 500 m squares and a long route checked stretch
 * by stretch; the process's RSS with each pool; and the answers, for PostGIS to be compared with.
 */
import { Engine } from '../src/engine.js';
import type { NetworkIndex } from '../src/index/network-index.js';
import { DEFAULT_MAX_SIDE, DEFAULT_MAX_VERTICES } from '../src/batch/areas.js';
import { readRouteLine, routeStretchLines } from '../src/batch/route.js';
import type { Feature, FeatureCollection, LineString, MultiPolygon, Polygon } from '../src/types.js';
import type { BenchContext } from './context.js';
import { generateDigs, generateRoute } from './digs.js';
import { dataFiles, loadBuildings } from './network.js';
import { deriveSeed } from './rng.js';
import { seconds, settle, sink } from './stats.js';

export const BATCH_INFO_ZONE = 2;
export const ROUTE_WIDTH = 10;
export const ROUTE_STRETCH = 100;

export interface BatchWorkload {
  name: string;
  /** What the engine is given: areas as a FeatureCollection, or the route. */
  input: FeatureCollection<Polygon | MultiPolygon> | Feature<LineString>;
  /** The same areas (a route: its stretches' centrelines) for PostGIS, in batch order. */
  areas: (Polygon | MultiPolygon | LineString)[];
  /** A route's corridor half-width (PostGIS asks within this distance of each stretch), else 0. */
  radius: number;
  /** Per area, the engine's pairs: `owner\0fid` -> 1 (dig area) or 2 (information zone). */
  answers: Map<string, 1 | 2>[];
}

export interface BatchTiming {
  threads: number;
  seconds: number;
  perSecond: number;
}

export interface BatchRow {
  name: string;
  areas: number;
  vertices: number;
  engine: BatchTiming[];
  postgis?: { one: BatchTiming; two: BatchTiming | null; diffs: number };
}

export interface BatchReport {
  b: number;
  rows: BatchRow[];
  /** A long batch streamed from a generator with 2 workers: its time and the RSS it reached. */
  stream?: { areas: number; seconds: number; rssBefore: number; rssPeak: number; rssAfter: number };
  /** Process RSS in bytes after a batch with 0, 1 and 2 workers. */
  rss: { threads: number; bytes: number }[];
}

export function makeWorkloads(ctx: BenchContext): BatchWorkload[] {
  const smoke = ctx.opts.smoke;
  const seed = deriveSeed(ctx.opts.seed, 'batch', 'areas');
  const buildings = generateDigs(ctx.plan, loadBuildings(dataFiles(smoke).buildings), { seed, perShape: smoke ? 150 : 20_000, shapes: ['building'] });
  const squares = generateDigs(ctx.plan, [], { seed, perShape: smoke ? 20 : 4000, shapes: ['square'] });
  const route = generateRoute(ctx.plan, ctx.opts.seed, smoke ? 2000 : 50_000);
  const collection = (digs: typeof buildings): FeatureCollection<Polygon | MultiPolygon> => ({
    type: 'FeatureCollection',
    features: digs.map((d, i) => ({ type: 'Feature', id: i, geometry: d.geometry, properties: {} }))
  });
  const limits = { crs: 'EPSG:25832' as const, extent: null, maxSide: DEFAULT_MAX_SIDE, maxVertices: DEFAULT_MAX_VERTICES };
  const line = readRouteLine({ line: { type: 'LineString', coordinates: route }, id: null, width: ROUTE_WIDTH, stretchLength: ROUTE_STRETCH }, limits);
  const stretches = [...routeStretchLines(line, ROUTE_STRETCH)].map((st): LineString => {
    const coordinates: number[][] = [];
    for (let i = 0; i < st.line.length; i += 2) coordinates.push([st.line[i], st.line[i + 1]]);
    return { type: 'LineString', coordinates };
  });
  return [
    { name: 'building', input: collection(buildings), areas: buildings.map((d) => d.geometry), radius: 0, answers: [] },
    { name: 'square 500 m', input: collection(squares), areas: squares.map((d) => d.geometry), radius: 0, answers: [] },
    {
      name: `route ${(smoke ? 2 : 50).toFixed(0)} km, ${ROUTE_WIDTH} m wide, by ${ROUTE_STRETCH} m`,
      input: { type: 'Feature', id: 'route', geometry: { type: 'LineString', coordinates: route }, properties: {} },
      areas: stretches,
      radius: ROUTE_WIDTH / 2,
      answers: []
    }
  ];
}

function vertexCount(g: Polygon | MultiPolygon | LineString): number {
  if (g.type === 'LineString') return g.coordinates.length;
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.reduce((s, rings) => s + rings.reduce((t, r) => t + r.length, 0), 0);
}

async function runOnce(engine: Engine, w: BatchWorkload, keep: boolean): Promise<number> {
  const t0 = performance.now();
  const answers: Map<string, 1 | 2>[] = [];
  for await (const s of engine.checkBatch(w.input, {
    crs: 'EPSG:25832',
    infoZone: BATCH_INFO_ZONE,
    conflicts: keep,
    ...(w.input.type === 'Feature' ? { corridorWidth: ROUTE_WIDTH, stretchLength: ROUTE_STRETCH } : {})
  })) {
    if (s.status !== 'ok') throw new Error(`Batch area ${s.index} failed: ${s.error?.code} ${s.error?.message}`);
    sink.value += s.conflictCount;
    if (keep) answers[s.index] = new Map((s.conflicts ?? []).map((c) => [`${c.owner}\u0000${String(c.featureId)}`, c.zone === 'digArea' ? 1 : 2]));
  }
  if (keep) w.answers = answers;
  return seconds(t0);
}

/**
 * The engine over the owners' own indexes (merged once), its pool resized to 0, 1 and 2 threads;
 * for each, a warm-up run of every workload and then the best of `reps` timed runs.
 */
export async function timeBatches(ctx: BenchContext, parts: readonly NetworkIndex[], workloads: BatchWorkload[], workerFile?: string): Promise<BatchReport> {
  const engine = new Engine({ workers: 0, chunkSize: ctx.opts.chunkSize, workerFile });
  const report: BatchReport = { b: BATCH_INFO_ZONE, rows: workloads.map((w) => ({ name: w.name, areas: w.areas.length, vertices: w.areas.reduce((s, a) => s + vertexCount(a), 0) / Math.max(1, w.areas.length), engine: [] })), rss: [] };
  try {
    await engine.putNetworks(parts.map((index) => ({ owner: index.owners[0], input: index })));
    // Memory first, while the heap holds little else: RSS after a small batch (the workers have
    // attached the snapshot) with 0, 1 and 2 workers, the heap collected and the OS given time.
    const first = workloads[0];
    const probe: BatchWorkload = {
      ...first,
      input: first.input.type === 'FeatureCollection' ? { ...first.input, features: first.input.features.slice(0, 400) } : first.input
    };
    for (const threads of [0, 1, 2]) {
      await engine.setWorkers(threads);
      await runOnce(engine, probe, false);
      await runOnce(engine, probe, false);
      settle(500);
      report.rss.push({ threads, bytes: process.memoryUsage.rss() });
    }
    for (const threads of [0, 1, 2]) {
      await engine.setWorkers(threads);
      for (let i = 0; i < workloads.length; i++) {
        const w = workloads[i];
        await runOnce(engine, w, threads === 0);
        // Short batches (the route's) are run more often: the best of runs of a few milliseconds.
        const reps = Math.max(1, ctx.opts.reps, Math.min(30, Math.ceil(10_000 / Math.max(1, w.areas.length))));
        let best = Infinity;
        for (let r = 0; r < reps; r++) best = Math.min(best, await runOnce(engine, w, false));
        report.rows[i].engine.push({ threads, seconds: best, perSecond: w.areas.length / best });
        ctx.opts.log(`  ${w.name}: ${threads} worker(s) ${(w.areas.length / best).toFixed(0)} areas/s`);
      }
    }
    report.stream = await streamLong(engine, workloads[0], ctx.opts.smoke ? 5000 : 1_000_000);
    ctx.opts.log(`  streamed ${report.stream.areas} areas in ${report.stream.seconds.toFixed(1)} s, RSS peak ${(report.stream.rssPeak / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    await engine.close();
  }
  return report;
}

/**
 * `count` areas from a generator (the building areas over and over), with the pool as it was
 * left: nothing holds the input or the summaries, so RSS must stay flat however long it runs.
 */
async function streamLong(engine: Engine, w: BatchWorkload, count: number): Promise<NonNullable<BatchReport['stream']>> {
  const features = w.input.type === 'FeatureCollection' ? w.input.features : [];
  async function* areas(): AsyncGenerator<Feature<Polygon | MultiPolygon>> {
    for (let i = 0; i < count; i++) yield { ...features[i % features.length], id: i };
  }
  settle(300);
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  let n = 0;
  const t0 = performance.now();
  for await (const s of engine.checkBatch(areas(), { crs: 'EPSG:25832', infoZone: BATCH_INFO_ZONE })) {
    sink.value += s.conflictCount;
    if (++n % 50_000 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }
  const secs = seconds(t0);
  if (n !== count) throw new Error(`Streamed ${n} summaries for ${count} areas.`);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  settle(300);
  return { areas: count, seconds: secs, rssBefore, rssPeak, rssAfter: process.memoryUsage.rss() };
}
