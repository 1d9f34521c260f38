/**
 * A uniform grid over the edges of one area, built per query in linear time. Each edge is listed
 * in every cell its box meets; every cell that no edge box meets holds no boundary point, so it
 * lies wholly inside or wholly outside, and one sweep per row records which. Box searches visit
 * the cells of the box; boxes over such cells alone are settled without any edge; point location
 * walks from the point's cell to a cell of known state and counts crossings only with the edges
 * listed on the way, which along a corridor is a handful instead of a ray across the whole area.
 * No allocation per call.
 *
 * Cells are computed as floor((x - x0) * sx), clamped: monotone in x, so a point on an edge
 * always falls in a cell the edge is listed in, and the border cells reach to infinity.
 */
import { crossing } from './segment.js';

/**
 * Cells aimed at per edge. Measured on 2 km corridors (500+ edges): 2 or 4 cells per edge
 * search no faster (a query visits more cells) and cost more to build.
 */
const CELLS_PER_EDGE = 1;
/** Listings allowed per edge on average; long diagonal edges make the grid coarser instead. */
const ENTRIES_PER_EDGE = 8;

/** Build scratch, shared by all grids (building is synchronous), grown on demand. */
let spanScratch = new Int32Array(256);
let boxScratch = new Float64Array(256);
let flipScratch = new Uint8Array(256);
let colScratch = new Uint8Array(64);
let rowScratch = new Float64Array(64);

export class EdgeGrid {
  /** Number of edges listed. */
  readonly count: number;
  readonly nx: number;
  readonly ny: number;
  /** Edge ids found by the last {@link EdgeGrid.search} into its default output. */
  readonly result: Int32Array;
  private readonly edges: Float64Array;
  private readonly x0: number;
  private readonly y0: number;
  private readonly sx: number;
  private readonly sy: number;
  /** Entries of cell k: cellStart[k] .. cellStart[k + 1] - 1, in edge order. */
  private readonly cellStart: Int32Array;
  /** Per entry, so that a scan reads memory in order: the edge id, ... */
  private readonly entryEdge: Int32Array;
  /** ... its box (minX, maxX, minY, maxY) ... */
  private readonly entryBox: Float64Array;
  /** ... and the first column and first row of the cells its box spans. */
  private readonly entrySpan: Int32Array;
  /** 1 inside, -1 outside for cells that no edge box meets; 0 for the others. */
  private readonly state: Int32Array;

