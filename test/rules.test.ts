import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, LerError, RULES, RuleReport, rulesMarkdown } from '../src/library.js';
import type { Feature } from '../src/types.js';
import { PLANAR } from './helpers/compare.js';
import { buildNetwork } from './helpers/query.js';

const line = (id: string, properties: Record<string, unknown>, coordinates: number[][] = [[0, 0], [10, 0]]): Feature => ({
  type: 'Feature',
  id,
  geometry: { type: 'LineString', coordinates },
  properties: { featureType: 'Elledning', fareklasse: 'farlig', noejagtighedsklasse: '<= 0.50 m', ...properties }
});

function problemOf(feature: Feature): { code: string; pointer?: string } {
  try {
    buildNetwork([feature], { owner: 'dk-test', ...PLANAR });
  } catch (error) {
    if (error instanceof LerError) return { code: error.code, pointer: error.pointer };
    throw error;
  }
  return { code: 'none' };
}

describe('rule catalogue', () => {
  it('names only codes that exist, once each, and docs/rules.md is generated from it', () => {
    const codes = RULES.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(ErrorCodes).toHaveProperty(code);
    expect(readFileSync(new URL('../docs/rules.md', import.meta.url), 'utf8')).toBe(rulesMarkdown());
  });

  it('holds every code the upload checks can raise', () => {
    // Every error code named in the input and rule modules is a published rule.
    const dirs = ['../src/input/', '../src/rules/', '../src/ingest/'];
    const raised = new Set<string>();
    for (const dir of dirs) {
      for (const file of readdirSync(new URL(dir, import.meta.url))) {
        const text = readFileSync(new URL(dir + file, import.meta.url), 'utf8');
        for (const m of text.matchAll(/(?:LerError|fail)\('([A-Z_]+)'/g)) raised.add(m[1]);
      }
    }
    expect(raised.size).toBeGreaterThan(20);
    const published = new Set(RULES.map((r) => r.code as string));
    // Codes about the caller's own options, not the data, are not upload rules; nor is the verdict.
    const aboutOptions = new Set(['OPTION_INVALID', 'OWNER_INVALID', 'UPLOAD_REJECTED']);
    expect([...raised].filter((c) => !published.has(c) && !aboutOptions.has(c))).toEqual([]);
  });
});

describe('LER model rules', () => {
  const cases: [string, Feature, string, string][] = [
    ['Vandledning may not be meget farlig', line('a', { featureType: 'Vandledning', fareklasse: 'meget farlig' }), 'FAREKLASSE_NOT_ALLOWED', '/properties/fareklasse'],
    ['Telekommunikationsledning may not be meget farlig', line('a', { featureType: 'Telekommunikationsledning', fareklasse: 'meget farlig' }), 'FAREKLASSE_NOT_ALLOWED', '/properties/fareklasse'],
    ['a diameter in metres read as millimetres', line('a', { udvendigDiameter: 6000 }), 'ATTRIBUTE_OUT_OF_RANGE', '/properties/udvendigDiameter'],
    ['half a cable', line('a', { antalKabler: 2.5 }), 'ATTRIBUTE_OUT_OF_RANGE', '/properties/antalKabler'],
    ['a date that is not one', line('a', { etableringstidspunkt: 'last spring' }), 'ATTRIBUTE_DATE_INVALID', '/properties/etableringstidspunkt'],
    ['month 13', line('a', { etableringstidspunkt: '2021-13-01' }), 'ATTRIBUTE_DATE_INVALID', '/properties/etableringstidspunkt'],
    [
      'a water pipe laid in 2024 without its diameter',
      line('a', { featureType: 'Vandledning', fareklasse: 'farlig', driftsstatus: 'i drift', niveau: 'under terræn', etableringstidspunkt: '2024-03-01' }),
      'ATTRIBUTE_REQUIRED',
      '/properties/udvendigDiameter'
    ],
    ['a cable laid in 2023-07-01 without driftsstatus', line('a', { etableringstidspunkt: '2023-07-01' }), 'ATTRIBUTE_REQUIRED', '/properties/driftsstatus'],
    [
      'a component polygon shaped as a bow tie',
      { type: 'Feature', id: 'b', geometry: { type: 'Polygon', coordinates: [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]] }, properties: { featureType: 'Elkomponent' } },
      'POLYGON_SELF_INTERSECTS',
      // Ring 0, the edge from position 0: it crosses the edge from position 2.
      '/geometry/coordinates/0/0'
    ],
    [
      'a hole crossing its shell',
      { type: 'Feature', id: 'b', geometry: { type: 'MultiPolygon', coordinates: [[[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[5, 5], [15, 5], [15, 6], [5, 6], [5, 5]]]] }, properties: { featureType: 'Elkomponent' } },
      'POLYGON_SELF_INTERSECTS',
      // Polygon 0, ring 1 (the hole), the edge from position 0: it crosses the shell.
      '/geometry/coordinates/0/1/0'
    ]
  ];
  for (const [name, feature, code, pointer] of cases) {
    it(name, () => {
      expect(problemOf(feature)).toEqual({ code, pointer });
    });
  }

  it('accepts what the rules allow', () => {
    const fine: Feature[] = [
      line('old', { featureType: 'Vandledning', fareklasse: 'farlig', etableringstidspunkt: '1998-05-04' }),
      line('new', { featureType: 'Vandledning', fareklasse: 'farlig', driftsstatus: 'i drift', udvendigDiameter: 110, niveau: 'under terræn', etableringstidspunkt: '2024-03-01T10:00:00Z' }),
      line('gas', { featureType: 'Gasledning', fareklasse: 'meget farlig', tryk: 4 }),
      {
        type: 'Feature',
        id: 'touching hole',
        geometry: { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[0, 5], [5, 4], [5, 6], [0, 5]]] },
        properties: { featureType: 'Vandkomponent' }
      }
    ];
    for (const f of fine) expect(problemOf(f)).toEqual({ code: 'none' });
  });
});

