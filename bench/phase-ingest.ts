/**
 * Uploads, file to queryable: the seeded network written as GeoJSON files (one FeatureCollection
 * per owner, EPSG:25832 with the legacy `crs` member first), then read back the way uploads arrive:
 *
 *  - the engine, `putNetworkStream` owner by owner from `fs.createReadStream`, with its SQLite store
 *    (stored before visible) and again without one, peak RSS sampled while it runs;
 *  - a restart: a new store and engine over the same data directory, restored from the stored
 *    snapshots (no parsing), its answers checked against those before the restart;
 *  - PostGIS on its own fresh cluster (after the PostGIS phase has closed its own): the same files
 *    parsed and COPYed as `loadNetwork` does, through its subdivided GiST index.
 *
 * The files live in a temporary directory under the OS temp dir, removed at the end.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Engine } from '../src/engine.js';
import { splitFeatures } from '../src/ingest/split.js';
import type { NetworkIndex, PairResult } from '../src/library.js';
import { marginOf } from '../src/model/margin.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { Feature } from '../src/types.js';
import { diffPairs, keyOf, type PairDiff } from './compare.js';
import { answerKey, preparedArea, type BenchContext } from './context.js';
import { SHAPES, type Dig } from './digs.js';
import { OWNERS, ownerFeatures } from './network.js';
import { loadNetwork, queryBatch, startPostgis, type Dig as PgDig, type Row } from './peers/postgis.js';
import { seconds, settle } from './stats.js';
import { runHttp } from './phase-http.js';

/** Digs whose answers are compared across the restart (and with the bench's index and PostGIS). */
const CHECK_DIGS = 50;
const READ_CHUNK = 1 << 20;
const RSS_EVERY_MS = 50;
const CRS_MEMBER = '{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}}';

export interface IngestOwner {
  owner: string;
  features: number;
  bytes: number;
  /** putNetworkStream for this owner (parse, build, store, merge into the snapshot), seconds. */
  storedSeconds: number;
  memorySeconds: number;
}

export interface IngestRun {
  /** First byte read to the last owner's version queryable (and stored, with a store). */
  seconds: number;
  /** After that, until the owners are merged into one index (the engine does it once uploads pause). */
  mergeSeconds: number;
  /** RSS after a full collection just before the run, and the highest sampled during it. */
  rssBefore: number;
  rssPeak: number;
  /** The main thread's JS heap in use before the run and at its highest (the columns live outside it). */
  heapBefore: number;
  heapPeak: number;
  /** RSS right after the last owner, before anything is released. */
  rssAfter: number;
}

export interface IngestReport {
  files: { count: number; features: number; bytes: number; writeSeconds: number };
  owners: IngestOwner[];
  stored: IngestRun;
  memoryOnly: IngestRun;
  /** RSS sampling interval, ms (also sampled right after each owner). */
  rssEveryMs: number;
  /** What the engine holds once the last owner is in: the merged snapshot and each owner's own index. */
  network: { snapshotBytes: number; ownerIndexBytes: number; segments: number };
  /** SQLite files (database + WAL) after the stored run. */
  storeBytes: number;
  restart: {
    /** `new SqliteStore` + `Engine.open` until the snapshot is set (queryable), seconds. */
    seconds: number;
    /** Then until the owners are merged into one index. */
    mergeSeconds: number;
    digs: number;
    infoZones: number[];
    /** Digs x b whose answer (features, zones, distances) changed across the restart. */
    diffs: number;
    /** Digs x b whose answer differs from the bench's index built from the generated features. */
    mainDiffs: number;
  };
  postgis:
    | {
        version: string;
        seconds: number;
        copySeconds: number;
        subdivideSeconds: number;
        indexSeconds: number;
        analyzeSeconds: number;
        rows: number;
        pieces: number;
        /** net + net_sub with their indexes, bytes on disk. */
        diskBytes: number;
        /** Differing (feature, zone) pairs on the check digs, against the restarted engine. */
        diffs: number;
      }
    | { unavailable: string };
}

interface OwnerFile {
  owner: string;
  path: string;
  features: number;
  bytes: number;
}

