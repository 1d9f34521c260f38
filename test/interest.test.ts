import { describe, expect, it } from 'vitest';
import { Engine, marginOf } from '../src/library.js';
import { CellCover } from '../src/geometry/cell-cover.js';
import { PreparedArea } from '../src/geometry/index.js';
import { findSelfIntersection } from '../src/rules/simple-polygon.js';
import { PLANAR } from './helpers/compare.js';
import { Random, randomWorld } from './helpers/random.js';
import { flat, type Pt } from './helpers/shapes.js';

function area(polygons: number[][][][]): number {
  let total = 0;
  for (const rings of polygons) {
    for (const ring of rings) {
      let a = 0;
      for (let k = 0; k + 1 < ring.length; k++) a += ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1];
      total += a / 2;
    }
  }
  return total;
}

describe('cell outlines', () => {
  it('outlines cells as polygons with holes; cells touching at a corner stay apart', () => {
    const cover = new CellCover(10, 0, 0);
    // A 3 x 3 ring of cells (one hole), and one cell touching it only at a corner.
    for (const [i, j] of [[0, 0], [1, 0], [2, 0], [0, 1], [2, 1], [0, 2], [1, 2], [2, 2], [3, 3]]) cover.markBox(i * 10 + 1, j * 10 + 1, i * 10 + 9, j * 10 + 9);
    const polygons = cover.outline();
    expect(polygons.map((p) => p.length).sort()).toEqual([1, 2]);
    expect(area(polygons)).toBe(9 * 100);
    const ring = polygons.find((p) => p.length === 2) as number[][][];
    expect(ring[0].length).toBe(5);
    expect(ring[1].length).toBe(5);
  });
});

describe('interest area derived from a network', () => {
  it('covers every feature grown by its margin, follows the lines, and is valid', async () => {
    const rng = new Random(404);
    const world = randomWorld(rng, { size: 2000, half: 0.3, owners: 1, featuresPerOwner: 120, components: 0.3 });
    const { owner, features } = world.owners[0];
    const engine = new Engine({ workers: 0 });
    try {
      await engine.putNetwork(owner, features, PLANAR);
      const derived = engine.deriveInterestArea(owner, { cellSize: 25, crs: 'EPSG:25832' });
      expect(derived.type).toBe('MultiPolygon');
      // Valid: no ring crosses itself or its polygon's other rings.
      for (const polygon of derived.coordinates) expect(findSelfIntersection(polygon)).toBeNull();
      // Cells far too small for the network are refused before they are counted out.
      expect(() => new CellCover(1, 0, 0).markBox(0, 0, 3000, 3000)).toThrow(expect.objectContaining({ code: 'OPTION_INVALID', pointer: '/cellSize' }));
      // Smaller than the network's box: it follows the lines.
      expect(area(derived.coordinates)).toBeLessThan(0.6 * 2000 * 2000);
      // Every vertex of every feature, and the points a margin away from it, are in the area.
      const { xy, starts } = flat(derived.coordinates.flat() as Pt[][]);
      const prepared = new PreparedArea(xy, starts);
      let checked = 0;
      for (const f of features) {
        const m = marginOf(f.properties);
        for (const [x, y] of verticesOf(f.geometry.coordinates)) {
          for (const [dx, dy] of [[0, 0], [m, 0], [-m, 0], [0, m], [0, -m]]) {
            expect(prepared.locatePoint(x + dx, y + dy)).toBeGreaterThanOrEqual(0);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(1000);
    } finally {
      await engine.close();
    }
  });
});

function verticesOf(c: unknown): number[][] {
  if (Array.isArray(c) && typeof c[0] === 'number') return [c as number[]];
  return (c as unknown[]).flatMap(verticesOf);
}

describe('registered interest areas', () => {
  it('checks each area and keeps them across a restart', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { SqliteStore } = await import('../src/library.js');
    const dir = mkdtempSync(join(tmpdir(), 'ler-interest-'));
    const square = [[[527000, 6254000], [527500, 6254000], [527500, 6254500], [527000, 6254500], [527000, 6254000]]];
    const area = (properties: Record<string, unknown>): unknown => ({ type: 'Feature', geometry: { type: 'Polygon', coordinates: square }, properties });
    try {
      const store = new SqliteStore({ dataDir: dir });
      const engine = await Engine.open({ workers: 0, store });
      const fc = { type: 'FeatureCollection', features: [area({ forsyningsart: 'el', contact: 'vagt@el.example, +45 70 00 00 00' })] };
      expect(() => engine.putInterestAreas('dk-el', { type: 'FeatureCollection', features: [area({ forsyningsart: 'el' })] }, { crs: 'EPSG:25832' })).toThrow(
        expect.objectContaining({ code: 'ATTRIBUTE_REQUIRED', featureIndex: 0, pointer: '/properties/contact' })
      );
      expect(() => engine.putInterestAreas('dk-el', { type: 'FeatureCollection', features: [area({ forsyningsart: 'el', contact: 'x' }), { ...(area({ forsyningsart: 'el', contact: 'x' }) as object), geometry: { type: 'Point', coordinates: [527000, 6254000] } }] }, { crs: 'EPSG:25832' })).toThrow(
        expect.objectContaining({ code: 'GEOMETRY_TYPE_UNSUPPORTED', featureIndex: 1 })
      );
      expect(engine.interestAreas('dk-el')).toBeNull();
      await engine.putInterestAreas('dk-el', fc, { crs: 'EPSG:25832' });
      await engine.close();
      await store.close();
      const again = new SqliteStore({ dataDir: dir });
      const restarted = await Engine.open({ workers: 0, store: again });
      expect(restarted.interestAreas('dk-el')).toMatchObject({ type: 'FeatureCollection', features: fc.features, crs: { properties: { name: 'EPSG:25832' } } });
      await restarted.close();
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
