/**
 * A brute-force reference for the conflict semantics, written to be obviously right rather than
 * fast: every segment of a feature against every edge of the dig area, closed-set intersection by
 * orientation signs, even-odd point-in-polygon with the boundary counted as inside, and exact
 * comparison of squared distances as fractions. It shares no code with src/geometry.
 *
 * Squared distances are kept as fractions num/den built from coordinate differences only. On the
 * half-integer grids the random tests use, every such number is exact in a double, so ties such as
 * "distance exactly equals the margin" are decided exactly (see `classify`).
 */
import { orient2d } from 'robust-predicates';
import { marginOf } from '../../src/model/margin.js';
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from '../../src/types.js';

type Pt = readonly [number, number];

/** The dig area as a flat list of closed rings (last vertex equals the first), even-odd over all. */
export interface OracleArea {
  rings: Pt[][];
}

/** A squared distance as the fraction num/den (den > 0). */
export interface SqDist {
  num: number;
  den: number;
}

const ZERO: SqDist = { num: 0, den: 1 };

export function areaOf(geometry: Polygon | MultiPolygon): OracleArea {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  const rings: Pt[][] = [];
  for (const polygon of polygons) for (const ring of polygon) rings.push(ring.map((p) => [p[0], p[1]] as const));
  return { rings };
}

// ---------------------------------------------------------------------------------------------
// Primitive predicates

