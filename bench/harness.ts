/**
 * The benchmark run, start to end, in-process: generate the network and the dig areas, build and
 * time the engine, then the naive peer, the interest areas, PostGIS, the chunk-size sweep, the
 * uploads from files and the uploads over HTTP while dig requests go on (upload-stall.ts), filling
 * one report.
 * `bench/run.ts` is the command line over it; the smoke test calls it with a tiny network.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, loadavg, totalmem } from 'node:os';
import type { BenchContext, BenchOptions, BenchReport, Machine } from './context.js';
import { SHAPES, generateDigs, type Dig, type DigShape } from './digs.js';
import { dataFiles, loadBuildings, loadRoads, OWNERS, planNetwork } from './network.js';
import { buildEngine, sweepChunkSize, timeEngine, timeFromColumns } from './phase-engine.js';
import { runNaive } from './phase-naive.js';
import { runInterest } from './phase-interest.js';
import { runPostgis } from './phase-postgis.js';
import { runIngest } from './phase-ingest.js';
import { makeWorkloads, timeBatches } from './phase-batch.js';
import { fullGc, sink } from './stats.js';
import { measureStall } from './upload-stall.js';

export const FULL_OPTIONS: Omit<BenchOptions, 'log'> = {
  seed: 20_251_123,
  tiles: 49,
  perShape: 2000,
  naivePerShape: 50,
  infoZones: [0, 2],
  naive: true,
  postgis: true,
  pgParallel: cpus().length,
  brute: 'sample',
  sweep: [],
  chunkSize: 8,
  reps: 3,
  pin: true,
  smoke: false
};

/** A pass small enough for `npm test`: one tile, the 400 roads around the densest area. */
export const SMOKE_OPTIONS: Omit<BenchOptions, 'log'> = {
  ...FULL_OPTIONS,
  tiles: 1,
  roads: 400,
  perShape: 6,
  naivePerShape: 6,
  postgis: false,
  pgParallel: 0,
  brute: 'all',
  pin: false,
  smoke: true
};

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1].trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

/**
 * The query worker compiled to JavaScript, as production runs it (a TypeScript worker carries
 * the compiler's own memory): built with `npm run build` first. Undefined when that fails.
 */
function compiledWorker(log: (s: string) => void): string | undefined {
  const root = fileURLToPath(new URL('..', import.meta.url));
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
    return join(root, 'dist', 'workers', 'query.js');
  } catch {
    log('  could not build dist/: the pool loads the TypeScript worker');
    return undefined;
  }
}

