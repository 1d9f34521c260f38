/**
 * `npm run bench [-- options]`: the full benchmark, writing bench/RESULTS.md (and a JSON copy in
 * bench/out/). `--smoke` runs the small pass and writes only to bench/out/.
 *
 *   --smoke             one tile, 400 roads, a few digs per shape, no PostGIS
 *   --tiles N           tile copies, 1..49 (default 49)
 *   --roads N           only the N roads around the densest area
 *   --digs N            dig areas per shape (default 2000)
 *   --naive-digs N      digs per shape for the naive peer (default 50)
 *   --no-postgis        skip PostGIS;  --no-naive  skip the naive peer
 *   --pg-parallel N     connections for PostGIS's parallel batch (default: cores; 0 skips)
 *   --brute all         check every dig by brute force (default: the naive sample only)
 *   --sweep-k [4,6,8]   chunk-size sweep (default 4,6,8,12,16)
 *   --chunk-size K      K of the main index (default 8)
 *   --reps N            timed passes over the digs, best per dig (default 3)
 *   --seed N, --no-pin, --out FILE (Markdown; default bench/RESULTS.md, smoke: bench/out/smoke.md)
 *   --render FILE.json  write the Markdown again from a run's JSON, without running anything
 *   --only interest     run the interest-area phase alone (its own synthetic owners, no network, no
 *                       PostGIS, not pinned: prefix `taskset -c 1` to pin); writes bench/out/interest.md
 *                       and .json (with --smoke: interest-smoke.*), never RESULTS.md
 *   --only stall        uploads of about 50 and 200 MB over HTTP while dig requests go on: the slowest
 *                       dig and the service's event-loop delay (bench/upload-stall.ts); writes
 *                       bench/out/stall.md and .json (smoke: 2 and 8 MB, stall-smoke.*), never RESULTS.md.
 *                       --stall-mb 50,200 (sizes), --workers N (the service's LER_WORKERS), --profile
 *                       (the service's CPU profile: its long main-thread tasks listed)
 *   --only conversation dig requests over HTTP with no webhooks, a webhook per owner, and slow receivers:
 *                       rates, p99, deliveries, lag and drain (bench/conversation.ts); replaces its section of
 *                       RESULTS.md (smoke: bench/out/ only). --connections N, --seconds N, --warm-up N,
 *                       --runs 1 (the baseline alone: any version of the service answers it; bench/out/ only)
 *   --only gml          uploads of the network's first --tiles N (default 4) tiles as LER GML beside the same in
 *                       GeoJSON, each in a process of its own: time, MB/s, peak RSS; its section of RESULTS.md
 *                       (smoke: bench/out/upload-gml-smoke.* only)
 *   --only replicas     SQLite beside PostgreSQL (a throwaway cluster) and two replicas on it, over HTTP:
 *                       dig requests/s and p99, upload time, version lag between replicas, a batch on one
 *                       and two replicas (bench/replicas.ts); replaces the section "Stores and replicas"
 *                       of RESULTS.md (smoke: bench/out/replicas-smoke.* only). --connections N, --seconds N,
 *                       --warm-up N, --uploads N, --lag-trials N, --batch-areas N; --pg-settings 'a = b; c = d'
 *                       (postgresql.conf lines, e.g. synchronous_commit = off) writes bench/out/replicas-pg-settings.* only;
 *                       --compare bench/out/replicas-pg-settings.json puts such a run's figures beside this one's
 *
 * The same options may come from the environment as LER_BENCH_<NAME>, e.g. LER_BENCH_TILES=4,
 * LER_BENCH_POSTGIS=0, LER_BENCH_SMOKE=1.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, BenchReport } from './context.js';
import { FULL_OPTIONS, SMOKE_OPTIONS, runBench } from './harness.js';
import { measureInterest } from './phase-interest.js';
import { readArgs } from './args.js';
import { renderInterest, renderMarkdown } from './report.js';
import { measureStall, renderStall } from './upload-stall.js';
import { measureReplicas, renderReplicas, replaceSection, replicasOptions, REPLICAS_SECTION } from './replicas.js';
import { CONVERSATION_SECTION, measureConversation, renderConversation } from './conversation.js';
import { GML_UPLOAD_SECTION, measureGmlUpload, renderGmlUpload } from './upload-gml.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function positiveInt(args: Map<string, string>, name: string, fallback: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} needs a whole number, got ${raw}.`);
  return v;
}

function optionsFrom(args: Map<string, string>): { opts: Partial<BenchOptions>; out: string } {
  const smoke = args.has('smoke');
  const base = smoke ? SMOKE_OPTIONS : FULL_OPTIONS;
  const sweepArg = args.get('sweep-k');
  const sweep = sweepArg === undefined ? [] : sweepArg === 'true' ? [4, 6, 8, 12, 16] : sweepArg.split(',').map(Number);
  const opts: Partial<BenchOptions> = {
    ...base,
    seed: positiveInt(args, 'seed', base.seed),
    tiles: positiveInt(args, 'tiles', base.tiles),
    roads: args.has('roads') ? positiveInt(args, 'roads', 0) : base.roads,
    perShape: positiveInt(args, 'digs', base.perShape),
    naivePerShape: positiveInt(args, 'naive-digs', base.naivePerShape),
    naive: !args.has('no-naive'),
    postgis: args.has('no-postgis') ? false : args.has('postgis') ? true : base.postgis,
    pgParallel: positiveInt(args, 'pg-parallel', base.pgParallel),
    brute: args.get('brute') === 'all' ? 'all' : base.brute,
    sweep,
    chunkSize: positiveInt(args, 'chunk-size', base.chunkSize),
    reps: Math.max(1, positiveInt(args, 'reps', base.reps)),
    pin: !args.has('no-pin') && base.pin,
    smoke
  };
  const out = args.get('out') ?? (smoke ? join(HERE, 'out', 'smoke.md') : join(HERE, 'RESULTS.md'));
  if (smoke && basename(out) === 'RESULTS.md') throw new Error('A smoke run never writes RESULTS.md: choose another --out.');
  return { opts, out };
}

const args = readArgs(process.argv.slice(2));
const { opts, out } = optionsFrom(args);
const rendering = args.get('render');
if (rendering !== undefined) {
  const saved = JSON.parse(readFileSync(rendering, 'utf8')) as BenchReport;
  const target = args.get('out') ?? (saved.options.smoke ? join(HERE, 'out', 'smoke.md') : join(HERE, 'RESULTS.md'));
  writeFileSync(target, renderMarkdown(saved));
  console.log(`wrote ${target} from ${rendering}`);
} else if (args.get('only') === 'stall') {
  await runStall(args, opts);
} else if (args.get('only') === 'replicas') {
  await runReplicas(args, opts);
} else if (args.get('only') === 'conversation') {
  await runConversation(args, opts);
} else if (args.get('only') === 'gml') {
  await runGml(args, opts);
} else if (args.has('only')) {
  runOnly(args.get('only') ?? '', opts);
} else {
  await runAndWrite(opts, out);
}

/** One phase alone, written to bench/out/ only: a partial run never replaces RESULTS.md. */
function runOnly(phase: string, options: Partial<BenchOptions>): void {
  if (phase !== 'interest') throw new Error(`--only runs one phase alone: interest, stall, replicas or conversation; got ${phase}.`);
  const smoke = options.smoke === true;
  const interest = measureInterest({
    seed: options.seed ?? FULL_OPTIONS.seed,
    smoke,
    reps: options.reps ?? FULL_OPTIONS.reps,
    log: (line) => console.log(line)
  });
  const markdown = renderInterest({ interest }).join('\n');
  const name = smoke ? 'interest-smoke' : 'interest';
  mkdirSync(join(HERE, 'out'), { recursive: true });
  writeFileSync(join(HERE, 'out', `${name}.md`), markdown);
  writeFileSync(join(HERE, 'out', `${name}.json`), JSON.stringify(interest, null, 2));
  console.log(`\n${markdown}`);
  console.log(`wrote bench/out/${name}.md and .json`);
  const wrong = interest.rows.reduce((s, r) => s + r.diffs, interest.replace.afterDiffs);
  if (wrong > 0) {
    console.error(`${wrong} digs where the registry and the flat scan differ.`);
    process.exitCode = 1;
  }
}

