/**
 * A planned route (a cable or pipe line to be laid) checked as a corridor of a given width, and
 * reported stretch by stretch: the centreline is cut every `stretchLength` metres along it, and
 * each piece is checked on its own. A stretch's corridor is every point within half the width of
 * its piece of centreline (round at its ends and bends: the exact buffer); neighbouring stretches
 * overlap where they meet, so nothing between them is missed.
 *
 * A feature F is in a stretch's dig area when its distance to the piece is at most half the width
 * + m(F), in its information zone when at most half the width + m(F) + b; `distance` is to the
 * corridor, `lengthInside` the length of F inside it. The piece goes to the query as a ring that
 * runs along it and back: its boundary is the piece, and the query measures every distance to
 * that boundary less the radius. No polygon is ever built, so no buffering can go wrong.
 */
import { LerError } from '../errors.js';
import { GeomType } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import { areaOf, type BatchAreaLimits, type BatchArea, type BatchAreaFailure, type RouteInput } from './areas.js';

/** Widest corridor accepted, metres. */
export const MAX_ROUTE_WIDTH = 200;

class LineSink implements GeometrySink {
  xy: number[] = [];
  beginPart(): void {}
  vertex(x: number, y: number): void {
    const n = this.xy.length;
    // Repeated positions add nothing to a corridor.
    if (n >= 2 && this.xy[n - 2] === x && this.xy[n - 1] === y) return;
    this.xy.push(x, y);
  }
}

/** Checks the route's options and reads its line (LineString geometry or Feature); throws a LerError. */
export function readRouteLine(route: RouteInput, limits: BatchAreaLimits): number[] {
  if (typeof route.width !== 'number' || !Number.isFinite(route.width) || route.width <= 0 || route.width > MAX_ROUTE_WIDTH) {
    throw new LerError('ROUTE_INVALID', { pointer: '/width' }, `width must be a number of metres above 0 and at most ${MAX_ROUTE_WIDTH}, got ${String(route.width)}.`);
  }
  const s = route.stretchLength;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 1 || s > limits.maxSide) {
    throw new LerError('ROUTE_INVALID', { pointer: '/stretchLength' }, `stretchLength must be 1 to ${limits.maxSide} m, got ${String(s)}.`);
  }
  const line = route.line as { type?: unknown; geometry?: unknown } | null;
  const feature = line !== null && typeof line === 'object' && line.type === 'Feature';
  const sink = new LineSink();
  readGeometry(feature ? line.geometry : line, [GeomType.LineString], sink, { crs: limits.crs, extent: limits.extent, where: {}, pointer: feature ? '/geometry' : '' });
  return sink.xy;
}

/** One stretch of a route: where it starts and ends along it, and its piece of centreline (x0, y0, x1, y1, ...). */
export interface RouteStretch {
  index: number;
  from: number;
  to: number;
  line: number[];
}

/** The route's stretches, in order along it (the route as read by readRouteLine). */
export function* routeStretchLines(xy: number[], stretchLength: number): Generator<RouteStretch> {
  const n = xy.length >> 1;
  // Distance along the line at each vertex.
  const along = new Float64Array(n);
  for (let v = 1; v < n; v++) along[v] = along[v - 1] + Math.hypot(xy[2 * v] - xy[2 * v - 2], xy[2 * v + 1] - xy[2 * v - 1]);
  const total = along[n - 1];
  const count = stretchCount(total, stretchLength);
  let v = 0;
  for (let k = 0; k < count; k++) {
    const from = k * stretchLength;
    const to = k === count - 1 ? total : (k + 1) * stretchLength;
    // The point at `from`, the vertices strictly between, the point at `to`.
    while (v < n - 2 && along[v + 1] <= from) v++;
    const line: number[] = [];
    pointAt(xy, along, v, from, line);
    let w = v + 1;
    for (; w < n - 1 && along[w] < to; w++) push(line, xy[2 * w], xy[2 * w + 1]);
    pointAt(xy, along, w - 1, to, line);
    yield { index: k, from, to, line };
  }
}

function stretchCount(total: number, stretchLength: number): number {
  return Math.max(1, Math.ceil(total / stretchLength - 1e-9));
}

/**
 * The route's stretches as batch areas (each its centreline as a ring along it and back), and their
 * number; with `range`, only stretches `first` to `first + count - 1` are built (the others are
 * passed over).
 */
export function routeStretches(route: RouteInput, limits: BatchAreaLimits, range?: { first: number; count: number }): { total: number; areas: Generator<BatchArea | BatchAreaFailure> } {
  const xy = readRouteLine(route, limits);
  let total = 0;
  for (let i = 2; i < xy.length; i += 2) total += Math.hypot(xy[i] - xy[i - 2], xy[i + 1] - xy[i - 1]);
  return { total: stretchCount(total, route.stretchLength), areas: stretchAreas(xy, route, limits, range?.first ?? 0, range === undefined ? Infinity : range.first + range.count) };
}

function* stretchAreas(xy: number[], route: RouteInput, limits: BatchAreaLimits, first: number, end: number): Generator<BatchArea | BatchAreaFailure> {
  for (const { index: k, from, to, line } of routeStretchLines(xy, route.stretchLength)) {
    if (k < first) continue;
    if (k >= end) return;
    const id = route.id === null ? k : `${String(route.id)}:${k}`;
    try {
      const ring = [...line];
      for (let i = line.length - 4; i >= 0; i -= 2) ring.push(line[i], line[i + 1]);
      const area = areaOf(ring, ring.length, [0], 1, k, id, limits, { featureIndex: k, featureId: id });
      area.stretch = { from, to };
      yield area;
    } catch (error) {
      if (!(error instanceof LerError)) throw error;
      yield { index: k, id, error };
    }
  }
}

/** Pushes the point `d` metres along the line, on the segment from vertex v to v + 1. */
function pointAt(xy: number[], along: Float64Array, v: number, d: number, out: number[]): void {
  const l = along[v + 1] - along[v];
  const t = l > 0 ? Math.min(1, Math.max(0, (d - along[v]) / l)) : 0;
  push(out, xy[2 * v] + t * (xy[2 * v + 2] - xy[2 * v]), xy[2 * v + 1] + t * (xy[2 * v + 3] - xy[2 * v + 1]));
}

function push(out: number[], x: number, y: number): void {
  const n = out.length;
  if (n >= 2 && out[n - 2] === x && out[n - 1] === y) return;
  out.push(x, y);
}
