/**
 * Distance and length inside of a run of consecutive line segments (a chunk of a feature) in one
 * pass: one search for the edges that meet the run's box, then every segment against those few
 * edges. The crossings that decide whether a segment meets the area also cut it; which pieces
 * lie inside follows from the location of the run's first vertex (often known from the run
 * before), flipped at every proper crossing. Only where a segment touches the boundary without
 * properly crossing it (a vertex on an edge, a stretch along one) is the parity delicate: there
 * the segment's length comes from the general cutter and the next vertex is located afresh.
 * Distances are needed only for runs that stay outside: squared, with one root at the end.
 * The scratch arrays are shared and grow to the largest area seen; nothing else allocates.
 */
import type { PreparedArea } from './area.js';
import { orient2d } from 'robust-predicates';
import { endpointGap2, ORIENT_ERROR } from './segment.js';
import { sortValues } from './sort.js';

/** Location not known yet: {@link LineMeasure.distance} locates the first vertex itself. */
export const UNKNOWN_LOCATION = 2;

/**
 * Scratch shared by all measures (a call runs to its end before another starts), grown on
 * demand: the ids of the edges near the run, their ends and boxes (8 numbers per edge), and
 * the cut parameters of one segment.
 */
let nearIds = new Int32Array(64);
let nearBox = new Float64Array(8 * 64);
let cutScratch = new Float64Array(64);

export class LineMeasure {
  /** Length inside the area of the run last measured, when its distance was 0 (else 0). */
  length = 0;
  /**
   * Location of the last vertex of the run last measured: 1 inside, 0 on the boundary, -1
   * outside, or UNKNOWN_LOCATION; pass it as `start` of a run that begins at that vertex.
   */
  end = UNKNOWN_LOCATION;
  private readonly area: PreparedArea;
  /** Whether the area has an edge grid: then each run gathers its near edges first. */
  private gridded = false;
  /** Box around all edges of the last gather: a segment apart from it meets none of them. */
  private nearMinX = 0;
  private nearMinY = 0;
  private nearMaxX = 0;
  private nearMaxY = 0;

  constructor(area: PreparedArea) {
    this.area = area;
    this.reset();
  }

  /** Takes up the area again after it was prepared anew. */
  reset(): void {
    const area = this.area;
    this.gridded = area.indexed;
    // Without a grid every edge is near: their union box is the area's.
    this.nearMinX = area.minX;
    this.nearMinY = area.minY;
    this.nearMaxX = area.maxX;
    this.nearMaxY = area.maxY;
    this.end = UNKNOWN_LOCATION;
    this.length = 0;
    const n = area.edgeCount;
    if (nearIds.length < n) {
      const size = Math.max(n, nearIds.length * 2);
      nearIds = new Int32Array(size);
      nearBox = new Float64Array(8 * size);
      cutScratch = new Float64Array(size);
    }
  }