/** The stall phase alone (bench/upload-stall.ts), written to bench/out/ only. */
async function runStall(args: Map<string, string>, options: Partial<BenchOptions>): Promise<void> {
  const smoke = options.smoke === true;
  const sizes = args.get('stall-mb');
  const report = await measureStall({
    seed: options.seed ?? FULL_OPTIONS.seed,
    smoke,
    sizesMb: sizes !== undefined ? sizes.split(',').map(Number) : smoke ? [2, 8] : [50, 200],
    ...(args.has('workers') ? { workers: positiveInt(args, 'workers', 0) } : {}),
    profile: args.has('profile'),
    log: (line) => console.log(line)
  });
  const markdown = renderStall(report).join('\n');
  const name = smoke ? 'stall-smoke' : 'stall';
  mkdirSync(join(HERE, 'out'), { recursive: true });
  writeFileSync(join(HERE, 'out', `${name}.md`), markdown);
  writeFileSync(join(HERE, 'out', `${name}.json`), JSON.stringify(report, null, 2));
  console.log(`\n${markdown}`);
  console.log(`wrote bench/out/${name}.md and .json`);
  if (report.windows.some((w) => w.non2xx > 0)) {
    console.error('Some dig requests failed during the uploads.');
    process.exitCode = 1;
  }
}

