/**
 * The input of `ler check`, read the same way for the local store and for a service: a
 * FeatureCollection (or text sequence) of areas, streamed, or a route (one LineString, with
 * --corridor-width) read whole; the CRS from --crs, else the file's crs member; each area's (or
 * stretch's) geometry kept for GeoJSON output.
 */
import { LerError } from '../errors.js';
import type { CrsName, Geometry } from '../types.js';
import type { AreaStream } from './areas.js';
import { UsageError } from './common.js';
import { openSource, readJson, type CountedSource } from './input.js';

export interface BatchInput {
  /** Areas (a stream of parsed features) or a route (the LineString, a Feature or a geometry). */
  kind: 'areas' | 'route';
  /** What the engine (or the service) is given: the features as they are read, or the route. */
  input: unknown;
  crs: CrsName;
  /** The geometry of area (or stretch) i in the input's CRS, forgotten once taken; null when not kept. */
  geometryOf(index: number): Geometry | null;
  /** Areas in the batch, estimated from the bytes read so far; null when unknown. */
  estimateTotal(): number | null;
}

/** The options of a check, as the command line gives them (undefined: the default). */
export interface CheckOptions {
  infoZone: number | undefined;
  corridorWidth: number | undefined;
  stretchLength: number | undefined;
  conflicts: boolean;
}

export interface BatchInputOptions {
  /** --crs, when given. */
  crs: string | undefined;
  /** Route mode: the corridor's full width. */
  corridorWidth: number | undefined;
  stretchLength: number;
  /** Keep each area's geometry (GeoJSON output). */
  keepGeometry: boolean;
}

const ROUTE_HINT = 'The input is a route (a LineString): give --corridor-width <metres>.';
const FEATURE_HINT = 'The input is one Feature: give a FeatureCollection of areas, --corridor-width for a route (a LineString), or use ler dig for one dig area.';

export async function readBatchInput(file: string, opts: BatchInputOptions): Promise<BatchInput> {
  const { declaredCrs, normaliseCrs } = await import('../crs/index.js');
  if (opts.corridorWidth !== undefined) {
    // A route: one line, read whole.
    const doc = await readJson(file);
    const crs = normaliseCrs(opts.crs ?? declaredCrs(doc));
    const route = routeOf(doc);
    const geometryOf = opts.keepGeometry ? await stretchGeometries(route, crs, opts.corridorWidth, opts.stretchLength) : () => null;
    return { kind: 'route', input: route, crs, geometryOf, estimateTotal: () => null };
  }
  // Areas: streamed, however many.
  const { openAreas } = await import('./areas.js');
  const source: CountedSource = openSource(file);
  let areas: AreaStream;
  try {
    areas = await openAreas(source, { keepGeometry: opts.keepGeometry });
  } catch (error) {
    if (error instanceof LerError && error.code === 'FEATURE_COLLECTION_INVALID' && error.pointer === '/type') {
      if (/"LineString"/.test(error.message)) throw new UsageError(ROUTE_HINT, 'check');
      if (/"Feature"/.test(error.message)) throw new UsageError(FEATURE_HINT, 'check');
    }
    throw error;
  }
  if (areas.ended && areas.peeked.length === 1 && isRoute(areas.peeked[0])) throw new UsageError(ROUTE_HINT, 'check');
  return {
    kind: 'areas',
    input: areas.features,
    crs: normaliseCrs(opts.crs ?? areas.declared),
    geometryOf: (i) => areas.takeGeometry(i),
    estimateTotal: () => estimateTotal(source, areas.read)
  };
}

/** Areas in a streamed batch, estimated from the bytes read so far; exact once all are read. */
function estimateTotal(source: CountedSource, read: number): number | null {
  if (source.size === null || source.bytes === 0 || read === 0) return null;
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
    import('../batch/areas.js'),
    import('../batch/route.js'),
    import('../crs/index.js')
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
