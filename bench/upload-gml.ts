/**
 * Uploads in LER 2.2 GML beside the same network in GeoJSON. The benchmark's seeded network (a
 * few tiles of it: GML is read at a fraction of GeoJSON's speed) is written per owner twice: as a
 * GeoJSON FeatureCollection (EPSG:25832) and as a LER GML Graveforespoergselssvar (EPSG:7416, the
 * project's writer), both with heights (a DVR90 height per position: LER wants them for lines
 * laid after its cut-off), without the few lines that cross themselves (LER refuses them). Each format is then uploaded owner by owner in a process of its own
 * (bench/upload-gml-child.ts: an engine with 2 worker threads, no store), timed from the first
 * byte to the last owner's version queryable, peak RSS sampled. GML goes through every layer
 * LER's server has: the streamed reader, the official schema (libxml2 in WebAssembly), LER's
 * restrictions, then the same rules and index as GeoJSON. The reader alone is timed besides.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finished } from 'node:stream/promises';
import { LerGmlReader } from '../src/ingest/gml-reader.js';
import { memberKindOf, nameUuid, writeGraveforespoergselssvar, type MemberKind } from '../src/package/gml-writer.js';
import { STATUS } from '../src/package/types.js';
import { findSelfIntersection } from '../src/rules/simple-polygon.js';
import type { Feature, Geometry } from '../src/types.js';
import { OWNERS, dataFiles, loadRoads, ownerFeatures, planNetwork, type NetworkPlan, type OwnerSpec } from './network.js';

export const GML_UPLOAD_SECTION = '## Uploads in LER GML';

export interface GmlUploadOptions {
  seed: number;
  smoke: boolean;
  /** Tiles of the benchmark network (1..49). */
  tiles: number;
  /** Only this many roads (default all; the smoke pass takes its own sample). */
  roads?: number;
  log?: (line: string) => void;
}

export interface GmlUploadRun {
  format: 'geojson' | 'gml';
  seconds: number;
  rssBefore: number;
  rssPeak: number;
  maxRss: number;
  owners: { owner: string; seconds: number; features: number; errors: number; firstProblems: unknown[] }[];
}

export interface GmlUploadReport {
  options: { seed: number; smoke: boolean; tiles: number; roads: number | null };
  files: { owner: string; features: number; geojsonBytes: number; gmlBytes: number }[];
  /** The GML reader alone over every file (saxes to features, no checks), seconds. */
  readerSeconds: number;
  runs: GmlUploadRun[];
  problems: string[];
}

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** LER refuses a line that crosses itself (GML's geometry check): the few generated ones (an offset round a tight bend) are left out of both files. */
export function lerSimple(feature: Feature): boolean {
  const g = feature.geometry;
  const parts = g.type === 'LineString' ? [g.coordinates as number[][]] : g.type === 'MultiLineString' ? (g.coordinates as number[][][]) : [];
  return parts.every((p) => findSelfIntersection([p]) === null);
}

/** A height for every position: the terrain at 12 m (DVR90) less the line's depth. */
function withHeights(feature: Feature): Feature {
  const depth = typeof feature.properties?.vejledendeDybde === 'number' ? (feature.properties.vejledendeDybde as number) / 1000 : 1;
  const z = Math.round((12 - depth) * 100) / 100;
  const lift = (c: unknown): unknown => (typeof (c as number[])[0] === 'number' ? [(c as number[])[0], (c as number[])[1], z] : (c as unknown[]).map(lift));
  const g = feature.geometry as Geometry & { coordinates: unknown };
  return { ...feature, geometry: { ...g, coordinates: lift(g.coordinates) } as Geometry };
}

async function writeText(path: string, chunks: AsyncIterable<string> | Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await finished(out);
  return statSync(path).size;
}

function* geojsonText(plan: NetworkPlan, spec: OwnerSpec, count: { features: number }): Generator<string> {
  yield '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}},"features":[\n';
  let first = true;
  let buffer = '';
  for (const f of ownerFeatures(plan, spec)) {
    if (!lerSimple(f)) continue;
    count.features++;
    buffer += `${first ? '' : ',\n'}${JSON.stringify(withHeights(f))}`;
    first = false;
    if (buffer.length > 1 << 20) {
      yield buffer;
      buffer = '';
    }
  }
  yield `${buffer}\n]}\n`;
}

function gmlText(plan: NetworkPlan, spec: OwnerSpec): AsyncIterable<string> {
  // One pass per member kind: a Graveforespoergselssvar holds its traces, then its lines, then its components.
  const ofKind = function* (kind: MemberKind): Generator<Feature> {
    for (const f of ownerFeatures(plan, spec)) if (lerSimple(f) && memberKindOf(String(f.properties?.featureType)) === kind) yield withHeights(f);
  };
  return writeGraveforespoergselssvar({ id: nameUuid(`bench/${spec.id}`), type: STATUS.delivered }, ofKind);
}

async function readerSeconds(paths: readonly string[]): Promise<number> {
  const t = performance.now();
  for (const path of paths) {
    let n = 0;
    const reader = new LerGmlReader(() => n++);
    const decoder = new TextDecoder();
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) reader.write(decoder.decode(chunk as Buffer, { stream: true }));
    reader.end();
  }
  return (performance.now() - t) / 1000;
}

