import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LerError, NetworkIndex, RuleReport } from '../src/index.js';
import type { FeatureCollection } from '../src/types.js';
import { mapVermont, TARGET } from '../fixtures/vermont.js';

const DATA = new URL('../../shared/data/vermont/', import.meta.url);
const read = (name: string): FeatureCollection => JSON.parse(readFileSync(new URL(name, DATA), 'utf8')) as FeatureCollection;

describe('the Montpelier sewer network', () => {
  const pipes = read('montpelier-pipes.4326.geojson');
  const structures = read('montpelier-structures.4326.geojson');

  it('gives a rule report in its raw form: what is wrong, where, by code', () => {
    for (const [name, fc] of [['pipes', pipes], ['structures', structures]] as const) {
      const report = new RuleReport();
      expect(() => NetworkIndex.build(fc, { owner: 'montpelier', report })).toThrow(LerError);
      const s = report.summary();
      expect(s.features).toBe(fc.features.length);
      expect(s.invalidFeatures).toBe(fc.features.length);
      for (const [code, entry] of Object.entries(s.byCode)) {
        expect(entry.examples.length).toBeGreaterThan(0);
        expect(entry.examples[0].message).toContain(code);
      }
      if (name === 'pipes') expect(s.byCode.FEATURE_TYPE_MISSING.examples[0]).toMatchObject({ featureIndex: 0, featureId: 73713, pointer: '/properties/featureType' });
      // Every structure has OBJECTID 0 as its id: all but the first are duplicates.
      
    }
  });

  it('uploads cleanly once mapped onto LER, and answers a dig in the middle of it', () => {
    const mapped = mapVermont(pipes, structures);
    const report = new RuleReport();
    const index = NetworkIndex.build(mapped, { owner: 'montpelier', report });
    expect(report.summary()).toMatchObject({ errors: 0, warnings: 0 });
    expect(index.featureCount).toBe(mapped.features.length);
    expect(index.featureCount).toBeGreaterThan(5000);
    const [x, y] = TARGET;
    const dig = { type: 'Polygon' as const, coordinates: [[[x - 100, y - 100], [x + 100, y - 100], [x + 100, y + 100], [x - 100, y + 100], [x - 100, y - 100]]] };
    const conflicts = index.query(dig, { crs: 'EPSG:25832', infoZone: 2 });
    expect(conflicts.length).toBeGreaterThan(0);
    expect(new Set(conflicts.map((c) => c.forsyningsart))).toEqual(new Set(['afløb']));
  });
});