  /**
   * Distance between the polyline xy[v0], ..., xy[v0 + segments] (vertex indices) and the area:
   * 0 when it meets the area, exact when <= limit, else some value > limit. When 0, `length`
   * holds the length of its part inside the area. `start` is the location of its first vertex
   * when known (from the `end` of the run before it), else UNKNOWN_LOCATION.
   *
   * One pass over segment x edge pairs whose boxes come within the running bound: a pair whose
   * boxes meet is tested for a crossing, and, until the run is known to meet the area, every
   * pair also for its distance, the bound shrinking to the least found.
   */
  distance(xy: Float64Array, v0: number, segments: number, limit: number, start: number): number {
    const area = this.area;
    const lim = limit >= 0 ? limit : 0;
    this.length = 0;
    const j0 = 2 * v0;
    const j1 = 2 * (v0 + segments);
    let state = start;
    let near: Float64Array;
    let m: number;
    if (this.gridded) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (let j = j0; j <= j1; j += 2) {
        const x = xy[j];
        const y = xy[j + 1];
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
      if (minX > area.maxX + lim || maxX < area.minX - lim || minY > area.maxY + lim || maxY < area.minY - lim) {
        this.end = -1;
        return Infinity;
      }
      // Apart from the area's box: outside, with no boundary to cross.
      if (minX > area.maxX || maxX < area.minX || minY > area.maxY || maxY < area.minY) state = -1;
      // Only the edges near the run, once: all that can cut it or lie within the limit.
      area.boxMinX = minX - lim;
      area.boxMinY = minY - lim;
      area.boxMaxX = maxX + lim;
      area.boxMaxY = maxY + lim;
      const n = this.gather();
      if (n === 0) {
        // No boundary point within the limit: wholly inside, or too far.
        if (state === UNKNOWN_LOCATION) state = area.locatePoint(xy[j0], xy[j0 + 1]);
        this.end = state;
        if (state < 0) return Infinity;
        this.length = polylineLength(xy, j0, j1);
        return 0;
      }
      near = nearBox;
      m = 8 * n;
    } else {
      // Every edge; segments apart from the area's box skip them all, and lie outside.
      near = area.edgeBoxes;
      m = 8 * area.edgeCount;
    }
    const plain = !this.gridded;
    const uMinX = this.nearMinX, uMinY = this.nearMinY, uMaxX = this.nearMaxX, uMaxY = this.nearMaxY;
    const cuts = cutScratch;
    // Distances only matter while the run may still come within the limit without meeting the area.
    let best2 = Infinity;
    let bound = lim > 0 ? lim : -1;
    let touched = false;
    let length = 0;
    let ax = xy[j0];
    let ay = xy[j0 + 1];
    for (let j = j0 + 2; j <= j1; j += 2) {
      const bx = xy[j];
      const by = xy[j + 1];
      const sMinX = ax < bx ? ax : bx, sMaxX = ax > bx ? ax : bx;
      const sMinY = ay < by ? ay : by, sMaxY = ay > by ? ay : by;
      const ux = bx - ax, uy = by - ay, uu = ux * ux + uy * uy;
      let g = touched || bound < 0 ? 0 : bound;
      let hit = false;
      let proper = true;
      let nc = 0;
      const apart = sMinX > uMaxX + g || sMaxX < uMinX - g || sMinY > uMaxY + g || sMaxY < uMinY - g;
      // Apart from a plain area's box (the union of all its edges' boxes), a segment lies outside.
      if (state === UNKNOWN_LOCATION) state = apart && plain ? -1 : area.locatePoint(ax, ay);
      for (let q = apart ? m : 0; q < m; q += 8) {
        const eMinX = near[q + 4], eMaxX = near[q + 5], eMinY = near[q + 6], eMaxY = near[q + 7];
        // Without branches until the one test: most boxes miss, in no predictable order.
        if ((+(eMinX <= sMaxX + g) & +(eMaxX >= sMinX - g) & +(eMinY <= sMaxY + g) & +(eMaxY >= sMinY - g)) === 0) continue;
        const x0 = near[q], y0 = near[q + 1], x1 = near[q + 2], y1 = near[q + 3];
        if (eMinX <= sMaxX && eMaxX >= sMinX && eMinY <= sMaxY && eMaxY >= sMinY) {
          // How the segment meets the edge: t stays -2 when apart, -1 when they touch other
          // than by a proper crossing (an end on the other, or collinear overlap), else the
          // parameter along the segment of the crossing, where the signed areas of its ends
          // against the edge vary linearly. Written out, as a call with eight numbers that is
          // not inlined boxes each of them: each orientation is orient2d's own filter (the same
          // value when it holds), and orient2d itself where it does not.
          let t = -2;
          let l = (ay - y0) * (bx - x0);
          let r = (ax - x0) * (by - y0);
          let o1 = l - r;
          if (Math.abs(o1) < ORIENT_ERROR * Math.abs(l + r)) o1 = orient2d(ax, ay, bx, by, x0, y0);
          l = (ay - y1) * (bx - x1);
          r = (ax - x1) * (by - y1);
          let o2 = l - r;
          if (Math.abs(o2) < ORIENT_ERROR * Math.abs(l + r)) o2 = orient2d(ax, ay, bx, by, x1, y1);
          if ((o1 <= 0 || o2 <= 0) && (o1 >= 0 || o2 >= 0)) {
            l = (y0 - ay) * (x1 - ax);
            r = (x0 - ax) * (y1 - ay);
            let o3 = l - r;
            if (Math.abs(o3) < ORIENT_ERROR * Math.abs(l + r)) o3 = orient2d(x0, y0, x1, y1, ax, ay);
            l = (y0 - by) * (x1 - bx);
            r = (x0 - bx) * (y1 - by);
            let o4 = l - r;
            if (Math.abs(o4) < ORIENT_ERROR * Math.abs(l + r)) o4 = orient2d(x0, y0, x1, y1, bx, by);
            if ((o3 <= 0 || o4 <= 0) && (o3 >= 0 || o4 >= 0)) {
              t = o1 === 0 || o2 === 0 || o3 === 0 || o4 === 0 ? -1 : o3 / (o3 - o4);
            }
          }
          if (t !== -2) {
            hit = true;
            g = 0;
            if (t === -1) {
              proper = false;
              break;
            }
            cuts[nc++] = t;
            continue;
          }
        }
        if (hit || touched || bound < 0) continue;
        // The gap between the boxes bounds the distance from below.
        const gx = eMinX > sMaxX ? eMinX - sMaxX : sMinX > eMaxX ? sMinX - eMaxX : 0;
        const gy = eMinY > sMaxY ? eMinY - sMaxY : sMinY > eMaxY ? sMinY - eMaxY : 0;
        if (gx * gx + gy * gy >= best2) continue;
        // Apart: the least of the four endpoint-to-segment distances.
        const d2 = endpointGap2(ax, ay, bx, by, ux, uy, uu, x0, y0, x1, y1);
        if (d2 < best2) {
          best2 = d2;
          const d = Math.sqrt(d2);
          if (d < bound) bound = g = d;
        }
      }
      if (!hit) {
        // Meets no edge: wholly where its start is (which is not on the boundary).
        if (state > 0) {
          touched = true;
          length += Math.sqrt(uu);
        }
      } else if (proper) {
        touched = true;
        // Pieces between sorted cuts alternate, starting where a is.
        if (nc > 1) sortValues(cuts, nc);
        let inside = state > 0;
        let from = 0;
        let sum = 0;
        for (let p = 0; p < nc; p++) {
          const c = cuts[p];
          const t = c < 0 ? 0 : c > 1 ? 1 : c;
          if (inside) sum += t - from;
          from = t;
          inside = !inside;
        }
        if (inside) sum += 1 - from;
        length += sum * Math.sqrt(uu);
        if ((nc & 1) === 1) state = -state;
      } else {
        // Touches without crossing properly: the general cutter, and a fresh location next.
        touched = true;
        length += area.segmentLengthInside(ax, ay, bx, by);
        state = UNKNOWN_LOCATION;
      }
      ax = bx;
      ay = by;
    }
    this.end = state;
    if (touched) {
      this.length = length;
      return 0;
    }
    return Math.sqrt(best2);
  }

