/**
 * The benchmark report as Markdown: machine, network, build and memory, per-dig latencies of the
 * engine and its peers side by side, and each target with PASS or FAIL.
 */
import type { BenchReport, RowResult } from './context.js';
import type { Summary } from './stats.js';

const TEN_MILLION = 10_000_000;

const us = (v: number | undefined): string => {
  if (v === undefined || !Number.isFinite(v)) return '-';
  if (v < 10) return v.toFixed(2);
  if (v < 100) return v.toFixed(1);
  return Math.round(v).toLocaleString('en-US');
};
const int = (v: number): string => Math.round(v).toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const secs = (s: number): string => (s < 10 ? s.toFixed(3) : s.toFixed(1)) + ' s';
const pct = (s: Summary): string => `${us(s.p50)} / ${us(s.p99)}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export interface TargetResult {
  name: string;
  measured: string;
  pass: boolean | null;
}

/** Every target of the acceptance, judged on this run; null when this run cannot judge it. */
export function judgeTargets(r: BenchReport): TargetResult[] {
  const out: TargetResult[] = [];
  const pgRows = r.rows.filter((x) => x.postgis);
  if (pgRows.length > 0) {
    const worst = pgRows.reduce((w, x) => (speedUp(x) < speedUp(w) ? x : w));
    out.push({
      name: 'per dig at least 5x faster than PostGIS-subdivided in batch (best engine pass vs best PostGIS batch, time / digs, one core each)',
      measured: `lowest ${speedUp(worst).toFixed(1)}x (${worst.shape}, b = ${worst.b})`,
      pass: speedUp(worst) >= 5
    });
    const diffs = pgRows.reduce((s, x) => s + (x.postgis?.diffs ?? 0) + (x.postgis?.singleDiffs ?? 0), 0);
    out.push({ name: 'the answer for every dig identical to PostGIS (differing pairs, batch and single)', measured: String(diffs), pass: diffs === 0 });
  } else {
    out.push({ name: 'per dig at least 5x faster than PostGIS-subdivided in batch', measured: 'PostGIS not run', pass: null });
    out.push({ name: 'the answer for every dig identical to PostGIS', measured: 'PostGIS not run', pass: null });
  }
  const worstFloor = r.rows.reduce((w, x) => (floorRatio(x) > floorRatio(w) ? x : w), r.rows[0]);
  if (worstFloor) {
    out.push({
      name: 'exact test at most 2x the bbox-only floor (mean queryPairs / mean countCandidates)',
      measured: `highest ${floorRatio(worstFloor).toFixed(2)}x (${worstFloor.shape}, b = ${worstFloor.b})`,
      pass: floorRatio(worstFloor) <= 2
    });
  }
  const fc = median(r.build.fromColumns);
  out.push({
    name: 'index over 10 M segments built from its columns in under 1 s (median of 3)',
    measured: `${secs(fc)} for ${int(r.network.segments)} segments`,
    pass: r.network.segments >= TEN_MILLION ? fc < 1 : null
  });
  out.push({
    name: 'at most 40 bytes per segment for coordinates, index and chunk tables together',
    measured: `${r.memory.perSegment.toFixed(1)} B`,
    pass: r.memory.perSegment <= 40
  });
  const bt = r.batches;
  if (bt) {
    const rateOf = (row: (typeof bt.rows)[number], n: number): number => row.engine.find((t) => t.threads === n)?.perSecond ?? Number.NaN;
    const scaling = bt.rows.map((row) => ({ row, x: rateOf(row, 2) / rateOf(row, 1) }));
    const worstScale = scaling.reduce((w, s) => (s.x < w.x ? s : w));
    out.push({
      name: 'batches: 2 worker threads give at least 1.8x the throughput of 1',
      measured: `lowest ${worstScale.x.toFixed(2)}x (${worstScale.row.name})`,
      pass: r.machine.cores >= 2 ? worstScale.x >= 1.8 : null
    });
    const withPg = bt.rows.filter((row) => row.postgis);
    if (withPg.length > 0) {
      const perCore = withPg.map((row) => ({ row, x: rateOf(row, 1) / (row.postgis?.one.perSecond ?? Number.NaN) }));
      const worst = perCore.reduce((w, s) => (s.x < w.x ? s : w));
      out.push({
        name: 'batches: throughput per core at least 5x PostGIS (1 worker thread vs 1 connection)',
        measured: `lowest ${worst.x.toFixed(1)}x (${worst.row.name})`,
        pass: worst.x >= 5
      });
      const diffs = withPg.reduce((t, row) => t + (row.postgis?.diffs ?? 0), 0);
      out.push({ name: 'batches: answers identical to PostGIS (differing pairs)', measured: String(diffs), pass: diffs === 0 });
    }
    const base = bt.rss.find((x) => x.threads === 0)?.bytes ?? Number.NaN;
    const added = Math.max(...bt.rss.filter((x) => x.threads > 0).map((x) => (x.bytes - base) / x.threads));
    out.push({ name: 'batches: memory added per worker under 50 MB (RSS)', measured: mib(added), pass: added < 50 * 1024 * 1024 });
  }
  return out;
}

/** PostGIS's best batch against the engine's best whole pass over the same digs: both keep their stalls. */
function speedUp(x: RowResult): number {
  return x.postgis ? x.postgis.batchUsPerDig / x.exact.passMean : Number.NaN;
}

function floorRatio(x: RowResult): number {
  return x.exact.mean / x.floor.mean;
}

const verdict = (p: boolean | null): string => (p === null ? 'n/a at this size' : p ? 'PASS' : 'FAIL');

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const n = r.network;
  const m = r.memory;
  const perSeg = (bytes: number): string => `${(bytes / n.segments).toFixed(2)} B/segment`;
  const out: string[] = [];
  out.push(`# Benchmark results${r.options.smoke ? ' (smoke run)' : ''}`, '');
  out.push(
    `Run with \`npm run bench${r.options.smoke ? ' -- --smoke' : ''}\` on ${r.machine.date.slice(0, 10)}. ` +
      `Seed ${r.options.seed}: the network and the dig areas are the same on every run.`,
    ''
  );
  out.push(
    table(
      ['machine', ''],
      [
        ['CPU', r.machine.cpu],
        ['cores', String(r.machine.cores)],
        ['RAM', `${(r.machine.ramBytes / 2 ** 30).toFixed(1)} GiB`],
        ['Node', r.machine.node],
        ['one core', r.machine.pinned],
        ['load average (1 min) at start / end', r.machine.load ? r.machine.load.map((v) => (v ?? Number.NaN).toFixed(2)).join(' / ') : '-'],
        ['PostGIS', 'version' in r.postgis ? r.postgis.version : r.postgis.unavailable]
      ]
    ),
    ''
  );

  out.push('## Network and dig areas', '');
  out.push(
    table(
      ['network', ''],
      [
        ['owners', n.owners.join(', ')],
        ['tiles x roads', `${n.tiles} x ${int(n.roads)}`],
        ['features', int(n.features)],
        ['segments (lines)', int(n.segments)],
        ['vertices', int(n.vertices)],
        ['chunks', `${int(n.chunks)} (K = ${n.chunkSize})`],
        ['largest margin m(F)', `${n.maxMargin} m`],
        ['generation (not timed as build)', secs(n.generateSeconds)]
      ]
    ),
    ''
  );
  out.push(
    table(
      ['dig shape', 'digs', 'vertices per dig', 'MultiPolygons'],
      Object.entries(r.digs).map(([shape, d]) => [shape, int(d.count), d.vertices.toFixed(1), String(d.multi)])
    ),
    ''
  );

  out.push('## Build and memory', '');
  out.push(
    table(
      ['', 'measured'],
      [
        ['build, all owners from GeoJSON (validate, columns, chunks, tree)', secs(r.build.buildSeconds)],
        ['merge into one index', secs(r.build.mergeSeconds)],
        ['parse-to-queryable (build + merge)', secs(r.build.parseToQueryable)],
        ['built from columns (`fromColumns`), 3 runs', r.build.fromColumns.map(secs).join(', ')],
        ['coordinates', `${mib(m.coordinates)}, ${perSeg(m.coordinates)}`],
        ['index (Flatbush)', `${mib(m.index)}, ${perSeg(m.index)}`],
        ['chunk tables', `${mib(m.chunks)}, ${perSeg(m.chunks)}`],
        ['**coordinates + index + chunks**', `**${m.perSegment.toFixed(2)} B/segment**`],
        ['feature codes and margins', `${mib(m.features)}`],
        ['ids and properties (JSON text)', `${mib(m.attributes)}`],
        ['total', `${mib(m.total)}, ${m.totalPerSegment.toFixed(1)} B/segment`]
      ]
    ),
    ''
  );

  out.push('## Engine, per dig (µs, one core)', '');
  out.push(
    'exact = `queryPairs` (the exact answer as typed arrays); with geometry = `query` building the full ' +
      'package conflicts with clipped geometry; floor = `countCandidates`, the Flatbush bbox-only search over ' +
      'the same chunks. "query = pairs" counts digs where `query` and `queryPairs` disagree (must be 0).',
    ''
  );
  out.push(
    table(
      ['shape', 'b', 'digs', 'pairs/dig', 'chunks/dig', 'exact min / mean', 'exact p50 / p99', 'exact mean, best pass', 'with geometry p50 / p99', 'floor mean', 'floor p50 / p99', 'exact / floor', 'query = pairs'],
      r.rows.map((x) => [
        x.shape,
        String(x.b),
        int(x.digs),
        x.pairsPerDig.toFixed(1),
        x.candidatesPerDig.toFixed(1),
        `${us(x.exact.min)} / ${us(x.exact.mean)}`,
        pct(x.exact),
        us(x.exact.passMean),
        pct(x.geometry),
        us(x.floor.mean),
        pct(x.floor),
        `${floorRatio(x).toFixed(2)}x`,
        String(x.inconsistent)
      ])
    ),
    ''
  );

  out.push('## Peers, same data, same digs', '');
  const naiveNote =
    'skipped' in r.naive
      ? `Naive peer: ${r.naive.skipped}.`
      : `Naive peer = rbush over whole-feature boxes + \`@turf/turf\` \`booleanIntersects\`, b = 0 only (Turf's distance and ` +
        `buffer functions assume WGS84 and are wrong on UTM metres), on the first ${r.options.naivePerShape} digs of each ` +
        `shape; its answer is compared with the engine's features at distance 0. Build ${secs(r.naive.buildSeconds)}, ` +
        `heap ${mib(r.naive.heapBytes)} (GeoJSON kept + tree) for ${int(r.naive.features)} features.`;
  out.push(naiveNote, '');
  if ('version' in r.postgis) {
    out.push(
      `PostGIS: ${r.postgis.version}; GiST on \`ST_Subdivide(geom, 16)\` (${int(r.postgis.pieces)} pieces), ` +
        `\`ST_DWithin\` with each row's m + b, no parallel workers; load ${secs(r.postgis.loadSeconds)}. Batch = one ` +
        `LATERAL join over all digs of the row (best of ${r.options.reps} runs, query time / digs); single = one prepared statement per dig over ` +
        'the Unix socket (round trip). "≠ PostGIS" counts differing (feature, zone) pairs, batch + single.',
      ''
    );
  } else out.push(`PostGIS: ${r.postgis.unavailable}.`, '');
  out.push(
    'Brute force = every segment pair in plain floating point over whole-feature boxes, as a second reference; ' +
      'pairs within 1e-7 m of a zone boundary are left out of its count (ambiguous).',
    ''
  );
  out.push(
    table(
      ['shape', 'b', 'engine mean, best pass', 'naive p50 / p99 (digs)', 'PostGIS batch', 'PostGIS single p50 / p99', `PostGIS batch, ${r.options.pgParallel} connections`, 'vs batch', '≠ PostGIS', '≠ brute (digs)', '≠ naive'],
      r.rows.map((x) => [
        x.shape,
        String(x.b),
        us(x.exact.passMean),
        x.naive ? `${us(x.naive.latency.p50)} / ${us(x.naive.latency.p99)} (${x.naive.digs})` : x.b === 0 ? '-' : 'n/a (b > 0)',
        us(x.postgis?.batchUsPerDig),
        x.postgis ? pct(x.postgis.single) : '-',
        us(x.postgis?.parallelUsPerDig ?? undefined),
        x.postgis ? `${speedUp(x).toFixed(1)}x` : '-',
        x.postgis ? String(x.postgis.diffs + x.postgis.singleDiffs) : '-',
        x.brute ? `${x.brute.diffs} (${x.brute.digs})` : '-',
        x.naive ? String(x.naive.diffs) : '-'
      ])
    ),
    ''
  );

  if (r.batches) out.push(...renderBatches(r));

  out.push('## Targets', '');
  out.push(table(['target', 'measured', 'result'], judgeTargets(r).map((t) => [t.name, t.measured, verdict(t.pass)])), '');

  if (r.sweep.length > 0) {
    out.push('## Chunk size K', '');
    out.push('Index rebuilt from the same columns with each K; exact and floor mean / p99 in µs.', '');
    const cells = r.sweep[0].cells.map((c) => `${c.shape} b=${c.b}`);
    out.push(
      table(
        ['K', 'chunks', 'from columns', 'B/segment', ...cells.map((c) => `${c} exact`), ...cells.map((c) => `${c} floor`), 'answers differ'],
        r.sweep.map((s) => [
          String(s.chunkSize),
          int(s.chunks),
          secs(s.buildSeconds),
          s.bytesPerSegment.toFixed(2),
          ...s.cells.map((c) => `${us(c.exact.mean)} / ${us(c.exact.p99)}`),
          ...s.cells.map((c) => `${us(c.floor.mean)} / ${us(c.floor.p99)}`),
          String(s.cells.reduce((t, c) => t + c.diffs, 0))
        ])
      ),
      ''
    );
    const cost = (s: (typeof r.sweep)[number]): number => s.cells.reduce((t, c) => t + c.exact.mean, 0);
    const fastest = r.sweep.reduce((a, b) => (cost(b) < cost(a) ? b : a));
    const current = r.sweep.find((s) => s.chunkSize === r.network.chunkSize);
    out.push(
      `Lowest summed exact mean: K = ${fastest.chunkSize} (${fastest.bytesPerSegment.toFixed(1)} B/segment)` +
        (current ? `; K = ${current.chunkSize}, the main index, is within ${(100 * (cost(current) / cost(fastest) - 1)).toFixed(1)} % of it.` : '.'),
      ''
    );
  }

  out.push('## Notes', '');
  for (const note of r.notes) out.push(`- ${note}`);
  if (r.problems.length > 0) {
    out.push('', '## Differences', '');
    for (const p of r.problems) out.push(`- ${p}`);
  }
  out.push('');
  return out.join('\n');
}

