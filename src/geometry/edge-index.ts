/**
 * A small packed R-tree over the edges of one area, built per query. Edges are packed in ring
 * order, nodeSize consecutive edges per leaf and nodeSize consecutive nodes per parent: the
 * edges of a ring follow each other in space, so this needs no sort and builds in linear time,
 * and the boxes stay tight along corridors (the idea of monotone chains). Search writes edge ids
 * into a preallocated array and walks an explicit, preallocated stack: no allocation per call.
 */

export const DEFAULT_NODE_SIZE = 8;

export class EdgeIndex {
  /** Number of edges indexed. */
  readonly count: number;
  readonly nodeSize: number;
  /** Edge ids found by the last {@link EdgeIndex.search}, in its first `count` slots. */
  readonly result: Int32Array;
  private readonly edges: Float64Array;
  /** minX, minY, maxX, maxY per node, level by level from the leaves up. */
  private readonly boxes: Float64Array;
  /** levelStart[l] = first node of level l; levelStart[levels] = node count. */
  private readonly levelStart: Int32Array;
  private readonly levels: number;
  private readonly stackNode: Int32Array;
  private readonly stackLevel: Int32Array;

  /** @param edges x0, y0, x1, y1 per edge. */
  constructor(edges: Float64Array, count: number, nodeSize = DEFAULT_NODE_SIZE) {
    if (nodeSize < 2) throw new RangeError('EdgeIndex nodeSize must be at least 2.');
    if (edges.length < count * 4) throw new RangeError('EdgeIndex edges array is shorter than 4 * count.');
    this.count = count;
    this.nodeSize = nodeSize;
    this.edges = edges;
    this.result = new Int32Array(Math.max(count, 1));

    const starts = [0];
    let n = count;
    let total = 0;
    do {
      n = Math.ceil(n / nodeSize);
      total += n;
      starts.push(total);
    } while (n > 1);
    this.levels = starts.length - 1;
    this.levelStart = Int32Array.from(starts);
    this.boxes = new Float64Array(Math.max(total, 1) * 4);
    this.stackNode = new Int32Array(this.levels * nodeSize + 1);
    this.stackLevel = new Int32Array(this.levels * nodeSize + 1);

    const boxes = this.boxes;
    // Leaves: boxes of nodeSize consecutive edges.
    for (let j = 0, e = 0; e < count; j++) {
      let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      const end = Math.min(count, e + nodeSize);
      for (; e < end; e++) {
        const k = e * 4;
        const x0 = edges[k], y0 = edges[k + 1], x1 = edges[k + 2], y1 = edges[k + 3];
        if (x0 < minX) minX = x0;
        if (x1 < minX) minX = x1;
        if (y0 < minY) minY = y0;
        if (y1 < minY) minY = y1;
        if (x0 > maxX) maxX = x0;
        if (x1 > maxX) maxX = x1;
        if (y0 > maxY) maxY = y0;
        if (y1 > maxY) maxY = y1;
      }
      boxes[j * 4] = minX;
      boxes[j * 4 + 1] = minY;
      boxes[j * 4 + 2] = maxX;
      boxes[j * 4 + 3] = maxY;
    }
    // Upper levels: boxes of nodeSize consecutive children.
    for (let l = 1; l < this.levels; l++) {
      const c0 = this.levelStart[l - 1];
      const c1 = this.levelStart[l];
      for (let j = this.levelStart[l], c = c0; c < c1; j++) {
        let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
        const end = Math.min(c1, c + nodeSize);
        for (; c < end; c++) {
          const k = c * 4;
          if (boxes[k] < minX) minX = boxes[k];
          if (boxes[k + 1] < minY) minY = boxes[k + 1];
          if (boxes[k + 2] > maxX) maxX = boxes[k + 2];
          if (boxes[k + 3] > maxY) maxY = boxes[k + 3];
        }
        boxes[j * 4] = minX;
        boxes[j * 4 + 1] = minY;
        boxes[j * 4 + 2] = maxX;
        boxes[j * 4 + 3] = maxY;
      }
    }
  }

  /**
   * Finds the edges whose boxes meet the closed query box; writes their ids into `result` in
   * ring order and returns how many.
   */
  search(minX: number, minY: number, maxX: number, maxY: number): number {
    if (this.count === 0) return 0;
    const boxes = this.boxes;
    const edges = this.edges;
    const result = this.result;
    const stackNode = this.stackNode;
    const stackLevel = this.stackLevel;
    const levelStart = this.levelStart;
    const nodeSize = this.nodeSize;
    const count = this.count;
    let found = 0;
    let sp = 0;
    const root = levelStart[this.levels - 1];
    if (boxes[root * 4] > maxX || boxes[root * 4 + 1] > maxY || boxes[root * 4 + 2] < minX || boxes[root * 4 + 3] < minY) return 0;
    stackNode[sp] = root;
    stackLevel[sp++] = this.levels - 1;
    while (sp > 0) {
      const node = stackNode[--sp];
      const level = stackLevel[sp];
      const local = node - levelStart[level];
      if (level === 0) {
        const e0 = local * nodeSize;
        const e1 = Math.min(count, e0 + nodeSize);
        for (let e = e0; e < e1; e++) {
          const k = e * 4;
          const x0 = edges[k], x1 = edges[k + 2];
          if ((x0 < x1 ? x0 : x1) > maxX || (x0 > x1 ? x0 : x1) < minX) continue;
          const y0 = edges[k + 1], y1 = edges[k + 3];
          if ((y0 < y1 ? y0 : y1) > maxY || (y0 > y1 ? y0 : y1) < minY) continue;
          result[found++] = e;
        }
        continue;
      }
      const childStart = levelStart[level - 1];
      const c0 = childStart + local * nodeSize;
      const c1 = Math.min(levelStart[level], c0 + nodeSize);
      // Push in reverse so children pop in ring order.
      for (let c = c1 - 1; c >= c0; c--) {
        const k = c * 4;
        if (boxes[k] > maxX || boxes[k + 1] > maxY || boxes[k + 2] < minX || boxes[k + 3] < minY) continue;
        stackNode[sp] = c;
        stackLevel[sp++] = level - 1;
      }
    }
    return found;
  }
}
