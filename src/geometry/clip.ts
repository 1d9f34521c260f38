/**
 * Clipping of delivered geometry to what a package may reveal: the parts of a feature within r
 * of the dig area. Lines are cut exactly at the parameters `segmentWithin` finds; polygons are
 * intersected with an inner approximation of the area buffered by r, built from the area and
 * inscribed capsules of its nearby edges (polygon-clipping: not a hot path).
 */
import polygonClipping from 'polygon-clipping';
import type { Geom, MultiPolygon as PcMultiPolygon, Pair, Polygon as PcPolygon } from 'polygon-clipping';
import { orient2d } from 'robust-predicates';
import { PreparedArea } from './area.js';
import { inscribedCapsule } from './capsule.js';
import { locateInRings, segmentsIntersect } from './segment.js';

/** How far inside r the capsules stay, so rounding in the clipper cannot push a vertex out. */
const INSET = 0.125;
/** How far inside r the inscribed capsules must still reach everywhere. */
const REACH = 0.75;
/** Capsule vertices are snapped to this grid (metres, a power of two so the grid is exact). */
const GRID = 1 / 1024;

/**
 * The parts of a line within r of the area, as the parts of a MultiLineString. Cut points are
 * taken a hair (0.1 micrometre) inside r, so every vertex returned lies within r.
 */
export function clipLineString(area: PreparedArea, coords: number[][], r: number): number[][][] {
  const rr = r > 1e-6 ? r - 1e-7 : r;
  const parts: number[][][] = [];
  let open: number[][] | null = null;
  for (let i = 0; i + 1 < coords.length; i++) {
    const ax = coords[i][0], ay = coords[i][1];
    const bx = coords[i + 1][0], by = coords[i + 1][1];
    if (ax === bx && ay === by) {
      if (open !== null && !(area.pointDistance(ax, ay, rr) <= rr)) open = null;
      continue;
    }
    const n = area.segmentWithin(ax, ay, bx, by, rr);
    const iv = area.intervals;
    let continued = false;
    for (let j = 0; j < n; j++) {
      const t0 = iv[2 * j];
      const t1 = iv[2 * j + 1];
      const p1 = t1 === 1 ? [bx, by] : [ax + t1 * (bx - ax), ay + t1 * (by - ay)];
      if (j === 0 && t0 === 0 && open !== null) {
        open.push(p1);
        continued = true;
      } else if (t1 > t0) {
        const p0 = t0 === 0 ? [ax, ay] : [ax + t0 * (bx - ax), ay + t0 * (by - ay)];
        open = [p0, p1];
        parts.push(open);
        continued = true;
      } else {
        continued = false;
      }
      if (t1 !== 1) {
        open = null;
        continued = false;
      }
    }
    if (!continued) open = null;
  }
  return parts;
}

/** See {@link PreparedArea.clipPolygon}. */
export function clipPolygonToArea(area: PreparedArea, rings: number[][][], r: number): number[][][][] {
  const poly: PcPolygon = [];
  for (const ring of rings) {
    if (ring.length === 0) continue;
    const out: Pair[] = ring.map((p) => [p[0], p[1]]);
    const f = out[0];
    const l = out[out.length - 1];
    if (f[0] !== l[0] || f[1] !== l[1]) out.push([f[0], f[1]]);
    poly.push(out);
  }
  if (poly.length === 0 || area.edgeCount === 0 || !(r >= 0)) return [];
  const [flat, starts] = flatten(poly);
  const d = area.ringsDistance(flat, starts, 0, poly.length, r);
  if (!(d <= r)) return [];
  const feature = new PreparedArea(flat, starts);
  let result: PcMultiPolygon | null = null;
  // The clipper's sweep line occasionally fails on near-degenerate input: retry with capsules
  // of a slightly different shape before giving up on it.
  for (let attempt = 0; attempt < 3 && result === null; attempt++) {
    try {
      result = polygonClipping.intersection(poly, zoneNear(area, poly, feature, r, attempt));
    } catch {
      result = null;
    }
  }
  if (result !== null && everyVertexWithin(area, result, r)) {
    // Empty is a fair answer only where the polygon may lie beyond the inscribed capsules' reach.
    if (result.length > 0 || d > r - 1) return result;
  }
  return fallback(area, poly, flat, starts, r);
}

