/**
 * The engine's side of the benchmark: build owner by owner from GeoJSON, merge, rebuild from
 * columns, measure memory, then time each dig shape and information zone width.
 */
import { buildNetwork, NetworkIndex } from '../src/library.js';
import type { AreaGeometry, Feature } from '../src/types.js';
import { copyAnswer, keyOf, type EngineAnswer } from './compare.js';
import { answerKey, preparedArea, type BenchContext, type RowResult } from './context.js';
import { SHAPES } from './digs.js';
import { OWNERS, ownerFeatures, type NetworkPlan } from './network.js';
import { measure, seconds, settle, sink, type Latency } from './stats.js';

const OPTS = { crs: 'EPSG:25832' } as const;

/**
 * Builds the index the way an upload would: each owner's GeoJSON into its own index (the GeoJSON is
 * dropped right after), then one merged index. Generation is timed apart from building.
 */
export function buildEngine(plan: NetworkPlan, chunkSize: number, log: (s: string) => void): {
  index: NetworkIndex;
  /** Each owner's own index, as an upload builds it. */
  parts: NetworkIndex[];
  generateSeconds: number;
  buildSeconds: number;
  mergeSeconds: number;
} {
  let generateSeconds = 0;
  let buildSeconds = 0;
  const parts: NetworkIndex[] = [];
  for (const owner of OWNERS) {
    let t0 = performance.now();
    let features: Feature[] | null = [...ownerFeatures(plan, owner)];
    generateSeconds += seconds(t0);
    t0 = performance.now();
    parts.push(buildNetwork(features, { owner: owner.id, crs: 'EPSG:25832', chunkSize }));
    const s = seconds(t0);
    buildSeconds += s;
    log(`  ${owner.id}: ${features.length} features built in ${s.toFixed(2)} s`);
    features = null;
  }
  const t0 = performance.now();
  const index = NetworkIndex.merge(parts, { chunkSize });
  const mergeSeconds = seconds(t0);
  return { index, parts, generateSeconds, buildSeconds, mergeSeconds };
}

/** Chunk tables and tree from the merged columns, three times: the index is the last one. */
export function timeFromColumns(ctx: BenchContext): void {
  const times: number[] = [];
  let index = ctx.index;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    index = NetworkIndex.fromColumns(ctx.index.columns, { chunkSize: ctx.opts.chunkSize });
    times.push(seconds(t0));
  }
  ctx.report.build.fromColumns = times;
  ctx.index = index;
}

function sameAnswer(ctx: BenchContext, area: AreaGeometry, b: number, a: EngineAnswer): boolean {
  const conflicts = ctx.index.query(preparedArea(area), { ...OPTS, infoZone: b });
  if (conflicts.length !== a.feature.length) return false;
  const byKey = new Map(conflicts.map((c) => [`${c.owner}\u0000${String(c.featureId)}`, c]));
  for (let k = 0; k < a.feature.length; k++) {
    const c = byKey.get(keyOf(ctx.index, a.feature[k]));
    if (!c || c.zone !== (a.zone[k] === 1 ? 'digArea' : 'infoZone') || c.distance !== a.distance[k] || !c.geometry) return false;
    const coords = (c.geometry as { coordinates: unknown[] }).coordinates;
    if (!Array.isArray(coords) || coords.length === 0) return false;
  }
  return true;
}

/**
 * For each shape and b: the answers (also the warm-up), then queryPairs, query with geometry and
 * countCandidates, each warmed and timed per dig; finally query() checked against queryPairs().
 */
