/**
 * PostGIS as the reference and the peer to beat: the same network loaded into a GiST index over
 * `ST_Subdivide(geom, 16)`, every dig asked as one LATERAL batch and as single prepared queries, and
 * every answer compared with the engine's.
 */
import { marginOf } from '../src/model/margin.js';
import { diffPairs, engineMap, type PairDiff } from './compare.js';
import { answerKey, describeDiffs, rowOf, type BenchContext } from './context.js';
import { SHAPES } from './digs.js';
import { OWNERS, ownerFeatures, type NetworkPlan } from './network.js';
import { loadNetwork, queryBatch, queryBatchParallel, querySingle, startPostgis, type Dig, type Pairs, type PgPeer, type Row } from './peers/postgis.js';
import { summarize } from './stats.js';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { BATCH_INFO_ZONE } from './phase-batch.js';

/** The network again, owner by owner, as rows with m(F) computed from the attributes. */
function* rowsOf(plan: NetworkPlan): Generator<Row> {
  for (const owner of OWNERS) {
    for (const f of ownerFeatures(plan, owner)) {
      yield { ...f.geometry, owner: owner.id, fid: String(f.id), margin: marginOf(f.properties) } as Row;
    }
  }
}

/** PostGIS's own distance from a feature to a dig, for printing differences. */
async function pgDistance(peer: PgPeer, dig: Dig, key: string): Promise<number | undefined> {
  const [owner, fid] = key.split('\u0000');
  const res = await peer.client.query<{ d: number }>(
    `SELECT min(ST_Distance(geom, ST_SetSRID(ST_GeomFromGeoJSON($3), 25832))) AS d FROM net WHERE owner = $1 AND fid = $2`,
    [owner, fid, JSON.stringify({ type: dig.type, coordinates: dig.coordinates })]
  );
  const d = res.rows[0]?.d;
  return d === null || d === undefined ? undefined : Number(d);
}

function countDiffs(ctx: BenchContext, shape: (typeof SHAPES)[number], b: number, pairs: Pairs, examples: PairDiff[]): number {
  const digs = ctx.byShape.get(shape) ?? [];
  const answers = ctx.answers.get(answerKey(shape, b)) ?? [];
  let n = 0;
  digs.forEach((d, i) => {
    n += diffPairs(d.id, engineMap(ctx.index, answers[i]), pairs.get(d.id) ?? new Map(), examples);
  });
  return n;
}

/** `aroundStart` wraps the server's start, e.g. to start it on other CPUs than the engine's. */
export async function runPostgis(ctx: BenchContext, aroundStart: <T>(start: () => Promise<T>) => Promise<T> = (start) => start()): Promise<void> {
  const { opts, report } = ctx;
  if (!opts.postgis) {
    report.postgis = { unavailable: 'skipped (--no-postgis)' };
    return;
  }
  opts.log('PostGIS peer: starting');
  const started = await aroundStart(() => startPostgis({ log: (s) => opts.log(`  ${s}`) }));
  if ('unavailable' in started) {
    report.postgis = { unavailable: started.unavailable };
    opts.log(`  PostGIS unavailable: ${started.unavailable}`);
    return;
  }
  const peer = started;
  try {
    const load = await loadNetwork(peer, rowsOf(ctx.plan));
    report.postgis = { version: peer.version, loadSeconds: load.seconds, pieces: load.pieces, rows: load.rows };
    opts.log(`  loaded ${load.rows} rows, ${load.pieces} pieces in ${load.seconds.toFixed(1)} s`);
    const maxMargin = ctx.index.maxMargin;
    for (const shape of SHAPES) {
      const digs: Dig[] = (ctx.byShape.get(shape) ?? []).map((d) => ({ ...d.geometry, id: d.id }) as Dig);
      if (digs.length === 0) continue;
      for (const b of opts.infoZones) {
        let batch = await queryBatch(peer, digs, b, maxMargin);
        for (let r = 1; r < opts.reps; r++) {
          const again = await queryBatch(peer, digs, b, maxMargin);
          if (again.seconds < batch.seconds) batch = again;
        }
        const single = await querySingle(peer, digs, b, maxMargin);
        const parallel = opts.pgParallel > 1 ? await queryBatchParallel(peer, digs, b, maxMargin, opts.pgParallel) : null;
        const examples: PairDiff[] = [];
        const diffs = countDiffs(ctx, shape, b, batch.pairs, examples);
        const singleDiffs = countDiffs(ctx, shape, b, single.pairs, []);
        rowOf(ctx, shape, b).postgis = {
          batchUsPerDig: (batch.seconds * 1e6) / digs.length,
          single: summarize(single.micros),
          parallelUsPerDig: parallel ? (parallel.seconds * 1e6) / digs.length : null,
          diffs,
          singleDiffs
        };
        const distances = new Map<PairDiff, number | undefined>();
        for (const x of examples) distances.set(x, await pgDistance(peer, digs.find((d) => d.id === x.dig) as Dig, x.key));
        report.problems.push(...describeDiffs(ctx, 'PostGIS', b, examples, (x) => distances.get(x)));
        opts.log(
          `  ${shape.padEnd(8)} b=${b}: batch ${((batch.seconds * 1e6) / digs.length).toFixed(0)} µs/dig, ` +
            `single p50 ${summarize(single.micros).p50.toFixed(0)} µs, ${diffs} differing pairs`
        );
      }
    }
    if (ctx.batches && ctx.report.batches) await postgisBatches(ctx, peer);
  } finally {
    await peer.close();
  }
}