describe('the shallow GeoJSON pass (geojson-validation) and the precise checks', () => {
  it('rejects what only the shallow pass sees, with its words and the feature', () => {
    const bbox = { ...line('b1', {}), bbox: [0, 0, 10] } as Feature;
    expect(problemOf(bbox)).toMatchObject({ code: 'GEOJSON_INVALID' });
    const geometryBbox = line('b2', {});
    (geometryBbox.geometry as unknown as { bbox: unknown }).bbox = 'everywhere';
    expect(problemOf(geometryBbox)).toMatchObject({ code: 'GEOJSON_INVALID' });
    let error: unknown = null;
    try {
      buildNetwork([line('ok', {}), bbox], { owner: 'dk-test', ...PLANAR });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'GEOJSON_INVALID', featureIndex: 1, featureId: 'b1' });
    expect((error as Error).message).toContain('bbox');
  });

  it('names the precise fault where both see one, and survives input the shallow pass throws on', () => {
    // A string coordinate: geojson-validation says "Position must only contain numbers"; the precise check names the number.
    expect(problemOf(line('s', {}, [['1' as unknown as number, 0], [10, 0]]))).toEqual({ code: 'COORDINATE_NOT_FINITE', pointer: '/geometry/coordinates/0/0' });
    // An empty ring makes geojson-validation throw a TypeError.
    const ring = { type: 'Feature', id: 'r', geometry: { type: 'Polygon', coordinates: [[]] }, properties: { featureType: 'Vandkomponent' } } as unknown as Feature;
    expect(problemOf(ring)).toMatchObject({ code: 'RING_TOO_SHORT' });
    // What it misses: NaN, 4-D positions.
    expect(problemOf(line('n', {}, [[Number.NaN, 0], [10, 0]]))).toMatchObject({ code: 'COORDINATE_NOT_FINITE' });
    expect(problemOf(line('d', {}, [[0, 0, 0, 0], [10, 0]]))).toMatchObject({ code: 'POSITION_INVALID' });
    // A valid bbox is fine.
    expect(problemOf({ ...line('v', {}), bbox: [0, 0, 10, 0] } as Feature)).toEqual({ code: 'none' });
  });
});

describe('rule report', () => {
  const features: Feature[] = [
    line('ok', {}),
    line('bad-class', { featureType: 'Vandledning', fareklasse: 'meget farlig' }),
    line('no-class', { fareklasse: undefined }),
    { type: 'Feature', id: 'nan', geometry: { type: 'LineString', coordinates: [[0, 0], [Number.NaN, 1]] }, properties: { featureType: 'Elledning' } },
    line('ok', {}),
    line('ok-2', { noejagtighedsklasse: undefined })
  ];

  it('rejects the whole upload by default, listing every problem where it is', () => {
    const report = new RuleReport();
    expect(() => buildNetwork(features, { owner: 'dk-el', ...PLANAR, report })).toThrow(expect.objectContaining({ code: 'UPLOAD_REJECTED' }));
    const s = report.summary();
    expect(s).toMatchObject({ features: 6, errors: 3, invalidFeatures: 3, unlisted: 0 });
    expect(s.problems.filter((p) => p.severity === 'error').map((p) => [p.featureIndex, p.featureId, p.code, p.pointer])).toEqual([
      [1, 'bad-class', 'FAREKLASSE_NOT_ALLOWED', '/properties/fareklasse'],
      [3, 'nan', 'COORDINATE_NOT_FINITE', '/geometry/coordinates/1/0'],
      [4, 'ok', 'FEATURE_ID_DUPLICATE', '/id']
    ]);
    // Lines without a danger class or an accuracy class are accepted with a warning.
    expect(s.problems.filter((p) => p.severity === 'warning').map((p) => [p.featureId, p.pointer])).toEqual([
      ['no-class', '/properties/fareklasse'],
      ['nan', '/properties/fareklasse'],
      ['nan', '/properties/noejagtighedsklasse'],
      ['ok-2', '/properties/noejagtighedsklasse']
    ]);
    expect(s.warnings).toBe(4);
  });

  it('keeps the valid features when asked to, and reports the rest', () => {
    const report = new RuleReport();
    const index = buildNetwork(features, { owner: 'dk-el', ...PLANAR, report, invalid: 'skip' });
    expect(index.featureCount).toBe(3);
    expect(report.summary().byCode.FAREKLASSE_NOT_ALLOWED.count).toBe(1);
    expect(() => buildNetwork(features, { owner: 'dk-el', ...PLANAR, invalid: 'skip' })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
  });

  it('summarises a huge report by code with the first examples, and says how much it did not list', () => {
    const many: Feature[] = Array.from({ length: 25_000 }, (_, i) => line(`L${i}`, { fareklasse: 'lidt farlig' }));
    const report = new RuleReport(10_000, 20);
    expect(() => buildNetwork(many, { owner: 'dk-el', ...PLANAR, report })).toThrow(expect.objectContaining({ code: 'UPLOAD_REJECTED' }));
    const s = report.summary();
    expect(s.errors).toBe(25_000);
    expect(s.problems).toHaveLength(10_000);
    expect(s.unlisted).toBe(15_000);
    expect(s.byCode.ATTRIBUTE_VALUE_INVALID.count).toBe(25_000);
    expect(s.byCode.ATTRIBUTE_VALUE_INVALID.examples).toHaveLength(20);
    expect(s.byCode.ATTRIBUTE_VALUE_INVALID.examples[19].featureId).toBe('L19');
  });
});