export function timeEngine(ctx: BenchContext): void {
  const { index, opts } = ctx;
  // Untimed passes over every shape first, so that the first row timed does not carry the
  // compiler's work on code the later rows find ready (compilation shares the pinned core): the
  // rows time the steady state a running service is in.
  for (let pass = 0; pass < 2; pass++) for (const shape of SHAPES) {
    for (const dig of ctx.byShape.get(shape) ?? []) {
      for (const b of opts.infoZones) {
        sink.value += index.pairsOf(preparedArea(dig.geometry), b).count + index.countCandidates(preparedArea(dig.geometry), b);
      }
    }
  }
  for (const shape of SHAPES) {
    const digs = ctx.byShape.get(shape) ?? [];
    const areas = digs.map((d) => d.geometry);
    for (const b of opts.infoZones) {
      const q = { ...OPTS, infoZone: b };
      const answers = areas.map((a) => copyAnswer(index.pairsOf(preparedArea(a), q.infoZone)));
      ctx.answers.set(answerKey(shape, b), answers);
      const reps = opts.reps;
      const pause = opts.smoke ? 0 : 300;
      // Each timing starts on a collected, quiet heap: the passes pay for the engine's own
      // garbage, not for the answers kept above or the objects of the timing before.
      settle(pause);
      const exact = measure(areas, (a) => index.pairsOf(preparedArea(a), q.infoZone).count, Infinity, reps);
      settle(pause);
      const geometry = measure(areas, (a) => index.query(preparedArea(a), q).length, Infinity, reps);
      settle(pause);
      const floor = measure(areas, (a) => index.countCandidates(preparedArea(a), q.infoZone), Infinity, reps);
      let candidates = 0;
      let inconsistent = 0;
      areas.forEach((a, i) => {
        candidates += index.countCandidates(preparedArea(a), q.infoZone);
        if (!sameAnswer(ctx, a, b, answers[i])) inconsistent++;
      });
      const n = Math.max(1, digs.length);
      const row: RowResult = {
        shape,
        b,
        digs: digs.length,
        verticesPerDig: digs.reduce((s, d) => s + d.vertices, 0) / n,
        pairsPerDig: answers.reduce((s, x) => s + x.feature.length, 0) / n,
        candidatesPerDig: candidates / n,
        exact,
        geometry,
        floor,
        inconsistent
      };
      ctx.report.rows.push(row);
      ctx.opts.log(
        `  ${shape.padEnd(8)} b=${b}: exact p50 ${row.exact.p50.toFixed(1)} µs, p99 ${row.exact.p99.toFixed(1)} µs; ` +
          `floor p50 ${row.floor.p50.toFixed(1)} µs; ${row.pairsPerDig.toFixed(1)} pairs/dig`
      );
    }
  }
}

/** The chunk-size sweep: rebuild from columns with each K, time the building and square digs. */
export function sweepChunkSize(ctx: BenchContext): void {
  const columns = ctx.index.columns;
  for (const k of ctx.opts.sweep) {
    const t0 = performance.now();
    const index = NetworkIndex.fromColumns(columns, { chunkSize: k });
    const buildSeconds = seconds(t0);
    const mem = index.memory();
    const cells: { shape: (typeof SHAPES)[number]; b: number; exact: Latency; floor: Latency; diffs: number }[] = [];
    for (const shape of ['building', 'square'] as const) {
      const areas = (ctx.byShape.get(shape) ?? []).map((d) => d.geometry);
      for (const b of ctx.opts.infoZones) {
        const q = { ...OPTS, infoZone: b };
        const reference = ctx.answers.get(answerKey(shape, b)) ?? [];
        let diffs = 0;
        areas.forEach((a, i) => {
          const r = index.pairsOf(preparedArea(a), q.infoZone);
          const want = reference[i];
          if (r.count !== want.feature.length) diffs++;
          else for (let j = 0; j < r.count; j++) if (r.feature[j] !== want.feature[j] || r.zone[j] !== want.zone[j]) diffs++;
        });
        const exact = measure(areas, (a) => index.pairsOf(preparedArea(a), q.infoZone).count, Infinity, ctx.opts.reps);
        const floor = measure(areas, (a) => index.countCandidates(preparedArea(a), q.infoZone), Infinity, ctx.opts.reps);
        cells.push({ shape, b, exact, floor, diffs });
      }
    }
    const bytesPerSegment = (mem.coordinates + mem.index + mem.chunks) / index.segmentCount;
    ctx.report.sweep.push({ chunkSize: k, chunks: index.chunkCount, buildSeconds, bytesPerSegment, cells });
    ctx.opts.log(`  K=${k}: ${index.chunkCount} chunks, ${bytesPerSegment.toFixed(1)} B/segment, built in ${buildSeconds.toFixed(2)} s`);
  }
}