/** The conversation under load alone (bench/conversation.ts): its section of RESULTS.md replaced (smoke: bench/out/ only). */
async function runConversation(args: Map<string, string>, options: Partial<BenchOptions>): Promise<void> {
  const smoke = options.smoke === true;
  const int = (name: string, fallback: number): number => positiveInt(args, name, fallback);
  const report = await measureConversation({ seed: options.seed ?? FULL_OPTIONS.seed, smoke, connections: int('connections', 10), seconds: int('seconds', smoke ? 2 : 15), warmUpSeconds: int('warm-up', smoke ? 1 : 3), runs: int('runs', 3), log: (line) => console.log(line) });
  const markdown = renderConversation(report);
  const aside = smoke || report.runs.length < 3;
  const name = smoke ? 'conversation-smoke' : aside ? 'conversation-partial' : 'conversation';
  mkdirSync(join(HERE, 'out'), { recursive: true });
  writeFileSync(join(HERE, 'out', `${name}.json`), JSON.stringify(report, null, 2));
  if (aside) writeFileSync(join(HERE, 'out', `${name}.md`), `${markdown.join('\n')}\n`);
  else {
    const file = join(HERE, 'RESULTS.md');
    writeFileSync(file, replaceSection(existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n', markdown, CONVERSATION_SECTION));
  }
  console.log(`\n${markdown.join('\n')}`);
  if (report.problems.length > 0) {
    console.error(report.problems.join('\n'));
    process.exitCode = 1;
  }
}

/** Uploads in LER GML beside GeoJSON (bench/upload-gml.ts): its section of RESULTS.md replaced (smoke: bench/out/ only). */
async function runGml(args: Map<string, string>, options: Partial<BenchOptions>): Promise<void> {
  const smoke = options.smoke === true;
  const roads = args.get('roads');
  const report = await measureGmlUpload({ seed: options.seed ?? FULL_OPTIONS.seed, smoke, tiles: positiveInt(args, 'tiles', smoke ? 1 : 4), ...(roads !== undefined ? { roads: Number(roads) } : {}), log: (line) => console.log(line) });
  const markdown = renderGmlUpload(report);
  const name = smoke ? 'upload-gml-smoke' : 'upload-gml';
  mkdirSync(join(HERE, 'out'), { recursive: true });
  writeFileSync(join(HERE, 'out', `${name}.json`), JSON.stringify(report, null, 2));
  if (smoke) writeFileSync(join(HERE, 'out', `${name}.md`), `${markdown.join('\n')}\n`);
  else {
    const file = join(HERE, 'RESULTS.md');
    writeFileSync(file, replaceSection(existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n', markdown, GML_UPLOAD_SECTION));
  }
  console.log(`\n${markdown.join('\n')}`);
  if (report.problems.length > 0) {
    console.error(report.problems.join('\n'));
    process.exitCode = 1;
  }
}

/** The stores-and-replicas section alone (bench/replicas.ts): its section of RESULTS.md replaced, the rest kept. */
async function runReplicas(args: Map<string, string>, options: Partial<BenchOptions>): Promise<void> {
  const smoke = options.smoke === true;
  const report = await measureReplicas(replicasOptions(options.seed ?? FULL_OPTIONS.seed, smoke, args, (line) => console.log(line)));
  const compare = args.get('compare');
  const markdown = renderReplicas(report, compare === undefined ? null : (JSON.parse(readFileSync(compare, 'utf8')) as Parameters<typeof renderReplicas>[0]));
  // A run with PostgreSQL settings of its own is one to compare with: it never replaces the section.
  const aside = smoke || report.options.pgSettings !== null;
  const name = smoke ? 'replicas-smoke' : aside ? 'replicas-pg-settings' : 'replicas';
  mkdirSync(join(HERE, 'out'), { recursive: true });
  writeFileSync(join(HERE, 'out', `${name}.json`), JSON.stringify(report, null, 2));
  if (aside) writeFileSync(join(HERE, 'out', `${name}.md`), `${markdown.join('\n')}\n`);
  else {
    const file = join(HERE, 'RESULTS.md');
    writeFileSync(file, replaceSection(existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n', markdown));
  }
  console.log(`\n${markdown.join('\n')}`);
  console.log(`wrote bench/out/${name}.json${aside ? ` and ${name}.md` : ' and the section in bench/RESULTS.md'}`);
  if (report.problems.length > 0) {
    console.error(report.problems.join('\n'));
    process.exitCode = 1;
  }
}

async function runAndWrite(options: Partial<BenchOptions>, file: string): Promise<void> {
  const started = performance.now();
  const report = await runBench({ ...options, log: (line) => console.log(line) });
  // The heavy-batch run (bench/heavy-batches.ts) and the stores-and-replicas one (--only replicas) are not part of this one: their sections stay.
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const markdown = keepSection(previous, keepSection(previous, renderMarkdown(report), HEAVY_BATCHES_HEADING), REPLICAS_SECTION);
  mkdirSync(join(HERE, 'out'), { recursive: true });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  writeFileSync(join(HERE, 'out', `${basename(file, '.md')}.json`), JSON.stringify(report, null, 2));
  console.log(`\n${markdown}`);
  console.log(`wrote ${file} in ${((performance.now() - started) / 1000).toFixed(0)} s (sink ${report.sink})`);
  const wrong = report.rows.reduce(
    (s, r) => s + r.inconsistent + (r.postgis ? r.postgis.diffs + r.postgis.singleDiffs : 0) + (r.brute?.diffs ?? 0) + (r.naive?.diffs ?? 0),
    0
  ) + (report.ingest ? report.ingest.restart.diffs + report.ingest.restart.mainDiffs + ('diffs' in report.ingest.postgis ? report.ingest.postgis.diffs : 0) : 0) +
    (report.interest ? report.interest.rows.reduce((s, r) => s + r.diffs, report.interest.replace.afterDiffs) : 0);
  if (wrong > 0) {
    console.error(`${wrong} differing answers: see "Differences" in ${file}.`);
    process.exitCode = 1;
  }
}

const HEAVY_BATCHES_HEADING = '## Heavy batches';

/**
 * The section of `previous` under `heading` (to the next `## `), put into `next` before its
 * `## Targets` (or at its end) when `next` has no such section; `next` as it is otherwise.
 */
function keepSection(previous: string, next: string, heading: string): string {
  const at = previous.indexOf(`\n${heading}`);
  if (at < 0 || next.includes(`\n${heading}`)) return next;
  const end = previous.indexOf('\n## ', at + 1);
  const section = previous.slice(at + 1, end < 0 ? previous.length : end + 1);
  const targets = next.indexOf('\n## Targets');
  return targets < 0 ? `${next.trimEnd()}\n\n${section}` : `${next.slice(0, targets + 1)}${section}${next.slice(targets + 1)}`;
}
