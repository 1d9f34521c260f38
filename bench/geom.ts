/**
 * Small planar helpers for generating the benchmark's network and dig areas, in EPSG:25832 metres:
 * measuring and cutting polylines, offsetting them sideways, and buffering a path into a polygon.
 * None of this is on a timed path.
 */

export type Pt = [number, number];

/** Drops Z and consecutive duplicate vertices. */
export function clean2d(coords: readonly (readonly number[])[], minStep = 1e-6): Pt[] {
  const out: Pt[] = [];
  for (const c of coords) {
    const last = out[out.length - 1];
    if (last && Math.abs(last[0] - c[0]) <= minStep && Math.abs(last[1] - c[1]) <= minStep) continue;
    out.push([c[0], c[1]]);
  }
  return out;
}

export function pathLength(path: readonly Pt[]): number {
  let length = 0;
  for (let i = 1; i < path.length; i++) length += Math.hypot(path[i][0] - path[i - 1][0], path[i][1] - path[i - 1][1]);
  return length;
}

/** The part of a path between arc lengths `from` and `to` (clamped). */
export function subPath(path: readonly Pt[], from: number, to: number): Pt[] {
  const out: Pt[] = [];
  let walked = 0;
  for (let i = 1; i < path.length; i++) {
    const [ax, ay] = path[i - 1];
    const [bx, by] = path[i];
    const len = Math.hypot(bx - ax, by - ay);
    const end = walked + len;
    if (end >= from && walked <= to && len > 0) {
      const t0 = Math.max(0, (from - walked) / len);
      const t1 = Math.min(1, (to - walked) / len);
      if (out.length === 0) out.push([ax + (bx - ax) * t0, ay + (by - ay) * t0]);
      out.push([ax + (bx - ax) * t1, ay + (by - ay) * t1]);
    }
    walked = end;
    if (walked > to) break;
  }
  return clean2d(out, 1e-3);
}

/** Inserts vertices so that no segment is longer than `maxStep`. */
export function densify(path: readonly Pt[], maxStep: number): Pt[] {
  const out: Pt[] = [path[0]];
  for (let i = 1; i < path.length; i++) {
    const [ax, ay] = path[i - 1];
    const [bx, by] = path[i];
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / maxStep));
    for (let k = 1; k <= steps; k++) out.push([ax + ((bx - ax) * k) / steps, ay + ((by - ay) * k) / steps]);
  }
  return out;
}

function unitLeftNormal(a: Pt, b: Pt): Pt {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = Math.hypot(dx, dy);
  return [-dy / len, dx / len];
}

/**
 * A polyline moved sideways by `d` metres (positive = left of the direction of travel), each vertex
 * along the average of its segments' normals, the miter stretch capped at 2. Returns null when
 * nothing of at least two distinct vertices is left.
 */
export function offsetPolyline(path: readonly Pt[], d: number): Pt[] | null {
  const n = path.length;
  if (n < 2) return null;
  const out: Pt[] = [];
  for (let i = 0; i < n; i++) {
    const prev = i > 0 ? unitLeftNormal(path[i - 1], path[i]) : null;
    const next = i < n - 1 ? unitLeftNormal(path[i], path[i + 1]) : null;
    let nx: number;
    let ny: number;
    if (prev && next) {
      const mx = prev[0] + next[0];
      const my = prev[1] + next[1];
      const len = Math.hypot(mx, my);
      if (len < 1e-6) {
        nx = prev[0];
        ny = prev[1];
      } else {
        const cosHalf = (mx * prev[0] + my * prev[1]) / len;
        const stretch = Math.min(2, 1 / Math.max(cosHalf, 1e-9));
        nx = (mx / len) * stretch;
        ny = (my / len) * stretch;
      }
    } else {
      const only = (prev ?? next) as Pt;
      nx = only[0];
      ny = only[1];
    }
    out.push([path[i][0] + d * nx, path[i][1] + d * ny]);
  }
  const cleaned = clean2d(out, 1e-3);
  return cleaned.length >= 2 ? cleaned : null;
}

function rotate(v: Pt, angle: number): Pt {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [v[0] * c - v[1] * s, v[0] * s + v[1] * c];
}

const ARC_STEP = Math.PI / 8;

/**
 * One side of a buffer at signed distance d: miter points on the inner side of each bend, round
 * joins on the outer side. Null when a bend is too sharp for a miter.
 */
function bufferSide(path: readonly Pt[], d: number): Pt[] | null {
  const r = Math.abs(d);
  const sign = Math.sign(d);
  const out: Pt[] = [];
  const n = path.length;
  for (let i = 0; i < n; i++) {
    const p = path[i];
    const prev = i > 0 ? unitLeftNormal(path[i - 1], p) : null;
    const next = i < n - 1 ? unitLeftNormal(p, path[i + 1]) : null;
    if (!prev || !next) {
      const only = (prev ?? next) as Pt;
      out.push([p[0] + d * only[0], p[1] + d * only[1]]);
      continue;
    }
    const a: Pt = [prev[0] * sign, prev[1] * sign];
    const b: Pt = [next[0] * sign, next[1] * sign];
    const turn = Math.atan2(a[0] * b[1] - a[1] * b[0], a[0] * b[0] + a[1] * b[1]);
    // A left turn (turn > 0) puts the right side (sign < 0) on the outside of the bend.
    const outer = turn * sign < 0;
    // Gentle bends take a miter on both sides too: it overshoots by under 0.3 %.
    if (Math.abs(turn) < 0.15 || !outer) {
      const mx = a[0] + b[0];
      const my = a[1] + b[1];
      const len = Math.hypot(mx, my);
      const cosHalf = len / 2;
      if (cosHalf < 0.2) return null;
      out.push([p[0] + (r * mx) / len / cosHalf, p[1] + (r * my) / len / cosHalf]);
    } else {
      const steps = Math.max(1, Math.ceil(Math.abs(turn) / ARC_STEP));
      for (let k = 0; k <= steps; k++) {
        const v = rotate(a, (turn * k) / steps);
        out.push([p[0] + r * v[0], p[1] + r * v[1]]);
      }
    }
  }
  return out;
}

