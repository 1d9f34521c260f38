/**
 * Segment primitives: closed segment intersection with exact orientation signs, point/segment
 * distances with the cases of PostGIS lw_dist2d (projection before, past or onto the segment;
 * segments that meet are 0 apart), and even-odd point location against a few rings.
 */
import { orient2d } from 'robust-predicates';

/**
 * The relative error bound of orient2d's floating-point filter (ccwerrboundA of Shewchuk's
 * predicates, as robust-predicates uses it): where |det| >= ORIENT_ERROR * |detleft + detright|,
 * orient2d returns det itself.
 */
export const ORIENT_ERROR = (3 + 16 * 1.1102230246251565e-16) * 1.1102230246251565e-16;

/**
 * Whether the closed segments ab and cd share at least one point. Exact: the side tests use
 * `orient2d`, so touching at an endpoint, at a vertex or along a collinear stretch counts.
 */
export function segmentsIntersect(
  ax: number, ay: number, bx: number, by: number,
  cx: number, cy: number, dx: number, dy: number
): boolean {
  // Boxes first: cheap, and it makes the collinear case below a pure interval test.
  if ((ax < bx ? ax : bx) > (cx > dx ? cx : dx) || (ax > bx ? ax : bx) < (cx < dx ? cx : dx)) return false;
  if ((ay < by ? ay : by) > (cy > dy ? cy : dy) || (ay > by ? ay : by) < (cy < dy ? cy : dy)) return false;
  const o1 = orient2d(ax, ay, bx, by, cx, cy);
  const o2 = orient2d(ax, ay, bx, by, dx, dy);
  if ((o1 > 0 && o2 > 0) || (o1 < 0 && o2 < 0)) return false;
  const o3 = orient2d(cx, cy, dx, dy, ax, ay);
  const o4 = orient2d(cx, cy, dx, dy, bx, by);
  // Neither segment lies strictly on one side of the other's line: they cross or touch. When
  // all four signs are 0 they are collinear, and the boxes (checked above) overlap.
  return !((o3 > 0 && o4 > 0) || (o3 < 0 && o4 < 0));
}

/** Squared distance from point p to the closed segment ab (ab may have zero length). */
export function pointSegmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const vx = bx - ax;
  const vy = by - ay;
  return pointToSegment2(px - ax, py - ay, vx, vy, vx * vx + vy * vy);
}

/**
 * Squared distance from a point to a segment, both relative to the segment's start: (px, py)
 * is the point minus the start, (vx, vy) the segment, vv = |v|^2. The cases are those of
 * lw_dist2d_pt_seg (projection before the start, past the end, or onto the segment); onto the
 * segment the distance is taken as cross^2 / |v|^2, which on integer coordinates is exact
 * whenever the true squared distance is a whole number, so ties at a zone limit stay ties.
 */
export function pointToSegment2(px: number, py: number, vx: number, vy: number, vv: number): number {
  const dot = px * vx + py * vy;
  if (dot <= 0) return px * px + py * py;
  if (dot >= vv) {
    px -= vx;
    py -= vy;
    return px * px + py * py;
  }
  const c = px * vy - py * vx;
  return (c * c) / vv;
}

/**
 * Squared distance between the closed segments ab and cd: 0 when they meet, else the least of
 * the four endpoint-to-segment distances (the minimum of two disjoint segments is always
 * attained at an endpoint of one of them).
 */
export function segmentSegmentDistance2(
  ax: number, ay: number, bx: number, by: number,
  cx: number, cy: number, dx: number, dy: number
): number {
  if (segmentsIntersect(ax, ay, bx, by, cx, cy, dx, dy)) return 0;
  return segmentSegmentGap2(ax, ay, bx, by, cx, cy, dx, dy);
}

/** The endpoint part of {@link segmentSegmentDistance2}, for callers that tested intersection already. */
export function segmentSegmentGap2(
  ax: number, ay: number, bx: number, by: number,
  cx: number, cy: number, dx: number, dy: number
): number {
  const ux = bx - ax;
  const uy = by - ay;
  return endpointGap2(ax, ay, bx, by, ux, uy, ux * ux + uy * uy, cx, cy, dx, dy);
}

/**
 * {@link segmentSegmentGap2} with the vector u = b - a of segment ab (uu = |u|^2) passed in, so
 * that a loop over many edges against one segment computes it once.
 */
export function endpointGap2(
  ax: number, ay: number, bx: number, by: number, ux: number, uy: number, uu: number,
  cx: number, cy: number, dx: number, dy: number
): number {
  const vx = dx - cx;
  const vy = dy - cy;
  const vv = vx * vx + vy * vy;
  let best = pointToSegment2(ax - cx, ay - cy, vx, vy, vv);
  let d = pointToSegment2(bx - cx, by - cy, vx, vy, vv);
  if (d < best) best = d;
  d = pointToSegment2(cx - ax, cy - ay, ux, uy, uu);
  if (d < best) best = d;
  d = pointToSegment2(dx - ax, dy - ay, ux, uy, uu);
  if (d < best) best = d;
  return best;
}

/**
 * Even-odd location of a point against rings r0..r1-1 of a flat ring set (xy pairs, ring i from
 * vertex ringStarts[i] to ringStarts[i+1]-1, closed): 1 inside, 0 on a ring, -1 outside.
 * Loops every edge; for small polygons (a feature's) where no index pays off.
 */
export function locateInRings(
  xy: Float64Array, ringStarts: Uint32Array, r0: number, r1: number, x: number, y: number
): 1 | 0 | -1 {
  let inside = false;
  for (let r = r0; r < r1; r++) {
    const first = ringStarts[r];
    const last = ringStarts[r + 1] - 1;
    if (last <= first) continue;
    for (let i = first; i < last; i++) {
      const k = i * 2;
      const x0 = xy[k];
      const y0 = xy[k + 1];
      const x1 = xy[k + 2];
      const y1 = xy[k + 3];
      const c = crossing(x0, y0, x1, y1, x, y);
      if (c === 2) return 0;
      if (c === 1) inside = !inside;
    }
    // Rings given open get their closing edge.
    const fx = xy[first * 2];
    const fy = xy[first * 2 + 1];
    const lx = xy[last * 2];
    const ly = xy[last * 2 + 1];
    if (fx !== lx || fy !== ly) {
      const c = crossing(lx, ly, fx, fy, x, y);
      if (c === 2) return 0;
      if (c === 1) inside = !inside;
    }
  }
  return inside ? 1 : -1;
}

/**
 * One edge's part in a ray-crossing count with the ray from (x, y) towards +x:
 * 2 when the point lies on the edge, 1 when the ray crosses it, 0 otherwise.
 * Half-open in y (an edge counts when exactly one endpoint lies strictly above the ray), so a
 * ray through a vertex is counted once, and signs come from `orient2d`, so the count is exact.
 */
export function crossing(x0: number, y0: number, x1: number, y1: number, x: number, y: number): 0 | 1 | 2 {
  if ((y0 > y && y1 > y) || (y0 < y && y1 < y)) return 0;
  if (x0 < x && x1 < x) return 0;
  const above0 = y0 > y;
  if (above0 !== y1 > y) {
    const o = orient2d(x0, y0, x1, y1, x, y);
    if (o === 0) return 2;
    // orient2d is negative when (x, y) lies left of the directed edge (y up).
    return (o < 0) !== above0 ? 1 : 0;
  }
  if (y0 === y && y1 === y) {
    return (x0 <= x ? x <= x1 : x1 <= x) ? 2 : 0;
  }
  if ((y0 === y && x0 === x) || (y1 === y && x1 === x)) return 2;
  return 0;
}