/** The area near the polygon plus the inscribed capsules of its edges near the polygon. */
function zoneNear(area: PreparedArea, poly: PcPolygon, feature: PreparedArea, r: number, attempt: number): Geom {
  let fMinX = Infinity, fMinY = Infinity, fMaxX = -Infinity, fMaxY = -Infinity;
  for (const p of poly[0]) {
    if (p[0] < fMinX) fMinX = p[0];
    if (p[0] > fMaxX) fMaxX = p[0];
    if (p[1] < fMinY) fMinY = p[1];
    if (p[1] > fMaxY) fMaxY = p[1];
  }
  const wMinX = fMinX - r, wMinY = fMinY - r, wMaxX = fMaxX + r, wMaxY = fMaxY + r;
  const R = r > 2 * INSET ? r - INSET : r / 2;
  // Half-polygon sides per end so that R cos(pi / (2 steps)) >= r - REACH.
  const want = Math.max(r - REACH, R / 2) / R;
  const steps = attempt + Math.min(64, Math.max(4, Math.ceil(Math.PI / (2 * Math.acos(Math.min(want, 0.9999))))));
  const pieces: PcPolygon[] = [];
  const e = area.edges;
  for (let k = 0; k < area.edgeCount * 4; k += 4) {
    const x0 = e[k], y0 = e[k + 1], x1 = e[k + 2], y1 = e[k + 3];
    if (Math.min(x0, x1) > wMaxX || Math.max(x0, x1) < wMinX || Math.min(y0, y1) > wMaxY || Math.max(y0, y1) < wMinY) continue;
    // Only capsules that reach the polygon matter: fewer pieces for the clipper.
    if (!(feature.segmentDistance(x0, y0, x1, y1, R) < R)) continue;
    if (R > 0) pieces.push([inscribedCapsule(x0, y0, x1, y1, R, steps, GRID)]);
  }
  // The area itself, as the even-odd union (xor) of its rings that reach the window: a ring
  // wholly outside the window changes the parity only outside it.
  const rings: PcPolygon[] = [];
  const xy = area.xy;
  const starts = area.ringStarts;
  for (let i = 0; i < area.ringCount; i++) {
    if (starts[i + 1] - starts[i] < 3) continue;
    const ring: Pair[] = [];
    let rMinX = Infinity, rMinY = Infinity, rMaxX = -Infinity, rMaxY = -Infinity;
    for (let v = starts[i]; v < starts[i + 1]; v++) {
      const x = xy[v * 2], y = xy[v * 2 + 1];
      ring.push([x, y]);
      if (x < rMinX) rMinX = x;
      if (x > rMaxX) rMaxX = x;
      if (y < rMinY) rMinY = y;
      if (y > rMaxY) rMaxY = y;
    }
    if (rMinX > wMaxX || rMaxX < wMinX || rMinY > wMaxY || rMaxY < wMinY) continue;
    rings.push([ring]);
  }
  if (rings.length > 0) {
    const inside = rings.length === 1 ? [rings[0]] : polygonClipping.xor(rings[0], ...rings.slice(1));
    for (const p of inside) pieces.push(p);
  }
  if (pieces.length === 0) return [];
  return polygonClipping.union(pieces[0], ...pieces.slice(1));
}

function everyVertexWithin(area: PreparedArea, mp: PcMultiPolygon, r: number): boolean {
  for (const polygon of mp) {
    for (const ring of polygon) {
      for (const p of ring) if (!(area.pointDistance(p[0], p[1], r) <= r)) return false;
    }
  }
  return true;
}

/**
 * When the clipper fails: the polygon's rings cut down to their vertices within r; when too
 * little is left, a small square around the point of the polygon nearest the area.
 */
function fallback(area: PreparedArea, poly: PcPolygon, flat: Float64Array, starts: Uint32Array, r: number): number[][][][] {
  const kept: Pair[][] = [];
  for (const ring of poly) {
    const near = ring.filter((p, i) => i < ring.length - 1 && area.pointDistance(p[0], p[1], r) <= r);
    if (distinct(near) >= 3) {
      near.push([near[0][0], near[0][1]]);
      kept.push(near);
    } else if (kept.length === 0) {
      break;
    }
  }
  if (kept.length > 0) return [kept];
  const q = nearestPoint(area, poly, flat, starts);
  if (q === null || !(q[2] < r)) return [];
  const h = Math.min(0.05, (r - q[2]) / 4);
  const [x, y] = q;
  const square: Pair[] = [[x - h, y - h], [x + h, y - h], [x + h, y + h], [x - h, y + h], [x - h, y - h]];
  return square.every((p) => area.pointDistance(p[0], p[1], r) <= r) ? [[square]] : [];
}

function distinct(ring: Pair[]): number {
  const seen = new Set<string>();
  for (const p of ring) seen.add(`${p[0]},${p[1]}`);
  return seen.size;
}

/**
 * A point of the polygon nearest the area, and its distance: among the polygon's vertices,
 * the projections of the area's vertices onto its edges, crossing points, and the area's
 * vertices inside it. Slow (every pair of edges); used only by the fallback.
 */
function nearestPoint(area: PreparedArea, poly: PcPolygon, flat: Float64Array, starts: Uint32Array): [number, number, number] | null {
  let best: [number, number, number] | null = null;
  const consider = (x: number, y: number): void => {
    const d = area.pointDistance(x, y, Infinity);
    if (best === null || d < best[2]) best = [x, y, d];
  };
  const e = area.edges;
  for (const ring of poly) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[i + 1];
      consider(ax, ay);
      const ux = bx - ax, uy = by - ay, uu = ux * ux + uy * uy;
      if (uu === 0) continue;
      for (let k = 0; k < area.edgeCount * 4; k += 4) {
        const cx = e[k], cy = e[k + 1], dx = e[k + 2], dy = e[k + 3];
        for (const [px, py] of [[cx, cy], [dx, dy]]) {
          const t = Math.max(0, Math.min(1, ((px - ax) * ux + (py - ay) * uy) / uu));
          consider(ax + t * ux, ay + t * uy);
        }
        if (segmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy)) {
          const o3 = orient2d(cx, cy, dx, dy, ax, ay);
          const o4 = orient2d(cx, cy, dx, dy, bx, by);
          if (o3 !== o4) {
            const t = o3 / (o3 - o4);
            consider(ax + t * ux, ay + t * uy);
          }
        }
      }
    }
  }
  for (let k = 0; k < area.edgeCount * 4; k += 4) {
    if (locateInRings(flat, starts, 0, starts.length - 1, e[k], e[k + 1]) >= 0) consider(e[k], e[k + 1]);
  }
  return best;
}

function flatten(poly: PcPolygon): [Float64Array, Uint32Array] {
  let n = 0;
  for (const ring of poly) n += ring.length;
  const xy = new Float64Array(n * 2);
  const starts = new Uint32Array(poly.length + 1);
  let v = 0;
  poly.forEach((ring, i) => {
    starts[i] = v;
    for (const p of ring) {
      xy[v * 2] = p[0];
      xy[v * 2 + 1] = p[1];
      v++;
    }
  });
  starts[poly.length] = v;
  return [xy, starts];
}
