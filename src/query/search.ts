import type { PreparedArea } from '../geometry/index.js';
import type { NetworkColumns } from '../index/columns.js';
import { CHUNK_POINT, CHUNK_POLYGON, type ChunkTables } from '../index/chunks.js';

/** Zone codes in `PairResult.zone`. */
export const ZONE_DIG_AREA = 1;
export const ZONE_INFO_ZONE = 2;

/** The exact answer of one dig as parallel typed arrays, sorted by feature index. */
export interface PairResult {
  count: number;
  feature: Uint32Array;
  zone: Uint8Array;
  distance: Float64Array;
  lengthInside: Float64Array;
  /** For each answer, its chunks that lie within reveal distance: `hits[hitStart[i]] .. hits[hitStart[i+1]-1]`. */
  hitStart: Uint32Array;
  hits: Uint32Array;
}

/** How far past m(F) + b the delivered geometry may reach, metres. */
export const REVEAL_SLACK = 1;

function grow<T extends Uint32Array | Uint8Array | Float64Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const next = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  next.set(a);
  return next;
}

/**
 * Runs dig queries against one network snapshot. Holds scratch arrays that grow to the largest
 * answer seen, so steady-state queries allocate nothing per candidate. Not re-entrant: one
 * instance per thread.
 */
export class ConflictSearch {
  private candidates = new Uint32Array(1024);
  private candidateCount = 0;
  private readonly result: PairResult;
  private readonly collect: (chunk: number, x0: number, y0: number, x1: number, y1: number) => boolean;
  // State of the running query, read by `collect`.
  private qMinX = 0;
  private qMinY = 0;
  private qMaxX = 0;
  private qMaxY = 0;
  private qReach = 0;

  constructor(
    private readonly columns: NetworkColumns,
    private readonly chunks: ChunkTables,
    /** Largest m(F) in the network: the search box grows by it. */
    readonly maxMargin: number
  ) {
    this.result = {
      count: 0,
      feature: new Uint32Array(256),
      zone: new Uint8Array(256),
      distance: new Float64Array(256),
      lengthInside: new Float64Array(256),
      hitStart: new Uint32Array(257),
      hits: new Uint32Array(1024)
    };
    const margin = columns.margin;
    const feature = chunks.feature;
    // Per-feature box prefilter: the tree's box is grown by the largest margin, each chunk only by its own.
    this.collect = (chunk, x0, y0, x1, y1) => {
      const reach = margin[feature[chunk]] + this.qReach;
      const dx = x0 > this.qMaxX ? x0 - this.qMaxX : this.qMinX > x1 ? this.qMinX - x1 : 0;
      const dy = y0 > this.qMaxY ? y0 - this.qMaxY : this.qMinY > y1 ? this.qMinY - y1 : 0;
      if (dx * dx + dy * dy <= reach * reach) {
        if (this.candidateCount === this.candidates.length) this.candidates = grow(this.candidates, this.candidateCount + 1);
        this.candidates[this.candidateCount++] = chunk;
      }
      return false;
    };
  }

  /** Chunks whose boxes meet the dig area's box grown by b + the largest margin: the bbox-only floor. */
  countCandidates(area: PreparedArea, b: number): number {
    const r = b + this.maxMargin;
    let n = 0;
    this.chunks.tree.search(area.minX - r, area.minY - r, area.maxX + r, area.maxY + r, () => {
      n++;
      return false;
    });
    return n;
  }

