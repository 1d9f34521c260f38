/**
 * Length of a polyline within distance r of an area's boundary: for a route's corridor, whose
 * "area" is its centreline (a ring running along it and back), the length of a line inside the
 * corridor. Per segment, the parameter intervals within r of each nearby edge (capsules, see
 * capsule.ts) are united and measured.
 */
import type { PreparedArea } from './area.js';
import { capsuleInterval } from './capsule.js';
import { pointToSegment2 } from './segment.js';

/** Scratch for one segment's intervals, grown on demand. */
let spans = new Float64Array(64);

/** Length of the polyline xy[v0] .. xy[v0 + segments] (vertex indices) within r of the area's edges. */
export function lengthWithin(area: PreparedArea, xy: Float64Array, v0: number, segments: number, r: number): number {
  let total = 0;
  for (let v = v0; v < v0 + segments; v++) {
    const ax = xy[2 * v], ay = xy[2 * v + 1];
    const bx = xy[2 * v + 2], by = xy[2 * v + 3];
    const ux = bx - ax, uy = by - ay;
    const uu = ux * ux + uy * uy;
    if (uu === 0) continue;
    const x0 = (ax < bx ? ax : bx) - r, x1 = (ax > bx ? ax : bx) + r;
    const y0 = (ay < by ? ay : by) - r, y1 = (ay > by ? ay : by) + r;
    const n = area.candidates(x0, y0, x1, y1);
    const ids = area.found;
    if (spans.length < 2 * n) spans = new Float64Array(Math.max(2 * n, 2 * spans.length));
    const boxes = area.edgeBoxes;
    const r2 = r * r;
    let k = 0;
    let whole = false;
    for (let i = 0; i < n; i++) {
      const q = 8 * (ids === null ? i : ids[i]);
      // Only edges whose boxes come within r of the segment's can hold part of it in their capsule.
      if (boxes[q + 4] > x1 || boxes[q + 5] < x0 || boxes[q + 6] > y1 || boxes[q + 7] < y0) continue;
      const cx = boxes[q], cy = boxes[q + 1];
      const vx = boxes[q + 2] - cx, vy = boxes[q + 3] - cy;
      const vv = vx * vx + vy * vy;
      // Both ends in one capsule: all of the segment is (a capsule is convex).
      if (pointToSegment2(ax - cx, ay - cy, vx, vy, vv) <= r2 && pointToSegment2(bx - cx, by - cy, vx, vy, vv) <= r2) {
        whole = true;
        break;
      }
      if (capsuleInterval(ax, ay, ux, uy, uu, cx, cy, boxes[q + 2], boxes[q + 3], r, spans, 2 * k)) k++;
    }
    total += Math.sqrt(uu) * (whole ? 1 : unitedLength(spans, k));
  }
  return total;
}

/** Measure of the union of intervals [s[2i], s[2i+1]], i < k, clipped to [0, 1]. */
function unitedLength(s: Float64Array, k: number): number {
  // Insertion sort by start: a segment meets few edges.
  for (let i = 1; i < k; i++) {
    const lo = s[2 * i], hi = s[2 * i + 1];
    let j = i - 1;
    while (j >= 0 && s[2 * j] > lo) {
      s[2 * j + 2] = s[2 * j];
      s[2 * j + 3] = s[2 * j + 1];
      j--;
    }
    s[2 * j + 2] = lo;
    s[2 * j + 3] = hi;
  }
  let sum = 0;
  let from = 0;
  for (let i = 0; i < k; i++) {
    const lo = Math.max(from, s[2 * i]);
    const hi = Math.min(1, s[2 * i + 1]);
    if (hi > lo) {
      sum += hi - lo;
      from = hi;
    }
  }
  return sum;
}