  /** @param edges x0, y0, x1, y1 per edge, all within [minX, maxX] x [minY, maxY]. */
  constructor(edges: Float64Array, count: number, minX: number, minY: number, maxX: number, maxY: number) {
    if (edges.length < count * 4) throw new RangeError('EdgeGrid edges array is shorter than 4 * count.');
    if (!(minX <= maxX && minY <= maxY)) {
      // No edges: one empty cell, outside.
      minX = maxX = minY = maxY = 0;
    }
    this.count = count;
    this.edges = edges;
    const w = count > 0 && maxX > minX ? maxX - minX : 0;
    const h = count > 0 && maxY > minY ? maxY - minY : 0;
    const target = Math.max(1, Math.round(CELLS_PER_EDGE * count));
    let nx = 1;
    let ny = 1;
    if (w > 0 && h > 0) {
      nx = Math.min(target, Math.max(1, Math.round(Math.sqrt((target * w) / h))));
      ny = Math.min(target, Math.max(1, Math.round(target / nx)));
    } else if (w > 0) {
      nx = target;
    } else if (h > 0) {
      ny = target;
    }
    if (spanScratch.length < count * 4) {
      spanScratch = new Int32Array(Math.max(count * 4, spanScratch.length * 2));
      boxScratch = new Float64Array(spanScratch.length);
    }
    const span = spanScratch;
    const box = boxScratch;
    let entries = 0;
    let sx = 0;
    let sy = 0;
    for (let pass = 0; ; pass++) {
      sx = w > 0 ? nx / w : 0;
      sy = h > 0 ? ny / h : 0;
      entries = 0;
      for (let k = 0, n = count * 4; k < n; k += 4) {
        const ax = edges[k], ay = edges[k + 1], bx = edges[k + 2], by = edges[k + 3];
        const eMinX = ax < bx ? ax : bx, eMaxX = ax < bx ? bx : ax;
        const eMinY = ay < by ? ay : by, eMaxY = ay < by ? by : ay;
        if (pass === 0) {
          box[k] = eMinX;
          box[k + 1] = eMaxX;
          box[k + 2] = eMinY;
          box[k + 3] = eMaxY;
        }
        const c0 = cell(eMinX - minX, sx, nx);
        const c1 = cell(eMaxX - minX, sx, nx);
        const r0 = cell(eMinY - minY, sy, ny);
        const r1 = cell(eMaxY - minY, sy, ny);
        span[k] = c0;
        span[k + 1] = r0;
        span[k + 2] = c1;
        span[k + 3] = r1;
        entries += (c1 - c0 + 1) * (r1 - r0 + 1);
      }
      if (entries <= ENTRIES_PER_EDGE * count + nx * ny || (nx === 1 && ny === 1)) break;
      nx = Math.ceil(nx / 2);
      ny = Math.ceil(ny / 2);
    }
    const cells = nx * ny;
    // One allocation for all tables: the boxes first, for their alignment.
    const n = Math.max(count, 1);
    const ints = n + (cells + 1) + entries + 2 * entries + cells;
    const memory = new ArrayBuffer(8 * 4 * entries + 4 * ints);
    const entryBox = new Float64Array(memory, 0, 4 * entries);
    let at = 8 * 4 * entries;
    const take = (length: number): Int32Array => {
      const view = new Int32Array(memory, at, length);
      at += 4 * length;
      return view;
    };
    this.result = take(n);
    const cellStart = take(cells + 1);
    const entryEdge = take(entries);
    const entrySpan = take(2 * entries);
    const state = take(cells);

    // Counts, then running ends, then filled from the back: cellStart[k] ends as the start of cell k.
    for (let k = 0, m = count * 4; k < m; k += 4) {
      for (let r = span[k + 1], r1 = span[k + 3]; r <= r1; r++) {
        for (let i = r * nx + span[k], end = r * nx + span[k + 2]; i <= end; i++) cellStart[i]++;
      }
    }
    for (let i = 1; i < cells; i++) cellStart[i] += cellStart[i - 1];
    cellStart[cells] = entries;
    for (let e = count - 1, k = 4 * e; e >= 0; e--, k -= 4) {
      const c0 = span[k], r0 = span[k + 1], c1 = span[k + 2], r1 = span[k + 3];
      for (let r = r0; r <= r1; r++) {
        for (let i = r * nx + c0, end = r * nx + c1; i <= end; i++) {
          const j = --cellStart[i];
          entryEdge[j] = e;
          const q = 4 * j;
          entryBox[q] = box[k];
          entryBox[q + 1] = box[k + 1];
          entryBox[q + 2] = box[k + 2];
          entryBox[q + 3] = box[k + 3];
          entrySpan[2 * j] = c0;
          entrySpan[2 * j + 1] = r0;
        }
      }
    }

    // Cell states. A point q of a cell no edge box meets, on its row's sample line, sees the ray
    // towards +x cross exactly the row's edges that lie wholly right of the cell and straddle that
    // line (half-open, as `crossing`); the row's other edges lie wholly left of it. Each such
    // edge flips the cells left of its first column. Cells whose sample point does not map back
    // into them keep state 0 and are walked through.
    if (flipScratch.length < cells) flipScratch = new Uint8Array(Math.max(cells, flipScratch.length * 2));
    if (colScratch.length < nx) colScratch = new Uint8Array(Math.max(nx, colScratch.length * 2));
    if (rowScratch.length < ny) rowScratch = new Float64Array(Math.max(ny, rowScratch.length * 2));
    const flip = flipScratch;
    flip.fill(0, 0, cells);
    const colOk = colScratch;
    for (let c = 0; c < nx; c++) colOk[c] = cell((sx > 0 ? minX + (c + 0.5) / sx : minX) - minX, sx, nx) === c ? 1 : 0;
    const rowY = rowScratch;
    for (let r = 0; r < ny; r++) rowY[r] = sy > 0 ? minY + (r + 0.5) / sy : minY;
    for (let k = 0, m = count * 4; k < m; k += 4) {
      const ya = edges[k + 1], yb = edges[k + 3];
      for (let r = span[k + 1], r1 = span[k + 3]; r <= r1; r++) {
        const y = rowY[r];
        if ((ya > y) !== (yb > y)) flip[r * nx + span[k]] ^= 1;
      }
    }
    for (let r = 0; r < ny; r++) {
      if (cell(rowY[r] - minY, sy, ny) !== r) continue;
      let odd = 0;
      for (let c = nx - 1, k = r * nx + c; c >= 0; c--, k--) {
        if (cellStart[k] === cellStart[k + 1] && colOk[c] === 1) state[k] = odd === 1 ? 1 : -1;
        odd ^= flip[k];
      }
    }
    this.nx = nx;
    this.ny = ny;
    this.x0 = minX;
    this.y0 = minY;
    this.sx = sx;
    this.sy = sy;
    this.cellStart = cellStart;
    this.entryEdge = entryEdge;
    this.entryBox = entryBox;
    this.entrySpan = entrySpan;
    this.state = state;
  }

