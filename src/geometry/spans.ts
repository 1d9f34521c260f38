/**
 * Where along a segment it runs inside a prepared area, or within r of it: the parameter
 * intervals behind `lengthInside` and behind clipping delivered lines. Scratch arrays are owned
 * here, start empty and grow (amortised) to the most crossings seen; nothing else allocates.
 */
import { orient2d } from 'robust-predicates';
import type { PreparedArea } from './area.js';
import { capsuleInterval } from './capsule.js';
import { sortPairs, sortValues } from './sort.js';

const EMPTY = new Float64Array(0);

export class SegmentSpans {
  /** Sorted disjoint [t0, t1] pairs written by {@link SegmentSpans.within}. */
  intervals: Float64Array = EMPTY;
  private readonly area: PreparedArea;
  private cuts: Float64Array = EMPTY;
  private overlaps: Float64Array = EMPTY;
  private pairs: Float64Array = EMPTY;

  constructor(area: PreparedArea) {
    this.area = area;
  }

  /** Length of segment ab (a != b) inside the closed area. */
  lengthInside(ax: number, ay: number, bx: number, by: number): number {
    const n = this.inside(ax, ay, bx, by);
    const pairs = this.pairs;
    let t = 0;
    for (let i = 0; i < n; i++) t += pairs[2 * i + 1] - pairs[2 * i];
    return t * Math.hypot(bx - ax, by - ay);
  }

  /**
   * The parameters t in [0, 1] where a + t (b - a) lies within r of the area, as sorted
   * disjoint pairs in `intervals`; returns their count. That set is the part inside the area
   * together with, for every edge within r, the interval in the edge's capsule.
   */
  within(ax: number, ay: number, bx: number, by: number, r: number): number {
    const area = this.area;
    if (!(r >= 0)) return 0;
    if (ax === bx && ay === by) {
      if (!(area.pointDistance(ax, ay, r) <= r)) return 0;
      if (this.intervals.length < 2) this.intervals = new Float64Array(16);
      this.intervals[0] = 0;
      this.intervals[1] = 1;
      return 1;
    }
    const sMinX = ax < bx ? ax : bx, sMaxX = ax > bx ? ax : bx;
    const sMinY = ay < by ? ay : by, sMaxY = ay > by ? ay : by;
    if (sMinX > area.maxX + r || sMaxX < area.minX - r || sMinY > area.maxY + r || sMaxY < area.minY - r) return 0;
    let np = 0;
    if (sMinX <= area.maxX && sMaxX >= area.minX && sMinY <= area.maxY && sMaxY >= area.minY) {
      np = this.inside(ax, ay, bx, by);
    }
    // Capsules of the edges near the segment; edges that cross it are among them (r >= 0).
    const edges = area.edges;
    const n = area.candidates(sMinX - r, sMinY - r, sMaxX + r, sMaxY + r);
    const ids = area.found;
    this.ensurePairs(np + n);
    const pairs = this.pairs;
    const ux = bx - ax, uy = by - ay, uu = ux * ux + uy * uy;
    for (let i = 0; i < n; i++) {
      const k = (ids === null ? i : ids[i]) * 4;
      const x0 = edges[k], x1 = edges[k + 2];
      if ((x0 < x1 ? x0 : x1) > sMaxX + r || (x0 > x1 ? x0 : x1) < sMinX - r) continue;
      const y0 = edges[k + 1], y1 = edges[k + 3];
      if ((y0 < y1 ? y0 : y1) > sMaxY + r || (y0 > y1 ? y0 : y1) < sMinY - r) continue;
      if (capsuleInterval(ax, ay, ux, uy, uu, x0, y0, x1, y1, r, pairs, 2 * np)) np++;
    }
    if (np === 0) return 0;
    sortPairs(pairs, np);
    if (this.intervals.length < 2 * np) this.intervals = new Float64Array(Math.max(2 * np, this.intervals.length * 2, 16));
    const out = this.intervals;
    let m = 0;
    let lo = pairs[0], hi = pairs[1];
    for (let i = 1; i < np; i++) {
      const s = pairs[2 * i], e = pairs[2 * i + 1];
      if (s <= hi) {
        if (e > hi) hi = e;
      } else {
        out[m++] = lo;
        out[m++] = hi;
        lo = s;
        hi = e;
      }
    }
    out[m++] = lo;
    out[m++] = hi;
    return m >> 1;
  }

