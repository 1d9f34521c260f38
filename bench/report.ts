/**
 * The benchmark report as Markdown: machine, network, build and memory, per-dig latencies of the
 * engine and its peers side by side, and each target with PASS or FAIL.
 */
import { renderStall } from './upload-stall.js';
import type { BenchReport, RowResult } from './context.js';
import type { InterestRow } from './phase-interest.js';
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
  out.push(...ingestTargets(r));
  const h = r.http;
  if (h && 'rows' in h && h.rows.length > 0) {
    const slowest = h.rows.reduce((a, b) => (b.perSecond < a.perSecond ? b : a));
    const worstP99 = h.rows.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a));
    out.push({
      name: 'HTTP: at least 3,000 dig requests/s with p99 under 50 ms (loopback, autocannon, whole network)',
      measured: `lowest ${int(slowest.perSecond)}/s (${slowest.shape}), highest p99 ${worstP99.p99Ms} ms (${worstP99.shape})`,
      pass: slowest.perSecond >= 3000 && worstP99.p99Ms < 50
    });
  }
  return out;
}

/** Below this the final network is too small for its RSS ratio to mean anything (the heap's own growth dominates). */
const RSS_TARGET_MIN_BYTES = 64 * 2 ** 20;

function ingestTargets(r: BenchReport): TargetResult[] {
  const speed = 'ingest: at least 3x faster than PostGIS from file to queryable';
  const rss = 'ingest: peak RSS under 2x the final in-memory network';
  const g = r.ingest;
  if (!g) return [speed, rss].map((name) => ({ name, measured: 'not run', pass: null }));
  const out: TargetResult[] = [];
  if ('version' in g.postgis) {
    const x = g.postgis.seconds / g.stored.seconds;
    out.push({
      name: `${speed} (engine with its store, owner by owner, vs PostGIS COPY + subdivide + GiST + VACUUM ANALYZE)`,
      measured: `${x.toFixed(2)}x (engine ${secs(g.stored.seconds)}, PostGIS ${secs(g.postgis.seconds)})`,
      pass: x >= 3
    });
  } else out.push({ name: speed, measured: `PostGIS ${g.postgis.unavailable}`, pass: null });
  const network = ingestNetworkBytes(g);
  const growth = g.stored.rssPeak - g.stored.rssBefore;
  out.push({
    name: `${rss} (RSS growth over the RSS before the ingest; network = merged snapshot + the owners' own indexes the engine keeps)`,
    measured: `${(growth / network).toFixed(2)}x (+${mib(growth)} at peak, network ${mib(network)})`,
    pass: network >= RSS_TARGET_MIN_BYTES ? growth < 2 * network : null
  });
  return out;
}

