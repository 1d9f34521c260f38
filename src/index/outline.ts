/**
 * Where a network has lines, coarsely: the cells of a square grid that its features, grown by
 * their margins, reach, outlined as polygons in EPSG:25832. It shows where an owner has lines
 * without drawing them (an interest area derived from the network).
 */
import { CellCover } from '../geometry/cell-cover.js';
import type { NetworkIndex } from './network-index.js';

/** The outline's polygons (rings of [x, y], closed) of the cells of `cellSize` metres the network reaches. */
export function networkOutline(index: NetworkIndex, cellSize: number): number[][][][] {
  const c = index.columns;
  // The grid starts below and left of everything it will mark: cell indices stay small and positive.
  let minX = Infinity, minY = Infinity;
  for (let i = 0; i < c.xy.length; i += 2) {
    if (c.xy[i] < minX) minX = c.xy[i];
    if (c.xy[i + 1] < minY) minY = c.xy[i + 1];
  }
  const pad = index.maxMargin + cellSize;
  const cover = new CellCover(cellSize, Math.floor((minX - pad) / cellSize) * cellSize, Math.floor((minY - pad) / cellSize) * cellSize);
  for (let f = 0; f < c.featureCount; f++) {
    const r = c.margin[f];
    for (let p = c.featureParts[f]; p < c.featureParts[f + 1]; p++) {
      const v0 = c.partVertices[p], v1 = c.partVertices[p + 1];
      if (v1 - v0 === 1) cover.markBox(c.xy[2 * v0] - r, c.xy[2 * v0 + 1] - r, c.xy[2 * v0] + r, c.xy[2 * v0 + 1] + r);
      for (let v = v0; v + 1 < v1; v++) cover.markSegment(c.xy[2 * v], c.xy[2 * v + 1], c.xy[2 * v + 2], c.xy[2 * v + 3], r);
    }
  }
  return cover.outline();
}