/** Sets the CPU affinity of this process and all its threads; false when taskset is unavailable. */
function setAffinity(cpuList: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const LAST_CPU = String(cpus().length - 1);
const ALL_CPUS = `0-${cpus().length - 1}`;
const OTHER_CPUS = cpus().length > 2 ? `0-${cpus().length - 2}` : '0';

/** Pins this process and all its threads to the last CPU, so the engine runs on one core. */
function pinToOneCore(): string {
  return setAffinity(LAST_CPU)
    ? `Node pinned to CPU ${LAST_CPU} with taskset (all its threads); PostgreSQL started on CPU ${OTHER_CPUS}`
    : 'not pinned (taskset unavailable); the engine is single-threaded';
}

/**
 * Runs `start` (which spawns the PostgreSQL server) with this process moved to the other CPUs, so
 * that the server inherits those and does not share the engine's core; pins back afterwards.
 */
function onOtherCpus(pinned: boolean): <T>(start: () => Promise<T>) => Promise<T> {
  return async (start) => {
    if (!pinned) return start();
    setAffinity(OTHER_CPUS);
    try {
      return await start();
    } finally {
      setAffinity(LAST_CPU);
    }
  };
}

function digStats(digs: Dig[]): BenchReport['digs'] {
  const out = {} as BenchReport['digs'];
  for (const shape of SHAPES) {
    const list = digs.filter((d) => d.shape === shape);
    out[shape] = {
      count: list.length,
      vertices: list.reduce((s, d) => s + d.vertices, 0) / Math.max(1, list.length),
      multi: list.filter((d) => d.geometry.type === 'MultiPolygon').length
    };
  }
  return out;
}

export async function runBench(options: Partial<BenchOptions> = {}): Promise<BenchReport> {
  const opts: BenchOptions = { ...FULL_OPTIONS, log: () => {}, ...options };
  const log = opts.log;
  const machine: Machine = {
    cpu: cpuModel(),
    cores: cpus().length,
    ramBytes: totalmem(),
    node: process.version,
    date: new Date().toISOString(),
    pinned: opts.pin ? pinToOneCore() : 'not pinned; the engine is single-threaded',
    load: [loadavg()[0], Number.NaN]
  };

  log(`network: seed ${opts.seed}, ${opts.tiles} tile(s)${opts.roads ? `, ${opts.roads} roads` : ''}`);
  // The smoke pass runs on the sample the project carries: `npm test` needs nothing beside it.
  const files = dataFiles(opts.smoke);
  const roads = loadRoads(files.roads);
  const plan = planNetwork({ seed: opts.seed, tiles: opts.tiles, roads: opts.roads }, roads);
  const digs = generateDigs(plan, loadBuildings(files.buildings), { seed: opts.seed, perShape: opts.perShape });
  const byShape = new Map<DigShape, Dig[]>(SHAPES.map((s) => [s, digs.filter((d) => d.shape === s)]));

  log('engine: build owner by owner, then merge');
  const built = buildEngine(plan, opts.chunkSize, log);
  const index = built.index;
  const mem = index.memory();
  const segments = index.segmentCount;
  const { log: _log, ...reportOptions } = opts;
  const report: BenchReport = {
    options: reportOptions,
    machine,
    network: {
      owners: index.owners,
      tiles: plan.tiles.length,
      roads: plan.roads.length,
      features: index.featureCount,
      segments,
      vertices: index.vertexCount,
      chunks: index.chunkCount,
      chunkSize: opts.chunkSize,
      maxMargin: index.maxMargin,
      generateSeconds: built.generateSeconds
    },
    digs: digStats(digs),
    build: {
      buildSeconds: built.buildSeconds,
      mergeSeconds: built.mergeSeconds,
      parseToQueryable: built.buildSeconds + built.mergeSeconds,
      fromColumns: []
    },
    memory: { ...mem, perSegment: (mem.coordinates + mem.index + mem.chunks) / segments, totalPerSegment: mem.total / segments },
    rows: [],
    naive: { skipped: 'not run' },
    postgis: { unavailable: 'not run' },
    sweep: [],
    problems: [],
    notes: [],
    sink: 0
  };
  const ctx: BenchContext = { opts, plan, digs, byShape, index, answers: new Map(), report };
  log(`  ${index.featureCount} features, ${segments} segments, ${index.chunkCount} chunks; build ${built.buildSeconds.toFixed(2)} s + merge ${built.mergeSeconds.toFixed(2)} s`);

  timeFromColumns(ctx);
  log(`  from columns: ${report.build.fromColumns.map((s) => s.toFixed(3)).join(', ')} s`);
  fullGc();
  log('engine: dig queries');
  timeEngine(ctx);

  log('engine: batches with 0, 1 and 2 worker threads');
  ctx.batches = makeWorkloads(ctx);
  // The pool needs both cores: unpinned while it runs.
  const pinned = opts.pin && machine.pinned.startsWith('Node pinned');
  const workerFile = opts.smoke ? undefined : compiledWorker(log);
  if (pinned) setAffinity(ALL_CPUS);
  try {
    report.batches = await timeBatches(ctx, built.parts, ctx.batches, workerFile);
  } finally {
    if (pinned) setAffinity(LAST_CPU);
  }
  built.parts.length = 0;
  fullGc();

  runNaive(ctx);
  fullGc();
  // Its own synthetic owners and digs: independent of the network, on the pinned core.
  runInterest(ctx);
  fullGc();
  const startElsewhere = onOtherCpus(opts.pin && machine.pinned.startsWith('Node pinned'));
  await runPostgis(ctx, startElsewhere);
  if (opts.sweep.length > 0) {
    log('chunk-size sweep');
    sweepChunkSize(ctx);
  }
  fullGc();
  // Last: PostGIS's own cluster is closed by now, so the ingest starts a fresh one of its own. The
  // engine parses in its worker threads: unpinned while it loads, as for batches (PostGIS's load
  // uses both cores too: Node parsing on one, the server on the other).
  const bothCores = async <T>(run: () => Promise<T>): Promise<T> => {
    if (!pinned) return run();
    setAffinity(ALL_CPUS);
    try {
      return await run();
    } finally {
      setAffinity(LAST_CPU);
    }
  };
  await runIngest(ctx, { aroundStart: startElsewhere, bothCores, workerFile });
  if (!opts.smoke) {
    // The service as its own process, with its worker pool: on both cores, as in production.
    log('uploads while contractors dig');
    fullGc();
    report.stall = await bothCores(() => measureStall({ seed: opts.seed, smoke: false, sizesMb: [50, 200], profile: false, log }));
  }

  report.notes.push(
    `Network: ${OWNERS.length} owners along ${plan.roads.length} road centrelines, ${plan.tiles.length} tile(s); Z dropped (2-D input).`,
    `Timing: one call at a time with performance.now(), after two untimed passes over all digs of every shape and one over the row's own, then ${opts.reps} timed ` +
      `pass(es); a dig's latency is its best pass (min, mean, p50, p99 are over those), "mean, best pass" is the ` +
      `fastest whole pass / digs, its stalls and garbage collection included, as PostGIS's batch is timed; ${machine.pinned}.`
  );
  machine.load = [machine.load?.[0] ?? Number.NaN, loadavg()[0]];
  report.sink = sink.value;
  return report;
}
