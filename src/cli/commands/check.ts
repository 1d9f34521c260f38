/**
 * `ler check`: a planner's batch against the local store: one summary per dig area (or per
 * stretch of a route), streamed out as NDJSON, CSV or GeoJSON, with progress and a closing
 * summary on stderr.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { LerError } from '../../errors.js';
import { FAREKLASSE } from '../../model/ler.js';
import type { CrsName, Geometry } from '../../types.js';
import { CRS_OPTION, DATA_DIR_OPTION, EXIT, UsageError, dataDir, num, oneOf, positionals, str, workers, write, type CommandSpec } from '../common.js';
import { FORMATS, summaryWriter } from '../formats.js';
import type { AreaStream } from '../areas.js';
import { openSource, readJson, type CountedSource } from '../input.js';
import { Progress, formatSeconds } from '../progress.js';

export const check: CommandSpec = {
  name: 'check',
  summary: "check a planner's batch of dig areas (or a route) against the local store",
  options: {
    ...DATA_DIR_OPTION,
    ...CRS_OPTION,
    format: { type: 'string' },
    out: { type: 'string', short: 'o' },
    'info-zone': { type: 'string' },
    'corridor-width': { type: 'string' },
    'stretch-length': { type: 'string' },
    conflicts: { type: 'boolean' },
    workers: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' }
  },
  help: `Usage: ler check <areas.geojson | -> [options]

Checks every Polygon or MultiPolygon feature of a FeatureCollection against the
networks in the local store and writes one summary per area, in input order:
conflicts in the dig area and the information zone, owners hit, counts by
forsyningsart and fareklasse, the most dangerous line, the length inside.
With --corridor-width the input is a route (a LineString, or a collection of one
LineString feature) checked as a corridor, stretch by stretch.

Options:
  --data-dir <dir>          the store; default $LER_DATA_DIR or ./data
  --crs <name>              CRS of the areas and of GeoJSON output: EPSG:4326
                            (lon/lat, the default), EPSG:25832 or EPSG:7416;
                            default: the file's crs member
  --format ndjson|csv|geojson
                            ndjson (default): one summary per line; csv: one row
                            per area; geojson: the areas with their summaries
  -o, --out <file>          write there instead of stdout
  --info-zone <m>           width of the information zone, 0 to 100 m; default 0
  --corridor-width <m>      route mode: the corridor's full width, metres
  --stretch-length <m>      route mode: length of each reported stretch; default 100
  --conflicts               every conflict in each summary (ndjson, geojson)
  --workers <n>             threads; default $LER_WORKERS or the cores (0: inline)
  -q, --quiet               no progress and no closing summary on stderr

Exit status: 0 every area checked; 1 some areas failed (their summaries say
why) or the input is unusable; 2 wrong command line; 130 interrupted.

Examples:
  ler check --info-zone 2 buildings.geojson > answers.ndjson
  ler check --format csv --out answers.csv --crs EPSG:25832 areas.geojson
  ler check --corridor-width 10 --stretch-length 50 --format geojson route.geojson`,
  async run(args, io) {
    const [file] = positionals(args, ['areas.geojson'], 'check');
    const format = oneOf(args, 'format', FORMATS, 'ndjson', 'check');
    const infoZone = num(args, 'info-zone', 'check');
    const corridorWidth = num(args, 'corridor-width', 'check');
    const stretchLength = num(args, 'stretch-length', 'check');
    const threads = workers(args, io, 'check');
    const quiet = args.values.quiet === true;
    const [{ declaredCrs, normaliseCrs }, { Engine }, { SqliteStore }] = await Promise.all([import('../../crs/index.js'), import('../../engine.js'), import('../../store/sqlite.js')]);
    const keepGeometry = format === 'geojson';
    let input: unknown;
    let crs: CrsName;
    let geometryOf: (index: number) => Geometry | null;
    let source: CountedSource | null = null;
    let areasRead = (): number => 0;
    if (corridorWidth !== undefined) {
      // A route: one line, read whole.
      const doc = await readJson(file);
      crs = normaliseCrs(str(args, 'crs') ?? declaredCrs(doc));
      input = routeOf(doc);
      geometryOf = keepGeometry ? await stretchGeometries(input, crs, corridorWidth, stretchLength ?? 100) : () => null;
    } else {
      // Areas: streamed, however many.
      const { openAreas } = await import('../areas.js');
      source = openSource(file);
      let areas: AreaStream;
      try {
        areas = await openAreas(source, { keepGeometry });
      } catch (error) {
        if (error instanceof LerError && error.code === 'FEATURE_COLLECTION_INVALID' && error.pointer === '/type') {
          if (/"LineString"/.test(error.message)) throw new UsageError(ROUTE_HINT, 'check');
          if (/"Feature"/.test(error.message)) throw new UsageError(FEATURE_HINT, 'check');
        }
        throw error;
      }
      if (areas.ended && areas.peeked.length === 1 && isRoute(areas.peeked[0])) throw new UsageError(ROUTE_HINT, 'check');
      crs = normaliseCrs(str(args, 'crs') ?? areas.declared);
      input = areas.features;
      geometryOf = (i) => areas.takeGeometry(i);
      areasRead = () => areas.read;
    }

    const store = new SqliteStore({ dataDir: dataDir(args, io) });
    const engine = new Engine({ store, workers: threads });
    const outPath = str(args, 'out');
    const controller = new AbortController();
    let outError: Error | null = null;
    let out: Writable = io.stdout;
    if (outPath !== undefined) {
      try {
        out = await openOut(outPath);
      } catch (error) {
        await engine.close();
        store.close();
        throw error;
      }
      // A write that fails later (a full disk) stops the batch and is reported.
      out.on('error', (error) => {
        outError = error;
        controller.abort();
      });
    }
    const onSignal = (): void => controller.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const progress = quiet ? null : new Progress(io.stderr, { label: 'check', unit: 'areas' });
    const started = performance.now();
    let areas = 0, failed = 0, hit = 0, worst = -1;
    const owners = new Set<string>();
    try {
      const writer = summaryWriter(format, crs);
      const batch = engine.checkBatch(input, {
        crs,
        signal: controller.signal,
        conflicts: args.values.conflicts === true,
        ...(infoZone !== undefined ? { infoZone } : {}),
        ...(corridorWidth !== undefined ? { corridorWidth, stretchLength: stretchLength ?? 100 } : {}),
        onProgress: (p) => progress?.update(p.done, p.total ?? estimateTotal(source, areasRead()), `${p.failed} failed`)
      });
      let headed = false;
      for await (const s of batch) {
        if (!headed) await write(out, writer.head());
        headed = true;
        areas++;
        if (s.status === 'failed') failed++;
        if (s.conflictCount > 0) hit++;
        for (const o of s.owners) owners.add(o);
        const level = s.mostDangerous?.fareklasse ? FAREKLASSE.indexOf(s.mostDangerous.fareklasse as (typeof FAREKLASSE)[number]) : -1;
        if (level > worst) worst = level;
        await write(out, writer.row(s, geometryOf(s.index)));
      }
      if (!headed) await write(out, writer.head());
      await write(out, writer.tail());
    } catch (error) {
      if (outError !== null) throw outError;
      if (controller.signal.aborted) {
        progress?.finish();
        io.stderr.write(`ler check: interrupted after ${areas} areas; the output is incomplete.\n`);
        return EXIT.interrupted;
      }
      throw error;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      progress?.finish();
      if (out !== io.stdout && outError === null) {
        const file = out;
        await new Promise<void>((resolve) => file.end((error?: Error | null) => {
          outError ??= error ?? null;
          resolve();
        }));
      }
      await engine.close();
      store.close();
    }
    if (outError !== null) throw outError;
    if (!quiet) {
      const seconds = (performance.now() - started) / 1000;
      io.stderr.write(
        `checked ${areas} areas in ${formatSeconds(seconds)}: ${failed} failed, ${hit} with conflicts; ` +
          `owners hit: ${owners.size > 0 ? [...owners].sort().join(', ') : 'none'}; worst fareklasse: ${worst >= 0 ? FAREKLASSE[worst] : 'none'}\n`
      );
    }
    return failed > 0 ? EXIT.failed : EXIT.ok;
  }
};

/** A file to write to, once it is open (a missing directory is an error here, not later). */
function openOut(path: string): Promise<Writable> {
  return new Promise((resolve, reject) => {
    const stream = createWriteStream(path);
    stream.once('open', () => {
      stream.off('error', reject);
      resolve(stream);
    });
    stream.once('error', reject);
  });
}

