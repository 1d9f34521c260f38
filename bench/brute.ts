/**
 * The obvious slow answer, for checking the engine where PostGIS is absent: the planar distance
 * from every candidate feature to the dig area by looking at every pair of segments, in plain
 * floating point, then the zone by the feature's margin. Cases within 1e-7 m of a zone boundary are
 * reported as ambiguous: plain floating point cannot settle them, so they are left out of counts.
 */
import type { Geometry, MultiPolygon, Polygon, Position } from '../src/types.js';
import { marginOf } from '../src/model/margin.js';
import { segmentsMeet } from './geom.js';
import type { NaivePeer } from './peers/naive.js';

const EPS = 1e-7;

/** Every ring of the area, as one list: even-odd over all of them gives inside. */
function ringsOf(area: Polygon | MultiPolygon): Position[][] {
  return area.type === 'Polygon' ? area.coordinates : area.coordinates.flat();
}

/** Inside by even-odd crossings over all rings; the boundary itself is caught by distance 0. */
function inside(x: number, y: number, rings: Position[][]): boolean {
  let odd = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) odd = !odd;
    }
  }
  return odd;
}

function pointSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

function segmentSegment(a: Position, b: Position, c: Position, d: Position): number {
  if (segmentsMeet(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1])) return 0;
  return Math.min(
    pointSegment(a[0], a[1], c[0], c[1], d[0], d[1]),
    pointSegment(b[0], b[1], c[0], c[1], d[0], d[1]),
    pointSegment(c[0], c[1], a[0], a[1], b[0], b[1]),
    pointSegment(d[0], d[1], a[0], a[1], b[0], b[1])
  );
}

/** Minimum distance between two sets of polylines (rings are polylines too). */
function linesLines(lines: Position[][], rings: Position[][]): number {
  let best = Infinity;
  for (const line of lines) {
    if (line.length === 1) {
      for (const ring of rings) for (let j = 1; j < ring.length; j++) best = Math.min(best, pointSegment(line[0][0], line[0][1], ring[j - 1][0], ring[j - 1][1], ring[j][0], ring[j][1]));
      continue;
    }
    for (let i = 1; i < line.length; i++) {
      for (const ring of rings) {
        for (let j = 1; j < ring.length; j++) {
          const d = segmentSegment(line[i - 1], line[i], ring[j - 1], ring[j]);
          if (d < best) best = d;
          if (best === 0) return 0;
        }
      }
    }
  }
  return best;
}

/** Planar distance from a feature's geometry to the dig area; 0 where they touch or overlap. */
export function distanceToArea(g: Geometry, area: Polygon | MultiPolygon): number {
  const rings = ringsOf(area);
  let parts: Position[][];
  let featureRings: Position[][] | null = null;
  switch (g.type) {
    case 'Point':
      parts = [[g.coordinates]];
      break;
    case 'MultiPoint':
      parts = g.coordinates.map((p) => [p]);
      break;
    case 'LineString':
      parts = [g.coordinates];
      break;
    case 'MultiLineString':
      parts = g.coordinates;
      break;
    case 'Polygon':
      parts = featureRings = g.coordinates;
      break;
    case 'MultiPolygon':
      parts = featureRings = g.coordinates.flat();
      break;
  }
  for (const part of parts) for (const p of part) if (inside(p[0], p[1], rings)) return 0;
  if (featureRings) for (const ring of rings) for (const p of ring) if (inside(p[0], p[1], featureRings)) return 0;
  return linesLines(parts, rings);
}

export interface BruteAnswer {
  /** `${owner}\u0000${id}` to 1 (dig area) or 2 (information zone). */
  pairs: Map<string, 1 | 2>;
  /** Keys too close to a zone boundary for plain floating point to settle. */
  ambiguous: Set<string>;
  distance: Map<string, number>;
}

/** The answer for one dig area over the naive peer's whole-feature boxes, grown by maxMargin + b. */
export function bruteForce(peer: NaivePeer, area: Polygon | MultiPolygon, b: number, maxMargin: number, coarseAccuracy = 5): BruteAnswer {
  const out: BruteAnswer = { pairs: new Map(), ambiguous: new Set(), distance: new Map() };
  for (const item of peer.candidates(area, maxMargin + b + 1e-6)) {
    const key = `${item.owner}\u0000${String(item.feature.id)}`;
    const m = marginOf(item.feature.properties, coarseAccuracy);
    const d = distanceToArea(item.feature.geometry, area);
    if (Math.abs(d - m) < EPS || (b > 0 && Math.abs(d - m - b) < EPS) || (d > 0 && d < EPS)) out.ambiguous.add(key);
    if (d <= m) out.pairs.set(key, 1);
    else if (d <= m + b) out.pairs.set(key, 2);
    else continue;
    out.distance.set(key, d);
  }
  return out;
}
