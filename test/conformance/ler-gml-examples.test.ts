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

describe('the LER GML examples uploaded', () => {
  it('upload when LER\'s checker finds every restriction kept, and are refused naming the restrictions it names otherwise', async () => {
    const { spawnSync } = await import('node:child_process');
    const { Engine } = await import('../../src/engine.js');
    const { RuleReport } = await import('../../src/rules/report.js');
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.xml')).sort();
    const engine = await Engine.open({ workers: 0 });
    let refused = 0;
    try {
      for (const file of files) {
        const path = join(EXAMPLES, file);
        const run = spawnSync(join(DIR, 'restrictions'), [path], { encoding: 'utf8' });
        expect(run.error, 'LER\'s checker runs (.ci/install-xml-tools installs its Python packages)').toBeUndefined();
        // Its report: "FILE: N features, every restriction holds" or "... K restrictions fail" and "  name: count (e.g. id)" lines.
        const theirs = [...run.stdout.matchAll(/^ {2}(\S+): \d+/gm)].map((m) => m[1]).sort();
        const report = new RuleReport();
        let ok = true;
        try {
          await engine.putNetworkStream(`owner-${file}`, readFileSync(path), { format: 'gml', report });
        } catch (error) {
          ok = false;
          expect(String(error), file).toContain('UPLOAD_REJECTED');
        }
        const problems = report.summary().problems;
        // Feature by feature, our reading names exactly what LER's names; the answer's own
        // restrictions (its ler:id a UUID, ...) LER's checker does not run: ours may add them.
        const ours = [...new Set(problems.filter((p) => p.featureIndex !== null && p.severity === 'error').map((p) => p.code))].sort();
        expect(ours, file).toEqual(theirs);
        if (theirs.length > 0) refused++;
        if (theirs.length === 0 && problems.every((p) => p.severity !== 'error')) expect(ok, `${file}: ${JSON.stringify(problems)}`).toBe(true);
        if (theirs.length > 0) expect(ok, file).toBe(false);
      }
    } finally {
      await engine.close();
    }
    expect(refused).toBe(3);
  });
});