const ROUTE_HINT = 'The input is a route (a LineString): give --corridor-width <metres>.';
const FEATURE_HINT = 'The input is one Feature: give a FeatureCollection of areas, --corridor-width for a route (a LineString), or use ler dig for one dig area.';

/** Areas in a streamed batch, estimated from the bytes read so far; exact once all are read. */
function estimateTotal(source: CountedSource | null, read: number): number | null {
  if (source === null || source.size === null || source.bytes === 0 || read === 0) return null;
  return source.bytes >= source.size ? read : Math.round((read * source.size) / source.bytes);
}

/** The route of a route check: a LineString (geometry or Feature), or a collection of just one. */
function routeOf(doc: unknown): unknown {
  const fc = doc as { type?: unknown; features?: unknown[] } | null;
  if (fc !== null && typeof fc === 'object' && fc.type === 'FeatureCollection' && Array.isArray(fc.features)) {
    if (fc.features.length !== 1) throw new LerError('ROUTE_INVALID', { pointer: '/features' }, `With --corridor-width give one LineString; the collection holds ${fc.features.length} features.`);
    return fc.features[0];
  }
  return doc;
}

/** A LineString (geometry or Feature), or a collection of just one LineString feature. */
function isRoute(doc: unknown): boolean {
  const d = doc as { type?: unknown; features?: unknown; geometry?: { type?: unknown } | null } | null;
  if (d === null || typeof d !== 'object') return false;
  if (d.type === 'FeatureCollection') return Array.isArray(d.features) && d.features.length === 1 && isRoute(d.features[0]);
  return d.type === 'LineString' || (d.type === 'Feature' && d.geometry?.type === 'LineString');
}

