/**
 * A network written as LER GML answers every dig exactly as the same network in GeoJSON: the
 * benchmark's seeded network (its smoke sample of real Danish roads, in the project) uploaded to
 * one engine as GeoJSON and to another as the LER GML the project writes, then the same seeded
 * digs asked of both: the same features, zones, distances and lengths inside.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import { gmlText, memberKindOf, nameUuid, writeGraveforespoergselssvar } from '../src/package/gml-writer.js';
import { STATUS } from '../src/package/types.js';
import type { Feature, Polygon } from '../src/types.js';
import { OWNERS, dataFiles, loadRoads, ownerFeatures, planNetwork } from '../bench/network.js';
import { lerSimple } from '../bench/upload-gml.js';
import { answersOfQuery, diffAnswers } from './helpers/compare.js';
import { Random } from './helpers/random.js';

const DIGS = 120;
const INFO_ZONES = [0, 2, 10];

const plan = planNetwork({ seed: 7, tiles: 1 }, loadRoads(dataFiles(true).roads));
// Lines that cross themselves are left out: LER refuses them in GML.
const owners = OWNERS.slice(0, 3).map((spec) => ({ spec, features: [...ownerFeatures(plan, spec)].filter(lerSimple) }));

describe('LER GML and GeoJSON: one network, the same answers', () => {
  let geojson: Engine;
  let gml: Engine;
  beforeAll(async () => {
    geojson = await Engine.open({ workers: 0 });
    gml = await Engine.open({ workers: 0 });
    for (const { spec, features } of owners) {
      const text = JSON.stringify({ type: 'FeatureCollection', features });
      await geojson.putNetworkStream(spec.id, Buffer.from(text), { crs: 'EPSG:25832' });
      const doc = await gmlText(writeGraveforespoergselssvar({ id: nameUuid(spec.id), type: STATUS.delivered }, (kind) => features.filter((f: Feature) => memberKindOf(String(f.properties?.featureType)) === kind)));
      await gml.putNetworkStream(spec.id, Buffer.from(doc), { format: 'gml' });
    }
  }, 120_000);
  afterAll(async () => {
    await geojson?.close();
    await gml?.close();
  });

  it('holds the same features', () => {
    for (const { spec, features } of owners) {
      expect(gml.snapshot?.networks.get(spec.id)?.features).toBe(features.length);
      expect(geojson.snapshot?.networks.get(spec.id)?.features).toBe(features.length);
    }
  });

  it(`answers ${DIGS} seeded digs x ${INFO_ZONES.length} information zones alike`, () => {
    const rng = new Random(99);
    const xs = owners.flatMap((o) => o.features.flatMap((f) => (f.geometry.type === 'LineString' ? [(f.geometry.coordinates as number[][])[0]] : [])));
    let nonEmpty = 0;
    const mismatches: string[] = [];
    for (let d = 0; d < DIGS; d++) {
      const [cx, cy] = xs[rng.int(0, xs.length - 1)];
      const w = 2 + rng.int(0, 60);
      const h = 2 + rng.int(0, 60);
      const area: Polygon = { type: 'Polygon', coordinates: [[[cx - w / 2, cy - h / 2], [cx + w / 2, cy - h / 2], [cx + w / 2, cy + h / 2], [cx - w / 2, cy + h / 2], [cx - w / 2, cy - h / 2]]] };
      for (const infoZone of INFO_ZONES) {
        const wantConflicts = geojson.query(area, { crs: 'EPSG:25832', infoZone });
        const gotConflicts = gml.query(area, { crs: 'EPSG:25832', infoZone });
        const want = answersOfQuery(wantConflicts);
        const got = answersOfQuery(gotConflicts);
        if (want.size > 0) nonEmpty++;
        mismatches.push(...diffAnswers(`dig #${d}, b=${infoZone}`, got, want, 0).map((m) => m.text));
        // The same danger, margin and kind of supply for each line found.
        const facts = (c: (typeof wantConflicts)[number]) => [c.owner, c.featureId, c.featureType, c.forsyningsart, c.fareklasse, c.driftsstatus, c.margin].join('|');
        expect(gotConflicts.map(facts).sort()).toEqual(wantConflicts.map(facts).sort());
      }
    }
    expect(mismatches).toEqual([]);
    expect(nonEmpty).toBeGreaterThan(DIGS);
  });
});
