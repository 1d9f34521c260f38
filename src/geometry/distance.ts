/**
 * Planar distance between any two GeoJSON geometries of the six simple types: 0 when they meet
 * (polygons are closed areas), else the least distance between them. Allocates; meant for
 * tests, tools and single answers, while queries use {@link PreparedArea} directly.
 */
import type { Geometry, Position } from '../types.js';
import { PreparedArea } from './area.js';
import { pointSegmentDistance2, segmentSegmentDistance2 } from './segment.js';

interface Parts {
  /** Points: x, y pairs. */
  points: number[];
  /** Lines: flat x, y arrays of two or more positions. */
  lines: number[][];
  /** Polygon rings: flat xy and ring starts, every ring closed. */
  area: { xy: Float64Array; starts: Uint32Array } | null;
}

/**
 * Planar distance between two geometries. An empty geometry is at no distance from anything:
 * the answer is Infinity (as GEOS answers; PostGIS answers NULL), so it is never "within" any
 * distance.
 */
export function geometryDistance(a: Geometry, b: Geometry): number {
  const pa = partsOf(a);
  const pb = partsOf(b);
  if (isEmpty(pa) || isEmpty(pb)) return Infinity;
  if (pa.area !== null) return distanceToArea(pa.area, pb);
  if (pb.area !== null) return distanceToArea(pb.area, pa);
  return linealDistance(pa, pb);
}

function isEmpty(p: Parts): boolean {
  return p.points.length === 0 && p.lines.length === 0 && p.area === null;
}

function distanceToArea(area: { xy: Float64Array; starts: Uint32Array }, other: Parts): number {
  const prepared = new PreparedArea(area.xy, area.starts);
  let best = Infinity;
  const pts = other.points;
  for (let i = 0; i < pts.length && best > 0; i += 2) {
    best = Math.min(best, prepared.pointDistance(pts[i], pts[i + 1], best));
  }
  for (const line of other.lines) {
    for (let i = 0; i + 3 < line.length && best > 0; i += 2) {
      best = Math.min(best, prepared.segmentDistance(line[i], line[i + 1], line[i + 2], line[i + 3], best));
    }
  }
  if (other.area !== null && best > 0) {
    const o = other.area;
    best = Math.min(best, prepared.ringsDistance(o.xy, o.starts, 0, o.starts.length - 1, best));
  }
  return best;
}

/** Points and lines against points and lines: every pair, as lw_dist2d does. */
function linealDistance(a: Parts, b: Parts): number {
  let best2 = Infinity;
  const ap = a.points;
  const bp = b.points;
  for (let i = 0; i < ap.length; i += 2) {
    for (let j = 0; j < bp.length; j += 2) {
      const dx = ap[i] - bp[j];
      const dy = ap[i + 1] - bp[j + 1];
      best2 = Math.min(best2, dx * dx + dy * dy);
    }
    for (const line of b.lines) best2 = Math.min(best2, pointLine2(ap[i], ap[i + 1], line));
  }
  for (const line of a.lines) {
    for (let j = 0; j < bp.length; j += 2) best2 = Math.min(best2, pointLine2(bp[j], bp[j + 1], line));
    for (const other of b.lines) {
      for (let i = 0; i + 3 < line.length; i += 2) {
        for (let k = 0; k + 3 < other.length; k += 2) {
          best2 = Math.min(best2, segmentSegmentDistance2(
            line[i], line[i + 1], line[i + 2], line[i + 3],
            other[k], other[k + 1], other[k + 2], other[k + 3]
          ));
          if (best2 === 0) return 0;
        }
      }
    }
  }
  return Math.sqrt(best2);
}

function pointLine2(x: number, y: number, line: number[]): number {
  let best2 = Infinity;
  for (let i = 0; i + 3 < line.length; i += 2) {
    best2 = Math.min(best2, pointSegmentDistance2(x, y, line[i], line[i + 1], line[i + 2], line[i + 3]));
  }
  return best2;
}

function partsOf(g: Geometry): Parts {
  const parts: Parts = { points: [], lines: [], area: null };
  switch (g.type) {
    case 'Point':
      addPoint(parts, g.coordinates);
      break;
    case 'MultiPoint':
      for (const p of g.coordinates) addPoint(parts, p);
      break;
    case 'LineString':
      addLine(parts, g.coordinates);
      break;
    case 'MultiLineString':
      for (const l of g.coordinates) addLine(parts, l);
      break;
    case 'Polygon':
      parts.area = flattenRings([g.coordinates]);
      break;
    case 'MultiPolygon':
      parts.area = flattenRings(g.coordinates);
      break;
  }
  return parts;
}

function addPoint(parts: Parts, p: Position | undefined): void {
  if (p !== undefined && p.length >= 2) parts.points.push(p[0], p[1]);
}

/** A line of one distinct position is a point; of none, nothing. */
function addLine(parts: Parts, coords: Position[]): void {
  const flat: number[] = [];
  for (const p of coords) if (p.length >= 2) flat.push(p[0], p[1]);
  if (flat.length === 2) parts.points.push(flat[0], flat[1]);
  else if (flat.length >= 4) parts.lines.push(flat);
}

function flattenRings(polygons: Position[][][]): { xy: Float64Array; starts: Uint32Array } | null {
  const xy: number[] = [];
  const starts: number[] = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      if (ring.length === 0) continue;
      starts.push(xy.length / 2);
      for (const p of ring) xy.push(p[0], p[1]);
      const n = ring.length;
      if (ring[0][0] !== ring[n - 1][0] || ring[0][1] !== ring[n - 1][1]) xy.push(ring[0][0], ring[0][1]);
    }
  }
  if (starts.length === 0) return null;
  starts.push(xy.length / 2);
  return { xy: Float64Array.from(xy), starts: Uint32Array.from(starts) };
}
