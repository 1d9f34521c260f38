import type { BatchReport, BatchWorkload } from './phase-batch.js';
import type { IngestReport } from './phase-ingest.js';
import type { HttpReport } from './phase-http.js';
import type { InterestReport } from './phase-interest.js';
import type { StallReport } from './upload-stall.js';
/**
 * What the benchmark's phases share: options, the generated network and dig areas, the engine's
 * index and answers, and the report they fill in.
 */
import type { MemoryReport, NetworkIndex } from '../src/library.js';
import { AreaReader, type PreparedArea } from '../src/library.js';
import { keyOf, showKey, type EngineAnswer, type PairDiff } from './compare.js';
import type { Dig, DigShape } from './digs.js';
import type { NetworkPlan } from './network.js';
import type { Latency, Summary } from './stats.js';

export interface BenchOptions {
  seed: number;
  /** Tile copies of the road data, 1..49. */
  tiles: number;
  /** Only this many roads (nearest the densest area); all when undefined. */
  roads?: number;
  /** Dig areas per shape. */
  perShape: number;
  /** Dig areas per shape the slow naive peer runs on. */
  naivePerShape: number;
  /** Widths b of the information zone. */
  infoZones: number[];
  naive: boolean;
  postgis: boolean;
  /** Connections for PostGIS's parallel batch; 0 skips it. */
  pgParallel: number;
  /** Check against the brute-force answer on the naive sample only, or on every dig. */
  brute: 'sample' | 'all';
  /** Chunk sizes for the K sweep; empty skips it. */
  sweep: number[];
  chunkSize: number;
  /** Timed passes over the digs; each dig's latency is its best pass. */
  reps: number;
  /** Pin the process to one CPU with taskset. */
  pin: boolean;
  smoke: boolean;
  log: (line: string) => void;
}

export interface RowResult {
  shape: DigShape;
  b: number;
  digs: number;
  verticesPerDig: number;
  pairsPerDig: number;
  candidatesPerDig: number;
  /** queryPairs: the exact answer as typed arrays. */
  exact: Latency;
  /** query with geometry: the full package's conflicts. */
  geometry: Latency;
  /** countCandidates: the bbox-only floor. */
  floor: Latency;
  /** Digs where query() and queryPairs() disagree, or a reported feature got no geometry. */
  inconsistent: number;
  naive?: { digs: number; latency: Latency; candidatesPerDig: number; diffs: number };
  brute?: { digs: number; diffs: number; ambiguous: number };
  postgis?: { batchUsPerDig: number; single: Summary; parallelUsPerDig: number | null; diffs: number; singleDiffs: number };
}

export interface SweepRow {
  chunkSize: number;
  chunks: number;
  buildSeconds: number;
  bytesPerSegment: number;
  /** Per shape and b: exact and floor means and percentiles. */
  cells: { shape: DigShape; b: number; exact: Latency; floor: Latency; diffs: number }[];
}

export interface Machine {
  cpu: string;
  cores: number;
  ramBytes: number;
  node: string;
  date: string;
  pinned: string;
  /** One-minute load average at the start and at the end of the run: other work on a shared machine. */
  load?: [number, number];
}

export interface BenchReport {
  options: Omit<BenchOptions, 'log'>;
  machine: Machine;
  network: {
    owners: string[];
    tiles: number;
    roads: number;
    features: number;
    segments: number;
    vertices: number;
    chunks: number;
    chunkSize: number;
    maxMargin: number;
    generateSeconds: number;
  };
  digs: Record<DigShape, { count: number; vertices: number; multi: number }>;
  build: {
    buildSeconds: number;
    mergeSeconds: number;
    parseToQueryable: number;
    fromColumns: number[];
  };
  memory: MemoryReport & { perSegment: number; totalPerSegment: number };
  rows: RowResult[];
  naive: { buildSeconds: number; heapBytes: number; features: number } | { skipped: string };
  postgis: { version: string; loadSeconds: number; pieces: number; rows: number } | { unavailable: string };
  sweep: SweepRow[];
  /** Planners' batches through the engine's pool, and PostGIS on the same areas. */
  batches?: BatchReport;
  /** Uploads: the network from GeoJSON files to queryable, in the engine (with and without its store) and PostGIS. */
  ingest?: IngestReport;
  http?: HttpReport;
  /** Owners' interest areas: the rbush registry against the flat scan, and replacing one owner. */
  interest?: InterestReport;
  /** Uploads of 50 and 200 MB over HTTP while dig requests go on: the slowest dig, the event loop's delay. */
  stall?: StallReport;
  /** Differences found, with distances, for the reader to debug. */
  problems: string[];
  notes: string[];
  sink: number;
}

export interface BenchContext {
  opts: BenchOptions;
  plan: NetworkPlan;
  digs: Dig[];
  byShape: Map<DigShape, Dig[]>;
  index: NetworkIndex;
  /** Per `${shape}:${b}`, the engine's answer to each dig of that shape, in order. */
  answers: Map<string, EngineAnswer[]>;
  report: BenchReport;
  /** The batch workloads, with the engine's answers once timed. */
  batches?: BatchWorkload[];
}

export const answerKey = (shape: DigShape, b: number): string => `${shape}:${b}`;

export function rowOf(ctx: BenchContext, shape: DigShape, b: number): RowResult {
  const row = ctx.report.rows.find((r) => r.shape === shape && r.b === b);
  if (!row) throw new Error(`No row for ${shape}, b = ${b}: run the engine phase first.`);
  return row;
}

/**
 * One line per differing pair, with the engine's distance and margin for the feature (asked with a
 * wider information zone when the engine did not report it) and the other side's, when known.
 */
export function describeDiffs(ctx: BenchContext, peer: string, b: number, diffs: PairDiff[], otherDistance?: (d: PairDiff) => number | undefined): string[] {
  return diffs.map((d) => {
    const dig = ctx.digs[d.dig];
    const wide = ctx.index.pairsOf(preparedArea(dig.geometry), Math.min(100, b + 50));
    let engine = 'farther than b + 50 m';
    for (let k = 0; k < wide.count; k++) {
      const f = wide.feature[k];
      if (keyOf(ctx.index, f) === d.key) {
        engine = `distance ${wide.distance[k].toFixed(9)} m, margin ${ctx.index.columns.margin[f]} m`;
        break;
      }
    }
    const other = otherDistance?.(d);
    return (
      `${peer}, ${dig.shape} dig ${dig.id}, b = ${b}: ${showKey(d.key)} engine zone ${d.engine}, ${peer} zone ${d.other}; ` +
      `engine ${engine}${other === undefined ? '' : `; ${peer} distance ${other.toFixed(9)} m`}`
    );
  });
}

const areaReader = new AreaReader();

/**
 * A dig read for the index (EPSG:25832, no extent), without the validity checks: the bench's digs
 * are valid by construction, and the timed loops measure the search as before. Valid until the
 * next call.
 */
export function preparedArea(geometry: unknown): PreparedArea {
  return areaReader.read(geometry, { crs: 'EPSG:25832', extent: null, validate: false }).prepared;
}