function sign(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function orient(a: Pt, b: Pt, c: Pt): number {
  return sign(orient2d(a[0], a[1], b[0], b[1], c[0], c[1]));
}

/** c within the bounding box of a and b (used only once c is known to be collinear with ab). */
function inBox(a: Pt, b: Pt, c: Pt): boolean {
  return (
    Math.min(a[0], b[0]) <= c[0] && c[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= c[1] && c[1] <= Math.max(a[1], b[1])
  );
}

/** Do the closed segments ab and cd share at least one point? Handles zero-length segments. */
export function segmentsMeet(a: Pt, b: Pt, c: Pt, d: Pt): boolean {
  const o1 = orient(a, b, c);
  const o2 = orient(a, b, d);
  const o3 = orient(c, d, a);
  const o4 = orient(c, d, b);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  if (o1 === 0 && inBox(a, b, c)) return true;
  if (o2 === 0 && inBox(a, b, d)) return true;
  if (o3 === 0 && inBox(c, d, a)) return true;
  if (o4 === 0 && inBox(c, d, b)) return true;
  return false;
}

function less(x: SqDist, y: SqDist): boolean {
  return x.num * y.den < y.num * x.den;
}

function minDist(x: SqDist, y: SqDist): SqDist {
  return less(y, x) ? y : x;
}

/** Squared distance from p to the closed segment ab as a fraction. */
export function pointSegmentSq(p: Pt, a: Pt, b: Pt): SqDist {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const px = p[0] - a[0];
  const py = p[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const dot = px * dx + py * dy;
  if (len2 === 0 || dot <= 0) return { num: px * px + py * py, den: 1 };
  if (dot >= len2) {
    const qx = p[0] - b[0];
    const qy = p[1] - b[1];
    return { num: qx * qx + qy * qy, den: 1 };
  }
  const cross = dx * py - dy * px;
  return { num: cross * cross, den: len2 };
}

/** Squared distance between two closed segments. */
export function segmentSegmentSq(a: Pt, b: Pt, c: Pt, d: Pt): SqDist {
  if (segmentsMeet(a, b, c, d)) return ZERO;
  let best = pointSegmentSq(a, c, d);
  best = minDist(best, pointSegmentSq(b, c, d));
  best = minDist(best, pointSegmentSq(c, a, b));
  best = minDist(best, pointSegmentSq(d, a, b));
  return best;
}

/** Even-odd location over all rings: 1 inside, 0 on a ring, -1 outside. */
export function locateInRings(rings: readonly (readonly Pt[])[], p: Pt): 1 | 0 | -1 {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const a = ring[i];
      const b = ring[i + 1];
      const o = orient(a, b, p);
      if (o === 0 && inBox(a, b, p)) return 0;
      // Half-open rule on y: an edge counts when it straddles the horizontal line through p.
      if (a[1] > p[1] !== b[1] > p[1]) {
        const upward = b[1] > a[1];
        if ((upward && o > 0) || (!upward && o < 0)) inside = !inside;
      }
    }
  }
  return inside ? 1 : -1;
}

export function locate(area: OracleArea, x: number, y: number): 1 | 0 | -1 {
  return locateInRings(area.rings, [x, y]);
}

// ---------------------------------------------------------------------------------------------
// Distances from the area

function* areaEdges(area: OracleArea): Generator<[Pt, Pt]> {
  for (const ring of area.rings) for (let i = 0; i + 1 < ring.length; i++) yield [ring[i], ring[i + 1]];
}

/** Squared distance from a point to the closed area. */
export function pointAreaSq(area: OracleArea, p: Pt): SqDist {
  if (locate(area, p[0], p[1]) >= 0) return ZERO;
  let best: SqDist | null = null;
  for (const [a, b] of areaEdges(area)) {
    const d = pointSegmentSq(p, a, b);
    best = best === null ? d : minDist(best, d);
  }
  return best ?? { num: Infinity, den: 1 };
}

export function pointDistance(area: OracleArea, x: number, y: number): number {
  const d = pointAreaSq(area, [x, y]);
  return Math.sqrt(d.num / d.den);
}

/** Squared distance from a closed segment to the closed area. */
export function segmentAreaSq(area: OracleArea, p: Pt, q: Pt): SqDist {
  // If the segment meets no edge its points all lie in one face, so one endpoint decides.
  if (locate(area, p[0], p[1]) >= 0) return ZERO;
  let best: SqDist | null = null;
  for (const [a, b] of areaEdges(area)) {
    const d = segmentSegmentSq(p, q, a, b);
    if (d.num === 0) return ZERO;
    best = best === null ? d : minDist(best, d);
  }
  return best ?? { num: Infinity, den: 1 };
}

function pt(p: Position): Pt {
  return [p[0], p[1]];
}

function linesOf(geometry: Geometry): Position[][] {
  switch (geometry.type) {
    case 'LineString':
      return [geometry.coordinates];
    case 'MultiLineString':
      return geometry.coordinates;
    default:
      return [];
  }
}

function polygonsOf(geometry: Geometry): Position[][][] {
  switch (geometry.type) {
    case 'Polygon':
      return [geometry.coordinates];
    case 'MultiPolygon':
      return geometry.coordinates;
    default:
      return [];
  }
}

function pointsOf(geometry: Geometry): Position[] {
  switch (geometry.type) {
    case 'Point':
      return [geometry.coordinates];
    case 'MultiPoint':
      return geometry.coordinates;
    default:
      return [];
  }
}

/** Squared distance between a feature's geometry and the closed area. */
export function featureAreaSq(area: OracleArea, geometry: Geometry): SqDist {
  let best: SqDist = { num: Infinity, den: 1 };
  for (const p of pointsOf(geometry)) {
    best = minDist(best, pointAreaSq(area, pt(p)));
    if (best.num === 0) return ZERO;
  }
  for (const line of linesOf(geometry)) {
    for (let i = 0; i + 1 < line.length; i++) {
      best = minDist(best, segmentAreaSq(area, pt(line[i]), pt(line[i + 1])));
      if (best.num === 0) return ZERO;
    }
  }
  for (const polygon of polygonsOf(geometry)) {
    const rings = polygon.map((ring) => ring.map(pt));
    // A vertex of the area inside this polygon (closed, even-odd over its own rings).
    for (const ring of area.rings) for (const v of ring) if (locateInRings(rings, v) >= 0) return ZERO;
    // Otherwise boundary against area: a vertex of the polygon in the area, or edges that meet.
    for (const ring of rings) {
      for (let i = 0; i + 1 < ring.length; i++) {
        best = minDist(best, segmentAreaSq(area, ring[i], ring[i + 1]));
        if (best.num === 0) return ZERO;
      }
    }
  }
  return best;
}

export function featureDistance(area: OracleArea, geometry: Geometry): number {
  const d = featureAreaSq(area, geometry);
  return Math.sqrt(d.num / d.den);
}

// ---------------------------------------------------------------------------------------------
// Length inside

/**
 * Length of the closed segment pq that lies in the closed area: split it at every point where it
 * meets an edge, then test the middle of each piece. Pieces that run along an edge are on the
 * boundary and so inside; they are recognised exactly (collinear by orientation) rather than by
 * testing a rounded midpoint.
 */
export function segmentLengthInside(area: OracleArea, p: Pt, q: Pt): number {
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return 0;
  const cuts: number[] = [0, 1];
  const onBoundary: [number, number][] = [];
  const param = (c: Pt): number => ((c[0] - p[0]) * dx + (c[1] - p[1]) * dy) / len2;
  for (const [a, b] of areaEdges(area)) {
    if (!segmentsMeet(p, q, a, b)) continue;
    const oa = orient(p, q, a);
    const ob = orient(p, q, b);
    if (oa === 0 && ob === 0) {
      // Collinear (or a zero-length edge on the line): the shared stretch lies on the boundary.
      const t0 = Math.max(0, Math.min(param(a), param(b)));
      const t1 = Math.min(1, Math.max(param(a), param(b)));
      cuts.push(t0, t1);
      if (t1 > t0) onBoundary.push([t0, t1]);
      continue;
    }
    const ex = b[0] - a[0];
    const ey = b[1] - a[1];
    const den = dx * ey - dy * ex;
    if (den === 0) continue; // parallel but not collinear: cannot meet
    const t = ((a[0] - p[0]) * ey - (a[1] - p[1]) * ex) / den;
    cuts.push(Math.max(0, Math.min(1, t)));
  }
  cuts.sort((x, y) => x - y);
  let inside = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const t0 = cuts[i];
    const t1 = cuts[i + 1];
    if (!(t1 > t0)) continue;
    const tm = (t0 + t1) / 2;
    let counts = onBoundary.some(([s0, s1]) => s0 <= tm && tm <= s1);
    if (!counts) counts = locate(area, p[0] + tm * dx, p[1] + tm * dy) >= 0;
    if (counts) inside += t1 - t0;
  }
  return inside * Math.sqrt(len2);
}

