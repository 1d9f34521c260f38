/**
 * The LER GML reader on the examples beside the project (../shared/ler-gml/examples, or the folder
 * LER_GML_DIR names): every example reads, with its features' ids, types and geometries.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLerGml } from '../../src/ingest/gml-reader.js';

const DIR = process.env.LER_GML_DIR ?? '../shared/ler-gml';
const EXAMPLES = join(DIR, 'examples');

describe('the LER GML examples', () => {
  it('are all there', () => {
    expect(existsSync(EXAMPLES), `${EXAMPLES}: set LER_GML_DIR to the ler-gml folder`).toBe(true);
    expect(readdirSync(EXAMPLES).filter((f) => f.endsWith('.xml')).length).toBeGreaterThanOrEqual(6);
  });

  it('read, each feature with its id, type and a geometry where it has one', async () => {
    for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.xml')).sort()) {
      const { features, info } = await readLerGml(readFileSync(join(EXAMPLES, file), 'utf8'));
      expect(features.length, file).toBeGreaterThan(0);
      expect(info.crs, file).toBe('EPSG:25832');
      for (const f of features) {
        expect(typeof f.id, file).toBe('string');
        expect(String(f.properties?.featureType), file).toMatch(/^[A-Z][A-Za-z]+$/);
      }
      if (file === 'Gsvar_trace.xml') {
        expect(info).toMatchObject({ root: 'Graveforespoergselssvar', answerId: 'GSVAR-001', answerType: 'ledningsoplysninger udleveret' });
        expect(features.map((f) => [f.id, f.properties?.featureType, f.geometry?.type ?? null])).toEqual([
          ['trace-001', 'Ledningstrace', 'MultiLineString'],
          ['elledning-A', 'Elledning', null],
          ['elledning-B', 'Elledning', 'LineString']
        ]);
        expect(features[0].properties).toMatchObject({ forsyningsart: 'el', indeholdtLedning: '#elledning-A' });
        expect(features[2].properties).toMatchObject({ vejledendeDybde: 500, udvendigDiameter: 20, noejagtighedsklasse: '<= 0.25 m' });
      }
    }
  });
});
