/**
 * A planned route (a cable or pipe line to be laid) checked as a corridor of a given width, and
 * reported stretch by stretch: the line is cut every `stretchLength` metres along it, and each
 * piece becomes a dig area of its own. A stretch's corridor is the union of its segments'
 * rectangles of the full width, each lengthened by half the width at both ends (square caps): it
 * holds every point within half the width of the stretch (and, at bends and ends, a little more),
 * and neighbouring stretches overlap there, so nothing between them is missed.
 */
import polygonClipping from 'polygon-clipping';
import type { Pair, Polygon as PcPolygon } from 'polygon-clipping';
import { LerError } from '../errors.js';
import { GeomType } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import { areaOf, type AreaLimits, type BatchArea, type BatchAreaFailure, type RouteInput } from './areas.js';

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
export function readRouteLine(route: RouteInput, limits: AreaLimits): number[] {
  if (typeof route.width !== 'number' || !Number.isFinite(route.width) || route.width <= 0 || route.width > MAX_ROUTE_WIDTH) {
    throw new LerError('ROUTE_INVALID', { pointer: '/width' }, `width must be a number of metres above 0 and at most ${MAX_ROUTE_WIDTH}, got ${String(route.width)}.`);
  }
  const s = route.stretchLength;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 1 || s > limits.maxSide) {
    throw new LerError('ROUTE_INVALID', { pointer: '/stretchLength' }, `stretchLength must be 1 to ${limits.maxSide} m, got ${String(s)}.`);
  }
  const line = route.line as { type?: unknown; geometry?: unknown } | null;
  const geometry = line && typeof line === 'object' && line.type === 'Feature' ? line.geometry : line;
  const pointer = line && typeof line === 'object' && line.type === 'Feature' ? '/geometry' : '';
  const sink = new LineSink();
  readGeometry(geometry, [GeomType.LineString], sink, { crs: limits.crs, extent: limits.extent, where: {}, pointer });
  return sink.xy;
}

/** The route's stretches as batch areas, in order along the line, and their number. */
export function routeStretches(route: RouteInput, limits: AreaLimits): { total: number; areas: Generator<BatchArea | BatchAreaFailure> } {
  const xy = readRouteLine(route, limits);
  let total = 0;
  for (let i = 2; i < xy.length; i += 2) total += Math.hypot(xy[i] - xy[i - 2], xy[i + 1] - xy[i - 1]);
  return { total: Math.max(1, Math.ceil(total / route.stretchLength - 1e-9)), areas: stretchesOf(xy, route, limits) };
}

/** One stretch of a route and its corridor, as a MultiPolygon in EPSG:25832. */
export interface RouteCorridor {
  index: number;
  from: number;
  to: number;
  coordinates: number[][][][];
}

/** The corridors of a route's stretches, in order along it (the route as read by readRouteLine). */
export function* routeCorridors(xy: number[], width: number, stretchLength: number): Generator<RouteCorridor> {
  const half = width / 2;
  // Distance along the line at each vertex.
  const n = xy.length >> 1;
  const along = new Float64Array(n);
  for (let v = 1; v < n; v++) along[v] = along[v - 1] + Math.hypot(xy[2 * v] - xy[2 * v - 2], xy[2 * v + 1] - xy[2 * v - 1]);
  const total = along[n - 1];
  const count = Math.max(1, Math.ceil(total / stretchLength - 1e-9));
  let v = 0;
  for (let k = 0; k < count; k++) {
    const from = k * stretchLength;
    const to = k === count - 1 ? total : (k + 1) * stretchLength;
    // The stretch: the point at `from`, the vertices strictly between, the point at `to`.
    while (v < n - 2 && along[v + 1] <= from) v++;
    const piece: number[] = [];
    pointAt(xy, along, v, from, piece);
    let w = v + 1;
    for (; w < n - 1 && along[w] < to; w++) push(piece, xy[2 * w], xy[2 * w + 1]);
    pointAt(xy, along, w - 1, to, piece);
    yield { index: k, from, to, coordinates: corridor(piece, half) };
  }
}

function* stretchesOf(xy: number[], route: RouteInput, limits: AreaLimits): Generator<BatchArea | BatchAreaFailure> {
  for (const { index: k, from, to, coordinates } of routeCorridors(xy, route.width, route.stretchLength)) {
    const id = route.id === null ? k : `${String(route.id)}:${k}`;
    try {
      const ringXy: number[] = [];
      const starts: number[] = [];
      for (const polygon of coordinates) {
        for (const ring of polygon) {
          starts.push(ringXy.length >> 1);
          for (const [x, y] of ring) ringXy.push(x, y);
        }
      }
      const area = areaOf(ringXy, starts, k, id, limits, { featureIndex: k, featureId: id });
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

/**
 * The union of the square-capped rectangles of a polyline's segments, as MultiPolygon
 * coordinates. Computed about the first vertex, where the numbers are small, and moved back.
 */
function corridor(piece: number[], half: number): number[][][][] {
  const ox = piece[0], oy = piece[1];
  const rects: PcPolygon[] = [];
  if (piece.length === 2) rects.push([square(0, 0, half)]);
  for (let i = 2; i < piece.length; i += 2) {
    const ax = piece[i - 2] - ox, ay = piece[i - 1] - oy;
    const bx = piece[i] - ox, by = piece[i + 1] - oy;
    const l = Math.hypot(bx - ax, by - ay);
    if (l === 0) continue;
    // Unit direction and left normal, both scaled by half the width.
    const ux = ((bx - ax) / l) * half, uy = ((by - ay) / l) * half;
    const nx = -uy, ny = ux;
    rects.push([
      [
        [ax - ux + nx, ay - uy + ny],
        [ax - ux - nx, ay - uy - ny],
        [bx + ux - nx, by + uy - ny],
        [bx + ux + nx, by + uy + ny],
        [ax - ux + nx, ay - uy + ny]
      ]
    ]);
  }
  const union = rects.length === 1 ? [rects[0]] : polygonClipping.union(rects[0], ...rects.slice(1));
  return union.map((polygon) => polygon.map((ring) => ring.map(([x, y]) => [x + ox, y + oy])));
}

function square(x: number, y: number, h: number): Pair[] {
  return [
    [x - h, y - h],
    [x + h, y - h],
    [x + h, y + h],
    [x - h, y + h],
    [x - h, y - h]
  ];
}