  /**
   * Finds the edges whose boxes meet the closed query box; writes their ids into `out` (by
   * default `result`) and returns how many.
   */
  search(minX: number, minY: number, maxX: number, maxY: number, out: Int32Array = this.result): number {
    this.qMinX = minX;
    this.qMinY = minY;
    this.qMaxX = maxX;
    this.qMaxY = maxY;
    return this.searchStored(out);
  }

  /** {@link EdgeGrid.search} of the box in the q* fields. */
  searchStored(out: Int32Array = this.result): number {
    const minX = this.qMinX, minY = this.qMinY, maxX = this.qMaxX, maxY = this.qMaxY;
    const { nx, ny, sx, sy, cellStart, entryEdge, entryBox, entrySpan } = this;
    const c0 = cell(minX - this.x0, sx, nx);
    const c1 = cell(maxX - this.x0, sx, nx);
    const r0 = cell(minY - this.y0, sy, ny);
    const r1 = cell(maxY - this.y0, sy, ny);
    let found = 0;
    for (let r = r0; r <= r1; r++) {
      for (let c = c0, k = r * nx + c0; c <= c1; c++, k++) {
        for (let i = cellStart[k], end = cellStart[k + 1], q = 4 * i; i < end; i++, q += 4) {
          // Reported in the first cell of the query that lists it, when its box meets the
          // query's; tested without branches but one (the outcomes follow no pattern).
          const ec = entrySpan[i + i], er = entrySpan[i + i + 1];
          const ok = +((ec > c0 ? ec : c0) === c) & +((er > r0 ? er : r0) === r) &
            +(entryBox[q] <= maxX) & +(entryBox[q + 1] >= minX) & +(entryBox[q + 2] <= maxY) & +(entryBox[q + 3] >= minY);
          if (ok !== 0) out[found++] = entryEdge[i];
        }
      }
    }
    return found;
  }

  /**
   * The query box of {@link EdgeGrid.searchStored} and {@link EdgeGrid.classifyStored}: hot
   * loops pass it here rather than as arguments, which would be boxed.
   */
  qMinX = 0;
  qMinY = 0;
  qMaxX = 0;
  qMaxY = 0;

  /**
   * 1 when the closed box in the q* fields lies wholly inside, -1 when wholly outside, 0 when
   * that is not decided by the cells it meets alone (some cell lists an edge, or was left
   * undecided). The cells met form one block without a boundary point, so they all share one
   * state.
   */
  classifyStored(): 1 | 0 | -1 {
    const minX = this.qMinX, minY = this.qMinY, maxX = this.qMaxX, maxY = this.qMaxY;
    const { nx, ny, sx, sy, state } = this;
    const c0 = cell(minX - this.x0, sx, nx);
    const c1 = cell(maxX - this.x0, sx, nx);
    const r0 = cell(minY - this.y0, sy, ny);
    const r1 = cell(maxY - this.y0, sy, ny);
    const s = state[r0 * nx + c0];
    if (s === 0) return 0;
    for (let r = r0; r <= r1; r++) {
      for (let k = r * nx + c0, end = r * nx + c1; k <= end; k++) if (state[k] === 0) return 0;
    }
    return s as 1 | -1;
  }

