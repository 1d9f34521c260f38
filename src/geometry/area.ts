/**
 * A dig area prepared for many exact tests: its edges in one flat array and, for large areas,
 * an edge grid, so that the cost of a test does not grow with the area's vertex count.
 * Closed-set semantics as ST_Intersects: touching counts. Methods do not allocate: the few
 * scratch arrays are made on first use and grow (amortised) only for unusually many crossings.
 */
import { orient2d } from 'robust-predicates';
import { clipPolygonToArea } from './clip.js';
import { EdgeGrid } from './edge-grid.js';
import { FreeBox } from './free-box.js';
import { LineMeasure } from './line-measure.js';
import { crossing, endpointGap2, locateInRings, pointToSegment2 } from './segment.js';
import { SegmentSpans } from './spans.js';

const EMPTY = new Float64Array(0);
const EMPTY_STARTS = new Uint32Array(1);

/**
 * Areas with more edges than this get an edge grid. Measured on buffered road stretches (20-60
 * edges): plain loops are as fast up to about 48 edges, and cheaper to prepare.
 */
export const INDEX_THRESHOLD = 32;

export class PreparedArea {
  /** Vertices of the rings, x0, y0, x1, y1, ... (the array may run on past the last ring). */
  xy: Float64Array = EMPTY;
  /** First vertex of each ring, then the vertex count: ringCount + 1 entries are used. */
  ringStarts: Uint32Array = EMPTY_STARTS;
  ringCount = 0;
  /** x0, y0, x1, y1 of every edge with length > 0, ring by ring (edgeCount of them are used). */
  edges: Float64Array = EMPTY;
  /** The same edges with their boxes: x0, y0, x1, y1, minX, maxX, minY, maxY per edge. */
  edgeBoxes: Float64Array = EMPTY;
  edgeCount = 0;
  minX = Infinity;
  minY = Infinity;
  maxX = -Infinity;
  maxY = -Infinity;
  /** Edge ids of the last {@link PreparedArea.candidates} search; null means all edges. */
  found: Int32Array | null = null;
  /** Edge count above which an edge grid serves searches. */
  private readonly indexThreshold: number;
  /** Whether this area has enough edges for an edge grid; the grid itself is built on first use. */
  private gridded = false;
  private built: EdgeGrid | null = null;
  /** Whether the last plain boundaryDistance2 pass found its segment's start inside. */
  private parity = false;
  /** Made on first use: most areas never cut segments. */
  private spanFinder: SegmentSpans | null = null;
  private lineMeasure: LineMeasure | null = null;
  /** The last rectangle found free of boundary points (plain areas; see classifyBox). */
  private readonly free = new FreeBox();

  /**
   * @param xy x0, y0, x1, y1, ... of all rings of a Polygon or MultiPolygon.
   * @param ringStarts first vertex of each ring, then the vertex count; rings should be closed
   *   (an open ring gets its closing edge). The area is the even-odd union of all rings.
   * @param indexThreshold edge count above which an edge grid is built.
   */
  constructor(xy?: Float64Array, ringStarts?: Uint32Array, indexThreshold = INDEX_THRESHOLD) {
    this.indexThreshold = indexThreshold;
    if (xy !== undefined && ringStarts !== undefined) this.prepare(xy, ringStarts);
  }