/** Each stretch's piece of the route's centreline, in the output's CRS (for GeoJSON output). */
async function stretchGeometries(route: unknown, crs: CrsName, width: number, stretchLength: number): Promise<(index: number) => Geometry | null> {
  const [{ DEFAULT_MAX_SIDE, DEFAULT_MAX_VERTICES }, { readRouteLine, routeStretchLines }, { isInternal, resolveExtent, unprojectToLonLat }] = await Promise.all([
    import('../../batch/areas.js'),
    import('../../batch/route.js'),
    import('../../crs/index.js')
  ]);
  let lines: Geometry[] = [];
  try {
    const xy = readRouteLine({ line: route, id: null, width, stretchLength }, { crs, extent: resolveExtent(undefined), maxSide: DEFAULT_MAX_SIDE, maxVertices: DEFAULT_MAX_VERTICES });
    lines = [...routeStretchLines(xy, stretchLength)].map((s) => {
      const coordinates: number[][] = [];
      for (let i = 0; i < s.line.length; i += 2) coordinates.push(isInternal(crs) ? [s.line[i], s.line[i + 1]] : unprojectToLonLat(s.line[i], s.line[i + 1]));
      return { type: 'LineString', coordinates };
    });
  } catch {
    // A route the engine rejects fails the batch with its own error; no geometry is needed then.
  }
  return (i) => lines[i] ?? null;
}
