import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, RuleReport, SqliteStore } from '../src/library.js';
import { DEFAULT_CONFIG, environmentVariables, loadConfig } from '../src/http/config.js';
import { DEMO_DIG_AREA, demoOwners, demoRoadsFile, loadDemo, offsetLine, readDemoRoads } from '../src/http/demo.js';
import { checkMatrix, loadPrecautions, precautionsFor, DEFAULT_PRECAUTIONS } from '../src/package/precautions.js';
import { dataDir } from './helpers/http-app.js';
import { buildNetwork } from './helpers/query.js';

const dir = dataDir('demo');
afterAll(() => dir.remove());

describe('the demo network', () => {
  it('ships a small piece of real roads with its source and licence', () => {
    const file = demoRoadsFile();
    expect(statSync(file).size).toBeLessThan(1024 * 1024);
    const fc = JSON.parse(readFileSync(file, 'utf8')) as { source: string; license: string; features: unknown[] };
    expect(fc.source).toMatch(/GeoDanmark/);
    expect(fc.license).toMatch(/MIT.*SDFE/);
    expect(fc.features.length).toBeGreaterThan(300);
    expect(readFileSync(join(file, '..', 'LICENSE.txt'), 'utf8')).toMatch(/Styrelsen for Dataforsyning og Effektivisering/);
  });

  it('lays six utilities\' networks that pass every rule without a warning', () => {
    const owners = demoOwners(readDemoRoads());
    expect(owners.map((o) => o.forsyningsart).sort()).toEqual(['afløb', 'el', 'fjernvarme/fjernkøling', 'gas', 'telekommunikation', 'vand']);
    for (const o of owners) {
      const report = new RuleReport();
      buildNetwork({ type: 'FeatureCollection', features: o.features }, { owner: o.owner, crs: 'EPSG:25832', report });
      expect(report.summary(), o.owner).toMatchObject({ errors: 0, warnings: 0 });
      expect(o.features.length, o.owner).toBeGreaterThan(100);
    }
  });

  it('offsets a line sideways by the distance asked, on straight stretches and at a bend', () => {
    const line = offsetLine([[0, 0], [100, 0], [100, 100]], 3);
    expect(line).toEqual([[0, 3], [97, 3], [97, 100]]);
    expect(offsetLine([[0, 0], [100, 0]], -2.5)).toEqual([[0, -2.5], [100, -2.5]]);
  });

  it('loads into an empty store with profiles and interest areas; the demo dig area meets every utility', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('load') });
    const engine = await Engine.open({ workers: 0, store });
    try {
      const owners = await loadDemo(engine, store);
      expect(owners).toHaveLength(7);
      expect((await store.ownerProfiles()).map((p) => p.owner)).toEqual([...owners].sort());
      expect(await store.interestAreaOwners()).toEqual([...owners].sort());
      const hit = engine.query(DEMO_DIG_AREA, { infoZone: 2 });
      expect(new Set(hit.map((c) => c.owner)).size).toBe(6);
      expect(hit.some((c) => c.owner === 'demo-el' && c.fareklasse === 'meget farlig')).toBe(true);
      expect((await store.ownerProfile('demo-el'))?.requiresMarking).toBe(true);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});

describe('configuration', () => {
  it('reads the environment, with defaults for what is not set', () => {
    expect(loadConfig({})).toEqual(DEFAULT_CONFIG);
    const c = loadConfig({ PORT: '8080', HOST: '127.0.0.1', LER_DATA_DIR: '/srv/ler', LER_ADMIN_TOKEN: 'a'.repeat(32), LER_WORKERS: '0', LER_DEMO: 'off', LER_UPLOAD_LIMIT_BYTES: '1000', LER_MAX_DIG_AREA_M2: '500', LER_MAX_INFO_ZONE_M: '0', LER_RATE_LIMIT_MAX: '5' });
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: '/srv/ler', adminToken: 'a'.repeat(32), workers: 0, demo: false, rateLimit: { max: 5 } });
    expect(c.limits).toMatchObject({ uploadBytes: 1000, maxDigAreaM2: 500, maxInfoZone: 0, maxDigVertices: 1000 });
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'eighty'],
    ['LER_UPLOAD_LIMIT_BYTES', '-1'],
    ['LER_UPLOAD_LIMIT_BYTES', '1e9'],
    ['LER_MAX_INFO_ZONE_M', '101'],
    ['LER_DEMO', 'maybe'],
    ['LER_ADMIN_TOKEN', 'short'],
    ['LER_ADMIN_TOKEN', 'has spaces in it, which a bearer token cannot']
  ])('stops at %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('lists every variable it reads', () => {
    const listed = new Set(environmentVariables().map((v) => v.name));
    const source = readFileSync(new URL('../src/http/config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/'((?:LER_|PORT|HOST)[A-Z0-9_]*)'/g)].map((m) => m[1]));
    expect([...read].filter((n) => !listed.has(n))).toEqual([]);
    expect(listed.size).toBeGreaterThan(25);
  });
});

describe('the precaution matrix', () => {
  it('checks a matrix file and fills in distance and contact', () => {
    const file = join(dir.sub('matrix'), '..', 'matrix.json');
    writeFileSync(file, JSON.stringify({ minHandDig: 1, rows: { ukendt: { excavation: [{ code: 'X', text: '{distance} m, {contact}' }] } } }));
    const m = loadPrecautions(file);
    expect(precautionsFor(m, null, 0.25, 'excavation', 'tlf 1')).toEqual([{ code: 'X', text: '1.00 m, tlf 1' }]);
    expect(precautionsFor(m, 'farlig', 1.234, 'excavation', null)).toEqual([{ code: 'X', text: '1.24 m, see the owner\'s contact in the package' }]);
    expect(() => checkMatrix({ minHandDig: 1, rows: {} })).toThrow(/ukendt/);
    expect(() => checkMatrix({ minHandDig: -1, rows: { ukendt: {} } })).toThrow(/minHandDig/);
    expect(() => checkMatrix({ minHandDig: 1, rows: { ukendt: { excavation: [{ code: 1 }] } } })).toThrow(/code, text/);
  });

  it('asks the owner to be present for every kind of work near a meget farlig line, by default', () => {
    for (const work of ['excavation', 'handDigging', 'drilling', 'piling']) {
      expect(precautionsFor(DEFAULT_PRECAUTIONS, 'meget farlig', 0.5, work, 'x').map((p) => p.code)).toContain('OWNER_PRESENT');
      expect(precautionsFor(DEFAULT_PRECAUTIONS, 'ikke farlig', 0.5, work, 'x').map((p) => p.code)).not.toContain('OWNER_PRESENT');
    }
  });
});
