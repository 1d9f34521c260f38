/**
 * The geometry kernel on seeded random data against an obviously correct brute force written
 * here (every edge, exact integer cross products), and its plain path (edges looped) against
 * its indexed path (edge index). Integer coordinates make vertices land exactly on edges,
 * segments run along edges and rings touch, which is where kernels go wrong.
 */
import { describe, expect, it } from 'vitest';
import { box, comb, corridor, flat, mulberry32, star, type Pt, type Shape } from './helpers/shapes.js';
import { PreparedArea, clipLineString } from '../src/geometry/index.js';

// ---------------------------------------------------------------------------------------------
// Seeded data

function shapes(): Shape[] {
  const rand = mulberry32(7);
  return [
    { name: 'square', rings: [box(0, 0, 20, 20)] },
    { name: 'square with hole', rings: [box(0, 0, 20, 20), box(5, 5, 15, 15)] },
    { name: 'island in a hole', rings: [box(0, 0, 20, 20), box(4, 4, 16, 16), box(8, 8, 12, 12)] },
    { name: 'hole touching shell', rings: [box(0, 0, 20, 20), [[0, 10], [8, 6], [8, 14], [0, 10]]] },
    { name: 'multipolygon touching at a vertex and along an edge', rings: [box(0, 0, 10, 10), box(10, 10, 20, 20), box(10, 0, 20, 6)] },
    { name: 'repeated vertices', rings: [[[0, 0], [0, 0], [12, 0], [12, 0], [12, 9], [6, 14], [0, 9], [0, 9], [0, 0]]] },
    { name: 'triangle', rings: [[[2, 1], [19, 7], [6, 18], [2, 1]]] },
    { name: 'comb', rings: [comb(6)] },
    { name: 'random stars', rings: [star(rand, 9, 6, 6, 2, 6), star(rand, 13, 14, 14, 3, 7)] },
    { name: 'big comb (indexed)', rings: [comb(60)] },
    { name: 'corridor (indexed)', rings: [corridor(rand, 150, 100, 4)] },
    { name: 'many stars (indexed)', rings: Array.from({ length: 12 }, (_, i) => star(rand, 11, (i % 4) * 14, Math.floor(i / 4) * 14, 2, 7)) }
  ];
}

function bounds(rings: Pt[][]): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const r of rings) for (const [x, y] of r) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

/** Both paths of the kernel over one shape. */
function prepared(shape: Shape): { plain: PreparedArea; indexed: PreparedArea } {
  const f = flat(shape.rings);
  const plain = new PreparedArea(f.xy, f.starts, Infinity);
  const indexed = new PreparedArea(f.xy, f.starts, 0);
  expect(plain.indexed).toBe(false);
  expect(indexed.indexed).toBe(true);
  return { plain, indexed };
}