/** Lets the two connections' server processes run on every CPU, as the engine's pool does. */
async function unpinBackends(peer: PgPeer): Promise<void> {
  for (const c of await peer.clients(2)) {
    const res = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    try {
      execFileSync('taskset', ['-a', '-p', '-c', `0-${cpus().length - 1}`, String(res.rows[0].pid)], { stdio: 'ignore' });
    } catch {
      // No taskset: the processes were not pinned either.
    }
  }
}

/** The batch workloads through PostGIS: one LATERAL join on one connection and split over two. */
async function postgisBatches(ctx: BenchContext, peer: PgPeer): Promise<void> {
  const workloads = ctx.batches ?? [];
  const rows = ctx.report.batches?.rows ?? [];
  await unpinBackends(peer);
  for (let i = 0; i < workloads.length; i++) {
    const w = workloads[i];
    const digs = w.areas.map((g, k) => ({ ...g, id: k }) as Dig);
    let one = await queryBatch(peer, digs, BATCH_INFO_ZONE, ctx.index.maxMargin, w.radius);
    for (let r = 1; r < ctx.opts.reps; r++) {
      const again = await queryBatch(peer, digs, BATCH_INFO_ZONE, ctx.index.maxMargin, w.radius);
      if (again.seconds < one.seconds) one = again;
    }
    const two = ctx.opts.pgParallel > 1 ? await queryBatchParallel(peer, digs, BATCH_INFO_ZONE, ctx.index.maxMargin, 2, w.radius) : null;
    let diffs = 0;
    for (const result of two ? [one, two] : [one]) {
      digs.forEach((d, k) => {
        const mine = w.answers[k] ?? new Map<string, 1 | 2>();
        const theirs = result.pairs.get(d.id) ?? new Map<string, 1 | 2>();
        for (const [key, zone] of mine) if (theirs.get(key) !== zone) diffs++;
        for (const key of theirs.keys()) if (!mine.has(key)) diffs++;
      });
    }
    const timing = (threads: number, seconds: number): { threads: number; seconds: number; perSecond: number } => ({ threads, seconds, perSecond: digs.length / seconds });
    rows[i].postgis = { one: timing(1, one.seconds), two: two ? timing(2, two.seconds) : null, diffs };
    ctx.opts.log(`  batch ${w.name}: ${(digs.length / one.seconds).toFixed(0)} areas/s on 1 connection, ${diffs} differing pairs`);
  }
}
