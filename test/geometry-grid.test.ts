/**
 * The edge grid and the polyline measure on seeded random data: grid searches against a scan of
 * every edge, grid point location against a brute-force ray count, box classification against
 * what it claims, segment cuts of the grid against the plain loop, and whole runs of segments
 * against the per-segment kernel (itself tested against brute force in geometry-kernel.test.ts).
 * Integer coordinates put vertices on edges and segments along them, where parity goes wrong.
 */
import { describe, expect, it } from 'vitest';
import { box, comb, corridor, flat, mulberry32, star, type Pt, type Shape } from './helpers/shapes.js';
import { EdgeGrid, PreparedArea, UNKNOWN_LOCATION } from '../src/geometry/index.js';

function shapes(): Shape[] {
  const rand = mulberry32(11);
  return [
    { name: 'square with hole', rings: [box(0, 0, 20, 20), box(5, 5, 15, 15)] },
    { name: 'island in a hole', rings: [box(0, 0, 20, 20), box(4, 4, 16, 16), box(8, 8, 12, 12)] },
    { name: 'rings touching at a vertex and along an edge', rings: [box(0, 0, 10, 10), box(10, 10, 20, 20), box(10, 0, 20, 6)] },
    { name: 'bow tie (self-crossing)', rings: [[[0, 0], [12, 12], [12, 0], [0, 12], [0, 0]]] },
    { name: 'the same ring twice', rings: [box(0, 0, 9, 9), box(0, 0, 9, 9)] },
    { name: 'comb', rings: [comb(30)] },
    { name: 'corridor', rings: [corridor(rand, 120)] },
    { name: 'many stars', rings: Array.from({ length: 12 }, (_, i) => star(rand, 11, (i % 4) * 14, Math.floor(i / 4) * 14, 2, 7)) },
    {
      // One long diagonal edge among many short ones: the grid must stay coarse enough to build.
      name: 'long diagonal',
      rings: [[[0, 0], ...Array.from({ length: 60 }, (_, i): Pt => [i + 1, (i % 2) * 2]), [60, 60], [0, 0]]]
    },
    { name: 'flat (all on one line)', rings: [[[0, 0], [5, 0], [9, 0], [0, 0]]] }
  ];
}

function edgeList(shape: Shape): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (const r of shape.rings) {
    for (let i = 0; i + 1 < r.length; i++) {
      if (r[i][0] !== r[i + 1][0] || r[i][1] !== r[i + 1][1]) out.push([r[i][0], r[i][1], r[i + 1][0], r[i + 1][1]]);
    }
  }
  return out;
}

function bounds(shape: Shape): [number, number, number, number] {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const r of shape.rings) for (const [x, y] of r) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return [x0, y0, x1, y1];
}

const cross = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number =>
  (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);