  /**
   * 1 inside, 0 on the boundary, -1 outside (even-odd over all edges). From the point's cell,
   * goes straight to a cell of known state, or past the grid's border (outside), in whichever of
   * the four directions lists the fewest edges on the way; the point's state is that cell's,
   * flipped by the crossings of the ray with the edges listed in the cells walked. Edges not
   * listed there are crossed by the rays of both points alike, or by neither.
   */
  locate(x: number, y: number): 1 | 0 | -1 {
    const { nx, ny, state, cellStart } = this;
    const c = cell(x - this.x0, this.sx, nx);
    const r = cell(y - this.y0, this.sy, ny);
    const k = r * nx + c;
    const s = state[k];
    if (s !== 0) return s as 1 | -1;
    // Directions +x, -x, +y, -y: the cheapest walk, abandoning one once it costs more.
    let dir = 0;
    let steps = 0;
    let base = -1;
    let cost = Infinity;
    for (let d = 0; d < 4; d++) {
      const stride = d === 0 ? 1 : d === 1 ? -1 : d === 2 ? nx : -nx;
      const room = d === 0 ? nx - 1 - c : d === 1 ? c : d === 2 ? ny - 1 - r : r;
      let sum = 0;
      let n = 0;
      let kk = k;
      let end = -1;
      for (;;) {
        sum += cellStart[kk + 1] - cellStart[kk];
        n++;
        if (sum >= cost) break;
        if (n > room) {
          end = -1;
          break;
        }
        kk += stride;
        if (state[kk] !== 0) {
          end = state[kk];
          break;
        }
      }
      if (sum < cost) {
        cost = sum;
        dir = d;
        steps = n;
        base = end;
      }
    }
    const { edges, entryEdge, entryBox, entrySpan } = this;
    const stride = dir === 0 ? 1 : dir === 1 ? -1 : dir === 2 ? nx : -nx;
    // The walk in terms of u, the coordinate along the ray, and v across it; sign -1 mirrors u
    // so that every ray points towards +u, as `crossing` wants (negation is exact).
    const sign = dir === 0 || dir === 2 ? 1 : -1;
    const ui = dir < 2 ? 0 : 1;
    const vi = 1 - ui;
    const u = dir < 2 ? x : y;
    const v = dir < 2 ? y : x;
    const origin = dir < 2 ? c : r;
    // Where an edge's cells begin along the walk: its first cell walking up, or walking down
    // the cell of its box's high end there (the same clamped cell function, as in building).
    const spanAt = dir === 0 ? 0 : 1;
    const highAt = dir === 1 ? 1 : 3;
    const g0 = dir === 1 ? this.x0 : this.y0;
    const gs = dir === 1 ? this.sx : this.sy;
    const gn = dir === 1 ? nx : ny;
    // Entry box fields across the walk (low, then high) and at its far end.
    const lowAt = dir < 2 ? 2 : 0;
    const farAt = dir === 0 ? 1 : dir === 1 ? 0 : dir === 2 ? 3 : 2;
    let odd = false;
    for (let d = 0, kk = k; d < steps; d++, kk += stride) {
      for (let i = cellStart[kk], end = cellStart[kk + 1], q = 4 * i; i < end; i++, q += 4) {
        // Counted in the first cell of the walk that lists it, if it can meet the ray at all.
        const along = sign > 0 ? entrySpan[i + i + spanAt] - origin : origin - cell(entryBox[q + highAt] - g0, gs, gn);
        if ((along > 0 ? along : 0) !== d) continue;
        if (entryBox[q + lowAt] > v || entryBox[q + lowAt + 1] < v || sign * (entryBox[q + farAt] - u) < 0) continue;
        const e = entryEdge[i] * 4;
        const t = crossing(sign * edges[e + ui], edges[e + vi], sign * edges[e + 2 + ui], edges[e + 2 + vi], sign * u, v);
        if (t === 2) return 0;
        if (t === 1) odd = !odd;
      }
    }
    return (odd ? -base : base) as 1 | -1;
  }
}

/** Cell of a coordinate already made relative to the grid's origin: floor(v * scale), clamped (n < 2^31). */
function cell(v: number, scale: number, n: number): number {
  const u = v * scale;
  return u < 0 ? 0 : u >= n ? n - 1 : u | 0;
}
