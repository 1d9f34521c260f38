/**
 * Reading a planner's batch: dig areas one by one, each checked on its own (a bad area is reported
 * with its code and the batch goes on), projected to EPSG:25832 and held as flat rings ready to be
 * packed into a task. A route is cut into stretches, each a corridor area of its own.
 */
import { LerError } from '../errors.js';
import { featuresOf } from '../input/collection.js';
import { AreaReader } from '../query/area-reader.js';
import type { CrsName, Extent } from '../types.js';
import { routeStretches } from './route.js';

/** One dig area of a batch, read and projected. */
export interface BatchArea {
  /** Position in the batch (input order; a route's stretches in order along it). */
  index: number;
  /** The area's own `id`, or the stretch's `routeId:k`; null when the feature has none. */
  id: string | number | null;
  /** Vertices of all rings, x0, y0, x1, y1, ... in EPSG:25832. */
  xy: Float64Array;
  /** First vertex of each ring, then the vertex count. */
  ringStarts: Uint32Array;
  /** Centre of the area's box (for the Hilbert order of tasks). */
  cx: number;
  cy: number;
  /** For a route's stretch: where it starts and ends along the route, metres. */
  stretch?: { from: number; to: number };
}

/** An area that could not be read: reported, not checked. */
export interface BatchAreaFailure {
  index: number;
  id: string | number | null;
  error: LerError;
}

export interface BatchAreaLimits {
  crs: CrsName;
  extent: Extent | null;
  /** Largest side of an area's box, metres. */
  maxSide: number;
  /** Most vertices in one area. */
  maxVertices: number;
}

/** Largest side of a batch area's box by default: a planner's orientation request, 2.5 x 2.5 km. */
export const DEFAULT_MAX_SIDE = 2500;
export const DEFAULT_MAX_VERTICES = 20_000;

const reader = new AreaReader();
const UNCHECKED: BatchAreaLimits = { crs: 'EPSG:25832', extent: null, maxSide: Infinity, maxVertices: Infinity };

/**
 * Reads one area with the same reader and checks as a dig request's (a self-crossing area fails
 * with POLYGON_SELF_INTERSECTS); throws a LerError that names it.
 */
export function readArea(geometry: unknown, index: number, id: string | number | null, limits: BatchAreaLimits, pointer: string): BatchArea {
  const where = id !== null ? { featureIndex: index, featureId: id } : { featureIndex: index };
  reader.read(geometry, { crs: limits.crs, extent: limits.extent, kind: 'member', where, pointer, limits: { maxVertices: limits.maxVertices, maxSide: limits.maxSide } });
  const { xy, ringStarts } = reader.rings;
  // Checked above: copied here without checking again.
  return areaOf(xy, xy.length, ringStarts, ringStarts.length - 1, index, id, UNCHECKED, where, pointer);
}

/** A BatchArea from flat rings (the first `length` numbers of xy, `ringCount` ring starts), after the size checks. */
export function areaOf(
  xy: ArrayLike<number>,
  length: number,
  starts: ArrayLike<number>,
  ringCount: number,
  index: number,
  id: string | number | null,
  limits: BatchAreaLimits,
  where: { featureIndex?: number; featureId?: string | number } = { featureIndex: index },
  pointer = ''
): BatchArea {
  const n = length >> 1;
  if (n > limits.maxVertices) {
    throw new LerError('AREA_TOO_LARGE', { ...where, pointer }, `${n} vertices; at most ${limits.maxVertices}.`);
  }
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  const copy = new Float64Array(length);
  for (let i = 0; i < length; i += 2) {
    const x = xy[i], y = xy[i + 1];
    copy[i] = x;
    copy[i + 1] = y;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const side = Math.max(maxX - minX, maxY - minY);
  if (side > limits.maxSide) {
    throw new LerError('AREA_TOO_LARGE', { ...where, pointer }, `The area's box is ${side.toFixed(0)} m across; at most ${limits.maxSide} m.`);
  }
  const ringStarts = new Uint32Array(ringCount + 1);
  for (let r = 0; r < ringCount; r++) ringStarts[r] = starts[r];
  ringStarts[ringCount] = n;
  return { index, id, xy: copy, ringStarts, cx: (minX + maxX) / 2, cy: (minY + maxY) / 2 };
}

/** A route: a line checked as a corridor of the given width, reported stretch by stretch. */
export interface RouteInput {
  line: unknown;
  id: string | number | null;
  /** Full width of the corridor, metres. */
  width: number;
  /** Length of each reported stretch, metres. */
  stretchLength: number;
}

/**
 * Areas `first` to `first + count - 1` of a batch's input, numbered as in the whole input: a batch
 * split into tasks checks each slice on its own and gets each area's summary exactly as the whole
 * batch would give it. The areas before `first` are passed over unread (a collection's features are
 * not parsed, a route's stretches before the slice are not built).
 */
export class BatchSlice {
  constructor(
    readonly input: unknown,
    readonly first: number,
    readonly count: number
  ) {
    for (const [name, n] of [['first', first], ['count', count]] as const) {
      if (!Number.isSafeInteger(n) || n < 0) throw new LerError('BATCH_INVALID', { pointer: `/${name}` }, `A slice's ${name} must be a whole number from 0, got ${String(n)}.`);
    }
  }
}

/** The areas of a batch input, in order, and how many there are when that is known up front. */
export interface BatchInput {
  total: number | null;
  areas: AsyncIterable<BatchArea | BatchAreaFailure>;
}

/**
 * Opens a batch input: a FeatureCollection, an array or (async) iterable of Features with Polygon
 * or MultiPolygon geometry, or a route's stretches. Throws a LerError when the input as a whole is
 * unusable; a bad area is yielded as a failure and the rest go on.
 */
export function openBatchInput(input: unknown, limits: BatchAreaLimits, route: RouteInput | null): BatchInput {
  const slice = input instanceof BatchSlice ? input : null;
  if (route !== null) {
    const stretches = routeStretches(route, limits, slice ?? undefined);
    return { total: slice === null ? stretches.total : sliced(stretches.total, slice), areas: toAsync(stretches.areas) };
  }
  const features = featuresOf(slice === null ? input : slice.input, true);
  const total = Array.isArray(features) ? features.length : null;
  if (slice === null) return { total, areas: readFeatures(features, limits) };
  return { total: total === null ? slice.count : sliced(total, slice), areas: readFeatures(features, limits, slice) };
}

/** Areas of a slice, of an input of `total`. */
function sliced(total: number, slice: BatchSlice): number {
  return Math.max(0, Math.min(slice.count, total - slice.first));
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

async function* readFeatures(features: Iterable<unknown> | AsyncIterable<unknown>, limits: BatchAreaLimits, slice?: BatchSlice): AsyncGenerator<BatchArea | BatchAreaFailure> {
  const first = slice?.first ?? 0;
  const end = slice === undefined ? Infinity : first + slice.count;
  let index = 0;
  for await (const feature of features) {
    const i = index++;
    if (i < first) continue;
    if (i >= end) break;
    const id = idOf(feature);
    try {
      if (!feature || typeof feature !== 'object' || (feature as { type?: unknown }).type !== 'Feature') {
        throw new LerError('FEATURE_NOT_OBJECT', { featureIndex: i, pointer: '' });
      }
      yield readArea((feature as { geometry?: unknown }).geometry, i, id, limits, '/geometry');
    } catch (error) {
      if (!(error instanceof LerError)) throw error;
      yield { index: i, id, error };
    }
  }
}

function idOf(feature: unknown): string | number | null {
  const id = (feature as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