  /**
   * Prepares this object for another area (arguments as the constructor's; `ringCount` rings
   * are read), reusing its buffers: a query loop prepares one object per dig without allocating.
   * Whatever was read from it before is stale afterwards.
   */
  prepare(xy: Float64Array, ringStarts: Uint32Array, ringCount = ringStarts.length - 1): this {
    const rings = ringCount;
    if (rings < 0) throw new RangeError('ringStarts needs at least one entry (the vertex count).');
    if (ringStarts.length < rings + 1) throw new RangeError('ringStarts is shorter than ringCount + 1.');
    if (ringStarts[rings] * 2 > xy.length) throw new RangeError('ringStarts points past the end of xy.');
    let count = 0;
    for (let r = 0; r < rings; r++) {
      const first = ringStarts[r];
      const end = ringStarts[r + 1];
      if (end < first) throw new RangeError('ringStarts must not decrease.');
      if (end - first < 2) continue;
      for (let i = first; i < end - 1; i++) {
        if (xy[i * 2] !== xy[i * 2 + 2] || xy[i * 2 + 1] !== xy[i * 2 + 3]) count++;
      }
      if (xy[first * 2] !== xy[end * 2 - 2] || xy[first * 2 + 1] !== xy[end * 2 - 1]) count++;
    }
    if (this.edges.length < count * 4) {
      const capacity = Math.max(count, 2 * (this.edges.length >> 2), 16);
      this.edges = new Float64Array(capacity * 4);
      this.edgeBoxes = new Float64Array(capacity * 8);
    }
    const edges = this.edges;
    const boxes = this.edgeBoxes;
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    let k = 0;
    for (let r = 0; r < rings; r++) {
      const first = ringStarts[r];
      const end = ringStarts[r + 1];
      if (end - first < 2) continue;
      for (let i = first; i < end; i++) {
        const x0 = xy[i * 2];
        const y0 = xy[i * 2 + 1];
        const j = i + 1 < end ? i + 1 : first;
        const x1 = xy[j * 2];
        const y1 = xy[j * 2 + 1];
        if (x0 === x1 && y0 === y1) continue;
        const q = 2 * k;
        boxes[q] = x0;
        boxes[q + 1] = y0;
        boxes[q + 2] = x1;
        boxes[q + 3] = y1;
        boxes[q + 4] = x0 < x1 ? x0 : x1;
        boxes[q + 5] = x0 < x1 ? x1 : x0;
        boxes[q + 6] = y0 < y1 ? y0 : y1;
        boxes[q + 7] = y0 < y1 ? y1 : y0;
        edges[k++] = x0;
        edges[k++] = y0;
        edges[k++] = x1;
        edges[k++] = y1;
        if (x0 < minX) minX = x0;
        if (y0 < minY) minY = y0;
        if (x0 > maxX) maxX = x0;
        if (y0 > maxY) maxY = y0;
      }
    }
    this.xy = xy;
    this.ringStarts = ringStarts;
    this.ringCount = rings;
    this.edgeCount = count;
    this.minX = minX;
    this.minY = minY;
    this.maxX = maxX;
    this.maxY = maxY;
    this.found = null;
    this.gridded = count > this.indexThreshold;
    this.built = null;
    this.parity = false;
    this.free.clear();
    if (this.lineMeasure !== null) this.lineMeasure.reset();
    return this;
  }

  /**
   * The edge grid, built on first use: a bbox-only search (countCandidates) never needs it, and
   * costs no more than parsing; every exact test does, and pays for it once.
   */
  private get grid(): EdgeGrid | null {
    if (!this.gridded) return null;
    if (this.built === null) this.built = new EdgeGrid(this.edges, this.edgeCount, this.minX, this.minY, this.maxX, this.maxY);
    return this.built;
  }

  /** Whether an edge grid serves this area's searches and point location. */
  get indexed(): boolean {
    return this.gridded;
  }

  /** 1 inside, 0 on the boundary, -1 outside. Exact: ray-crossing counts with `orient2d`. */
  locatePoint(x: number, y: number): 1 | 0 | -1 {
    if (x < this.minX || x > this.maxX || y < this.minY || y > this.maxY) return -1;
    const grid = this.grid;
    if (grid !== null) return grid.locate(x, y);
    const edges = this.edges;
    let inside = false;
    for (let k = 0, n = this.edgeCount * 4; k < n; k += 4) {
      const c = crossing(edges[k], edges[k + 1], edges[k + 2], edges[k + 3], x, y);
      if (c === 2) return 0;
      if (c === 1) inside = !inside;
    }
    return inside ? 1 : -1;
  }

