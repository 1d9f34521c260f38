/**
 * A planner's batch options, checked: the information zone, the CRS and limits each area is read
 * with, whether the input is a route, and the sizes of windows and tasks.
 */
import { normaliseCrs, resolveExtent } from '../crs/index.js';
import { LerError } from '../errors.js';
import { checkInfoZone } from '../query/area-reader.js';
import type { Extent } from '../types.js';
import { BatchSlice, DEFAULT_MAX_SIDE, DEFAULT_MAX_VERTICES, type BatchAreaLimits, type RouteInput } from './areas.js';
import { routeStretches } from './route.js';
import { DEFAULT_WINDOW } from './run.js';

/** What a batch may say of how it is to be checked (see Engine.checkBatch). */
export interface BatchSettingsInput {
  /** Width b of the information zone, metres (0 to 100). */
  infoZone?: number;
  /** CRS of the areas (or route); default EPSG:4326. */
  crs?: string;
  /** As for queries: `null` turns the extent check off. */
  extent?: Extent | null;
  /** For a route (a LineString): the full width of its corridor, metres. */
  corridorWidth?: number;
  /** For a route: the length of each reported stretch, metres; default 100. */
  stretchLength?: number;
  /** Areas per task; default: at least 100, more for long batches. */
  taskSize?: number;
  /** Areas read ahead and sorted together; default 8192. */
  window?: number;
  /** Largest side of an area's box, metres; default 2500. */
  maxSide?: number;
  /** Most vertices of one area; default 20,000. */
  maxVertices?: number;
}

export interface BatchSettings {
  infoZone: number;
  limits: BatchAreaLimits;
  /** The route, when the input is a LineString; null for a collection of areas. */
  route: RouteInput | null;
  /** Areas per task; 0: chosen by the batch's length. */
  taskSize: number;
  window: number;
}

/** Largest value a batch's size options take: beyond, a window or task would hold too much at once. */
const MAX_BATCH_OPTION = 1_000_000;

/** Checks a batch's options against its input; throws a LerError naming the option. */
export function batchSettings(input: unknown, opts: BatchSettingsInput): BatchSettings {
  return {
    infoZone: checkInfoZone(opts.infoZone),
    limits: {
      crs: normaliseCrs(opts.crs),
      extent: resolveExtent(opts.extent),
      maxSide: positive(opts.maxSide, DEFAULT_MAX_SIDE, 'maxSide'),
      maxVertices: positive(opts.maxVertices, DEFAULT_MAX_VERTICES, 'maxVertices')
    },
    route: routeOf(input, opts),
    taskSize: opts.taskSize === undefined ? 0 : positive(opts.taskSize, 0, 'taskSize'),
    window: positive(opts.window, DEFAULT_WINDOW, 'window')
  };
}

function positive(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BATCH_OPTION) {
    throw new LerError('BATCH_INVALID', { pointer: `/${name}` }, `${name} must be a whole number from 1 to ${MAX_BATCH_OPTION}, got ${String(value)}.`);
  }
  return value;
}

/** A route when the input is a LineString (geometry or Feature); null for a collection of areas. */
function routeOf(input: unknown, opts: BatchSettingsInput): RouteInput | null {
  // A slice of a route is read as the whole route (its stretches depend on all of it).
  if (input instanceof BatchSlice) input = input.input;
  const x = input as { type?: unknown; geometry?: { type?: unknown } | null; id?: unknown } | null;
  const isLine = x !== null && typeof x === 'object' && (x.type === 'LineString' || (x.type === 'Feature' && x.geometry?.type === 'LineString'));
  if (!isLine) {
    if (opts.corridorWidth !== undefined) throw new LerError('BATCH_INVALID', { pointer: '/corridorWidth' }, 'corridorWidth is for a route: give a LineString.');
    return null;
  }
  if (opts.corridorWidth === undefined) throw new LerError('ROUTE_INVALID', { pointer: '/corridorWidth' }, 'A route needs corridorWidth, metres.');
  const id = typeof x.id === 'string' || typeof x.id === 'number' ? x.id : null;
  return { line: input, id, width: opts.corridorWidth, stretchLength: opts.stretchLength ?? 100 };
}

/**
 * Checks a route before its batch is queued, as far as it can be without the network: a LineString
 * (geometry or Feature) with its corridor width and stretch length, read whole (positions, CRS,
 * extent); returns its number of stretches. Throws ROUTE_INVALID (or BATCH_INVALID) naming the member.
 */
export function checkRoute(route: unknown, opts: BatchSettingsInput): number {
  const x = route as { type?: unknown; geometry?: { type?: unknown } | null } | null;
  const type = x !== null && typeof x === 'object' ? (x.type === 'Feature' ? x.geometry?.type : x.type) : undefined;
  if (type !== 'LineString') {
    throw new LerError('ROUTE_INVALID', { pointer: x !== null && typeof x === 'object' && x.type === 'Feature' ? '/route/geometry/type' : '/route/type' }, `A route is a LineString, or a Feature of one; got ${JSON.stringify(type ?? null)}.`);
  }
  const settings = batchSettings(route, opts);
  try {
    return routeStretches(settings.route as RouteInput, settings.limits).total;
  } catch (error) {
    if (!(error instanceof LerError) || error.pointer === undefined || error.pointer.startsWith('/stretchLength')) throw error;
    // Pointers into the request: the route's members are under /route; its width is corridorWidth.
    const pointer = error.pointer === '/width' ? '/corridorWidth' : `/route${error.pointer}`;
    const moved = new LerError(error.code, { pointer });
    moved.message = error.message.replace(`at ${error.pointer})`, `at ${pointer})`);
    throw moved;
  }
}