/** A dig of the bench and its place in its shape's list (where its answers are in ctx.answers). */
interface CheckDig {
  dig: Dig;
  at: number;
}

/** Samples the process's RSS on a timer and on demand, keeping the highest. */
class PeakRss {
  readonly before: number;
  peak: number;
  readonly heapBefore: number;
  heapPeak: number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor() {
    this.before = process.memoryUsage.rss();
    this.peak = this.before;
    this.heapBefore = process.memoryUsage().heapUsed;
    this.heapPeak = this.heapBefore;
    this.timer = setInterval(() => this.sample(), RSS_EVERY_MS);
    this.timer.unref();
  }

  sample(): number {
    const { rss, heapUsed } = process.memoryUsage();
    if (rss > this.peak) this.peak = rss;
    if (heapUsed > this.heapPeak) this.heapPeak = heapUsed;
    return rss;
  }

  stop(): number {
    clearInterval(this.timer);
    return this.sample();
  }
}

/** One owner's FeatureCollection, written through a stream in pieces of about 1 MiB. */
async function writeOwnerFile(path: string, features: Iterable<Feature>): Promise<{ features: number; bytes: number }> {
  const out = createWriteStream(path);
  let parts: string[] = [`{"type":"FeatureCollection","crs":${CRS_MEMBER},"features":[`];
  let size = 0;
  let n = 0;
  const flush = async (): Promise<void> => {
    const text = parts.join('');
    parts = [];
    size = 0;
    if (!out.write(text)) await once(out, 'drain');
  };
  for (const f of features) {
    const text = (n === 0 ? '\n' : ',\n') + JSON.stringify(f);
    parts.push(text);
    size += text.length;
    n++;
    if (size >= READ_CHUNK) await flush();
  }
  parts.push('\n]}\n');
  await flush();
  out.end();
  await finished(out);
  return { features: n, bytes: statSync(path).size };
}

async function writeFiles(ctx: BenchContext, dir: string): Promise<{ files: OwnerFile[]; seconds: number }> {
  const t0 = performance.now();
  const files: OwnerFile[] = [];
  for (const owner of OWNERS) {
    const path = join(dir, `${owner.id}.geojson`);
    const written = await writeOwnerFile(path, ownerFeatures(ctx.plan, owner));
    files.push({ owner: owner.id, path, ...written });
  }
  return { files, seconds: seconds(t0) };
}

/** The check digs: the first of each shape in turn, up to CHECK_DIGS, with their place in `byShape`. */
function checkDigs(ctx: BenchContext): CheckDig[] {
  const out: CheckDig[] = [];
  for (let at = 0; out.length < CHECK_DIGS; at++) {
    let any = false;
    for (const shape of SHAPES) {
      const dig = ctx.byShape.get(shape)?.[at];
      if (!dig || out.length >= CHECK_DIGS) continue;
      out.push({ dig, at });
      any = true;
    }
    if (!any) break;
  }
  return out;
}

/** An answer as text per feature key: zone and exact distance. */
function answerOf(index: NetworkIndex, r: Pick<PairResult, 'count' | 'feature' | 'zone' | 'distance'>): Map<string, string> {
  const out = new Map<string, string>();
  for (let k = 0; k < r.count; k++) out.set(keyOf(index, r.feature[k]), `${r.zone[k]} ${r.distance[k]}`);
  return out;
}

function sameAnswer(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, v] of a) if (b.get(key) !== v) return false;
  return true;
}

/** Per check dig and b (in `infoZones` order), the engine's answer. */
function answersOf(index: NetworkIndex, digs: { dig: Dig }[], infoZones: number[]): Map<string, string>[] {
  const out: Map<string, string>[] = [];
  for (const { dig } of digs) {
    for (const b of infoZones) out.push(answerOf(index, index.pairsOf(preparedArea(dig.geometry), b)));
  }
  return out;
}

/**
 * Every owner's file through `putNetworkStream`, one after the other as uploads arrive. Timed from
 * the first byte read to the last owner's snapshot swapped in (stored first, with a store).
 */