  /** Distance from a point: 0 inside or on the boundary; exact when <= limit, else some value > limit. */
  pointDistance(x: number, y: number, limit: number): number {
    if (this.locatePoint(x, y) >= 0) return 0;
    const lim = limit >= 0 ? limit : 0;
    if (x < this.minX - lim || x > this.maxX + lim || y < this.minY - lim || y > this.maxY + lim) return Infinity;
    const edges = this.edges;
    let n = this.edgeCount;
    let ids: Int32Array | null = null;
    const grid = this.grid;
    if (grid !== null) {
      n = grid.search(x - lim, y - lim, x + lim, y + lim);
      ids = grid.result;
    }
    let best2 = Infinity;
    let b = lim;
    for (let i = 0; i < n; i++) {
      const k = (ids === null ? i : ids[i]) * 4;
      const x0 = edges[k], x1 = edges[k + 2];
      if ((x0 < x1 ? x0 : x1) > x + b || (x0 > x1 ? x0 : x1) < x - b) continue;
      const y0 = edges[k + 1], y1 = edges[k + 3];
      if ((y0 < y1 ? y0 : y1) > y + b || (y0 > y1 ? y0 : y1) < y - b) continue;
      const vx = x1 - x0, vy = y1 - y0;
      const d2 = pointToSegment2(x - x0, y - y0, vx, vy, vx * vx + vy * vy);
      if (d2 < best2) {
        best2 = d2;
        const d = Math.sqrt(d2);
        if (d < b) b = d;
      }
    }
    return Math.sqrt(best2);
  }

  /**
   * Distance from the closed segment ab: 0 when it meets the area (crosses or touches an edge,
   * or lies inside); exact when <= limit, else some value > limit. A zero-length segment is a point.
   */
  segmentDistance(ax: number, ay: number, bx: number, by: number, limit: number): number {
    if (ax === bx && ay === by) return this.pointDistance(ax, ay, limit);
    const lim = limit >= 0 ? limit : 0;
    if ((ax < bx ? ax : bx) > this.maxX + lim || (ax > bx ? ax : bx) < this.minX - lim) return Infinity;
    if ((ay < by ? ay : by) > this.maxY + lim || (ay > by ? ay : by) < this.minY - lim) return Infinity;
    // Without a grid every edge is visited anyway, so the same pass counts ray crossings.
    const plain = !this.gridded;
    const d2 = this.boundaryDistance2(ax, ay, bx, by, lim, plain);
    if (d2 === 0) return 0;
    // The segment meets no edge, so it lies wholly inside or wholly outside.
    if (plain ? this.parity : this.locatePoint(ax, ay) === 1) return 0;
    return Math.sqrt(d2);
  }

  /** Length of the part of segment ab in the closed area (boundary stretches count as inside). */
  segmentLengthInside(ax: number, ay: number, bx: number, by: number): number {
    if (ax === bx && ay === by) return 0;
    if ((ax < bx ? ax : bx) > this.maxX || (ax > bx ? ax : bx) < this.minX) return 0;
    if ((ay < by ? ay : by) > this.maxY || (ay > by ? ay : by) < this.minY) return 0;
    return this.spans().lengthInside(ax, ay, bx, by);
  }

  /**
   * The parameters t in [0, 1] where a + t (b - a) lies within r of the area, as sorted
   * disjoint pairs [t0, t1] in `this.intervals`; returns the number of pairs.
   */
  segmentWithin(ax: number, ay: number, bx: number, by: number, r: number): number {
    return this.spans().within(ax, ay, bx, by, r);
  }

  /** Result of {@link PreparedArea.segmentWithin}: sorted disjoint [t0, t1] pairs, valid until the next call. */
  get intervals(): Float64Array {
    return this.spanFinder === null ? EMPTY : this.spanFinder.intervals;
  }