  /**
   * Exact conflicts of the dig area with information zone b. With `reveal`, also records for each
   * answer the chunks within m(F) + b + REVEAL_SLACK, which the delivered geometry is cut from.
   */
  run(area: PreparedArea, b: number, reveal: boolean): PairResult {
    const slack = reveal ? REVEAL_SLACK : 0;
    const reach = b + slack;
    const r = reach + this.maxMargin;
    this.qMinX = area.minX;
    this.qMinY = area.minY;
    this.qMaxX = area.maxX;
    this.qMaxY = area.maxY;
    this.qReach = reach;
    this.candidateCount = 0;
    this.chunks.tree.search(area.minX - r, area.minY - r, area.maxX + r, area.maxY + r, this.collect);

    const n = this.candidateCount;
    const candidates = this.candidates.subarray(0, n);
    // Chunks of one feature are consecutive: sorting groups them and orders them along the line.
    candidates.sort();

    const { margin } = this.columns;
    const chunkFeature = this.chunks.feature;
    let out = this.result;
    out.count = 0;
    let hitCount = 0;
    let i = 0;
    while (i < n) {
      const f = chunkFeature[candidates[i]];
      const m = margin[f];
      const limit = m + reach;
      let best = Infinity;
      let length = 0;
      const firstHit = hitCount;
      for (; i < n && chunkFeature[candidates[i]] === f; i++) {
        const c = candidates[i];
        // Revealing needs every chunk within the limit, not only the nearest one.
        const d = this.chunkDistance(area, c, reveal || best > limit ? limit : best);
        if (d <= limit) {
          if (reveal) {
            if (hitCount === out.hits.length) out.hits = grow(out.hits, hitCount + 1);
            out.hits[hitCount++] = c;
          }
          if (d < best) best = d;
          if (d === 0) length += this.lengthInside;
        }
      }
      if (best <= m + b) {
        const k = out.count;
        if (k + 1 >= out.feature.length) out = this.growResult(k + 2);
        out.feature[k] = f;
        out.zone[k] = best <= m ? ZONE_DIG_AREA : ZONE_INFO_ZONE;
        out.distance[k] = best;
        out.lengthInside[k] = length;
        out.hitStart[k] = firstHit;
        out.count = k + 1;
      } else {
        hitCount = firstHit;
      }
    }
    out.hitStart[out.count] = hitCount;
    return out;
  }

  /** Length inside the area of the chunk last measured by `chunkDistance`. */
  private lengthInside = 0;

  /** Distance of one chunk to the area (exact when <= limit); sets `lengthInside` when 0. */
  private chunkDistance(area: PreparedArea, c: number, limit: number): number {
    const { xy } = this.columns;
    const v = this.chunks.start[c];
    const segments = this.chunks.segments[c];
    this.lengthInside = 0;
    if (segments === CHUNK_POINT) return area.pointDistance(xy[2 * v], xy[2 * v + 1], limit);
    if (segments === CHUNK_POLYGON) {
      const f = this.chunks.feature[c];
      const cols = this.columns;
      return area.ringsDistance(xy, cols.partVertices, cols.featureParts[f], cols.featureParts[f + 1], limit);
    }
    // Whole-chunk shortcut: far from the boundary, a chunk is wholly inside or wholly outside.
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let j = 2 * v, end = 2 * (v + segments); j <= end; j += 2) {
      const x = xy[j];
      const y = xy[j + 1];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (!area.boxNearBoundary(minX, minY, maxX, maxY, limit)) {
      if (area.locatePoint(xy[2 * v], xy[2 * v + 1]) < 0) return Infinity;
      let length = 0;
      for (let j = 2 * v, end = 2 * (v + segments); j < end; j += 2) length += Math.hypot(xy[j + 2] - xy[j], xy[j + 3] - xy[j + 1]);
      this.lengthInside = length;
      return 0;
    }
    let best = Infinity;
    let length = 0;
    let ax = xy[2 * v];
    let ay = xy[2 * v + 1];
    for (let s = 0; s < segments; s++) {
      const j = 2 * (v + s + 1);
      const bx = xy[j];
      const by = xy[j + 1];
      const d = area.segmentDistance(ax, ay, bx, by, best < limit ? best : limit);
      if (d === 0) length += area.segmentLengthInside(ax, ay, bx, by);
      if (d < best) best = d;
      ax = bx;
      ay = by;
    }
    this.lengthInside = length;
    return best;
  }

  private growResult(need: number): PairResult {
    const r = this.result;
    r.feature = grow(r.feature, need);
    const capacity = r.feature.length;
    r.zone = grow(r.zone, capacity);
    r.distance = grow(r.distance, capacity);
    r.lengthInside = grow(r.lengthInside, capacity);
    r.hitStart = grow(r.hitStart, capacity + 1);
    return r;
  }
}
