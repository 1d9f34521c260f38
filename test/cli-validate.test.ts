import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { collectionText, networks, writeCollection } from './helpers/cli-data.js';
import { hasTerminalCodes, runCli, tempDir } from './helpers/cli-run.js';

const tmp = tempDir();
afterAll(() => tmp.remove());

const clean = networks(11, 1, 80)[0].features;

describe('ler validate', () => {
  it('exits 0 on a clean network and says how many features it checked', async () => {
    const path = tmp.file('clean.geojson');
    writeCollection(path, clean);
    const r = await runCli(['validate', path]);
    expect(r.stderr).not.toContain('error');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${path}: ${clean.length} features: 0 errors in 0 features`);
    // Piped stderr: progress, if any, comes as plain lines.
    expect(hasTerminalCodes(r.stderr)).toBe(false);
  });

  it('lists errors by rule code with feature index, id and pointer, and exits 1', async () => {
    const features = structuredClone(clean);
    features[3].properties = { ...features[3].properties, fareklasse: 'lidt farlig' };
    features[7].properties = { ...features[7].properties, fareklasse: 'farligst' };
    features[9].properties = { ...features[9].properties, udvendigDiameter: -4 };
    const path = tmp.file('bad-attributes.geojson');
    writeCollection(path, features);
    const text = await runCli(['validate', path]);
    expect(text.code).toBe(1);
    const lines = text.stdout.split('\n');
    const head = lines.findIndex((l) => l.startsWith('error   ATTRIBUTE_VALUE_INVALID (2)'));
    expect(head).toBeGreaterThanOrEqual(0);
    expect(lines[head + 1]).toMatch(new RegExp(`^  #3  id ${JSON.stringify(features[3].id)}  /properties/fareklasse: Got "lidt farlig"`));
    expect(lines[head + 2]).toMatch(/^ {2}#7 .*\/properties\/fareklasse: Got "farligst"/);
    expect(text.stdout).toMatch(/ATTRIBUTE_NOT_NUMBER \(1\)[^\n]*\n {2}#9 [^\n]*\/properties\/udvendigDiameter/);
    expect(text.stdout).toContain('3 errors in 3 features');

    const json = await runCli(['validate', '--format', 'json', path]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; errors: number; invalidFeatures: number; byCode: Record<string, { count: number }>; problems: { featureIndex: number; pointer: string; code: string }[] };
    expect(report.ok).toBe(false);
    expect(report.errors).toBe(3);
    expect(report.byCode.ATTRIBUTE_VALUE_INVALID.count).toBe(2);
    expect(report.problems.filter((p) => p.code !== 'ATTRIBUTE_RECOMMENDED').map((p) => [p.featureIndex, p.pointer])).toEqual([
      [3, '/properties/fareklasse'],
      [7, '/properties/fareklasse'],
      [9, '/properties/udvendigDiameter']
    ]);
  });

  it('exits 0 with warnings only', async () => {
    const features = structuredClone(clean).map((f) => ({ ...f, properties: { ...f.properties } }));
    delete features[0].properties.fareklasse;
    const path = tmp.file('warnings.geojson');
    writeCollection(path, features);
    const r = await runCli(['validate', '--format', 'json', path]);
    const report = JSON.parse(r.stdout) as { ok: boolean; errors: number; warnings: number };
    expect(report.errors).toBe(0);
    expect(report.warnings).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  });

  it('reports a truncated file with its code and byte offset on one line, exit 1', async () => {
    const text = collectionText(clean);
    const path = tmp.file('truncated.geojson');
    writeFileSync(path, text.slice(0, Math.floor(text.length * 0.6)));
    const r = await runCli(['validate', path]);
    expect(r.code).toBe(1);
    const errorLines = r.stderr.trim().split('\n').filter((l) => l.startsWith('ler '));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/^ler validate: INPUT_TRUNCATED: .*byte/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('reads the CRS from --crs when the file declares none, and reads standard input as -', async () => {
    const bare = JSON.stringify({ type: 'FeatureCollection', features: clean.slice(0, 5) });
    const lonLat = await runCli(['validate', '-'], { input: bare });
    expect(lonLat.code).toBe(1);
    expect(lonLat.stdout).toMatch(/^error {3}COORDINATE_OUT_OF_EXTENT \(5\): /m);
    // Every feature invalid is a finding of the report, not a file that could not be read; stderr says what to do.
    expect(lonLat.stdout).toMatch(/^-: 5 features: 5 errors in 5 features, \d+ warnings?\.$/m);
    expect(lonLat.stderr.trim().split('\n').at(-1)).toBe('ler validate: Check the CRS: give --crs EPSG:25832 for UTM metres; lon/lat (EPSG:4326) is the default.');
    const utm = await runCli(['validate', '--crs', 'EPSG:25832', '-'], { input: bare });
    expect(utm.code).toBe(0);
    expect(utm.stdout).toContain('5 features: 0 errors');
  });
});