  /**
   * Writes the edges whose boxes meet the closed box in the area's box* fields into the scratch
   * (ends, then box) and returns how many.
   */
  private gather(): number {
    const ids = nearIds;
    const n = this.area.nearEdgesStored(ids);
    const boxes = this.area.edgeBoxes;
    const near = nearBox;
    let uMinX = Infinity, uMinY = Infinity, uMaxX = -Infinity, uMaxY = -Infinity;
    for (let i = 0, q = 0; i < n; i++, q += 8) {
      const k = ids[i] * 8;
      for (let o = 0; o < 8; o++) near[q + o] = boxes[k + o];
      const eMinX = near[q + 4], eMaxX = near[q + 5], eMinY = near[q + 6], eMaxY = near[q + 7];
      if (eMinX < uMinX) uMinX = eMinX;
      if (eMaxX > uMaxX) uMaxX = eMaxX;
      if (eMinY < uMinY) uMinY = eMinY;
      if (eMaxY > uMaxY) uMaxY = eMaxY;
    }
    this.nearMinX = uMinX;
    this.nearMinY = uMinY;
    this.nearMaxX = uMaxX;
    this.nearMaxY = uMaxY;
    return n;
  }
}

/** Length of the polyline through xy[j0], xy[j0 + 1], ..., xy[j1], xy[j1 + 1]. */
function polylineLength(xy: Float64Array, j0: number, j1: number): number {
  let length = 0;
  for (let j = j0; j < j1; j += 2) {
    const dx = xy[j + 2] - xy[j];
    const dy = xy[j + 3] - xy[j + 1];
    length += Math.sqrt(dx * dx + dy * dy);
  }
  return length;
}