function child(format: 'geojson' | 'gml', files: { owner: string; path: string }[]): GmlUploadRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--max-old-space-size=8000', join(HERE, 'upload-gml-child.ts'), JSON.stringify({ format, files, workers: 2 })], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`The ${format} run failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as GmlUploadRun;
}

export async function measureGmlUpload(opts: GmlUploadOptions): Promise<GmlUploadReport> {
  const log = opts.log ?? (() => {});
  const roads = loadRoads(dataFiles(opts.smoke).roads);
  const plan = planNetwork({ seed: opts.seed, tiles: opts.tiles, ...(opts.roads !== undefined ? { roads: opts.roads } : {}) }, roads);
  const dir = mkdtempSync(join(tmpdir(), 'ler-bench-gml-'));
  const report: GmlUploadReport = { options: { seed: opts.seed, smoke: opts.smoke, tiles: opts.tiles, roads: opts.roads ?? null }, files: [], readerSeconds: 0, runs: [], problems: [] };
  try {
    const owners = opts.smoke ? OWNERS.slice(0, 2) : OWNERS;
    for (const spec of owners) {
      const count = { features: 0 };
      const geojsonBytes = await writeText(join(dir, `${spec.id}.geojson`), geojsonText(plan, spec, count));
      const gmlBytes = await writeText(join(dir, `${spec.id}.gml`), gmlText(plan, spec));
      report.files.push({ owner: spec.id, features: count.features, geojsonBytes, gmlBytes });
      log(`${spec.id}: ${count.features} features, GeoJSON ${(geojsonBytes / 1e6).toFixed(1)} MB, GML ${(gmlBytes / 1e6).toFixed(1)} MB`);
    }
    report.readerSeconds = await readerSeconds(owners.map((s) => join(dir, `${s.id}.gml`)));
    log(`GML reader alone: ${report.readerSeconds.toFixed(2)} s`);
    for (const format of ['geojson', 'gml'] as const) {
      const run = child(format, owners.map((s) => ({ owner: s.id, path: join(dir, `${s.id}.${format}`) })));
      report.runs.push(run);
      log(`${format}: ${run.seconds.toFixed(2)} s, peak RSS ${(run.rssPeak / 2 ** 20).toFixed(0)} MiB`);
      for (const o of run.owners) {
        const file = report.files.find((f) => f.owner === o.owner);
        if (o.errors > 0) report.problems.push(`${format} ${o.owner}: ${o.errors} errors: ${JSON.stringify(o.firstProblems).slice(0, 600)}`);
        else if (file !== undefined && o.features !== file.features) report.problems.push(`${format} ${o.owner}: ${o.features} features stored of ${file.features}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

const mb = (b: number): string => (b / 1e6).toFixed(1);
const mib = (b: number): string => (b / 2 ** 20).toFixed(0);

export function renderGmlUpload(r: GmlUploadReport): string[] {
  const features = r.files.reduce((n, f) => n + f.features, 0);
  const bytes = { geojson: r.files.reduce((n, f) => n + f.geojsonBytes, 0), gml: r.files.reduce((n, f) => n + f.gmlBytes, 0) };
  const gmlBytes = bytes.gml;
  const out = [
    GML_UPLOAD_SECTION,
    '',
    `The benchmark network's first ${r.options.tiles} tile(s)${r.options.smoke ? ' (smoke sample)' : ''}, seed ${r.options.seed}: ${r.files.length} owners, ${features.toLocaleString('en-US')} features, with a height per position. Written per owner as a GeoJSON FeatureCollection (EPSG:25832) and as a LER 2.2 GML Graveforespoergselssvar (EPSG:7416, the project's writer; every file valid against the official schema and LER's restrictions, or the run says so below). Each format uploaded owner after owner in a process of its own: \`fs.createReadStream\` (1 MiB chunks) into \`Engine.putNetworkStream\`, 2 worker threads, no store; timed from the first byte to the last owner's version queryable. GML passes LER's layers on the main thread: the streamed reader (saxes), the official XML schema (libxml2 in WebAssembly, in batches of about 256 KB), LER's restrictions, then the same rules, workers and index as GeoJSON. Peak RSS sampled every 20 ms; MB = 10^6 bytes.`,
    '',
    '| upload | files | time | MB/s | features/s | peak RSS | RSS growth |',
    '| --- | --- | --- | --- | --- | --- | --- |'
  ];
  for (const run of r.runs) {
    const b = bytes[run.format];
    out.push(`| ${run.format === 'gml' ? 'LER GML (schema + restrictions + rules)' : 'GeoJSON (rules)'} | ${mb(b)} MB | ${run.seconds.toFixed(2)} s | ${(b / 1e6 / run.seconds).toFixed(1)} | ${Math.round(features / run.seconds).toLocaleString('en-US')} | ${mib(run.rssPeak)} MiB | ${mib(run.rssPeak - run.rssBefore)} MiB |`);
  }
  out.push(`| LER GML, the reader alone (saxes to features, no checks, one thread) | ${mb(gmlBytes)} MB | ${r.readerSeconds.toFixed(2)} s | ${(gmlBytes / 1e6 / r.readerSeconds).toFixed(1)} | ${Math.round(features / r.readerSeconds).toLocaleString('en-US')} | - | - |`);
  const [geo, gml] = [r.runs.find((x) => x.format === 'geojson'), r.runs.find((x) => x.format === 'gml')];
  if (geo !== undefined && gml !== undefined) {
    out.push('', `The same features take ${(gmlBytes / bytes.geojson).toFixed(2)}x the bytes in GML; their upload takes ${(gml.seconds / geo.seconds).toFixed(2)}x GeoJSON's time, with ${((gml.rssPeak - gml.rssBefore) / Math.max(1, geo.rssPeak - geo.rssBefore)).toFixed(2)}x its RSS growth. ${r.problems.length === 0 ? 'Both uploads stored every feature with no error.' : `Problems: ${r.problems.join('; ')}`}`);
  }
  out.push('', '| owner | features | GeoJSON | GML | GeoJSON upload | GML upload |', '| --- | --- | --- | --- | --- | --- |');
  for (const f of r.files) {
    const g = geo?.owners.find((o) => o.owner === f.owner);
    const x = gml?.owners.find((o) => o.owner === f.owner);
    out.push(`| ${f.owner} | ${f.features.toLocaleString('en-US')} | ${mb(f.geojsonBytes)} MB | ${mb(f.gmlBytes)} MB | ${g ? `${g.seconds.toFixed(2)} s` : '-'} | ${x ? `${x.seconds.toFixed(2)} s` : '-'} |`);
  }
  out.push('');
  return out;
}