async function ingest(engine: Engine, files: OwnerFile[], pause: number, perOwner: (i: number, s: number) => void): Promise<IngestRun> {
  // The pool's threads start with the engine: let them load before the clock starts.
  await new Promise((resolve) => setTimeout(resolve, 300));
  settle(pause);
  const rss = new PeakRss();
  const t0 = performance.now();
  for (let i = 0; i < files.length; i++) {
    const t = performance.now();
    await engine.putNetworkStream(files[i].owner, createReadStream(files[i].path, { highWaterMark: READ_CHUNK }), {});
    perOwner(i, seconds(t));
    // The merge and the store write run without yielding: sample right after them, while the
    // replaced snapshot and the garbage of the parse are still there.
    rss.sample();
  }
  const secs = seconds(t0);
  // The merge into one index that follows once uploads pause: timed, and within the RSS watch.
  const t1 = performance.now();
  await engine.compactNow();
  const mergeSeconds = seconds(t1);
  const rssAfter = rss.stop();
  return { seconds: secs, mergeSeconds, rssBefore: rss.before, rssPeak: rss.peak, rssAfter, heapBefore: rss.heapBefore, heapPeak: rss.heapPeak };
}

/** The features of the files again, parsed as the engine's upload parses them, as PostGIS rows. */
async function* rowsFromFiles(files: OwnerFile[]): AsyncGenerator<Row> {
  for (const file of files) {
    for await (const { text } of splitFeatures(createReadStream(file.path, { highWaterMark: READ_CHUNK }))) {
      const f = JSON.parse(text) as Feature;
      yield { ...f.geometry, owner: file.owner, fid: String(f.id), margin: marginOf(f.properties) } as Row;
    }
  }
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((s, name) => s + statSync(join(dir, name)).size, 0);
}

/** With the store: the uploads timed, then the answers before a restart and the bench's own. */
async function storedRun(ctx: BenchContext, files: OwnerFile[], owners: IngestOwner[], dataDir: string, digs: CheckDig[], pause: number, workerFile: string | undefined) {
  const { opts, report } = ctx;
  const store = new SqliteStore({ dataDir });
  const engine = await Engine.open({ workers: INGEST_WORKERS, store, chunkSize: opts.chunkSize, workerFile });
  try {
    const run = await ingest(engine, files, pause, (i, s) => (owners[i].storedSeconds = s));
    const snapshot = engine.snapshot;
    if (!snapshot) throw new Error('No snapshot after the uploads.');
    const network = {
      snapshotBytes: snapshot.index.memory().total,
      // The engine keeps each owner's own index beside the merged one; the store holds exactly
      // their buffers, so the stored byte counts are their sizes in memory.
      ownerIndexBytes: (await store.currentVersions()).reduce((s, v) => s + v.bytes, 0),
      segments: snapshot.index.segmentCount
    };
    const features = owners.reduce((s, o) => s + o.features, 0);
    if (snapshot.index.featureCount !== features || features !== ctx.index.featureCount) {
      report.problems.push(`Uploads: the engine holds ${snapshot.index.featureCount} features, the files ${features}, the bench's index ${ctx.index.featureCount}.`);
    }
    const before = answersOf(snapshot.index, digs, opts.infoZones);
    let mainDiffs = 0;
    digs.forEach(({ dig, at }, i) => {
      opts.infoZones.forEach((b, j) => {
        const main = ctx.answers.get(answerKey(dig.shape, b))?.[at];
        const want = main ? answerOf(ctx.index, { count: main.feature.length, ...main }) : new Map<string, string>();
        if (!sameAnswer(before[i * opts.infoZones.length + j], want)) mainDiffs++;
      });
    });
    return { run, network, before, mainDiffs };
  } finally {
    await engine.close();
    await store.close();
  }
}

