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
import { crossingParameter, endpointGap2 } from './segment.js';

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
  /** Box around all edges of the last gather: a segment apart from it meets none of them. */
  private nearMinX = 0;
  private nearMinY = 0;
  private nearMaxX = 0;
  private nearMaxY = 0;

  constructor(area: PreparedArea) {
    this.area = area;
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
   */
  distance(xy: Float64Array, v0: number, segments: number, limit: number, start: number): number {
    const area = this.area;
    const lim = limit >= 0 ? limit : 0;
    this.length = 0;
    const j0 = 2 * v0;
    const j1 = 2 * (v0 + segments);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let j = j0; j <= j1; j += 2) {
      const x = xy[j];
      const y = xy[j + 1];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (minX > area.maxX || maxX < area.minX || minY > area.maxY || maxY < area.minY) {
      // Apart from the area's box: outside, with no boundary to cross.
      this.end = -1;
      if (minX > area.maxX + lim || maxX < area.minX - lim || minY > area.maxY + lim || maxY < area.minY - lim) return Infinity;
      return this.outsideDistance(xy, j0, j1, minX, minY, maxX, maxY, lim);
    }
    // First only the edges that meet the run's box: all that can cut it. Most runs near the
    // boundary turn out to meet the area, and then no distance is needed.
    const n = this.gather(minX, minY, maxX, maxY);
    let state = start;
    let ax = xy[j0];
    let ay = xy[j0 + 1];
    if (state === UNKNOWN_LOCATION) state = area.locatePoint(ax, ay);
    if (n === 0) {
      // No boundary point in the box: wholly inside or wholly outside.
      this.end = state;
      if (state < 0) return this.outsideDistance(xy, j0, j1, minX, minY, maxX, maxY, lim);
      let length = 0;
      for (let j = j0; j < j1; j += 2) {
        const dx = xy[j + 2] - xy[j];
        const dy = xy[j + 3] - xy[j + 1];
        length += Math.sqrt(dx * dx + dy * dy);
      }
      this.length = length;
      return 0;
    }
    const near = nearBox;
    const m = n * 8;
    const cuts = cutScratch;
    let touched = false;
    let length = 0;
    for (let j = j0 + 2; j <= j1; j += 2) {
      const bx = xy[j];
      const by = xy[j + 1];
      if (state === UNKNOWN_LOCATION) state = area.locatePoint(ax, ay);
      const sMinX = ax < bx ? ax : bx, sMaxX = ax > bx ? ax : bx;
      const sMinY = ay < by ? ay : by, sMaxY = ay > by ? ay : by;
      let hit = false;
      let proper = true;
      let nc = 0;
      const apart = sMinX > this.nearMaxX || sMaxX < this.nearMinX || sMinY > this.nearMaxY || sMaxY < this.nearMinY;
      for (let q = apart ? m : 0; q < m; q += 8) {
        // Without branches until the one test: most boxes miss, in no predictable order.
        if ((+(near[q + 4] <= sMaxX) & +(near[q + 5] >= sMinX) & +(near[q + 6] <= sMaxY) & +(near[q + 7] >= sMinY)) === 0) continue;
        const t = crossingParameter(ax, ay, bx, by, near[q], near[q + 1], near[q + 2], near[q + 3]);
        if (t === -2) continue;
        hit = true;
        if (t === -1) {
          proper = false;
          break;
        }
        cuts[nc++] = t;
      }
      if (!hit) {
        // Meets no edge: wholly where its start is (which is not on the boundary).
        if (state > 0) {
          touched = true;
          const ux = bx - ax;
          const uy = by - ay;
          length += Math.sqrt(ux * ux + uy * uy);
        }
      } else if (proper) {
        touched = true;
        // Pieces between sorted cuts alternate, starting where a is.
        for (let p = 1; p < nc; p++) {
          const t = cuts[p];
          let o = p - 1;
          while (o >= 0 && cuts[o] > t) {
            cuts[o + 1] = cuts[o];
            o--;
          }
          cuts[o + 1] = t;
        }
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
        const ux = bx - ax;
        const uy = by - ay;
        length += sum * Math.sqrt(ux * ux + uy * uy);
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
    return this.outsideDistance(xy, j0, j1, minX, minY, maxX, maxY, lim);
  }

  /**
   * Writes the edges whose boxes meet the closed box into the scratch (ends, then box) and
   * returns how many.
   */
  private gather(minX: number, minY: number, maxX: number, maxY: number): number {
    const ids = nearIds;
    const n = this.area.nearEdges(minX, minY, maxX, maxY, ids);
    const edges = this.area.edges;
    const near = nearBox;
    let uMinX = Infinity, uMinY = Infinity, uMaxX = -Infinity, uMaxY = -Infinity;
    for (let i = 0, q = 0; i < n; i++, q += 8) {
      const k = ids[i] * 4;
      const x0 = edges[k], y0 = edges[k + 1], x1 = edges[k + 2], y1 = edges[k + 3];
      const eMinX = x0 < x1 ? x0 : x1, eMaxX = x0 < x1 ? x1 : x0;
      const eMinY = y0 < y1 ? y0 : y1, eMaxY = y0 < y1 ? y1 : y0;
      near[q] = x0;
      near[q + 1] = y0;
      near[q + 2] = x1;
      near[q + 3] = y1;
      near[q + 4] = eMinX;
      near[q + 5] = eMaxX;
      near[q + 6] = eMinY;
      near[q + 7] = eMaxY;
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

  /**
   * Distance of a run that lies wholly outside and meets no edge (the run's box is given):
   * the least distance between its segments and the edges within lim of the box, with squared
   * distances throughout; exact when <= lim, else some value > lim.
   */
  private outsideDistance(
    xy: Float64Array, j0: number, j1: number, minX: number, minY: number, maxX: number, maxY: number, lim: number
  ): number {
    // It does not meet the area, so it lies farther than a limit of 0 (as once a feature is found
    // in the area, where only the lengths of its other chunks matter).
    if (!(lim > 0)) return Infinity;
    const n = this.gather(minX - lim, minY - lim, maxX + lim, maxY + lim);
    if (n === 0) return Infinity;
    const near = nearBox;
    const m = n * 8;
    let best2 = Infinity;
    let bound = lim;
    let ax = xy[j0];
    let ay = xy[j0 + 1];
    for (let j = j0 + 2; j <= j1; j += 2) {
      const bx = xy[j];
      const by = xy[j + 1];
      const sMinX = ax < bx ? ax : bx, sMaxX = ax > bx ? ax : bx;
      const sMinY = ay < by ? ay : by, sMaxY = ay > by ? ay : by;
      const ux = bx - ax, uy = by - ay, uu = ux * ux + uy * uy;
      const apart = sMinX > this.nearMaxX + bound || sMaxX < this.nearMinX - bound || sMinY > this.nearMaxY + bound || sMaxY < this.nearMinY - bound;
      for (let q = apart ? m : 0; q < m; q += 8) {
        const eMinX = near[q + 4], eMaxX = near[q + 5], eMinY = near[q + 6], eMaxY = near[q + 7];
        if ((+(eMinX <= sMaxX + bound) & +(eMaxX >= sMinX - bound) & +(eMinY <= sMaxY + bound) & +(eMaxY >= sMinY - bound)) === 0) continue;
        // The gap between the boxes bounds the distance from below.
        const gx = eMinX > sMaxX ? eMinX - sMaxX : sMinX > eMaxX ? sMinX - eMaxX : 0;
        const gy = eMinY > sMaxY ? eMinY - sMaxY : sMinY > eMaxY ? sMinY - eMaxY : 0;
        if (gx * gx + gy * gy >= best2) continue;
        // Disjoint: the least of the four endpoint-to-segment distances.
        const x0 = near[q], y0 = near[q + 1], x1 = near[q + 2], y1 = near[q + 3];
        const d2 = endpointGap2(ax, ay, bx, by, ux, uy, uu, x0, y0, x1, y1);
        if (d2 < best2) {
          best2 = d2;
          const d = Math.sqrt(d2);
          if (d < bound) bound = d;
        }
      }
      ax = bx;
      ay = by;
    }
    return Math.sqrt(best2);
  }
}