  /**
   * Distance between the polygon made of rings r0..r1-1 of (xy, ringStarts) (even-odd, closed)
   * and the area: 0 when they meet, including either lying inside the other; exact when
   * <= limit, else some value > limit.
   */
  ringsDistance(xy: Float64Array, ringStarts: Uint32Array, r0: number, r1: number, limit: number): number {
    const lim = limit >= 0 ? limit : 0;
    let fMinX = Infinity, fMinY = Infinity, fMaxX = -Infinity, fMaxY = -Infinity;
    for (let i = ringStarts[r0] * 2, end = ringStarts[r1] * 2; i < end; i += 2) {
      const x = xy[i], y = xy[i + 1];
      if (x < fMinX) fMinX = x;
      if (x > fMaxX) fMaxX = x;
      if (y < fMinY) fMinY = y;
      if (y > fMaxY) fMaxY = y;
    }
    if (!(fMinX <= fMaxX) || this.edgeCount === 0) return Infinity;
    if (fMinX > this.maxX + lim || fMaxX < this.minX - lim || fMinY > this.maxY + lim || fMaxY < this.minY - lim) return Infinity;
    let best2 = Infinity;
    let b = lim;
    for (let r = r0; r < r1; r++) {
      const first = ringStarts[r];
      const end = ringStarts[r + 1];
      if (end <= first) continue;
      for (let i = first; i < end; i++) {
        const j = i + 1 < end ? i + 1 : first;
        // The closing edge of a closed ring has zero length; a one-vertex ring is a point.
        if (j === first && i !== first && xy[i * 2] === xy[j * 2] && xy[i * 2 + 1] === xy[j * 2 + 1]) continue;
        const d2 = this.boundaryDistance2(xy[i * 2], xy[i * 2 + 1], xy[j * 2], xy[j * 2 + 1], b);
        if (d2 === 0) return 0;
        if (d2 < best2) {
          best2 = d2;
          const d = Math.sqrt(d2);
          if (d < b) b = d;
        }
      }
    }
    // Boundaries are disjoint: they meet only if one lies inside the other.
    for (let r = r0; r < r1; r++) {
      const v = ringStarts[r] * 2;
      if (ringStarts[r + 1] > ringStarts[r] && this.locatePoint(xy[v], xy[v + 1]) === 1) return 0;
    }
    const axy = this.xy;
    const starts = this.ringStarts;
    for (let r = 0; r < this.ringCount; r++) {
      if (starts[r + 1] <= starts[r]) continue;
      const x = axy[starts[r] * 2], y = axy[starts[r] * 2 + 1];
      if (x < fMinX || x > fMaxX || y < fMinY || y > fMaxY) continue;
      if (locateInRings(xy, ringStarts, r0, r1, x, y) === 1) return 0;
    }
    return Math.sqrt(best2);
  }

  /**
   * MultiPolygon coordinates of the feature polygon `rings` clipped to an inner approximation of
   * the area buffered by r: every vertex lies within r of the area, and the result is non-empty
   * when the polygon lies within r - 1 of the area (r >= 1). Allocates; not for hot loops.
   */
  clipPolygon(rings: number[][][], r: number): number[][][][] {
    return clipPolygonToArea(this, rings, r);
  }

  /**
   * Where a closed box lies, decided cheaply when it can be: 1 when the box lies wholly inside
   * the area, -1 when even the box grown by `limit` on every side lies wholly outside (so every
   * point of the box is farther than `limit` from the area), 0 otherwise or when undecided.
   * Whole chunks of lines are settled from their boxes this way.
   */
  classifyBox(minX: number, minY: number, maxX: number, maxY: number, limit: number): 1 | 0 | -1 {
    this.boxMinX = minX;
    this.boxMinY = minY;
    this.boxMaxX = maxX;
    this.boxMaxY = maxY;
    this.boxLimit = limit;
    return this.classifyStored();
  }

  /**
   * The box and limit of {@link PreparedArea.classifyStored}. Hot loops pass boxes through these
   * fields: a call with numbers that is not inlined boxes each of them, and allocates.
   */
  boxMinX = 0;
  boxMinY = 0;
  boxMaxX = 0;
  boxMaxY = 0;
  boxLimit = 0;