/**
 * The polygon of all points within r of a path, built from its two offset sides and round end caps:
 * a closed counter-clockwise ring, or null when the construction failed or is not a simple ring.
 */
export function bufferPath(path: readonly Pt[], r: number, capSteps = 4): Pt[] | null {
  if (path.length < 2) return null;
  const left = bufferSide(path, r);
  const right = bufferSide(path, -r);
  if (!left || !right) return null;
  const n = path.length;
  const endNormal = unitLeftNormal(path[n - 2], path[n - 1]);
  const startNormal = unitLeftNormal(path[0], path[1]);
  const ring: Pt[] = [...left];
  for (let k = 1; k < capSteps; k++) {
    const v = rotate(endNormal, (-Math.PI * k) / capSteps);
    ring.push([path[n - 1][0] + r * v[0], path[n - 1][1] + r * v[1]]);
  }
  for (let i = right.length - 1; i >= 0; i--) ring.push(right[i]);
  for (let k = 1; k < capSteps; k++) {
    const v = rotate([-startNormal[0], -startNormal[1]], (-Math.PI * k) / capSteps);
    ring.push([path[0][0] + r * v[0], path[0][1] + r * v[1]]);
  }
  const closed = clean2d(ring, 1e-4);
  closed.push([closed[0][0], closed[0][1]]);
  if (signedArea(closed) < 0) closed.reverse();
  return isSimpleRing(closed) ? closed : null;
}

/** Signed area of a closed ring: positive when counter-clockwise. */
export function signedArea(ring: readonly Pt[]): number {
  let s = 0;
  for (let i = 1; i < ring.length; i++) s += ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1];
  return s / 2;
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

function onSegment(ax: number, ay: number, bx: number, by: number, px: number, py: number): boolean {
  return Math.min(ax, bx) <= px && px <= Math.max(ax, bx) && Math.min(ay, by) <= py && py <= Math.max(ay, by);
}

/** Whether two closed segments share a point (plain floating point; fine for generated shapes). */
export function segmentsMeet(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const d1 = orient(cx, cy, dx, dy, ax, ay);
  const d2 = orient(cx, cy, dx, dy, bx, by);
  const d3 = orient(ax, ay, bx, by, cx, cy);
  const d4 = orient(ax, ay, bx, by, dx, dy);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  if (d1 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) return true;
  if (d2 === 0 && onSegment(cx, cy, dx, dy, bx, by)) return true;
  if (d3 === 0 && onSegment(ax, ay, bx, by, cx, cy)) return true;
  if (d4 === 0 && onSegment(ax, ay, bx, by, dx, dy)) return true;
  return false;
}

/** A closed ring is simple when no two non-adjacent edges meet (sweep over edges sorted by x). */
export function isSimpleRing(ring: readonly Pt[]): boolean {
  const m = ring.length - 1;
  if (m < 3) return false;
  const order = Array.from({ length: m }, (_, i) => i);
  const minX = (e: number): number => Math.min(ring[e][0], ring[e + 1][0]);
  order.sort((a, b) => minX(a) - minX(b));
  for (let oi = 0; oi < m; oi++) {
    const e = order[oi];
    const [ax, ay] = ring[e];
    const [bx, by] = ring[e + 1];
    const eMaxX = Math.max(ax, bx);
    const eMinY = Math.min(ay, by);
    const eMaxY = Math.max(ay, by);
    for (let oj = oi + 1; oj < m; oj++) {
      const f = order[oj];
      const [cx, cy] = ring[f];
      const [dx, dy] = ring[f + 1];
      if (Math.min(cx, dx) > eMaxX) break;
      const gap = Math.abs(e - f);
      if (gap === 1 || gap === m - 1) continue;
      if (Math.max(cy, dy) < eMinY || Math.min(cy, dy) > eMaxY) continue;
      if (segmentsMeet(ax, ay, bx, by, cx, cy, dx, dy)) return false;
    }
  }
  return true;
}

/** Bounding box [minX, minY, maxX, maxY] of any nesting of positions. */
export function bboxOf(coords: unknown): [number, number, number, number] {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      const x = c[0];
      const y = c[1] as number;
      if (x < box[0]) box[0] = x;
      if (y < box[1]) box[1] = y;
      if (x > box[2]) box[2] = x;
      if (y > box[3]) box[3] = y;
      return;
    }
    for (const child of c) visit(child);
  };
  visit(coords);
  return box;
}
