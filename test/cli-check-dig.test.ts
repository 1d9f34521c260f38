import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaSummary } from '../src/batch/summary.js';
import { Engine } from '../src/engine.js';
import type { Conflict, Feature, MultiPolygon, Polygon } from '../src/types.js';
import { CSV_COLUMNS } from '../src/cli/formats.js';
import { unprojectToLonLat } from '../src/crs/index.js';
import { mapGeometry } from './helpers/random.js';
import { CRS, X0, Y0, areaFeatures, digAreas, networks, writeCollection } from './helpers/cli-data.js';
import { hasTerminalCodes, runCli, tempDir } from './helpers/cli-run.js';

const tmp = tempDir();
const data = tmp.file('data');
const owners = networks(31, 2, 60);
const areas = digAreas(32, 40);
const INFO_ZONE = 2;
let engine: Engine;

/** A conflict as compared: what the engine says of one feature, without geometry. */
function key(c: Pick<Conflict, 'owner' | 'featureId' | 'zone' | 'distance' | 'lengthInside'>): string {
  return `${c.owner}|${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}`;
}

function expected(area: Polygon | MultiPolygon): string[] {
  return engine.query(area, { crs: CRS, infoZone: INFO_ZONE, geometry: false }).map(key).sort();
}

beforeAll(async () => {
  for (const o of owners) {
    const path = tmp.file(`${o.owner}.geojson`);
    writeCollection(path, o.features);
    const r = await runCli(['import', o.owner, path, '--data-dir', data, '--workers', '0', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
  writeCollection(tmp.file('areas.geojson'), areaFeatures(areas));
  // The same networks, in memory: what the CLI's answers must equal.
  engine = new Engine({ workers: 0 });
  await engine.putNetworks(owners.map((o) => ({ owner: o.owner, input: o.features, opts: { crs: CRS } })));
});
afterAll(async () => {
  await engine.close();
  tmp.remove();
});

describe('ler check', () => {
  it('answers each area as engine.query does, in NDJSON by default, with a summary on stderr', async () => {
    const r = await runCli(['check', tmp.file('areas.geojson'), '--data-dir', data, '--workers', '0', '--info-zone', String(INFO_ZONE), '--conflicts']);
    expect(r.stderr).not.toContain('ler check:');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(areas.length);
    const summaries = lines.map((l) => JSON.parse(l) as AreaSummary);
    let hit = 0;
    summaries.forEach((s, i) => {
      expect(s.index).toBe(i);
      expect(s.id).toBe(`a${i}`);
      expect(s.status).toBe('ok');
      const want = expected(areas[i]);
      expect((s.conflicts ?? []).map(key).sort(), `area ${i}`).toEqual(want);
      expect(s.conflictCount).toBe(want.length);
      expect(s.owners).toEqual([...new Set(want.map((k) => k.split('|')[0]))].sort());
      if (want.length > 0) hit++;
    });
    expect(hit).toBeGreaterThan(areas.length / 4); // the test means something only if areas meet lines
    expect(r.stderr).toMatch(new RegExp(`^checked ${areas.length} areas in [\\d.]+ s: 0 failed, ${hit} with conflicts; owners hit: owner-a, owner-b; worst fareklasse: (meget farlig|farlig|ikke farlig)$`, 'm'));
    expect(hasTerminalCodes(r.stderr)).toBe(false);
  });

  it('writes CSV with a header and one row per area, and GeoJSON that is a FeatureCollection of the areas', async () => {
    const csvPath = tmp.file('out.csv');
    const [csv, geo] = await Promise.all([
      runCli(['check', tmp.file('areas.geojson'), '--data-dir', data, '--workers', '0', '--info-zone', String(INFO_ZONE), '--format', 'csv', '--out', csvPath, '--quiet']),
      runCli(['check', tmp.file('areas.geojson'), '--data-dir', data, '--workers', '0', '--info-zone', String(INFO_ZONE), '--format', 'geojson', '--quiet'])
    ]);
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('');
    expect(csv.stderr).toBe('');
    const rows = readFileSync(csvPath, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(areas.length + 1);
    const col = (name: (typeof CSV_COLUMNS)[number]): number => CSV_COLUMNS.indexOf(name);
    rows.slice(1).forEach((row, i) => {
      const cells = row.split(',');
      const want = expected(areas[i]);
      expect(cells[col('id')]).toBe(`a${i}`);
      expect(Number(cells[col('conflicts')])).toBe(want.length);
      expect(Number(cells[col('in_dig_area')])).toBe(want.filter((k) => k.includes('|digArea|')).length);
      expect(cells[col('owners')]).toBe([...new Set(want.map((k) => k.split('|')[0]))].sort().join(';'));
    });

    expect(geo.code).toBe(0);
    const fc = JSON.parse(geo.stdout) as { type: string; crs?: { properties: { name: string } }; features: Feature[] };
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.crs?.properties.name).toBe(CRS);
    expect(fc.features).toHaveLength(areas.length);
    fc.features.forEach((f, i) => {
      expect(f.type).toBe('Feature');
      expect(f.id).toBe(`a${i}`);
      expect(f.geometry).toEqual(areas[i]);
      expect((f.properties as unknown as AreaSummary).conflictCount).toBe(expected(areas[i]).length);
    });
  });

  it('reports a bad area in its own row and exits 1; the others are answered', async () => {
    const bad = areaFeatures(areas.slice(0, 4));
    bad[1].geometry = { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + 5, Y0], [X0 + 5, Y0 + 5], [X0, Y0 + 7]]] };
    // A bow tie: refused as a dig request refuses it.
    bad[3].geometry = { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + 10, Y0 + 10], [X0 + 10, Y0], [X0, Y0 + 10], [X0, Y0]]] };
    writeCollection(tmp.file('bad-areas.geojson'), bad);
    const r = await runCli(['check', tmp.file('bad-areas.geojson'), '--data-dir', data, '--workers', '0', '--info-zone', String(INFO_ZONE), '--format', 'csv']);
    expect(r.code).toBe(1);
    const rows = r.stdout.trimEnd().split('\r\n');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toMatch(/^1,a1,failed,RING_NOT_CLOSED,/);
    expect(rows[4]).toMatch(/^3,a3,failed,POLYGON_SELF_INTERSECTS,/);
    expect(rows[1]).toMatch(/^0,a0,ok,,,/);
    expect(r.stderr).toMatch(/checked 4 areas .*: 2 failed/);
  });

  it('checks a route (a LineString) as a corridor, stretch by stretch', async () => {
    const route = { type: 'Feature', id: 'r1', geometry: { type: 'LineString', coordinates: [[X0, Y0 + 30], [X0 + 120, Y0 + 30], [X0 + 120, Y0 + 100]] }, properties: {} };
    writeCollection(tmp.file('route.geojson'), [route]);
    const args = ['check', tmp.file('route.geojson'), '--data-dir', data, '--workers', '0', '--corridor-width', '6', '--stretch-length', '50', '--quiet'];
    const [nd, geo, noWidth] = await Promise.all([runCli(args), runCli([...args, '--format', 'geojson']), runCli(args.filter((a, i) => a !== '--corridor-width' && args[i - 1] !== '--corridor-width'))]);
    expect(nd.code).toBe(0);
    const stretches = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as AreaSummary);
    expect(stretches.map((s) => s.id)).toEqual(['r1:0', 'r1:1', 'r1:2', 'r1:3']); // 190 m in stretches of 50 m
    expect(stretches[3].stretch).toEqual({ from: 150, to: 190 });
    expect(stretches.some((s) => s.conflictCount > 0)).toBe(true);
    const fc = JSON.parse(geo.stdout) as { features: Feature[] };
    expect(fc.features.map((f) => f.geometry.type)).toEqual(['LineString', 'LineString', 'LineString', 'LineString']);
    expect(fc.features[0].geometry).toEqual({ type: 'LineString', coordinates: [[X0, Y0 + 30], [X0 + 50, Y0 + 30]] });
    expect(noWidth.code).toBe(2);
    expect(noWidth.stderr).toMatch(/^ler check: The input is a route \(a LineString\): give --corridor-width <metres>\.$/m);
  });

  it('reads the areas as a stream from stdin: a truncated batch fails with its code and byte offset', async () => {
    const text = readFileSync(tmp.file('areas.geojson'), 'utf8');
    const cut = text.indexOf('"a30"');
    const r = await runCli(['check', '-', '--data-dir', data, '--workers', '0', '--info-zone', String(INFO_ZONE), '--quiet'], { input: text.slice(0, cut) });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ler check: INPUT_TRUNCATED: .*byte/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('says to import a network first when the store is empty', async () => {
    const r = await runCli(['check', tmp.file('areas.geojson'), '--data-dir', tmp.file('empty'), '--workers', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('ler check: NETWORK_EMPTY: No network is loaded yet. Import a network first: ler import <owner> <network.geojson>.');
  });
});

describe('ler dig', () => {
  it('prints the package by owner and writes package.json and package.geojson equal to engine.query', async () => {
    // The area that meets most features, so that the table has rows for both owners.
    const best = areas.map((a, i) => ({ i, n: expected(a).length, owners: new Set(expected(a).map((k) => k.split('|')[0])).size })).sort((a, b) => b.owners - a.owners || b.n - a.n)[0];
    const area = areas[best.i];
    writeCollection(tmp.file('dig.geojson'), [{ type: 'Feature', geometry: area, properties: {} }]);
    const outDir = tmp.file('pkg');
    const r = await runCli(['dig', tmp.file('dig.geojson'), '--data-dir', data, '--info-zone', String(INFO_ZONE), '--out-dir', outDir]);
    expect(r.stderr).not.toContain('ler dig:');
    expect(r.code).toBe(0);
    const conflicts = engine.query(area, { crs: CRS, infoZone: INFO_ZONE });
    const pkg = JSON.parse(readFileSync(`${outDir}/package.json`, 'utf8')) as { id: string; crs: string; networkVersions: Record<string, number>; owners: { owner: string; conflicts: Conflict[] }[] };
    expect(pkg.crs).toBe(CRS);
    expect(pkg.networkVersions).toEqual({ 'owner-a': 1, 'owner-b': 1 });
    const got = pkg.owners.flatMap((o) => o.conflicts.map((c) => ({ ...c, owner: o.owner })));
    expect(got.map(key).sort()).toEqual(conflicts.map(key).sort());
    expect(got.map((c) => c.geometry)).toEqual(conflicts.map((c) => c.geometry));

    const geo = JSON.parse(readFileSync(`${outDir}/package.geojson`, 'utf8')) as { type: string; features: Feature[] };
    expect(geo.type).toBe('FeatureCollection');
    // The dig area first, then every conflict.
    expect(geo.features).toHaveLength(conflicts.length + 1);
    expect(geo.features[0]).toMatchObject({ geometry: area, properties: { kind: 'digArea', digRequest: pkg.id } });
    expect(geo.features.slice(1).map((f) => f.geometry)).toEqual(conflicts.map((c) => c.geometry));
    // And the package map, as the service draws it.
    expect(readFileSync(`${outDir}/map.svg`, 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(readFileSync(`${outDir}/map.png`).subarray(1, 4).toString('latin1')).toBe('PNG');

    // The table: one row per owner hit with its counts, then the total.
    const rows = r.stdout.split('\n');
    expect(rows[0]).toBe(`dig request ${pkg.id}: info zone ${INFO_ZONE} m, ${CRS}; ${pkg.owners.length} of 2 owners hit`);
    expect(rows[2]).toMatch(/^owner\s+version\s+dig area\s+info zone\s+worst fareklasse$/);
    for (const o of pkg.owners) {
      const inDig = o.conflicts.filter((c) => c.zone === 'digArea').length;
      expect(r.stdout).toMatch(new RegExp(`^${o.owner}\\s+1\\s+${inDig}\\s+${o.conflicts.length - inDig}\\s+\\S`, 'm'));
    }
    expect(r.stdout).toMatch(new RegExp(`^total\\s+${got.filter((c) => c.zone === 'digArea').length}\\s+${got.filter((c) => c.zone === 'infoZone').length}\\s`, 'm'));
  });

  it('takes and gives lon/lat with --crs EPSG:4326: the same features, geometry in degrees', async () => {
    const area = areas.find((a) => expected(a).length > 0) as Polygon | MultiPolygon;
    const lonLat = mapGeometry(area, (x, y) => unprojectToLonLat(x, y));
    writeFileSync(tmp.file('dig-lonlat.geojson'), JSON.stringify(lonLat));
    const outDir = tmp.file('pkg-lonlat');
    const r = await runCli(['dig', tmp.file('dig-lonlat.geojson'), '--crs', 'EPSG:4326', '--data-dir', data, '--out-dir', outDir, '--format', 'json']);
    expect(r.code).toBe(0);
    const pkg = JSON.parse(r.stdout) as { crs: string; owners: { owner: string; conflicts: Conflict[] }[] };
    expect(pkg.crs).toBe('EPSG:4326');
    const want = engine.query(lonLat, { crs: 'EPSG:4326', infoZone: 0, geometry: false });
    expect(want.length).toBeGreaterThan(0);
    expect(pkg.owners.flatMap((o) => o.conflicts.map((c) => `${o.owner}|${String(c.featureId)}|${c.zone}`)).sort()).toEqual(want.map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}`).sort());
    const geo = JSON.parse(readFileSync(`${outDir}/package.geojson`, 'utf8')) as { crs?: unknown; features: Feature[] };
    expect(geo.crs).toBeUndefined();
    const [lon, lat] = JSON.stringify(geo.features[0].geometry.coordinates).match(/-?\d+\.\d+/g)?.map(Number) ?? [];
    expect(lon).toBeGreaterThan(8);
    expect(lon).toBeLessThan(13);
    expect(lat).toBeGreaterThan(54);
    expect(lat).toBeLessThan(58);

    // The same area in UTM metres without a crs member: lon/lat is the default, --crs says otherwise.
    writeFileSync(tmp.file('dig-utm-bare.geojson'), JSON.stringify(area));
    const [bare, declared] = await Promise.all([
      runCli(['dig', tmp.file('dig-utm-bare.geojson'), '--data-dir', data, '--format', 'json']),
      runCli(['dig', tmp.file('dig-utm-bare.geojson'), '--data-dir', data, '--format', 'json', '--crs', CRS])
    ]);
    expect(bare.code).toBe(1);
    expect(bare.stderr.trim()).toMatch(/^ler dig: (COORDINATE_OUT_OF_EXTENT|COORDINATE_NOT_FINITE|POSITION_INVALID): /);
    expect(declared.code).toBe(0);
    const utm = JSON.parse(declared.stdout) as { crs: string; owners: { conflicts: Conflict[] }[] };
    expect(utm.crs).toBe(CRS);
    expect(utm.owners.flatMap((o) => o.conflicts).length).toBe(engine.query(area, { crs: CRS, infoZone: 0, geometry: false }).length);
  });

  it('refuses a collection of several areas with the code, exit 1', async () => {
    const r = await runCli(['dig', tmp.file('areas.geojson'), '--data-dir', data]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^ler dig: DIG_AREA_TYPE: .*collection holds 40 features/);
  });
});
