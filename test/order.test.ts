import { describe, expect, it } from 'vitest';
import { NetworkIndex } from '../src/library.js';
import Flatbush from 'flatbush';
import { hilbertIndex } from '../src/index/order.js';
import { packTree } from '../src/index/pack.js';
import type { Feature } from '../src/types.js';
import { createRng } from '../bench/rng.js';
import { buildNetwork } from './helpers/query.js';

describe('spatial feature order', () => {
  it('hilbertIndex visits every cell of a corner of the grid once, each next to the one before', () => {
    // The first 4^k positions of the curve fill the 2^k x 2^k corner at the origin.
    const side = 64;
    const at = new Map<number, [number, number]>();
    for (let x = 0; x < side; x++) for (let y = 0; y < side; y++) at.set(hilbertIndex(x, y), [x, y]);
    expect(at.size).toBe(side * side);
    for (let d = 0; d < side * side; d++) expect(at.has(d)).toBe(true);
    for (let d = 1; d < side * side; d++) {
      const [x0, y0] = at.get(d - 1) as [number, number];
      const [x1, y1] = at.get(d) as [number, number];
      expect(Math.abs(x1 - x0) + Math.abs(y1 - y0)).toBe(1);
    }
  });

  it('keeps every feature whole when build and merge lay them out along the curve', () => {
    const rng = createRng(7);
    const X = 600_000;
    const Y = 6_200_000;
    const make = (prefix: string, n: number): Feature[] =>
      Array.from({ length: n }, (_, i) => {
        const x = X + rng.next() * 5000;
        const y = Y + rng.next() * 5000;
        const coordinates = Array.from({ length: 2 + (i % 5) }, (_, k) => [x + 10 * k, y + 3 * k + 0.001 * i, 5 + k]);
        return { type: 'Feature', id: `${prefix}${i}`, geometry: { type: 'LineString', coordinates }, properties: { featureType: 'Elledning', driftsstatus: 'i drift', note: `${prefix}-${i}` } };
      });
    const a = make('a', 300);
    const b = make('b', 200);
    const crs = 'EPSG:7416';
    const merged = NetworkIndex.merge([buildNetwork(a, { owner: 'A', crs }), buildNetwork(b, { owner: 'B', crs })]);
    expect(merged.featureCount).toBe(500);
    const c = merged.columns;
    const byId = new Map([...a, ...b].map((f) => [f.id, f]));
    const seen = new Set<unknown>();
    let ordered = 0;
    for (let f = 0; f < merged.featureCount; f++) {
      const id = merged.featureId(f);
      const want = byId.get(id) as Feature;
      seen.add(id);
      expect(merged.featureOwner(f)).toBe(String(id).startsWith('a') ? 'A' : 'B');
      expect(merged.featureProperties(f)).toEqual(want.properties);
      const coords = (want.geometry as { coordinates: number[][] }).coordinates;
      const v0 = c.partVertices[c.featureParts[f]];
      expect(c.partVertices[c.featureParts[f + 1]] - v0).toBe(coords.length);
      coords.forEach(([x, y, z], k) => {
        expect(c.xy[2 * (v0 + k)]).toBe(x);
        expect(c.xy[2 * (v0 + k) + 1]).toBe(y);
        expect(c.z[v0 + k]).toBe(z);
      });
      if (f > 0 && merged.featureOwner(f) !== merged.featureOwner(f - 1)) ordered++;
    }
    expect(seen.size).toBe(500);
    // Owners are interleaved along the curve, not one block after the other.
    expect(ordered).toBeGreaterThan(50);
  });
});

describe('packTree', () => {
  it('answers every box search as a tree built by Flatbush itself, and reopens from its buffer', () => {
    const rng = createRng(11);
    for (const n of [0, 1, 5, 16, 17, 300, 5000]) {
      const boxes = new Float64Array(4 * n);
      const reference = new Flatbush(Math.max(n, 1), 16);
      for (let i = 0; i < n; i++) {
        const x = rng.range(0, 1000);
        const y = rng.range(0, 1000);
        const w = rng.chance(0.2) ? 0 : rng.range(0, 30);
        const h = rng.range(0, 30);
        boxes.set([x, y, x + w, y + h], 4 * i);
        reference.add(x, y, x + w, y + h);
      }
      if (n === 0) reference.add(Infinity, Infinity, Infinity, Infinity);
      reference.finish();
      const packed = packTree(boxes, n, 16);
      const reopened = Flatbush.from(packed.data);
      for (let k = 0; k < 50; k++) {
        const x = rng.range(-50, 1000);
        const y = rng.range(-50, 1000);
        const s = rng.range(0, 200);
        const want = reference.search(x, y, x + s, y + s).sort((a, b) => a - b);
        expect(packed.search(x, y, x + s, y + s).sort((a, b) => a - b)).toEqual(want);
        expect(reopened.search(x, y, x + s, y + s).sort((a, b) => a - b)).toEqual(want);
      }
    }
  });
});