/** Random segments over the shape: integer endpoints, some along edges, some of zero length. */
function segments(shape: Shape, rand: () => number, n: number): [number, number, number, number][] {
  const [x0, y0, x1, y1] = bounds(shape.rings);
  const span = Math.max(x1 - x0, y1 - y0);
  const maxLen = Math.min(span, 24);
  const out: [number, number, number, number][] = [];
  const edges = edgeList(shape);
  for (let i = 0; i < n; i++) {
    const kind = i % 5;
    if (kind === 0) {
      // Collinear with an edge: a sub-, super- or shifted stretch of it.
      const [cx, cy, dx, dy] = edges[Math.floor(rand() * edges.length)];
      const ks = [-1, 0, 0.5, 1, 2];
      const k0 = ks[Math.floor(rand() * 5)];
      const k1 = ks[Math.floor(rand() * 5)];
      out.push([cx + k0 * (dx - cx), cy + k0 * (dy - cy), cx + k1 * (dx - cx), cy + k1 * (dy - cy)]);
    } else if (kind === 1) {
      const ax = Math.round(x0 - 4 + rand() * (x1 - x0 + 8));
      const ay = Math.round(y0 - 4 + rand() * (y1 - y0 + 8));
      out.push([ax, ay, ax, ay]);
    } else {
      const ax = Math.round(x0 - 4 + rand() * (x1 - x0 + 8));
      const ay = Math.round(y0 - 4 + rand() * (y1 - y0 + 8));
      out.push([ax, ay, ax + Math.round((rand() - 0.5) * 2 * maxLen), ay + Math.round((rand() - 0.5) * 2 * maxLen)]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Brute force: every edge, exact on small integers, written without the kernel's code

const edgeCache = new WeakMap<Shape, [number, number, number, number][]>();

function edgeList(shape: Shape): [number, number, number, number][] {
  let out = edgeCache.get(shape);
  if (out === undefined) {
    out = [];
    for (const r of shape.rings) for (let i = 0; i + 1 < r.length; i++) out.push([r[i][0], r[i][1], r[i + 1][0], r[i + 1][1]]);
    edgeCache.set(shape, out);
  }
  return out;
}

const cross = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number =>
  (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);

function onSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): boolean {
  return cross(ax, ay, bx, by, px, py) === 0 &&
    Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);
}

function bfLocate(shape: Shape, x: number, y: number): number {
  let inside = false;
  for (const [ax, ay, bx, by] of edgeList(shape)) {
    if (onSegment(x, y, ax, ay, bx, by)) return 0;
    if ((ay > y) !== (by > y)) {
      // The edge meets the line through the point at x + num / (by - ay).
      const num = (ax - x) * (by - ay) + (y - ay) * (bx - ax);
      if ((num > 0) === (by - ay > 0)) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

function bfPointSeg2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const l2 = (bx - ax) ** 2 + (by - ay) ** 2;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / l2));
  return (px - ax - t * (bx - ax)) ** 2 + (py - ay - t * (by - ay)) ** 2;
}

function bfIntersect(a: number[], b: number[]): boolean {
  const [ax, ay, bx, by] = a;
  const [cx, cy, dx, dy] = b;
  const d1 = Math.sign(cross(ax, ay, bx, by, cx, cy));
  const d2 = Math.sign(cross(ax, ay, bx, by, dx, dy));
  const d3 = Math.sign(cross(cx, cy, dx, dy, ax, ay));
  const d4 = Math.sign(cross(cx, cy, dx, dy, bx, by));
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return onSegment(cx, cy, ax, ay, bx, by) || onSegment(dx, dy, ax, ay, bx, by) ||
    onSegment(ax, ay, cx, cy, dx, dy) || onSegment(bx, by, cx, cy, dx, dy);
}

function bfPointDistance(shape: Shape, x: number, y: number): number {
  if (bfLocate(shape, x, y) >= 0) return 0;
  let best = Infinity;
  for (const [ax, ay, bx, by] of edgeList(shape)) best = Math.min(best, bfPointSeg2(x, y, ax, ay, bx, by));
  return Math.sqrt(best);
}

function bfSegmentDistance(shape: Shape, s: number[]): number {
  const [ax, ay, bx, by] = s;
  if (ax === bx && ay === by) return bfPointDistance(shape, ax, ay);
  let best = Infinity;
  for (const e of edgeList(shape)) {
    if (bfIntersect(s, e)) return 0;
    const [cx, cy, dx, dy] = e;
    best = Math.min(best, bfPointSeg2(ax, ay, cx, cy, dx, dy), bfPointSeg2(bx, by, cx, cy, dx, dy),
      bfPointSeg2(cx, cy, ax, ay, bx, by), bfPointSeg2(dx, dy, ax, ay, bx, by));
  }
  return bfLocate(shape, ax, ay) > 0 ? 0 : Math.sqrt(best);
}

function bfRingsDistance(shape: Shape, other: Shape): number {
  let best = Infinity;
  for (const [ax, ay, bx, by] of edgeList(other)) {
    const d = bfSegmentDistance(shape, [ax, ay, bx, by]);
    if (d === 0) return 0;
    best = Math.min(best, d);
  }
  for (const r of shape.rings) for (const [x, y] of r) if (bfLocate(other, x, y) >= 0) return 0;
  return best;
}

/** Length inside by cutting at every edge and classifying each piece by its midpoint's distance. */
function bfLengthInside(shape: Shape, s: number[]): number {
  const [ax, ay, bx, by] = s;
  const ux = bx - ax, uy = by - ay, uu = ux * ux + uy * uy;
  if (uu === 0) return 0;
  const ts = [0, 1];
  const proj = (x: number, y: number): number => Math.max(0, Math.min(1, ((x - ax) * ux + (y - ay) * uy) / uu));
  for (const e of edgeList(shape)) {
    if (!bfIntersect(s, e)) continue;
    const [cx, cy, dx, dy] = e;
    const den = ux * (dy - cy) - uy * (dx - cx);
    if (den === 0) ts.push(proj(cx, cy), proj(dx, dy));
    else ts.push(Math.max(0, Math.min(1, ((cx - ax) * (dy - cy) - (cy - ay) * (dx - cx)) / den)));
  }
  ts.sort((p, q) => p - q);
  let len = 0;
  for (let i = 0; i + 1 < ts.length; i++) {
    const m = (ts[i] + ts[i + 1]) / 2;
    if (ts[i + 1] > ts[i] && bfPointDistance(shape, ax + m * ux, ay + m * uy) <= 1e-9) len += ts[i + 1] - ts[i];
  }
  return len * Math.sqrt(uu);
}

const close = (a: number, b: number, tol = 1e-9): boolean =>
  a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

// ---------------------------------------------------------------------------------------------

const SHAPES = shapes();

describe('PreparedArea against brute force', () => {
  it.each(SHAPES)('locatePoint and pointDistance: $name', (shape) => {
    const { plain, indexed } = prepared(shape);
    const rand = mulberry32(11);
    const [x0, y0, x1, y1] = bounds(shape.rings);
    for (let i = 0; i < 600; i++) {
      // Integer and half-integer points: many exactly on edges and vertices.
      const x = Math.round((x0 - 4 + rand() * (x1 - x0 + 8)) * 2) / 2;
      const y = Math.round((y0 - 4 + rand() * (y1 - y0 + 8)) * 2) / 2;
      const loc = bfLocate(shape, x, y);
      expect(plain.locatePoint(x, y)).toBe(loc);
      expect(indexed.locatePoint(x, y)).toBe(loc);
      const d = bfPointDistance(shape, x, y);
      const limit = [0, 1, 2.5, Infinity][i % 4];
      const dp = plain.pointDistance(x, y, limit);
      expect(indexed.pointDistance(x, y, limit)).toBe(dp);
      if (d <= limit) expect(close(dp, d)).toBe(true);
      else expect(dp).toBeGreaterThan(limit);
    }
  });

  it.each(SHAPES)('segmentDistance: $name', (shape) => {
    const { plain, indexed } = prepared(shape);
    const rand = mulberry32(12);
    for (const [i, s] of segments(shape, rand, 800).entries()) {
      const d = bfSegmentDistance(shape, s);
      const limit = [0, 0.5, 3, Infinity][i % 4];
      const dp = plain.segmentDistance(s[0], s[1], s[2], s[3], limit);
      expect(indexed.segmentDistance(s[0], s[1], s[2], s[3], limit)).toBe(dp);
      // Reversed segments answer the same.
      expect(plain.segmentDistance(s[2], s[3], s[0], s[1], limit) === 0).toBe(dp === 0);
      if (d <= limit) expect(close(dp, d)).toBe(true);
      else expect(dp).toBeGreaterThan(limit);
    }
  });

  it.each(SHAPES)('segmentLengthInside: $name', (shape) => {
    const { plain, indexed } = prepared(shape);
    const rand = mulberry32(13);
    for (const s of segments(shape, rand, edgeList(shape).length > 100 ? 120 : 400)) {
      const len = plain.segmentLengthInside(s[0], s[1], s[2], s[3]);
      expect(indexed.segmentLengthInside(s[0], s[1], s[2], s[3])).toBe(len);
      expect(close(len, bfLengthInside(shape, s))).toBe(true);
      expect(close(plain.segmentLengthInside(s[2], s[3], s[0], s[1]), len)).toBe(true);
      // Dense sampling: each cut can cost at most one sample's width.
      const total = Math.hypot(s[2] - s[0], s[3] - s[1]);
      const n = 256;
      let inside = 0;
      for (let k = 0; k < n; k++) {
        const t = (k + 0.5) / n;
        if (bfPointDistance(shape, s[0] + t * (s[2] - s[0]), s[1] + t * (s[3] - s[1])) <= 1e-9) inside++;
      }
      expect(Math.abs((inside / n) * total - len)).toBeLessThanOrEqual((total / n) * 2 * (edgeList(shape).length + 1));
      // Inside a segment that meets the area means distance 0, and vice versa for positive length.
      if (len > 0) expect(plain.segmentDistance(s[0], s[1], s[2], s[3], 0)).toBe(0);
    }
  });

  it.each(SHAPES)('segmentWithin: $name', (shape) => {
    const { plain, indexed } = prepared(shape);
    const rand = mulberry32(14);
    for (const [i, s] of segments(shape, rand, edgeList(shape).length > 100 ? 120 : 300).entries()) {
      const r = [0, 0.5, 1, 2.5, 3.7][i % 5];
      const n = plain.segmentWithin(s[0], s[1], s[2], s[3], r);
      const iv = Array.from(plain.intervals.subarray(0, 2 * n));
      expect(indexed.segmentWithin(s[0], s[1], s[2], s[3], r)).toBe(n);
      expect(Array.from(indexed.intervals.subarray(0, 2 * n))).toEqual(iv);
      for (let k = 0; k < 2 * n; k++) {
        expect(iv[k]).toBeGreaterThanOrEqual(k === 0 ? 0 : iv[k - 1]);
        if (k % 2 === 0 && k > 0) expect(iv[k]).toBeGreaterThan(iv[k - 1]);
      }
      expect(iv[2 * n - 1] ?? 1).toBeLessThanOrEqual(1);
      const at = (t: number): number => bfPointDistance(shape, s[0] + t * (s[2] - s[0]), s[1] + t * (s[3] - s[1]));
      const covered = (t: number): boolean => {
        for (let k = 0; k < n; k++) if (iv[2 * k] <= t && t <= iv[2 * k + 1]) return true;
        return false;
      };
      const wrong: number[] = [];
      for (let k = 0; k <= 200; k++) {
        const t = k / 200;
        const d = at(t);
        if ((d <= r - 1e-9 && !covered(t)) || (d > r + 1e-9 && covered(t))) wrong.push(t);
      }
      // Interval ends inside the segment lie at distance r exactly (up to rounding).
      for (let k = 0; k < 2 * n; k++) {
        if (iv[k] > 0 && iv[k] < 1 && !(Math.abs(at(iv[k]) - r) < 1e-7)) wrong.push(iv[k]);
      }
      expect(wrong).toEqual([]);
    }
  });

  it.each(SHAPES)('ringsDistance: $name', (shape) => {
    const { plain, indexed } = prepared(shape);
    const rand = mulberry32(15);
    const [x0, y0, x1, y1] = bounds(shape.rings);
    for (let i = 0; i < 150; i++) {
      const cx = Math.round(x0 - 6 + rand() * (x1 - x0 + 12));
      const cy = Math.round(y0 - 6 + rand() * (y1 - y0 + 12));
      const w = 1 + Math.floor(rand() * 6);
      const h = 1 + Math.floor(rand() * 6);
      const kind = i % 3;
      const rings: Pt[][] = kind === 0 ? [box(cx, cy, cx + w, cy + h)]
        : kind === 1 ? [box(cx - 8, cy - 8, cx + 8 + w, cy + 8 + h), box(cx, cy, cx + w, cy + h)]
          : [star(rand, 7, cx, cy, 1, 5)];
      const feature: Shape = { name: 'feature', rings };
      const f = flat(rings);
      const d = bfRingsDistance(shape, feature);
      const limit = [0, 2, Infinity][i % 3];
      const dp = plain.ringsDistance(f.xy, f.starts, 0, rings.length, limit);
      expect(indexed.ringsDistance(f.xy, f.starts, 0, rings.length, limit)).toBe(dp);
      if (d <= limit) expect(close(dp, d)).toBe(true);
      else expect(dp).toBeGreaterThan(limit);
    }
  });

  it.each(SHAPES)('translation to UTM-sized coordinates changes nothing: $name', (shape) => {
    const { plain } = prepared(shape);
    const moved = shape.rings.map((r) => r.map(([x, y]) => [x + 712345, y + 6178901] as Pt));
    const f = flat(moved);
    const far = new PreparedArea(f.xy, f.starts);
    const rand = mulberry32(16);
    for (const s of segments(shape, rand, 200)) {
      const m = [s[0] + 712345, s[1] + 6178901, s[2] + 712345, s[3] + 6178901];
      expect(Math.abs(far.segmentDistance(m[0], m[1], m[2], m[3], Infinity) - plain.segmentDistance(s[0], s[1], s[2], s[3], Infinity))).toBeLessThan(1e-9);
      expect(Math.abs(far.segmentLengthInside(m[0], m[1], m[2], m[3]) - plain.segmentLengthInside(s[0], s[1], s[2], s[3]))).toBeLessThan(1e-9);
    }
  });
});

describe('exact ties', () => {
  // Edge from the origin along a Pythagorean direction (a, b); a point n(-b, a) off j(a, b) is
  // exactly n c away, its foot at j/5 of the edge: a parameter no double holds.
  it.each([[3, 4, 5], [5, 12, 13], [8, 15, 17], [7, 24, 25], [20, 21, 29]])('distance n * %i-%i-%i is exact', (a, b, c) => {
    for (const turn of [0, 1, 2, 3]) {
      const rot = (x: number, y: number): Pt => {
        for (let i = 0; i < turn; i++) [x, y] = [-y, x];
        return [x, y];
      };
      const ring = [[0, 0], [5 * a, 5 * b], [5 * a, 0], [0, 0]].map(([x, y]) => rot(x, y));
      const f = flat([ring]);
      for (const area of [new PreparedArea(f.xy, f.starts, Infinity), new PreparedArea(f.xy, f.starts, 0)]) {
        for (const [n, j] of [[1, 1], [0.5, 3], [2, 4]]) {
          const [px, py] = rot(j * a - n * b, j * b + n * a);
          const [qx, qy] = rot(j * a - n * b + a, j * b + n * a + b);
          expect(area.pointDistance(px, py, Infinity)).toBe(n * c);
          expect(area.segmentDistance(px, py, qx, qy, Infinity)).toBe(n * c);
          expect(area.segmentDistance(qx, qy, px, py, n * c)).toBe(n * c);
        }
      }
    }
  });
});

describe('invariance', () => {
  const turns = [
    (x: number, y: number): Pt => [-y, x],
    (x: number, y: number): Pt => [-x, -y],
    (x: number, y: number): Pt => [y, -x]
  ];
  it.each(SHAPES)('quarter turns and reversed rings change nothing: $name', (shape) => {
    const { indexed } = prepared(shape);
    const segs = segments(shape, mulberry32(19), 200);
    const variants: [PreparedArea, (x: number, y: number) => Pt][] = turns.map((turn) => {
      const f = flat(shape.rings.map((r) => r.map(([x, y]) => turn(x, y))));
      return [new PreparedArea(f.xy, f.starts), turn];
    });
    const reversed = flat(shape.rings.map((r) => [...r].reverse()));
    variants.push([new PreparedArea(reversed.xy, reversed.starts, Infinity), (x, y) => [x, y]]);
    for (const [area, turn] of variants) {
      for (const s of segs) {
        const [ax, ay] = turn(s[0], s[1]);
        const [bx, by] = turn(s[2], s[3]);
        expect(area.locatePoint(ax, ay)).toBe(indexed.locatePoint(s[0], s[1]));
        expect(close(area.segmentDistance(ax, ay, bx, by, Infinity), indexed.segmentDistance(s[0], s[1], s[2], s[3], Infinity))).toBe(true);
        expect(close(area.segmentLengthInside(ax, ay, bx, by), indexed.segmentLengthInside(s[0], s[1], s[2], s[3]))).toBe(true);
      }
    }
  });
});

describe('clipping to what a package may reveal', () => {
  it.each(SHAPES)('clipPolygon keeps every vertex within r and is not empty within r - 1: $name', (shape) => {
    const { plain, indexed } = prepared(shape);
    const rand = mulberry32(17);
    const [x0, y0, x1, y1] = bounds(shape.rings);
    let nonEmpty = 0;
    for (let i = 0; i < 24; i++) {
      const cx = Math.round(x0 - 8 + rand() * (x1 - x0 + 16));
      const cy = Math.round(y0 - 8 + rand() * (y1 - y0 + 16));
      const w = 1 + Math.floor(rand() * 8);
      const kind = i % 3;
      const rings: Pt[][] = kind === 0 ? [box(cx, cy, cx + w, cy + w)]
        : kind === 1 ? [box(cx - 6, cy - 6, cx + 6 + w, cy + 6 + w), box(cx, cy, cx + w, cy + w)]
          : [star(rand, 8, cx, cy, 2, 6)];
      const feature: Shape = { name: 'feature', rings };
      const r = [1, 1.5, 3, 6.2][i % 4];
      const d = bfRingsDistance(shape, feature);
      for (const area of [plain, indexed]) {
        const out = area.clipPolygon(rings, r);
        if (d <= r - 1) expect(out.length).toBeGreaterThan(0);
        if (d > r) expect(out).toEqual([]);
        if (out.length > 0) nonEmpty++;
        for (const polygon of out) {
          for (const ring of polygon) {
            expect(ring.length).toBeGreaterThanOrEqual(4);
            expect(ring[0]).toEqual(ring[ring.length - 1]);
            for (const [x, y] of ring) {
              expect(bfPointDistance(shape, x, y)).toBeLessThanOrEqual(r + 1e-9);
              // The clipped polygon stays inside the feature.
              expect(bfPointDistance(feature, x, y)).toBeLessThanOrEqual(1e-6);
            }
          }
        }
      }
    }
    expect(nonEmpty).toBeGreaterThan(0);
  });

  it.each(SHAPES)('clipLineString keeps every vertex within r, on the line, and not empty within r - 1: $name', (shape) => {
    const { indexed } = prepared(shape);
    const rand = mulberry32(18);
    const [x0, y0, x1, y1] = bounds(shape.rings);
    for (let i = 0; i < 60; i++) {
      const line: number[][] = [];
      let x = Math.round(x0 - 6 + rand() * (x1 - x0 + 12));
      let y = Math.round(y0 - 6 + rand() * (y1 - y0 + 12));
      for (let k = 0; k < 2 + (i % 5); k++) {
        line.push([x, y]);
        if (k === 1 && i % 7 === 0) line.push([x, y]);
        x += Math.round((rand() - 0.5) * 16);
        y += Math.round((rand() - 0.5) * 16);
      }
      const r = [1, 2, 3.5][i % 3];
      const asShape: Shape = { name: 'line', rings: [line as Pt[]] };
      let d = Infinity;
      for (let k = 0; k + 1 < line.length; k++) d = Math.min(d, bfSegmentDistance(shape, [...line[k], ...line[k + 1]]));
      const parts = clipLineString(indexed, line, r);
      if (d <= r - 1) expect(parts.length).toBeGreaterThan(0);
      if (d > r) expect(parts).toEqual([]);
      for (const part of parts) {
        expect(part.length).toBeGreaterThanOrEqual(2);
        for (const [px, py] of part) {
          expect(bfPointDistance(shape, px, py)).toBeLessThanOrEqual(r);
          let onLine = Infinity;
          for (const [ax, ay, bx, by] of edgeList(asShape)) onLine = Math.min(onLine, bfPointSeg2(px, py, ax, ay, bx, by));
          expect(Math.sqrt(onLine)).toBeLessThanOrEqual(1e-9);
        }
      }
    }
  });
});