  /**
   * The parts of segment ab (a != b) inside the closed area, as sorted disjoint [t0, t1] pairs
   * in `pairs`; returns their count. Cuts the segment where it meets edges, then classifies
   * each piece: collinear stretches along an edge are inside, other pieces by their midpoint.
   */
  private inside(ax: number, ay: number, bx: number, by: number): number {
    const area = this.area;
    const sMinX = ax < bx ? ax : bx, sMaxX = ax > bx ? ax : bx;
    const sMinY = ay < by ? ay : by, sMaxY = ay > by ? ay : by;
    const edges = area.edges;
    const n = area.candidates(sMinX, sMinY, sMaxX, sMaxY);
    const ids = area.found;
    if (this.cuts.length < 2 * n + 2) this.cuts = new Float64Array(Math.max(2 * n + 2, this.cuts.length * 2, 16));
    if (this.overlaps.length < 2 * n) this.overlaps = new Float64Array(Math.max(2 * n, this.overlaps.length * 2, 8));
    const cuts = this.cuts;
    const overlaps = this.overlaps;
    const ux = bx - ax, uy = by - ay, uu = ux * ux + uy * uy;
    let nc = 0;
    let no = 0;
    cuts[nc++] = 0;
    cuts[nc++] = 1;
    for (let i = 0; i < n; i++) {
      const k = (ids === null ? i : ids[i]) * 4;
      const x0 = edges[k], x1 = edges[k + 2];
      if ((x0 < x1 ? x0 : x1) > sMaxX || (x0 > x1 ? x0 : x1) < sMinX) continue;
      const y0 = edges[k + 1], y1 = edges[k + 3];
      if ((y0 < y1 ? y0 : y1) > sMaxY || (y0 > y1 ? y0 : y1) < sMinY) continue;
      const o1 = orient2d(ax, ay, bx, by, x0, y0);
      const o2 = orient2d(ax, ay, bx, by, x1, y1);
      if ((o1 > 0 && o2 > 0) || (o1 < 0 && o2 < 0)) continue;
      const o3 = orient2d(x0, y0, x1, y1, ax, ay);
      const o4 = orient2d(x0, y0, x1, y1, bx, by);
      if ((o3 > 0 && o4 > 0) || (o3 < 0 && o4 < 0)) continue;
      if (o1 === 0 && o2 === 0) {
        // Collinear: the overlap is a stretch along the boundary.
        let lo = ((x0 - ax) * ux + (y0 - ay) * uy) / uu;
        let hi = ((x1 - ax) * ux + (y1 - ay) * uy) / uu;
        if (lo > hi) {
          const t = lo;
          lo = hi;
          hi = t;
        }
        if (lo < 0) lo = 0;
        if (hi > 1) hi = 1;
        if (lo <= hi) {
          cuts[nc++] = lo;
          cuts[nc++] = hi;
          overlaps[no++] = lo;
          overlaps[no++] = hi;
        }
        continue;
      }
      // One meeting point: an endpoint on the other segment, or a proper crossing, where the
      // signed areas o3, o4 of a and b against the edge vary linearly along ab.
      let t: number;
      if (o3 === 0) t = 0;
      else if (o4 === 0) t = 1;
      else if (o1 === 0) t = ((x0 - ax) * ux + (y0 - ay) * uy) / uu;
      else if (o2 === 0) t = ((x1 - ax) * ux + (y1 - ay) * uy) / uu;
      else t = o3 / (o3 - o4);
      cuts[nc++] = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    sortValues(cuts, nc);
    this.ensurePairs(nc);
    const pairs = this.pairs;
    let m = 0;
    for (let i = 0; i + 1 < nc; i++) {
      const t0 = cuts[i];
      const t1 = cuts[i + 1];
      if (!(t1 > t0)) continue;
      let inside = false;
      for (let j = 0; j < no; j += 2) {
        if (overlaps[j] <= t0 && t1 <= overlaps[j + 1]) {
          inside = true;
          break;
        }
      }
      if (!inside) {
        const t = (t0 + t1) * 0.5;
        inside = area.locatePoint(ax + t * ux, ay + t * uy) >= 0;
      }
      if (!inside) continue;
      if (m > 0 && pairs[2 * m - 1] === t0) {
        pairs[2 * m - 1] = t1;
      } else {
        pairs[2 * m] = t0 + 0; // never -0: the answer must not depend on edge order
        pairs[2 * m + 1] = t1;
        m++;
      }
    }
    return m;
  }

  /** Grows `pairs` to hold count pairs, keeping what it holds. */
  private ensurePairs(count: number): void {
    if (this.pairs.length >= 2 * count) return;
    const grown = new Float64Array(Math.max(2 * count, this.pairs.length * 2, 32));
    grown.set(this.pairs);
    this.pairs = grown;
  }
}