/** A new store and engine over the same data directory: the time until the snapshot is set, and its answers. */
async function restartRun(ctx: BenchContext, dataDir: string, digs: CheckDig[], pause: number, workerFile: string | undefined) {
  settle(pause);
  const t0 = performance.now();
  const store = new SqliteStore({ dataDir });
  const engine = await Engine.open({ workers: INGEST_WORKERS, store, chunkSize: ctx.opts.chunkSize, workerFile });
  const secs = seconds(t0);
  try {
    const restored = engine.snapshot;
    if (!restored) throw new Error('No snapshot after the restart.');
    const t1 = performance.now();
    await engine.compactNow();
    const mergeSeconds = seconds(t1);
    return { seconds: secs, mergeSeconds, after: answersOf(restored.index, digs, ctx.opts.infoZones), maxMargin: restored.index.maxMargin };
  } finally {
    await engine.close();
    await store.close();
  }
}

/** Without a store: the same uploads, in memory only. */
async function memoryRun(ctx: BenchContext, files: OwnerFile[], owners: IngestOwner[], pause: number, workerFile: string | undefined): Promise<IngestRun> {
  const engine = new Engine({ workers: INGEST_WORKERS, chunkSize: ctx.opts.chunkSize, workerFile });
  try {
    return await ingest(engine, files, pause, (i, s) => (owners[i].memorySeconds = s));
  } finally {
    await engine.close();
  }
}

/**
 * The engine parses uploads in its worker threads while the main thread splits, so it runs on
 * both cores, as PostGIS's load does (Node parsing on one, the server on the other).
 */
const INGEST_WORKERS = 2;

export interface IngestSetup {
  /** Starts the PostgreSQL server (on the CPUs the engine does not use when pinned). */
  aroundStart?: <T>(start: () => Promise<T>) => Promise<T>;
  /** Runs the engine's part with both cores available. */
  bothCores?: <T>(run: () => Promise<T>) => Promise<T>;
  /** The compiled worker for the engine's pool. */
  workerFile?: string;
}

