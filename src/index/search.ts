import { UNKNOWN_LOCATION, type LineMeasure, type PreparedArea } from '../geometry/index.js';
import { lengthWithin } from '../geometry/near-length.js';
import type { NetworkColumns } from './columns.js';
import { CHUNK_POINT, CHUNK_POLYGON, type ChunkTables } from './chunks.js';

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

/** Flag of a candidate whose box lies wholly inside the area (candidates are chunk * 2 + flag). */
const INSIDE = 1;

/** How far past m(F) + b the delivered geometry may reach, metres. */
export const REVEAL_SLACK = 1;

function grow<T extends Uint32Array | Int32Array | Uint8Array | Float64Array>(a: T, need: number): T {
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
  /** Tree walk stack: node position and level pairs. */
  private stack = new Int32Array(256);
  private candidateCount = 0;
  private sortBuffer = new Uint32Array(1024);
  /** Digit width and number of passes of the candidate radix sort, from the largest chunk id. */
  private readonly digitBits: number;
  private readonly digitPasses: number;
  private readonly sortCounts: Int32Array;
  private readonly result: PairResult;
  /** Reach past m(F) of the running query: b, plus the slack when revealing. */
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
    // Candidates are stored as chunk * 2 + flag.
    let bits = 1;
    while (bits < 32 && 2 * chunks.count > 2 ** bits) bits++;
    this.digitPasses = Math.ceil(bits / 8);
    this.digitBits = Math.ceil(bits / this.digitPasses);
    this.sortCounts = new Int32Array(1 << this.digitBits);
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
  run(area: PreparedArea, b: number, reveal: boolean, radius = 0): PairResult {
    const slack = reveal ? REVEAL_SLACK : 0;
    // With a radius the area is a corridor around its boundary (a route's centreline): every
    // distance to the boundary is measured less the radius.
    const reach = b + slack + radius;
    const r = reach + this.maxMargin;
    this.qReach = reach;
    this.candidateCount = 0;
    this.searchTree(area, r);

    const n = this.candidateCount;
    // Chunks of one feature are consecutive: sorting groups them and orders them along the line.
    this.sortCandidates(n);
    const candidates = this.candidates;

    const { margin } = this.columns;
    const chunkFeature = this.chunks.feature;
    this.lines = area.lines;
    this.lastLine = -1;
    let out = this.result;
    out.count = 0;
    let hitCount = 0;
    let i = 0;
    while (i < n) {
      const f = chunkFeature[candidates[i] >>> 1];
      const m = margin[f] + radius;
      const limit = m + reach - radius;
      let best = Infinity;
      let length = 0;
      const firstHit = hitCount;
      for (; i < n && chunkFeature[candidates[i] >>> 1] === f; i++) {
        const c = candidates[i] >>> 1;
        let d: number;
        if ((candidates[i] & INSIDE) !== 0) {
          d = this.insideChunk(c);
          length += this.lengthInside;
        } else if (radius > 0) {
          // A corridor: a chunk with some length inside is within the radius, which is all the
          // distance needs to know; the others are measured exactly, unless the feature is
          // already known to reach the corridor.
          const near = this.lengthNear(area, c, radius);
          if (near > 0) d = 0;
          else if (best <= radius && !reveal) d = Infinity;
          else d = this.chunkDistance(area, c, reveal || best > limit ? limit : best > radius ? best : radius);
          length += near;
        } else {
          // Revealing needs every chunk within the limit, not only the nearest one.
          d = this.chunkDistance(area, c, reveal || best > limit ? limit : best);
          if (d === 0) length += this.lengthInside;
        }
        if (d <= limit) {
          if (reveal) {
            if (hitCount === out.hits.length) out.hits = grow(out.hits, hitCount + 1);
            out.hits[hitCount++] = c;
          }
          if (d < best) best = d;
        }
      }
      if (best <= m + b) {
        const k = out.count;
        if (k + 1 >= out.feature.length) out = this.growResult(k + 2);
        out.feature[k] = f;
        out.zone[k] = best <= m ? ZONE_DIG_AREA : ZONE_INFO_ZONE;
        out.distance[k] = best > radius ? best - radius : 0;
        out.lengthInside[k] = length;
        out.hitStart[k] = firstHit;
        out.count = k + 1;
      } else {
        hitCount = firstHit;
      }
    }
    out.hitStart[out.count] = hitCount;
    this.lines = null;
    return out;
  }

  /** Length of a line chunk within the radius of the area's boundary (0 for points and polygons). */
  private lengthNear(area: PreparedArea, c: number, radius: number): number {
    const segments = this.chunks.segments[c];
    if (segments === CHUNK_POINT || segments === CHUNK_POLYGON) return 0;
    return lengthWithin(area, this.columns.xy, this.chunks.start[c], segments, radius);
  }

  /** Length inside the area of the chunk last measured by `chunkDistance`. */
  private lengthInside = 0;
  /** The line measure of the running query's area. */
  private lines: LineMeasure | null = null;
  /** The line chunk last measured in the running query, whose last vertex `lines.end` locates. */
  private lastLine = -1;

  /** A chunk known to lie wholly inside: distance 0; sets `lengthInside` to its length. */
  private insideChunk(c: number): number {
    this.lengthInside = this.chunks.length[c];
    const segments = this.chunks.segments[c];
    if (segments !== CHUNK_POINT && segments !== CHUNK_POLYGON) {
      // Its last vertex is inside too, where the next chunk of the line starts.
      (this.lines as LineMeasure).end = 1;
      this.lastLine = c;
    }
    return 0;
  }

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
    const lines = this.lines as LineMeasure;
    // A chunk that goes on from the one measured just before starts where that one ended.
    const prev = this.lastLine;
    const start = prev === c - 1 && this.chunks.start[prev] + this.chunks.segments[prev] === v ? lines.end : UNKNOWN_LOCATION;
    this.lastLine = c;
    const d = lines.distance(xy, v, segments, limit, start);
    this.lengthInside = lines.length;
    return d;
  }

  /**
   * Walks the chunk tree for boxes meeting the area's box grown by r, without allocating: a node
   * whose box lies wholly inside the area contributes all its chunks as inside, unread; a node
   * whose box grown by r lies wholly outside is skipped with everything under it; the chunks
   * reached are classified the same way, and kept unless their own reach rules them out.
   */
  private searchTree(area: PreparedArea, r: number): void {
    const tree = this.chunks.tree;
    const boxes = tree._boxes;
    const indices = tree._indices;
    const levelBounds = tree._levelBounds;
    const nodeSize = tree.nodeSize;
    const leafEnd = 4 * tree.numItems;
    const aMinX = area.minX, aMinY = area.minY, aMaxX = area.maxX, aMaxY = area.maxY;
    const minX = aMinX - r, minY = aMinY - r, maxX = aMaxX + r, maxY = aMaxY + r;
    const qReach = this.qReach;
    const margin = this.columns.margin;
    const feature = this.chunks.feature;
    area.boxLimit = r;
    let stack = this.stack;
    let top = 0;
    stack[top++] = boxes.length - 4;
    stack[top++] = levelBounds.length - 1;
    while (top > 0) {
      const level = stack[--top];
      const node = stack[--top];
      const end = Math.min(node + 4 * nodeSize, levelBounds[level]);
      const leaves = node < leafEnd;
      for (let pos = node; pos < end; pos += 4) {
        const x0 = boxes[pos], y0 = boxes[pos + 1], x1 = boxes[pos + 2], y1 = boxes[pos + 3];
        if (maxX < x0 || maxY < y0 || minX > x1 || minY > y1) continue;
        const index = indices[pos >> 2];
        area.boxMinX = x0;
        area.boxMinY = y0;
        area.boxMaxX = x1;
        area.boxMaxY = y1;
        const where = area.classifyStored();
        if (leaves) {
          // The box alone often settles a chunk: wholly inside (kept with the flag, measured
          // without an exact test) or, grown by the largest limit, wholly outside (dropped). Only
          // the others pay for reading their feature's margin: the per-feature prefilter, as the
          // walk's box is grown by the largest margin and each chunk only by its own.
          if (where < 0) continue;
          if (where === 0) {
            const reach = margin[feature[index]] + qReach;
            const dx = x0 > aMaxX ? x0 - aMaxX : aMinX > x1 ? aMinX - x1 : 0;
            const dy = y0 > aMaxY ? y0 - aMaxY : aMinY > y1 ? aMinY - y1 : 0;
            if (dx * dx + dy * dy > reach * reach) continue;
          }
          if (this.candidateCount === this.candidates.length) this.candidates = grow(this.candidates, this.candidateCount + 1);
          this.candidates[this.candidateCount++] = index * 2 + (where > 0 ? INSIDE : 0);
          continue;
        }
        if (where < 0) continue;
        if (where > 0) {
          this.collectInside(index, level - 1, nodeSize, leafEnd);
          continue;
        }
        if (top + 2 > stack.length) this.stack = stack = grow(stack, top + 2);
        stack[top++] = index;
        stack[top++] = level - 1;
      }
    }
  }

  /** Every chunk under the node whose children start at `first` on `level`: all inside the area. */
  private collectInside(first: number, level: number, nodeSize: number, leafEnd: number): void {
    const indices = this.chunks.tree._indices;
    // The tree is packed: a node's leaves are one run of the leaf level, nodeSize^level long
    // (shorter at the end). Down the first child to the first leaf.
    let pos = first;
    for (let l = level; l > 0; l--) pos = indices[pos >> 2];
    const end = Math.min(pos + 4 * nodeSize ** level * nodeSize, leafEnd);
    const need = this.candidateCount + (end - pos) / 4;
    if (need > this.candidates.length) this.candidates = grow(this.candidates, need);
    const out = this.candidates;
    let n = this.candidateCount;
    for (; pos < end; pos += 4) out[n++] = indices[pos >> 2] * 2 + INSIDE;
    this.candidateCount = n;
  }

  /**
   * Sorts candidates[0..n) ascending: insertion sort for a few, else a radix sort in passes of
   * at most 8 bits (a typed array's own sort costs about twice as much at a few hundred).
   */
  private sortCandidates(n: number): void {
    const a = this.candidates;
    if (n <= 32) {
      // Insertion sort.
      for (let i = 1; i < n; i++) {
        const v = a[i];
        let j = i - 1;
        while (j >= 0 && a[j] > v) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
      return;
    }
    if (this.sortBuffer.length < this.candidates.length) this.sortBuffer = new Uint32Array(this.candidates.length);
    const counts = this.sortCounts;
    const digit = this.digitBits;
    const size = 1 << digit;
    const mask = size - 1;
    for (let pass = 0; pass < this.digitPasses; pass++) {
      const shift = pass * digit;
      const src = this.candidates;
      const dst = this.sortBuffer;
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(src[i] >>> shift) & mask]++;
      let sum = 0;
      for (let d = 0; d < size; d++) {
        const c = counts[d];
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const v = src[i];
        dst[counts[(v >>> shift) & mask]++] = v;
      }
      // The sorted run is now in the buffer: the two arrays swap roles.
      this.candidates = dst;
      this.sortBuffer = src;
    }
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
