/**
 * The cells of a square grid that a network's features, grown by their margins, reach, and the
 * outline of those cells as a MultiPolygon: an owner's interest area derived from its network.
 * Coarse on purpose (cells of 100 m by default): the outline shows where an owner has lines
 * without drawing them, as registries that coarsen interest areas do.
 */
import { LerError } from '../errors.js';

/** Marks cells and traces their outline; coordinates in the grid's own metres. */
export class CellCover {
  private readonly cells = new Set<number>();
  /** Most cells marked before `markBox` refuses (a cell size far too small for the network). */
  static readonly MAX_CELLS = 4_000_000;

  constructor(
    readonly cellSize: number,
    /**
     * Grid origin: cell (i, j) spans [x0 + i s, x0 + (i + 1) s] x [y0 + j s, y0 + (j + 1) s].
     * Marked cells must have 0 <= i, j < 2^22: put the origin below and left of everything.
     */
    readonly x0: number,
    readonly y0: number
  ) {}

  get count(): number {
    return this.cells.size;
  }

  private key(i: number, j: number): number {
    return i * 0x400000 + j;
  }

  /** Marks every cell meeting the box. */
  markBox(minX: number, minY: number, maxX: number, maxY: number): void {
    const s = this.cellSize;
    const i0 = Math.floor((minX - this.x0) / s), i1 = Math.floor((maxX - this.x0) / s);
    const j0 = Math.floor((minY - this.y0) / s), j1 = Math.floor((maxY - this.y0) / s);
    if ((i1 - i0 + 1) * (j1 - j0 + 1) > CellCover.MAX_CELLS - this.cells.size) {
      throw new LerError('OPTION_INVALID', { pointer: '/cellSize' }, `More than ${CellCover.MAX_CELLS} cells of ${s} m: choose larger cells.`);
    }
    for (let i = i0; i <= i1; i++) for (let j = j0; j <= j1; j++) this.cells.add(this.key(i, j));
  }

  /** Marks the cells within r of the segment (a few more along it: steps of half a cell, each grown by r). */
  markSegment(ax: number, ay: number, bx: number, by: number, r: number): void {
    const length = Math.hypot(bx - ax, by - ay);
    const steps = Math.max(1, Math.ceil(length / (this.cellSize / 2)));
    for (let k = 0; k < steps; k++) {
      const t0 = k / steps, t1 = (k + 1) / steps;
      const x0 = ax + t0 * (bx - ax), y0 = ay + t0 * (by - ay);
      const x1 = ax + t1 * (bx - ax), y1 = ay + t1 * (by - ay);
      this.markBox(Math.min(x0, x1) - r, Math.min(y0, y1) - r, Math.max(x0, x1) + r, Math.max(y0, y1) + r);
    }
  }

  /**
   * The outline of the marked cells: polygons with their holes, outer rings counter-clockwise,
   * holes clockwise, collinear vertices dropped. Cells touching only at a corner are separate
   * polygons.
   */
  outline(): number[][][][] {
    const s = this.cellSize;
    const filled = (i: number, j: number): boolean => this.cells.has(this.key(i, j));
    // Directed boundary edges, filled side on the left, by start vertex.
    const next = new Map<number, number[]>();
    const vkey = (i: number, j: number): number => i * 0x400000 + j;
    const add = (a: [number, number], b: [number, number]): void => {
      const k = vkey(a[0], a[1]);
      const list = next.get(k);
      const e = [a[0], a[1], b[0], b[1]];
      if (list) list.push(...e);
      else next.set(k, e);
    };
    for (const c of this.cells) {
      const i = Math.floor(c / 0x400000);
      const j = c - i * 0x400000;
      if (!filled(i, j - 1)) add([i, j], [i + 1, j]);
      if (!filled(i + 1, j)) add([i + 1, j], [i + 1, j + 1]);
      if (!filled(i, j + 1)) add([i + 1, j + 1], [i, j + 1]);
      if (!filled(i - 1, j)) add([i, j + 1], [i, j]);
    }
    const rings: [number, number][][] = [];
    for (const list of next.values()) {
      while (list.length > 0) {
        let [ai, aj, bi, bj] = list.splice(0, 4);
        const ring: [number, number][] = [[ai, aj]];
        const si = ai, sj = aj;
        while (bi !== si || bj !== sj) {
          const outs = next.get(vkey(bi, bj)) as number[];
          // Where two cells touch only at a corner there are two ways on: turn left, round the
          // cell the ring is already going round, so that the two stay apart.
          let pick = 0;
          for (let q = 4; q < outs.length; q += 4) {
            const ex = outs[q + 2] - outs[q], ey = outs[q + 3] - outs[q + 1];
            if ((bi - ai) * ey - (bj - aj) * ex > 0) pick = q;
          }
          [ai, aj, bi, bj] = outs.splice(pick, 4);
          ring.push([ai, aj]);
        }
        rings.push(simplifyRing(ring));
      }
    }
    // Outer rings (counter-clockwise) take the holes (clockwise): each the smallest outer ring
    // around the filled side of its first edge.
    const polygons: [number, number][][][] = rings.filter((r) => signedArea(r) > 0).map((r) => [r]);
    for (const hole of rings.filter((r) => signedArea(r) < 0)) {
      let best: [number, number][][] | null = null;
      for (const p of polygons) {
        if (containsHoleStart(p[0], hole) && (best === null || signedArea(p[0]) < signedArea(best[0]))) best = p;
      }
      best?.push(hole);
    }
    return polygons.map((p) => p.map((ring) => [...ring, ring[0]].map(([i, j]) => [this.x0 + i * s, this.y0 + j * s])));
  }
}

function signedArea(ring: [number, number][]): number {
  let a = 0;
  for (let k = 0; k < ring.length; k++) {
    const [x0, y0] = ring[k];
    const [x1, y1] = ring[(k + 1) % ring.length];
    a += x0 * y1 - x1 * y0;
  }
  return a / 2;
}

/** Drops vertices where the outline goes straight on. */
function simplifyRing(ring: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  const n = ring.length;
  for (let k = 0; k < n; k++) {
    const [px, py] = ring[(k + n - 1) % n];
    const [x, y] = ring[k];
    const [nx, ny] = ring[(k + 1) % n];
    if ((x - px) * (ny - y) - (y - py) * (nx - x) !== 0) out.push(ring[k]);
  }
  return out;
}

/** Whether the middle of the hole's first edge, nudged to its filled side, lies inside the ring. */
function containsHoleStart(outer: [number, number][], hole: [number, number][]): boolean {
  const [ax, ay] = hole[0];
  const [bx, by] = hole[1];
  // Filled side is on the left of a boundary edge.
  const mx = (ax + bx) / 2 - (by - ay) * 0.25;
  const my = (ay + by) / 2 + (bx - ax) * 0.25;
  return inside(outer, mx, my);
}

function inside(ring: [number, number][], x: number, y: number): boolean {
  let c = false;
  for (let k = 0, m = ring.length - 1; k < ring.length; m = k++) {
    const [xi, yi] = ring[k];
    const [xj, yj] = ring[m];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}
