/**
 * The naive peer (rbush over whole-feature boxes + Turf) on a sample of the digs at b = 0, and the
 * brute-force reference answer over its boxes, checked against the engine's answers.
 */
import { bruteForce, distanceToArea } from './brute.js';
import { diffPairs, engineMap, type PairDiff, type PairMap } from './compare.js';
import { answerKey, describeDiffs, rowOf, type BenchContext } from './context.js';
import { SHAPES, type Dig } from './digs.js';
import { OWNERS, ownerFeatures } from './network.js';
import { NaivePeer } from './peers/naive.js';
import { heapAfterGc, measure, seconds } from './stats.js';

/** Builds the peer from freshly generated GeoJSON; its heap includes the GeoJSON it keeps. */
function buildPeer(ctx: BenchContext): { peer: NaivePeer; buildSeconds: number; heapBytes: number } {
  const heap0 = heapAfterGc();
  const peer = new NaivePeer();
  let buildSeconds = 0;
  for (const owner of OWNERS) {
    const features = [...ownerFeatures(ctx.plan, owner)];
    const t0 = performance.now();
    peer.add(owner.id, features);
    buildSeconds += seconds(t0);
  }
  const t0 = performance.now();
  peer.finish();
  buildSeconds += seconds(t0);
  return { peer, buildSeconds, heapBytes: heapAfterGc() - heap0 };
}

/** Distance of one feature (by key) to a dig area, by brute force; undefined when not near. */
function bruteDistance(peer: NaivePeer, dig: Dig, key: string, reach: number): number | undefined {
  for (const item of peer.candidates(dig.geometry, reach)) {
    if (`${item.owner}\u0000${String(item.feature.id)}` === key) return distanceToArea(item.feature.geometry, dig.geometry);
  }
  return undefined;
}

export function runNaive(ctx: BenchContext): void {
  const { opts, report } = ctx;
  if (!opts.naive) {
    report.naive = { skipped: 'turned off (--no-naive)' };
    return;
  }
  opts.log('naive peer: rbush over whole-feature boxes + @turf/turf booleanIntersects');
  const { peer, buildSeconds, heapBytes } = buildPeer(ctx);
  report.naive = { buildSeconds, heapBytes, features: peer.size };
  opts.log(`  built in ${buildSeconds.toFixed(2)} s, ${(heapBytes / 2 ** 20).toFixed(0)} MiB heap`);
  const maxMargin = ctx.index.maxMargin;

  for (const shape of SHAPES) {
    const digs = ctx.byShape.get(shape) ?? [];
    const sample = digs.slice(0, opts.naivePerShape);
    if (opts.infoZones.includes(0) && sample.length > 0) {
      const warm = Math.min(2, sample.length);
      const before = peer.candidatesSearched;
      const found = new Map<number, PairMap>();
      const latency = measure(
        sample,
        (d) => {
          const hits = peer.query(d.geometry);
          found.set(d.id, new Map(hits.map((x) => [`${x.owner}\u0000${String(x.feature.id)}`, 1])));
          return hits.length;
        },
        warm
      );
      const candidatesPerDig = (peer.candidatesSearched - before) / (sample.length + warm);
      const answers = ctx.answers.get(answerKey(shape, 0)) ?? [];
      const examples: PairDiff[] = [];
      let diffs = 0;
      sample.forEach((d, i) => {
        diffs += diffPairs(d.id, engineMap(ctx.index, answers[i], true), found.get(d.id) ?? new Map(), examples);
      });
      rowOf(ctx, shape, 0).naive = { digs: sample.length, latency, candidatesPerDig, diffs };
      report.problems.push(...describeDiffs(ctx, 'naive', 0, examples, (x) => bruteDistance(peer, ctx.digs[x.dig], x.key, maxMargin)));
      opts.log(`  ${shape.padEnd(8)} b=0: p50 ${latency.p50.toFixed(0)} µs over ${sample.length} digs, ${diffs} differing pairs`);
    }

    const checked = opts.brute === 'all' ? digs : sample;
    for (const b of opts.infoZones) {
      const answers = ctx.answers.get(answerKey(shape, b)) ?? [];
      const examples: PairDiff[] = [];
      let diffs = 0;
      let ambiguous = 0;
      checked.forEach((d, i) => {
        const brute = bruteForce(peer, d.geometry, b, maxMargin);
        ambiguous += brute.ambiguous.size;
        diffs += diffPairs(d.id, engineMap(ctx.index, answers[i]), brute.pairs, examples, 5, brute.ambiguous);
      });
      rowOf(ctx, shape, b).brute = { digs: checked.length, diffs, ambiguous };
      report.problems.push(...describeDiffs(ctx, 'brute', b, examples, (x) => bruteDistance(peer, ctx.digs[x.dig], x.key, maxMargin + b + 50)));
    }
  }
}