/** The planners' batch section: throughput by worker threads, PostGIS on the same areas, RSS. */
function renderBatches(r: BenchReport): string[] {
  const bt = r.batches;
  if (!bt) return [];
  const out: string[] = ['## Planners\' batches (areas per second)', ''];
  out.push(
    `\`Engine.checkBatch\` over GeoJSON areas (EPSG:25832), b = ${bt.b} m, summaries streamed out; 0 threads = inline on the ` +
      'main thread; Node unpinned (both cores) for this part. PostGIS: one LATERAL join over all areas on one connection, and ' +
      'the areas split over two connections at once, both server processes free to use both cores. Best of ' +
      `${r.options.reps} runs after a warm-up. "≠ PostGIS" counts differing (feature, zone) pairs over both PostGIS runs.`,
    ''
  );
  const rate = (t: { perSecond: number } | null | undefined): string => (t ? int(t.perSecond) : '-');
  out.push(
    table(
      ['batch', 'areas', 'vertices/area', 'engine 0 threads', 'engine 1 thread', 'engine 2 threads', '2 / 1 threads', 'PostGIS 1 connection', 'PostGIS 2 connections', 'engine 1 / PostGIS 1', 'engine 2 / PostGIS 2', '≠ PostGIS'],
      bt.rows.map((row) => {
        const e = (n: number): { perSecond: number } | undefined => row.engine.find((t) => t.threads === n);
        const one = e(1)?.perSecond ?? NaN;
        const two = e(2)?.perSecond ?? NaN;
        const pg1 = row.postgis?.one.perSecond ?? NaN;
        const pg2 = row.postgis?.two?.perSecond ?? NaN;
        return [
          row.name,
          int(row.areas),
          row.vertices.toFixed(1),
          rate(e(0)),
          rate(e(1)),
          rate(e(2)),
          `${(two / one).toFixed(2)}x`,
          rate(row.postgis?.one),
          rate(row.postgis?.two),
          row.postgis ? `${(one / pg1).toFixed(1)}x` : '-',
          row.postgis?.two ? `${(two / pg2).toFixed(1)}x` : '-',
          row.postgis ? String(row.postgis.diffs) : '-'
        ];
      })
    ),
    ''
  );
  if (bt.stream) {
    const st = bt.stream;
    out.push(
      `Streamed: ${int(st.areas)} building areas from an async generator with 2 workers in ${secs(st.seconds)} ` +
        `(${int(st.areas / st.seconds)} areas/s); RSS ${mib(st.rssBefore)} before, at most ${mib(st.rssPeak)} during, ` +
        `${mib(st.rssAfter)} after: summaries are streamed, not collected.`,
      ''
    );
  }
  const base = bt.rss.find((x) => x.threads === 0)?.bytes ?? NaN;
  out.push(
    table(
      ['worker threads', 'process RSS', 'added per worker'],
      bt.rss.map((x) => [String(x.threads), mib(x.bytes), x.threads === 0 ? '-' : mib((x.bytes - base) / x.threads)])
    ),
    ''
  );
  return out;
}