export async function runIngest(ctx: BenchContext, setup: IngestSetup = {}): Promise<void> {
  const aroundStart = setup.aroundStart ?? ((start) => start());
  const bothCores = setup.bothCores ?? ((run) => run());
  const workerFile = setup.workerFile;
  const { opts, report } = ctx;
  const log = opts.log;
  const pause = opts.smoke ? 0 : 500;
  const dir = mkdtempSync(join(tmpdir(), 'ler-ingest-'));
  const dataDir = join(dir, 'store');
  try {
    log('uploads: GeoJSON files, one per owner');
    const written = await writeFiles(ctx, dir);
    const { files } = written;
    const totalBytes = files.reduce((s, f) => s + f.bytes, 0);
    const totalFeatures = files.reduce((s, f) => s + f.features, 0);
    log(`  ${files.length} files, ${totalFeatures} features, ${(totalBytes / 1e6).toFixed(1)} MB written in ${written.seconds.toFixed(1)} s`);
    const owners: IngestOwner[] = files.map((f) => ({ owner: f.owner, features: f.features, bytes: f.bytes, storedSeconds: 0, memorySeconds: 0 }));
    const digs = checkDigs(ctx);
    const infoZones = opts.infoZones;

    log('  engine with store: putNetworkStream owner by owner');
    const stored = await bothCores(() => storedRun(ctx, files, owners, dataDir, digs, pause, workerFile));
    log(`  stored: ${stored.run.seconds.toFixed(2)} s, RSS +${((stored.run.rssPeak - stored.run.rssBefore) / 2 ** 20).toFixed(0)} MiB at peak`);
    const storeBytes = dirBytes(dataDir);

    const restart = await bothCores(() => restartRun(ctx, dataDir, digs, pause, workerFile));
    const restartDiffs = restart.after.reduce((s, a, i) => s + (sameAnswer(a, stored.before[i]) ? 0 : 1), 0);
    log(`  restart from the store: ${restart.seconds.toFixed(3)} s; ${restartDiffs} changed answers, ${stored.mainDiffs} differ from the bench's index`);
    if (restartDiffs > 0) report.problems.push(`Uploads: ${restartDiffs} of ${restart.after.length} answers changed across the restart from the store.`);
    if (stored.mainDiffs > 0) report.problems.push(`Uploads: ${stored.mainDiffs} of ${restart.after.length} answers of the uploaded network differ from the bench's index.`);

    log('dig requests over HTTP: the service on the stored network, autocannon on loopback');
    settle(pause);
    report.http = await bothCores(() => runHttp(ctx, dataDir));

    log('  engine without store');
    const memoryOnly = await bothCores(() => memoryRun(ctx, files, owners, pause, workerFile));
    log(`  in memory: ${memoryOnly.seconds.toFixed(2)} s, RSS +${((memoryOnly.rssPeak - memoryOnly.rssBefore) / 2 ** 20).toFixed(0)} MiB at peak`);

    report.ingest = {
      files: { count: files.length, features: totalFeatures, bytes: totalBytes, writeSeconds: written.seconds },
      owners,
      stored: stored.run,
      memoryOnly,
      rssEveryMs: RSS_EVERY_MS,
      network: stored.network,
      storeBytes,
      restart: { seconds: restart.seconds, mergeSeconds: restart.mergeSeconds, digs: digs.length, infoZones, diffs: restartDiffs, mainDiffs: stored.mainDiffs },
      postgis: { unavailable: 'not run' }
    };
    const pgDigs: PgDig[] = digs.map(({ dig }) => ({ ...dig.geometry, id: dig.id }) as PgDig);
    const expected = infoZones.map((_, j) => digs.map((_d, i) => restart.after[i * infoZones.length + j]));
    settle(pause);
    report.ingest.postgis = await ingestPostgis(ctx, files, pgDigs, expected, restart.maxMargin, aroundStart);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** PostGIS on a cluster of its own: the files parsed and COPYed, subdivided and indexed. */
async function ingestPostgis(
  ctx: BenchContext,
  files: OwnerFile[],
  digs: PgDig[],
  expected: Map<string, string>[][],
  maxMargin: number,
  aroundStart: <T>(start: () => Promise<T>) => Promise<T>
): Promise<IngestReport['postgis']> {
  const { opts, report } = ctx;
  if (opts.smoke) return { unavailable: 'not run in a smoke run' };
  if (!opts.postgis) return { unavailable: 'skipped (--no-postgis)' };
  opts.log('  PostGIS: starting a fresh cluster');
  const started = await aroundStart(() => startPostgis({ log: (s) => opts.log(`    ${s}`) }));
  if ('unavailable' in started) {
    opts.log(`  PostGIS unavailable: ${started.unavailable}`);
    return { unavailable: started.unavailable };
  }
  const peer = started;
  try {
    const t0 = performance.now();
    const load = await loadNetwork(peer, rowsFromFiles(files));
    const secs = seconds(t0);
    opts.log(`  PostGIS: ${load.rows} rows, ${load.pieces} pieces in ${secs.toFixed(2)} s`);
    const size = await peer.client.query<{ bytes: string }>(`SELECT pg_total_relation_size('net') + pg_total_relation_size('net_sub') AS bytes`);
    let diffs = 0;
    const examples: PairDiff[] = [];
    for (let j = 0; j < opts.infoZones.length; j++) {
      const batch = await queryBatch(peer, digs, opts.infoZones[j], maxMargin);
      digs.forEach((d, i) => {
        const zones = new Map<string, 1 | 2>();
        for (const [key, v] of expected[j][i]) zones.set(key, v.startsWith('1') ? 1 : 2);
        diffs += diffPairs(d.id, zones, batch.pairs.get(d.id) ?? new Map(), examples);
      });
    }
    if (diffs > 0) report.problems.push(`Uploads: PostGIS loaded from the files differs from the engine in ${diffs} (feature, zone) pairs on the check digs.`);
    return {
      version: peer.version,
      seconds: secs,
      copySeconds: load.copySeconds,
      subdivideSeconds: load.subdivideSeconds,
      indexSeconds: load.indexSeconds,
      analyzeSeconds: load.analyzeSeconds,
      rows: load.rows,
      pieces: load.pieces,
      diskBytes: Number(size.rows[0]?.bytes ?? 0),
      diffs
    };
  } catch (err) {
    return { unavailable: `PostGIS load failed: ${err instanceof Error ? err.message : String(err)}` };
  } finally {
    await peer.close();
  }
}
