/**
 * Feature order of a snapshot: along a Hilbert curve through the features' box centres, so that
 * the features one dig meets (whoever owns them) lie together in every column, and a query reads
 * a few runs of memory instead of one scattered run per owner.
 */
import type { NetworkColumns } from './columns.js';

/** Cells per axis of the curve's grid over the network's box. */
const SIDE = 1 << 16;

/** Position of cell (x, y), 0 <= x, y < SIDE, along the Hilbert curve that fills the grid. */
export function hilbertIndex(x: number, y: number): number {
  let d = 0;
  for (let s = SIDE >>> 1; s > 0; s >>>= 1) {
    const rx = (x & s) !== 0 ? 1 : 0;
    const ry = (y & s) !== 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      // Turn the quadrant so that the curve enters and leaves it where its neighbours are.
      if (rx === 1) {
        x = SIDE - 1 - x;
        y = SIDE - 1 - y;
      }
      const t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

/** Where a feature of the merged order comes from: input `source[i]`, feature `local[i]` there. */
export interface FeatureOrder {
  source: Uint16Array;
  local: Uint32Array;
}

/**
 * The features of all inputs sorted by the Hilbert index of their box centre; ties (and
 * features without vertices) keep input order, so the order is the same on every run. With a
 * `keep` mask for an input, only its features marked 1 take part.
 */
export function spatialOrder(inputs: readonly NetworkColumns[], keep: readonly (Uint8Array | null)[] = []): FeatureOrder {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  let total = 0;
  for (let s = 0; s < inputs.length; s++) {
    const c = inputs[s];
    const mask = keep[s] ?? null;
    if (mask === null) total += c.featureCount;
    else for (let f = 0; f < c.featureCount; f++) total += mask[f];
    const xy = c.xy;
    for (let i = 0; i < xy.length; i += 2) {
      const x = xy[i], y = xy[i + 1];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  const sx = maxX > minX ? (SIDE - 1) / (maxX - minX) : 0;
  const sy = maxY > minY ? (SIDE - 1) / (maxY - minY) : 0;
  const keys = new Uint32Array(total);
  const source = new Uint16Array(total);
  const local = new Uint32Array(total);
  let g = 0;
  for (let s = 0; s < inputs.length; s++) {
    const { featureCount, featureParts, partVertices, xy } = inputs[s];
    const mask = keep[s] ?? null;
    for (let f = 0; f < featureCount; f++) {
      if (mask !== null && mask[f] === 0) continue;
      const at = g++;
      source[at] = s;
      local[at] = f;
      const v0 = partVertices[featureParts[f]];
      const v1 = partVertices[featureParts[f + 1]];
      if (v1 <= v0) continue;
      let fMinX = Infinity, fMinY = Infinity, fMaxX = -Infinity, fMaxY = -Infinity;
      for (let j = 2 * v0; j < 2 * v1; j += 2) {
        const x = xy[j], y = xy[j + 1];
        if (x < fMinX) fMinX = x;
        if (x > fMaxX) fMaxX = x;
        if (y < fMinY) fMinY = y;
        if (y > fMaxY) fMaxY = y;
      }
      keys[at] = hilbertIndex(Math.floor(((fMinX + fMaxX) / 2 - minX) * sx), Math.floor(((fMinY + fMaxY) / 2 - minY) * sy));
    }
  }
  const order = sortByKey(keys);
  const out: FeatureOrder = { source: new Uint16Array(total), local: new Uint32Array(total) };
  for (let i = 0; i < total; i++) {
    out.source[i] = source[order[i]];
    out.local[i] = local[order[i]];
  }
  return out;
}

/** Positions 0..n-1 stably sorted by their 32-bit keys: two radix passes of 16 bits. */
export function sortByKey(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let from = new Uint32Array(n);
  for (let i = 0; i < n; i++) from[i] = i;
  let to = new Uint32Array(n);
  const counts = new Uint32Array(1 << 16);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 0xffff]++;
    let sum = 0;
    for (let d = 0; d < counts.length; d++) {
      const c = counts[d];
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const p = from[i];
      to[counts[(keys[p] >>> shift) & 0xffff]++] = p;
    }
    const t = from;
    from = to;
    to = t;
  }
  return from;
}