  /** {@link PreparedArea.classifyBox} of the box and limit in the box* fields. */
  classifyStored(): 1 | 0 | -1 {
    const minX = this.boxMinX, minY = this.boxMinY, maxX = this.boxMaxX, maxY = this.boxMaxY;
    const limit = this.boxLimit;
    const x0 = minX - limit;
    const y0 = minY - limit;
    const x1 = maxX + limit;
    const y1 = maxY + limit;
    if (x0 > this.maxX || x1 < this.minX || y0 > this.maxY || y1 < this.minY) return -1;
    const grid = this.grid;
    if (grid !== null) {
      grid.qMinX = x0;
      grid.qMinY = y0;
      grid.qMaxX = x1;
      grid.qMaxY = y1;
      const grown = grid.classifyStored();
      if (grown !== 0 || limit <= 0) return grown;
      grid.qMinX = minX;
      grid.qMinY = minY;
      grid.qMaxX = maxX;
      grid.qMaxY = maxY;
      return grid.classifyStored() > 0 ? 1 : 0;
    }
    // A box reaching out of the area's box is not inside; that it is outside beyond the limit
    // is rare enough (a concave area's bay) not to pay a loop over the edges for every box.
    if (minX < this.minX || maxX > this.maxX || minY < this.minY || maxY > this.maxY) return 0;
    // Within the last open rectangle found free of boundary points, the state is known.
    const free = this.free;
    if (free.holds(minX, minY, maxX, maxY)) {
      if (free.state > 0) return 1;
      if (free.holds(x0, y0, x1, y1)) return -1;
    }
    // The boxes go through fields: a call with numbers that is not inlined boxes each of them.
    this.nearX0 = x0;
    this.nearY0 = y0;
    this.nearX1 = x1;
    this.nearY1 = y1;
    if (!this.edgeMeetsNearBox()) return this.freeAround(minX, minY, maxX, maxY);
    // Near the boundary: still wholly inside if the box itself meets no edge and lies inside.
    if (limit <= 0) return 0;
    this.nearX0 = minX;
    this.nearY0 = minY;
    this.nearX1 = maxX;
    this.nearY1 = maxY;
    if (this.edgeMeetsNearBox()) return 0;
    return this.freeAround(minX, minY, maxX, maxY) > 0 ? 1 : 0;
  }

  /** The box of {@link PreparedArea.edgeMeetsNearBox}. */
  private nearX0 = 0;
  private nearY0 = 0;
  private nearX1 = 0;
  private nearY1 = 0;

  /** Whether any edge's box meets the closed box in the near* fields (plain areas). */
  private edgeMeetsNearBox(): boolean {
    const x0 = this.nearX0, y0 = this.nearY0, x1 = this.nearX1, y1 = this.nearY1;
    const b = this.edgeBoxes;
    for (let q = 0, n = this.edgeCount * 8; q < n; q += 8) {
      if (b[q + 4] <= x1 && b[q + 5] >= x0 && b[q + 6] <= y1 && b[q + 7] >= y0) return true;
    }
    return false;
  }

  /** Fits the free rectangle around a box that no edge's box meets; returns the box's state. */
  private freeAround(minX: number, minY: number, maxX: number, maxY: number): 1 | -1 {
    const free = this.free;
    free.fit(this.edges, this.edgeCount, minX, minY, maxX, maxY);
    const state = this.locatePoint(minX, minY) > 0 ? 1 : -1;
    free.state = state;
    return state;
  }

  /**
   * Writes into `out` the ids of the edges whose boxes meet the closed box in the box* fields
   * and returns how many (`out` needs room for `edgeCount`).
   */
  nearEdgesStored(out: Int32Array): number {
    const minX = this.boxMinX, minY = this.boxMinY, maxX = this.boxMaxX, maxY = this.boxMaxY;
    const grid = this.grid;
    if (grid !== null) {
      grid.qMinX = minX;
      grid.qMinY = minY;
      grid.qMaxX = maxX;
      grid.qMaxY = maxY;
      return grid.searchStored(out);
    }
    const e = this.edges;
    let n = 0;
    for (let i = 0, k = 0; i < this.edgeCount; i++, k += 4) {
      const ax = e[k];
      const bx = e[k + 2];
      if ((ax < minX && bx < minX) || (ax > maxX && bx > maxX)) continue;
      const ay = e[k + 1];
      const by = e[k + 3];
      if ((ay < minY && by < minY) || (ay > maxY && by > maxY)) continue;
      out[n++] = i;
    }
    return n;
  }

  /** The polyline measure of this area (distance and length inside of chunks of a line). */
  get lines(): LineMeasure {
    if (this.lineMeasure === null) this.lineMeasure = new LineMeasure(this);
    return this.lineMeasure;
  }