function ingestNetworkBytes(g: NonNullable<BenchReport['ingest']>): number {
  return g.network.snapshotBytes + g.network.ownerIndexBytes;
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
  out.push(...renderIngest(r));
  out.push(...renderHttp(r));
  out.push(...renderInterest(r));
  if (r.stall) out.push(...renderStall(r.stall));

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

/** Uploads: the network from GeoJSON files to queryable, engine (stored, in memory) and PostGIS, with RSS and a restart. */
function renderIngest(r: BenchReport): string[] {
  const out: string[] = ['## Uploads: file to queryable', ''];
  const g = r.ingest;
  if (!g) return [...out, 'Not run.', ''];
  const pg = 'version' in g.postgis ? g.postgis : null;
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
  const rate = (s: number): string[] => [secs(s), int(g.files.features / s), (g.files.bytes / 1e6 / s).toFixed(1)];
  const vsPg = (s: number): string => (pg ? `${(pg.seconds / s).toFixed(2)}x` : '-');
  out.push(
    `The network written as one GeoJSON FeatureCollection per owner (EPSG:25832, the legacy \`crs\` member first): ` +
      `${g.files.count} files, ${int(g.files.features)} features, ${mb(g.files.bytes)} (written in ${secs(g.files.writeSeconds)}, not timed). ` +
      'Read back as uploads arrive, one owner after the other: `fs.createReadStream` (1 MiB chunks) into `Engine.putNetworkStream` ' +
      '(an engine with 2 worker threads): the main thread splits the bytes into batches of about 1 MiB of features, the workers parse ' +
      "and check them, the owner's index is laid out and built, stored (SQLite, WAL, synchronous = FULL), and the new version answers " +
      "at once beside the other owners' (they are merged into one index once uploads pause, timed apart below); timed from the first " +
      "byte read to the last owner's version queryable, Node unpinned (both cores). " +
      (pg
        ? 'PostGIS: a fresh cluster; the same files split by the same splitter and `JSON.parse` in Node, rows with m(F) COPYed in binary ' +
          'into `net`, then `ST_Subdivide(geom, 16)`, its GiST index and `VACUUM ANALYZE`, as the PostGIS phase loads; Node parses ' +
          "on its core while the server works on the other. \"vs PostGIS\" = PostGIS's time / this row's. MB = 10^6 bytes."
        : `PostGIS: ${'unavailable' in g.postgis ? g.postgis.unavailable : '-'}. MB = 10^6 bytes.`),
    ''
  );
  const rows: string[][] = [
    ['engine, stored (durable before visible)', ...rate(g.stored.seconds), vsPg(g.stored.seconds)],
    ['engine, no store (memory only)', ...rate(g.memoryOnly.seconds), vsPg(g.memoryOnly.seconds)],
    [
      'cost of the store (stored - no store)',
      `${secs(g.stored.seconds - g.memoryOnly.seconds)} (${((100 * (g.stored.seconds - g.memoryOnly.seconds)) / g.memoryOnly.seconds).toFixed(0)} %)`,
      '-',
      '-',
      '-'
    ]
  ];
  if (pg) {
    rows.push(['PostGIS: COPY + subdivide + GiST + VACUUM ANALYZE', ...rate(pg.seconds), '1.00x']);
    const bare = pg.seconds - pg.analyzeSeconds;
    rows.push(['PostGIS without VACUUM ANALYZE', ...rate(bare), `${(pg.seconds / bare).toFixed(2)}x`]);
  }
  rows.push(['then, merging every owner into one index (once uploads pause; stored / no store)', `${secs(g.stored.mergeSeconds)} / ${secs(g.memoryOnly.mergeSeconds)}`, '-', '-', '-']);
  rows.push(['engine start-up from its store to queryable (nothing parsed)', secs(g.restart.seconds), int(g.files.features / g.restart.seconds), '-', '-']);
  out.push(table(['file to queryable', 'time', 'features/s', 'MB/s', 'vs PostGIS'], rows), '');
  if (pg) {
    out.push(
      `PostGIS: COPY (with Node's parsing) ${secs(pg.copySeconds)}, subdivide ${secs(pg.subdivideSeconds)}, GiST ${secs(pg.indexSeconds)}, ` +
        `VACUUM ANALYZE ${secs(pg.analyzeSeconds)}; ${int(pg.rows)} rows, ${int(pg.pieces)} pieces, ${mib(pg.diskBytes)} on disk ` +
        `(tables and indexes); ${pg.diffs} differing (feature, zone) pairs against the engine on the ${g.restart.digs} check digs.`,
      ''
    );
  }
  out.push(
    table(
      ['owner', 'features', 'file', 'stored', 'no store'],
      g.owners.map((o) => [o.owner, int(o.features), mb(o.bytes), secs(o.storedSeconds), secs(o.memorySeconds)])
    ),
    ''
  );
  out.push(
    "No owner's upload waits for the other owners to be merged again: its version answers beside the last merged index (the " +
      "replaced owner's old features masked), and the merge into one index follows once uploads pause, in a worker thread.",
    ''
  );
  const network = ingestNetworkBytes(g);
  const growth = (x: typeof g.stored): number => x.rssPeak - x.rssBefore;
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  out.push(
    table(
      ['memory (process RSS)', 'stored', 'no store'],
      [
        ['RSS before the ingest (after a full collection; holds the earlier phases\' index)', mib(g.stored.rssBefore), mib(g.memoryOnly.rssBefore)],
        ['peak RSS during the ingest', mib(g.stored.rssPeak), mib(g.memoryOnly.rssPeak)],
        ['**peak growth**', `**${mib(growth(g.stored))}**`, mib(growth(g.memoryOnly))],
        ['growth after the last owner', mib(g.stored.rssAfter - g.stored.rssBefore), mib(g.memoryOnly.rssAfter - g.memoryOnly.rssBefore)],
        ['peak growth / file size', ratio(growth(g.stored), g.files.bytes), ratio(growth(g.memoryOnly), g.files.bytes)],
        ['**peak growth / final network**', `**${ratio(growth(g.stored), network)}**`, ratio(growth(g.memoryOnly), network)],
        ['peak growth / merged snapshot alone', ratio(growth(g.stored), g.network.snapshotBytes), ratio(growth(g.memoryOnly), g.network.snapshotBytes)],
        [
          'main thread JS heap: peak growth (and / file size)',
          `${mib(g.stored.heapPeak - g.stored.heapBefore)} (${ratio(g.stored.heapPeak - g.stored.heapBefore, g.files.bytes)})`,
          `${mib(g.memoryOnly.heapPeak - g.memoryOnly.heapBefore)} (${ratio(g.memoryOnly.heapPeak - g.memoryOnly.heapBefore, g.files.bytes)})`
        ]
      ]
    ),
    ''
  );
  out.push(
    "RSS is the whole process's, which still holds the bench's merged index, dig areas and answers from the earlier phases: " +
      'the ingest is judged on its growth over the RSS measured right before it (after a full collection and a pause), ' +
      `sampled every ${g.rssEveryMs} ms and right after each owner's upload, through the merge into one index after the last owner.`,
    ''
  );
  out.push(
    `Final network in memory: the merged snapshot ${mib(g.network.snapshotBytes)} (\`memory().total\`) + the owners' own indexes, ` +
      `which the engine keeps beside it, ${mib(g.network.ownerIndexBytes)} = ${mib(network)} ` +
      `(${(network / g.network.segments).toFixed(1)} B/segment); files ${mib(g.files.bytes)}; the store on disk ${mib(g.storeBytes)}.`,
    ''
  );
  out.push(
    `Start-up: \`new SqliteStore\` + \`Engine.open({ workers: 2, store })\` until the snapshot is set and answers (each owner's stored buffers ` +
      `read, nothing parsed) in ${secs(g.restart.seconds)}; the owners merged into one index ${secs(g.restart.mergeSeconds)} later. ${g.restart.digs} dig areas x b = ${g.restart.infoZones.join(', ')}: ${g.restart.diffs} answers ` +
      `(features, zones, distances) changed across the restart; ${g.restart.mainDiffs} differ from the bench's index built from the generated features.`,
    ''
  );
  return out;
}

/** Dig requests over HTTP with autocannon, beside PostGIS's single prepared query for the same digs. */
function renderHttp(r: BenchReport): string[] {
  const out: string[] = ['## Dig requests over HTTP', ''];
  const h = r.http;
  if (!h) return [...out, 'Not run.', ''];
  if ('unavailable' in h) return [...out, `Not run: ${h.unavailable}.`, ''];
  out.push(
    `The built service (\`node dist/src/server.js\`, one process, 1 worker thread) on the store the upload phase filled (${int(h.features)} features), ` +
      `started in ${secs(h.startSeconds)}; autocannon in the bench's process on loopback, ${h.rows[0]?.connections ?? 0} connections, each ` +
      'cycling through 500 of the bench\'s digs of the shape as `POST /v1/dig-requests` (EPSG:25832, b = 2 m, bearer key of a contractor): every ' +
      'answer a whole package (conflicts with their clipped geometry and precautions), stored with its audit entry (SQLite, synchronous = FULL, ' +
      'written by group commit in the service\'s writer thread) before it is sent. Rate limits off, the overload guard off. Both on the same 2 cores. ' +
      'CPU per request from /proc: the service\'s main thread (it parses, queries, builds and sends every package: 1,000 ms over this is its ceiling ' +
      'in requests/s), the whole service (writer and pool threads too) and autocannon. PostGIS: the same digs, one prepared statement each over ' +
      'its Unix socket (answers only, nothing stored), from the peers table.',
    ''
  );
  const pgSingle = (shape: string): string => {
    const row = r.rows.find((x) => x.shape === shape && x.b === 2);
    return row?.postgis ? `${(row.postgis.single.p50 / 1000).toFixed(2)} / ${(row.postgis.single.p99 / 1000).toFixed(2)}` : '-';
  };
  out.push(
    table(
      ['dig shape', 'requests in ' + `${h.rows[0]?.seconds ?? 0} s`, 'dig requests/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx / errors', 'answer KB', 'CPU ms per request: main thread / service / autocannon', 'PostGIS single p50 / p99 ms'],
      h.rows.map((x) => [
        x.shape,
        int(x.requests),
        int(x.perSecond),
        String(x.p50Ms),
        String(x.p99Ms),
        String(x.maxMs),
        `${x.non2xx} / ${x.errors}`,
        x.bytesPerRequest === undefined ? '-' : (x.bytesPerRequest / 1000).toFixed(1),
        x.mainCpuMs === undefined ? '-' : `${x.mainCpuMs.toFixed(3)} / ${x.serviceCpuMs.toFixed(3)} / ${x.clientCpuMs.toFixed(3)}`,
        pgSingle(x.shape)
      ])
    ),
    ''
  );
  return out;
}

/** Owners' interest areas: the rbush registry beside the flat scan on the same digs, and replacing one owner. */
export function renderInterest(r: Pick<BenchReport, 'interest'>): string[] {
  const out: string[] = ['## Interest areas: owners to contact (µs per dig, one core)', ''];
  const g = r.interest;
  if (!g) return [...out, 'Not run.', ''];
  /** The mean over a layout's rows of the registry's or the flat scan's mean per dig, or of owners hit per dig. */
  const mean = (layout: InterestRow['layout'], of: 'registry' | 'flat' | 'hits'): number => {
    const rows = g.rows.filter((x) => x.layout === layout);
    return rows.reduce((s, x) => s + (of === 'hits' ? x.hitsPerDig : x[of].mean), 0) / Math.max(1, rows.length);
  };
  const label = (x: InterestRow): string => (x.layout === 'one-near' ? `${int(x.owners)} (1 near)` : int(x.owners));
  out.push(
    `\`InterestRegistry.hits\` (src/package/interest.ts: one rbush over every interest area's box, searched with the dig's box grown ` +
      'by b, then the exact kernel per candidate) beside the flat scan it replaces (every owner\'s every area through the same exact ' +
      `test), on the same digs. Synthetic and seeded over Denmark (EPSG:25832): ${int(g.owners)} owners with ${int(g.areas)} areas ` +
      `(${g.verticesPerArea.toFixed(1)} edges each), each regular owner 1-6 areas of 1-20 km in one cell of a 10 x 10 municipality-like grid, ` +
      `plus ${g.countryWide} country-wide owners; the registry filled owner by owner in ${secs(g.buildSeconds)}. Digs around the first ` +
      'owner\'s areas: buildings (rotated rectangles of 8-30 m) and 500 x 500 m squares. Min and mean of each ' +
      'dig\'s best pass; "≠ flat" counts digs whose answers (owners, contacts, kinds of supply) differ.',
    '',
    `Three sets of owners on the same digs. "1" is the first owner alone. "${int(g.owners)} (1 near)" is that owner among ${int(g.owners - 1)} ` +
      `others (${int(g.oneNear.areas)} areas in all) placed away from the digs (the regular ones outside the ${g.oneNear.cellsCut} cells around ` +
      'its cell, the country-wide ones with those cells cut out), so that every dig meets the same candidates and gets the same answer as ' +
      `with "1" (digs where it does not: ${g.oneNear.unlikeAlone}): only the owners registered grow, and the registry's mean per dig goes ` +
      `from ${us(mean('alone', 'registry'))} to ${us(mean('one-near', 'registry'))} µs (the flat scan's from ${us(mean('alone', 'flat'))} to ` +
      `${us(mean('one-near', 'flat'))} µs; means of the four rows). "${int(g.owners)}" is every owner on the grid, ` +
      `${mean('grid', 'hits').toFixed(1)} of them near each dig: the registry's time there follows that larger answer, not the owners registered.`,
    ''
  );
  out.push(
    table(
      ['owners', 'shape', 'b', 'digs', 'candidates/dig', 'owners hit/dig', 'registry min / mean', 'flat scan min / mean', 'flat / registry (mean)', '≠ flat'],
      g.rows.map((x) => [
        label(x),
        x.shape,
        String(x.b),
        int(x.digs),
        x.candidatesPerDig.toFixed(1),
        x.hitsPerDig.toFixed(1),
        `${us(x.registry.min)} / ${us(x.registry.mean)}`,
        `${us(x.flat.min)} / ${us(x.flat.mean)}`,
        `${(x.flat.mean / x.registry.mean).toFixed(1)}x`,
        String(x.diffs)
      ])
    ),
    ''
  );
  const p = g.replace;
  out.push(
    table(
      [`replace one owner among ${int(p.owners)}`, 'min / p50 / mean µs'],
      [
        [`registry \`set\` (old boxes removed, new inserted one by one; ${p.replaced} owners, ${p.areasPerOwner.toFixed(1)} areas each)`, `${us(p.registry.min)} / ${us(p.registry.p50)} / ${us(p.registry.mean)}`],
        ['flat scan (one Map entry)', `${us(p.flat.min)} / ${us(p.flat.p50)} / ${us(p.flat.mean)}`],
        ['the alternative: every box bulk-loaded into a new tree (`clear` + `load`)', `${us(p.rebuild.min)} / ${us(p.rebuild.p50)} / ${us(p.rebuild.mean)}`],
        [`registry \`set\` of a country-wide owner (${p.countryWide.areas} areas)`, `${us(p.countryWide.registry.min)} / ${us(p.countryWide.registry.p50)} / ${us(p.countryWide.registry.mean)}`],
        [`building digs, b = 2, once every replacement is in (≠ flat: ${p.afterDiffs})`, `${us(p.afterReplace.min)} / ${us(p.afterReplace.p50)} / ${us(p.afterReplace.mean)}`]
      ]
    ),
    ''
  );
  return out;
}
