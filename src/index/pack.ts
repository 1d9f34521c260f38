/**
 * Packs a Flatbush tree over given boxes in linear time. Flatbush's own `finish()` sorts the
 * items along its Hilbert curve with a quicksort that is more than twice as slow on input that is
 * already nearly in that order, which features laid out along the same curve are; here a radix
 * sort on the same curve's keys orders the leaves, and the parent levels are built as `finish()`
 * builds them. The result is an ordinary Flatbush over the same buffer format (`Flatbush.from`
 * reopens it), item i being box i.
 */
import Flatbush from 'flatbush';
import { hilbertIndex, sortByKey } from './order.js';

/** Cells per axis of the Hilbert grid, as Flatbush uses it. */
const HILBERT_MAX = (1 << 16) - 1;

/** @param boxes minX, minY, maxX, maxY of each of n items. */
export function packTree(boxes: Float64Array, n: number, nodeSize: number): Flatbush {
  const tree = new Flatbush(Math.max(n, 1), nodeSize, Float64Array, SharedArrayBuffer);
  if (n <= nodeSize) {
    // One node: nothing to sort.
    for (let i = 0; i < n; i++) tree.add(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]);
    if (n === 0) tree.add(Infinity, Infinity, Infinity, Infinity);
    tree.finish();
    return tree;
  }
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let q = 0; q < 4 * n; q += 4) {
    if (boxes[q] < minX) minX = boxes[q];
    if (boxes[q + 1] < minY) minY = boxes[q + 1];
    if (boxes[q + 2] > maxX) maxX = boxes[q + 2];
    if (boxes[q + 3] > maxY) maxY = boxes[q + 3];
  }
  const sx = HILBERT_MAX / (maxX - minX || 1);
  const sy = HILBERT_MAX / (maxY - minY || 1);
  const keys = new Uint32Array(n);
  for (let i = 0, q = 0; i < n; i++, q += 4) {
    const x = (sx * ((boxes[q] + boxes[q + 2]) / 2 - minX)) | 0;
    const y = (sy * ((boxes[q + 1] + boxes[q + 3]) / 2 - minY)) | 0;
    keys[i] = hilbertIndex(x, y);
  }
  const order = sortByKey(keys);

  const out = tree._boxes;
  const indices = tree._indices;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    const from = 4 * i;
    const to = 4 * k;
    out[to] = boxes[from];
    out[to + 1] = boxes[from + 1];
    out[to + 2] = boxes[from + 2];
    out[to + 3] = boxes[from + 3];
    indices[k] = i;
  }
  // Each level's nodes: one parent per run of nodeSize consecutive children, bottom-up.
  const levelBounds = tree._levelBounds;
  let pos = 4 * n;
  for (let level = 0, read = 0; level < levelBounds.length - 1; level++) {
    const end = levelBounds[level];
    while (read < end) {
      const first = read;
      let x0 = out[read], y0 = out[read + 1], x1 = out[read + 2], y1 = out[read + 3];
      read += 4;
      for (let j = 1; j < nodeSize && read < end; j++, read += 4) {
        if (out[read] < x0) x0 = out[read];
        if (out[read + 1] < y0) y0 = out[read + 1];
        if (out[read + 2] > x1) x1 = out[read + 2];
        if (out[read + 3] > y1) y1 = out[read + 3];
      }
      indices[pos >> 2] = first;
      out[pos++] = x0;
      out[pos++] = y0;
      out[pos++] = x1;
      out[pos++] = y1;
    }
  }
  tree._pos = pos;
  tree.minX = minX;
  tree.minY = minY;
  tree.maxX = maxX;
  tree.maxY = maxY;
  return tree;
}
