import { describe, expect, it } from 'vitest';
import { LerError, RuleReport } from '../../src/library.js';
import type { FeatureCollection } from '../../src/types.js';
import { mapVermont, TARGET } from '../../fixtures/vermont.js';
import { readCorpusJson } from './corpus.js';
import { buildNetwork, queryArea } from '../helpers/query.js';

const read = (name: string): FeatureCollection => readCorpusJson<FeatureCollection>('vermont', name);

describe('the Montpelier sewer network', () => {
  const pipes = read('montpelier-pipes.4326.geojson');
  const structures = read('montpelier-structures.4326.geojson');

  it('gives a rule report in its raw form: what is wrong, where, by code', () => {
    for (const [name, fc] of [['pipes', pipes], ['structures', structures]] as const) {
      expect(fc.features.length).toBeGreaterThan(0);
      const report = new RuleReport();
      expect(() => buildNetwork(fc, { owner: 'montpelier', report })).toThrow(LerError);
      const s = report.summary();
      expect(s.features).toBe(fc.features.length);
      expect(s.invalidFeatures).toBe(fc.features.length);
      for (const [code, entry] of Object.entries(s.byCode)) {
        expect(entry.examples.length).toBeGreaterThan(0);
        expect(entry.examples[0].message).toContain(code);
      }
      if (name === 'pipes') expect(s.byCode.FEATURE_TYPE_MISSING.examples[0]).toMatchObject({ featureIndex: 0, featureId: 73713, pointer: '/properties/featureType' });
      // Every structure has OBJECTID 0 as its id: all but the first are duplicates. An id is taken
      // only by a feature that is accepted, and no raw structure is (none has a featureType): so
      // each is reported once, for its missing featureType, under its id 0. The duplicates show
      // once the structures are otherwise valid (next test).
      if (name === 'structures') {
        expect(new Set(fc.features.map((f) => f.id))).toEqual(new Set([0]));
        expect(new Set(fc.features.map((f) => f.properties?.OBJECTID))).toEqual(new Set([0]));
        expect(Object.keys(s.byCode)).toEqual(['FEATURE_TYPE_MISSING']);
        expect(s.byCode.FEATURE_TYPE_MISSING.count).toBe(fc.features.length);
        expect(s.problems.filter((p) => p.featureId !== 0)).toEqual([]);
      }
    }
  });

  it('reports every structure but the first as a duplicate id when they keep their OBJECTID 0', () => {
    // The structures as mapVermont maps them (valid LER components, ids S<position>), but with the
    // raw id back: what an upload says when a utility keeps OBJECTID as the id.
    const mapped = mapVermont(pipes, structures);
    const raw = mapped.features
      .filter((f) => String(f.id).startsWith('S'))
      .map((f) => ({ ...f, id: structures.features[Number(String(f.id).slice(1))].id }));
    expect(raw.length).toBeGreaterThan(1);
    expect(new Set(raw.map((f) => f.id))).toEqual(new Set([0]));
    const report = new RuleReport();
    expect(() => buildNetwork({ ...mapped, features: raw }, { owner: 'montpelier', report })).toThrow(LerError);
    const s = report.summary();
    expect(s.features).toBe(raw.length);
    expect(s.invalidFeatures).toBe(raw.length - 1);
    expect(Object.keys(s.byCode)).toEqual(['FEATURE_ID_DUPLICATE']);
    expect(s.byCode.FEATURE_ID_DUPLICATE.count).toBe(raw.length - 1);
    expect(s.byCode.FEATURE_ID_DUPLICATE.examples[0]).toMatchObject({ featureIndex: 1, featureId: 0, pointer: '/id', severity: 'error' });
    expect(s.problems.map((p) => p.featureIndex)).toEqual(raw.slice(1).map((_, i) => i + 1));
  });

  it('uploads cleanly once mapped onto LER, and answers a dig in the middle of it', () => {
    const mapped = mapVermont(pipes, structures);
    const report = new RuleReport();
    const index = buildNetwork(mapped, { owner: 'montpelier', report });
    expect(report.summary()).toMatchObject({ errors: 0, warnings: 0 });
    expect(index.featureCount).toBe(mapped.features.length);
    expect(index.featureCount).toBeGreaterThan(5000);
    const [x, y] = TARGET;
    const dig = { type: 'Polygon' as const, coordinates: [[[x - 100, y - 100], [x + 100, y - 100], [x + 100, y + 100], [x - 100, y + 100], [x - 100, y - 100]]] };
    const conflicts = queryArea(index, dig, { crs: 'EPSG:25832', infoZone: 2 });
    expect(conflicts.length).toBeGreaterThan(0);
    expect(new Set(conflicts.map((c) => c.forsyningsart))).toEqual(new Set(['afløb']));
  });
});