/** Even-odd location by a ray count over every edge, exact on small integers. */
function bfLocate(shape: Shape, x: number, y: number): number {
  let inside = false;
  for (const [ax, ay, bx, by] of edgeList(shape)) {
    if (cross(ax, ay, bx, by, x, y) === 0 && Math.min(ax, bx) <= x && x <= Math.max(ax, bx) && Math.min(ay, by) <= y && y <= Math.max(ay, by)) return 0;
    if ((ay > y) !== (by > y)) {
      const num = (ax - x) * (by - ay) + (y - ay) * (bx - ax);
      if ((num > 0) === (by - ay > 0)) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

/** Both paths over one shape: plain loops and the grid (threshold 0). */
function prepared(shape: Shape): { plain: PreparedArea; grid: PreparedArea } {
  const f = flat(shape.rings);
  const plain = new PreparedArea(f.xy, f.starts, Infinity);
  const grid = new PreparedArea(f.xy, f.starts, 0);
  expect(grid.indexed).toBe(true);
  return { plain, grid };
}

/** A random polyline over the shape: integer vertices, some on edges or vertices, some repeated. */
function polyline(shape: Shape, rand: () => number, segments: number): number[] {
  const [x0, y0, x1, y1] = bounds(shape);
  const edges = edgeList(shape);
  const out: number[] = [];
  let x = Math.round(x0 - 3 + rand() * (x1 - x0 + 6));
  let y = Math.round(y0 - 3 + rand() * (y1 - y0 + 6));
  for (let k = 0; k <= segments; k++) {
    out.push(x, y);
    const kind = rand();
    if (kind < 0.25 && edges.length > 0) {
      // Onto an edge's vertex or midpoint (when that is whole), or along the edge.
      const [cx, cy, dx, dy] = edges[Math.floor(rand() * edges.length)];
      const s = [0, 0.5, 1, 2][Math.floor(rand() * 4)];
      const nx = cx + s * (dx - cx), ny = cy + s * (dy - cy);
      if (Number.isInteger(nx) && Number.isInteger(ny)) {
        x = nx;
        y = ny;
        continue;
      }
    } else if (kind < 0.32) {
      continue; // a zero-length segment
    }
    x += Math.round((rand() - 0.5) * 12);
    y += Math.round((rand() - 0.5) * 12);
  }
  return out;
}

const close = (a: number, b: number, tol = 1e-9): boolean =>
  a === b || Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

const SHAPES = shapes();

describe('EdgeGrid', () => {
  it.each([1, 7, 64, 513, 2000])('search finds exactly the edges whose boxes meet the query (%i edges)', (count) => {
    const rand = mulberry32(count + 5);
    const edges = new Float64Array(count * 4);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    let x = 0, y = 0;
    for (let e = 0; e < count; e++) {
      // Mostly short steps, now and then a long jump.
      const far = rand() < 0.05 ? 60 : 10;
      const nx = x + Math.round((rand() - 0.5) * far), ny = y + Math.round((rand() - 0.5) * far);
      edges.set([x, y, nx, ny], e * 4);
      minX = Math.min(minX, x, nx); minY = Math.min(minY, y, ny); maxX = Math.max(maxX, x, nx); maxY = Math.max(maxY, y, ny);
      x = nx;
      y = ny;
    }
    const grid = new EdgeGrid(edges, count, minX, minY, maxX, maxY);
    for (let q = 0; q < 300; q++) {
      const qx = Math.round(minX - 20 + rand() * (maxX - minX + 40)), qy = Math.round(minY - 20 + rand() * (maxY - minY + 40));
      const qw = Math.round(rand() * 25), qh = Math.round(rand() * 25);
      const n = grid.search(qx, qy, qx + qw, qy + qh);
      const found = Array.from(grid.result.subarray(0, n)).sort((a, b) => a - b);
      const expected: number[] = [];
      for (let e = 0; e < count; e++) {
        const [x0, y0, x1, y1] = edges.subarray(e * 4, e * 4 + 4);
        if (Math.min(x0, x1) <= qx + qw && Math.max(x0, x1) >= qx && Math.min(y0, y1) <= qy + qh && Math.max(y0, y1) >= qy) expected.push(e);
      }
      expect(found).toEqual(expected);
    }
  });

  it.each(SHAPES)('locatePoint through the grid agrees with a ray count: $name', (shape) => {
    const { plain, grid } = prepared(shape);
    const rand = mulberry32(3);
    const [x0, y0, x1, y1] = bounds(shape);
    const points: Pt[] = [];
    for (const r of shape.rings) for (const p of r) points.push(p);
    for (let i = 0; i < 1500; i++) points.push([Math.round(x0 - 3 + rand() * (x1 - x0 + 6)), Math.round(y0 - 3 + rand() * (y1 - y0 + 6))]);
    for (let i = 0; i < 300; i++) points.push([x0 - 3 + rand() * (x1 - x0 + 6), y0 - 3 + rand() * (y1 - y0 + 6)]);
    for (const [x, y] of points) {
      const want = bfLocate(shape, x, y);
      expect(grid.locatePoint(x, y)).toBe(want);
      expect(plain.locatePoint(x, y)).toBe(want);
    }
  });

  it.each(SHAPES)('classifyBox decides only what is true: $name', (shape) => {
    const { plain, grid } = prepared(shape);
    const rand = mulberry32(4);
    const [x0, y0, x1, y1] = bounds(shape);
    const edges = edgeList(shape);
    let decided = 0;
    for (let i = 0; i < 600; i++) {
      const bx = Math.round(x0 - 10 + rand() * (x1 - x0 + 20)), by = Math.round(y0 - 10 + rand() * (y1 - y0 + 20));
      const w = Math.round(rand() * 6), h = Math.round(rand() * 6);
      const limit = [0, 0.5, 2][i % 3];
      for (const area of [plain, grid]) {
        const where = area.classifyBox(bx, by, bx + w, by + h, limit);
        if (where === 0) continue;
        decided++;
        // Inside: no edge meets the box. Outside: no edge comes within limit of it (per axis).
        // Either way the corners lie where it says.
        const r = where > 0 ? 0 : limit;
        for (const [ax, ay, cx, cy] of edges) {
          const apart = Math.min(ax, cx) > bx + w + r || Math.max(ax, cx) < bx - r || Math.min(ay, cy) > by + h + r || Math.max(ay, cy) < by - r;
          expect(apart).toBe(true);
        }
        expect(bfLocate(shape, bx, by)).toBe(where);
        expect(bfLocate(shape, bx + w, by + h)).toBe(where);
      }
    }
    expect(decided).toBeGreaterThan(0);
  });
});

describe('LineMeasure against the per-segment kernel', () => {
  it.each(SHAPES)('distance and length of runs of segments: $name', (shape) => {
    const { plain, grid } = prepared(shape);
    const rand = mulberry32(6);
    for (let i = 0; i < 300; i++) {
      const segments = 1 + (i % 8);
      const xy = Float64Array.from(polyline(shape, rand, segments));
      let want = Infinity;
      let length = 0;
      for (let k = 0; k < segments; k++) {
        const j = 2 * k;
        const d = plain.segmentDistance(xy[j], xy[j + 1], xy[j + 2], xy[j + 3], Infinity);
        want = Math.min(want, d);
        if (d === 0) length += plain.segmentLengthInside(xy[j], xy[j + 1], xy[j + 2], xy[j + 3]);
      }
      for (const area of [plain, grid]) {
        const lines = area.lines;
        for (const limit of [Infinity, 3, 0.5, 0]) {
          const d = lines.distance(xy, 0, segments, limit, UNKNOWN_LOCATION);
          if (want <= limit) expect(d).toBe(want);
          else expect(d).toBeGreaterThan(limit);
          if (d === 0) expect(close(lines.length, length)).toBe(true);
          const last = 2 * segments;
          if (lines.end !== UNKNOWN_LOCATION) expect(lines.end).toBe(bfLocate(shape, xy[last], xy[last + 1]));
        }
      }
    }
  });

  it.each(SHAPES)('a line measured run by run, each starting where the last ended: $name', (shape) => {
    const { plain, grid } = prepared(shape);
    const rand = mulberry32(7);
    for (let i = 0; i < 40; i++) {
      const total = 24;
      const xy = Float64Array.from(polyline(shape, rand, total));
      for (const area of [plain, grid]) {
        const lines = area.lines;
        for (const run of [1, 3, 8]) {
          let chained = Infinity, chainedLength = 0, fresh = Infinity, freshLength = 0;
          let start = UNKNOWN_LOCATION;
          for (let v = 0; v < total; v += run) {
            const k = Math.min(run, total - v);
            const d = lines.distance(xy, v, k, Infinity, start);
            chained = Math.min(chained, d);
            if (d === 0) chainedLength += lines.length;
            start = lines.end;
            const e = lines.distance(xy, v, k, Infinity, UNKNOWN_LOCATION);
            fresh = Math.min(fresh, e);
            if (e === 0) freshLength += lines.length;
          }
          expect(chained).toBe(fresh);
          expect(close(chainedLength, freshLength)).toBe(true);
        }
      }
    }
  });
});