  /**
   * Edges whose boxes meet the closed query box, for the kernels of this module: returns their
   * number; their ids are in `found` (valid until the next search), or, when `found` is null,
   * they are simply 0..n-1 (no grid: every edge).
   */
  candidates(minX: number, minY: number, maxX: number, maxY: number): number {
    const grid = this.grid;
    if (grid === null) {
      this.found = null;
      return this.edgeCount;
    }
    this.found = grid.result;
    return grid.search(minX, minY, maxX, maxY);
  }

  private spans(): SegmentSpans {
    if (this.spanFinder === null) this.spanFinder = new SegmentSpans(this);
    return this.spanFinder;
  }

  /**
   * Squared distance from segment ab to the boundary: 0 when they meet, else the least over
   * edges within `bound` of the segment (Infinity when there are none).
   */
  private boundaryDistance2(ax: number, ay: number, bx: number, by: number, bound: number, countA = false): number {
    const sMinX = ax < bx ? ax : bx, sMaxX = ax > bx ? ax : bx;
    const sMinY = ay < by ? ay : by, sMaxY = ay > by ? ay : by;
    const edges = this.edges;
    let n = this.edgeCount;
    let ids: Int32Array | null = null;
    const grid = this.grid;
    if (grid !== null) {
      n = grid.search(sMinX - bound, sMinY - bound, sMaxX + bound, sMaxY + bound);
      ids = grid.result;
    }
    const ux = bx - ax, uy = by - ay;
    const uu = ux * ux + uy * uy;
    let best2 = Infinity;
    let b = bound;
    let parity = false;
    for (let i = 0; i < n; i++) {
      const k = (ids === null ? i : ids[i]) * 4;
      const x0 = edges[k], y0 = edges[k + 1], x1 = edges[k + 2], y1 = edges[k + 3];
      if (countA && (y0 > ay) !== (y1 > ay) && (x0 >= ax || x1 >= ax)) {
        // As `crossing`: half-open in y, sign from orient2d; 0 means a lies on this edge.
        const o = orient2d(x0, y0, x1, y1, ax, ay);
        if (o === 0) return 0;
        if ((o < 0) !== (y0 > ay)) parity = !parity;
      }
      const eMinX = x0 < x1 ? x0 : x1, eMaxX = x0 > x1 ? x0 : x1;
      if (eMinX > sMaxX + b || eMaxX < sMinX - b) continue;
      const eMinY = y0 < y1 ? y0 : y1, eMaxY = y0 > y1 ? y0 : y1;
      if (eMinY > sMaxY + b || eMaxY < sMinY - b) continue;
      // The gap between the boxes bounds the distance from below.
      const gx = eMinX > sMaxX ? eMinX - sMaxX : sMinX > eMaxX ? sMinX - eMaxX : 0;
      const gy = eMinY > sMaxY ? eMinY - sMaxY : sMinY > eMaxY ? sMinY - eMaxY : 0;
      const g2 = gx * gx + gy * gy;
      if (g2 >= best2) continue;
      if (g2 === 0) {
        // Boxes meet: exact closed intersection test by orientation signs.
        const o1 = orient2d(ax, ay, bx, by, x0, y0);
        const o2 = orient2d(ax, ay, bx, by, x1, y1);
        if ((o1 <= 0 || o2 <= 0) && (o1 >= 0 || o2 >= 0)) {
          const o3 = orient2d(x0, y0, x1, y1, ax, ay);
          const o4 = orient2d(x0, y0, x1, y1, bx, by);
          // Collinear (all zero) with meeting boxes also overlaps.
          if ((o3 <= 0 || o4 <= 0) && (o3 >= 0 || o4 >= 0)) return 0;
        }
      }
      // Disjoint: the least of the four endpoint-to-segment distances (lw_dist2d_seg_seg).
      const d2 = endpointGap2(ax, ay, bx, by, ux, uy, uu, x0, y0, x1, y1);
      if (d2 < best2) {
        best2 = d2;
        const d = Math.sqrt(d2);
        if (d < b) b = d;
      }
    }
    this.parity = parity;
    return best2;
  }
}