/**
 * Length of a feature inside the area: the sum over its segments (a line that doubles back over
 * itself counts the doubled stretch twice). 0 for points and polygons.
 */
export function lengthInside(area: OracleArea, geometry: Geometry): number {
  let total = 0;
  for (const line of linesOf(geometry)) {
    for (let i = 0; i + 1 < line.length; i++) total += segmentLengthInside(area, pt(line[i]), pt(line[i + 1]));
  }
  return total;
}

export function lineLength(geometry: Geometry): number {
  let total = 0;
  for (const line of linesOf(geometry)) {
    for (let i = 0; i + 1 < line.length; i++) total += Math.hypot(line[i + 1][0] - line[i][0], line[i + 1][1] - line[i][1]);
  }
  return total;
}

/** Every vertex of a geometry, flattened. */
export function verticesOf(geometry: Geometry): Pt[] {
  const out: Pt[] = [];
  for (const p of pointsOf(geometry)) out.push(pt(p));
  for (const line of linesOf(geometry)) for (const p of line) out.push(pt(p));
  for (const polygon of polygonsOf(geometry)) for (const ring of polygon) for (const p of ring) out.push(pt(p));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Margins and zones

/** Fixed-point denominator for margins: every margin our attributes can give is an integer over it. */
export const MARGIN_SCALE = 4000;

/**
 * The margin in units of 1/4000 m, from the attributes directly (not through marginOf), when it
 * is such an integer; else null. `bredde` in metres with at most three decimals, diameters in
 * whole millimetres and the accuracy classes all qualify.
 */
export function scaledMargin(properties: Record<string, unknown> | null, coarseAccuracy: number): number | null {
  const m = marginOf(properties, coarseAccuracy);
  const scaled = Math.round(m * MARGIN_SCALE);
  return Math.abs(scaled - m * MARGIN_SCALE) < 1e-6 ? scaled : null;
}

export type Zone = 'digArea' | 'infoZone';

/** Compare sqrt(d) with limit (= scaledLimit / MARGIN_SCALE); exact when the fractions are on the grid. */
function withinLimit(d: SqDist, limit: number, scaledLimit: number | null): boolean {
  if (d.num === 0) return true;
  const n = d.num * 64;
  const k = d.den * 64;
  if (scaledLimit !== null && Number.isInteger(n) && Number.isInteger(k) && Number.isFinite(n)) {
    // d.num / d.den <= (scaledLimit / SCALE)^2  <=>  num * SCALE^2 <= scaledLimit^2 * den
    const s = BigInt(MARGIN_SCALE);
    const L = BigInt(scaledLimit);
    return BigInt(n) * s * s <= L * L * BigInt(k);
  }
  return Math.sqrt(d.num / d.den) <= limit;
}

/** Is the distance exactly at one of the two thresholds (only decidable on the exact path)? */
function atThreshold(d: SqDist, scaledLimit: number | null): boolean {
  if (scaledLimit === null) return false;
  const n = d.num * 64;
  const k = d.den * 64;
  if (!Number.isInteger(n) || !Number.isInteger(k)) return false;
  const s = BigInt(MARGIN_SCALE);
  const L = BigInt(scaledLimit);
  return BigInt(n) * s * s === L * L * BigInt(k);
}

export interface Expected {
  zone: Zone;
  distance: number;
  margin: number;
  lengthInside: number;
  /**
   * The distance equals a threshold whose value is not a binary fraction (e.g. a margin of
   * 0.305 m): a double cannot hold that threshold, so either answer is defensible.
   */
  unrepresentableTie: boolean;
}

/** The zone of a feature at squared distance d with margin m and info zone b, or null when out. */
export function classify(
  d: SqDist,
  margin: number,
  scaledMargin: number | null,
  infoZone: number
): { zone: Zone | null; unrepresentableTie: boolean } {
  const scaledOuter = scaledMargin === null ? null : scaledMargin + Math.round(infoZone * MARGIN_SCALE);
  const dyadic = (s: number | null): boolean => s !== null && s % 125 === 0;
  const tie =
    (atThreshold(d, scaledMargin) && !dyadic(scaledMargin)) || (atThreshold(d, scaledOuter) && !dyadic(scaledOuter));
  if (withinLimit(d, margin, scaledMargin)) return { zone: 'digArea', unrepresentableTie: tie };
  if (withinLimit(d, margin + infoZone, scaledOuter)) return { zone: 'infoZone', unrepresentableTie: tie };
  return { zone: null, unrepresentableTie: tie };
}

export interface OracleFeature {
  owner: string;
  feature: Feature;
}

/** Key of a feature across owners. */
export function featureKey(owner: string, id: string | number): string {
  return `${owner}\u0000${typeof id}\u0000${String(id)}`;
}

/** Pre-computed per (area, feature): the distance does not depend on b. */
export interface OracleMeasure {
  key: string;
  sq: SqDist;
  distance: number;
  margin: number;
  scaledMargin: number | null;
  lengthInside: number;
}

export function measureAll(area: OracleArea, features: readonly OracleFeature[], coarseAccuracy: number): OracleMeasure[] {
  const out: OracleMeasure[] = [];
  for (const { owner, feature } of features) {
    const sq = featureAreaSq(area, feature.geometry);
    const margin = marginOf(feature.properties, coarseAccuracy);
    out.push({
      key: featureKey(owner, feature.id as string | number),
      sq,
      distance: Math.sqrt(sq.num / sq.den),
      margin,
      scaledMargin: scaledMargin(feature.properties, coarseAccuracy),
      lengthInside: sq.num === 0 ? lengthInside(area, feature.geometry) : 0
    });
  }
  return out;
}

/** The expected package for info zone b: feature key -> expectation. */
export function expectedFor(measures: readonly OracleMeasure[], infoZone: number): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const m of measures) {
    const { zone, unrepresentableTie } = classify(m.sq, m.margin, m.scaledMargin, infoZone);
    if (zone === null && !unrepresentableTie) continue;
    out.set(m.key, {
      zone: zone ?? 'infoZone',
      distance: m.distance,
      margin: m.margin,
      lengthInside: m.lengthInside,
      unrepresentableTie
    });
  }
  return out;
}
