/**
 * `ler check --url` and `ler dig --url` against the real service (buildApp, listening on
 * 127.0.0.1) over a store that `ler import` filled: the same output as the local commands on the
 * same store, problems of the service as clear messages and exit codes, Ctrl-C while the service
 * streams, and --crs in and out.
 */
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaSummary } from '../src/batch/summary.js';
import { unprojectToLonLat } from '../src/crs/index.js';
import { Engine } from '../src/engine.js';
import type { Feature, MultiPolygon, Polygon } from '../src/types.js';
import { mapGeometry } from './helpers/random.js';
import { shapeProblem } from './helpers/query.js';
import { CRS, X0, Y0, areaFeatures, collectionText, digAreas, networks, writeCollection } from './helpers/cli-data.js';
import { finished, hasTerminalCodes, runCli, startCli, tempDir } from './helpers/cli-run.js';
import { closedPort, listeningApp, stallingService, type ListeningApp } from './helpers/cli-service.js';

const tmp = tempDir();
const data = tmp.file('data');
const owners = networks(51, 2, 60);
const areas = digAreas(52, 40);
const LOCAL = ['--data-dir', data, '--workers', '0'];
let service: ListeningApp;
let planner: string;
let contractor: string;
let remote: string[];

/** Batches the service has been given so far (its audit log). */
const submitted = async (): Promise<number> => (await service.store.auditLog(10_000)).filter((e) => e.action === 'batch.submit').length;

/** The closing line without its time, which differs from run to run. */
const closing = (stderr: string): string => (/^checked .*$/m.exec(stderr)?.[0] ?? '(none)').replace(/ in [\d.]+ s:/, ' in _ s:');

beforeAll(async () => {
  for (const o of owners) {
    writeCollection(tmp.file(`${o.owner}.geojson`), o.features);
    const r = await runCli(['import', o.owner, tmp.file(`${o.owner}.geojson`), ...LOCAL, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
  writeCollection(tmp.file('areas.geojson'), areaFeatures(areas));
  service = await listeningApp(data, { config: { limits: { maxBatchAreas: 20_000 } } });
  planner = await service.key('planner');
  contractor = await service.key('contractor');
  remote = ['--url', service.url, '--token', planner];
});
afterAll(async () => {
  await service.close();
  tmp.remove();
});

describe('ler check --url', () => {
  it.each([
    ['ndjson', ['--conflicts']],
    ['csv', []],
    ['geojson', []]
  ])('writes what the local check writes, as %s, with the same closing summary', async (format, extra) => {
    const args = ['check', tmp.file('areas.geojson'), '--info-zone', '2', '--format', format, ...extra];
    const before = await submitted();
    const [local, viaService] = await Promise.all([runCli([...args, ...LOCAL]), runCli([...args, ...remote])]);
    expect(local.code, local.stderr).toBe(0);
    expect(viaService.stderr).not.toContain('ler check:');
    expect(viaService.code).toBe(0);
    expect(await submitted()).toBe(before + 1); // the batch ran at the service, not on a store of its own
    expect(viaService.stdout).toBe(local.stdout);
    expect(closing(viaService.stderr)).toBe(closing(local.stderr));
    expect(closing(local.stderr)).toMatch(/^checked 40 areas in _ s: 0 failed, [1-9]\d* with conflicts; owners hit: owner-a, owner-b; worst fareklasse: \S/);
    expect(hasTerminalCodes(viaService.stderr)).toBe(false);
    if (format === 'ndjson') {
      const summaries = viaService.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as AreaSummary);
      expect(summaries.map((s) => s.id)).toEqual(areas.map((_, i) => `a${i}`));
      expect(summaries.filter((s) => (s.conflicts ?? []).length > 0).length).toBeGreaterThan(areas.length / 4);
    }
  });

  it('checks a route at the service as the local check does (corridor width and stretch length)', async () => {
    const route = { type: 'Feature', id: 'r1', geometry: { type: 'LineString', coordinates: [[X0, Y0 + 30], [X0 + 120, Y0 + 30], [X0 + 120, Y0 + 100]] }, properties: {} };
    writeCollection(tmp.file('route.geojson'), [route]);
    for (const format of ['ndjson', 'geojson']) {
      const args = ['check', tmp.file('route.geojson'), '--corridor-width', '6', '--stretch-length', '50', '--format', format, '--quiet'];
      const [local, viaService] = await Promise.all([runCli([...args, ...LOCAL]), runCli([...args, ...remote])]);
      expect(viaService.code, viaService.stderr).toBe(0);
      expect(viaService.stdout).toBe(local.stdout);
    }
    const nd = await runCli(['check', tmp.file('route.geojson'), '--corridor-width', '6', '--stretch-length', '50', '--quiet', ...remote]);
    const stretches = nd.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as AreaSummary);
    expect(stretches.map((s) => s.stretch)).toEqual([{ from: 0, to: 50 }, { from: 50, to: 100 }, { from: 100, to: 150 }, { from: 150, to: 190 }]);
    expect(stretches.some((s) => s.conflictCount > 0)).toBe(true);
  });

  it('shows the service\'s progress on stderr as plain lines when piped', async () => {
    const many = digAreas(53, 15_000);
    writeCollection(tmp.file('many.geojson'), areaFeatures(many));
    const r = await runCli(['check', tmp.file('many.geojson'), '--format', 'csv', ...remote]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\r\n')).toHaveLength(many.length + 1);
    expect(r.stderr).toMatch(/^check \d+% \d+ of 15000, \d+ failed, \d+ areas\/s, /m);
    expect(hasTerminalCodes(r.stderr)).toBe(false);
    expect(r.stderr).toMatch(/^checked 15000 areas in [\d.]+ s: 0 failed/m);
  });

  it('says what to do when the service refuses: bad token 401, wrong role 403, exit 1 and nothing on stdout', async () => {
    const file = tmp.file('areas.geojson');
    const [bad, wrongRole, noToken] = await Promise.all([
      runCli(['check', file, '--url', service.url, '--token', 'ler_not-a-key-of-this-service-at-all-000000000']),
      runCli(['check', file, '--url', service.url, '--token', contractor]),
      runCli(['check', file, '--url', service.url])
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n').at(-1)).toMatch(/^ler check: UNAUTHORIZED: A valid API key is required.* Give a valid planner key with --token \(or LER_TOKEN\)/);
    expect(wrongRole.code).toBe(1);
    expect(wrongRole.stdout).toBe('');
    expect(wrongRole.stderr).toMatch(/^ler check: FORBIDDEN: .* Give a planner key \(or an admin key\) with --token\.$/m);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^ler check: --url needs --token <token> \(or LER_TOKEN\): a planner key/m);
  });

  it('says the service cannot be reached, exit 1', async () => {
    const port = await closedPort();
    const r = await runCli(['check', tmp.file('areas.geojson'), '--url', `http://127.0.0.1:${port}`, '--token', planner]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(`ler check: ECONNREFUSED: cannot reach http://127.0.0.1:${port}/: is the service running and is --url right? (ler serve starts one)`);
  });

  it('fails a malformed areas file as the local check does, before anything reaches the service', async () => {
    const text = readFileSync(tmp.file('areas.geojson'), 'utf8');
    writeFileSync(tmp.file('cut.geojson'), text.slice(0, text.indexOf('"a30"')));
    const before = await submitted();
    const [local, viaService] = await Promise.all([runCli(['check', tmp.file('cut.geojson'), ...LOCAL, '--quiet']), runCli(['check', tmp.file('cut.geojson'), ...remote, '--quiet'])]);
    expect(local.code).toBe(1);
    expect(viaService.code).toBe(1);
    expect(viaService.stderr.trim()).toMatch(/^ler check: INPUT_TRUNCATED: .*byte/);
    expect(viaService.stderr).toBe(local.stderr);
    expect(viaService.stdout).toBe('');
    expect(await submitted()).toBe(before);
  });

  it('passes on the service\'s own problems with their codes: an information zone out of range (422), too many areas (413)', async () => {
    const tooMany = `${collectionText(areaFeatures(areas.slice(0, 1))).slice(0, -2)},${Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ type: 'Feature', id: `x${i}`, geometry: areas[1], properties: {} })).join(',')}]}`;
    writeFileSync(tmp.file('too-many.geojson'), tooMany);
    const [zone, large] = await Promise.all([
      runCli(['check', tmp.file('areas.geojson'), '--info-zone', '500', ...remote]),
      runCli(['check', tmp.file('too-many.geojson'), ...remote])
    ]);
    expect(zone.code).toBe(1);
    expect(zone.stderr.trim()).toMatch(/^ler check: INFO_ZONE_OUT_OF_RANGE: infoZone must be a number of metres from 0 to 100\..*500.*\(at \/infoZone\)$/);
    expect(large.code).toBe(1);
    expect(large.stderr.trim()).toMatch(/^ler check: BATCH_TOO_LARGE: .*20001 areas; at most 20000 .* Split the input into smaller files/);
    expect(zone.stdout + large.stdout).toBe('');
  });

  it('fails a route the service refuses as the local check does: the same code, exit 1', async () => {
    // A route far outside Denmark: refused by POST /v1/batches itself, with the pointer into its body.
    const route = { type: 'LineString', coordinates: [[X0 + 5_000_000, Y0], [X0 + 5_000_100, Y0]] };
    writeCollection(tmp.file('route-far.geojson'), [{ type: 'Feature', id: 'far', geometry: route, properties: {} }]);
    const args = ['check', tmp.file('route-far.geojson'), '--corridor-width', '6', '--quiet'];
    const [local, viaService] = await Promise.all([runCli([...args, ...LOCAL]), runCli([...args, ...remote])]);
    expect(local.code).toBe(1);
    expect(viaService.code).toBe(1);
    expect(local.stderr).toMatch(/^ler check: COORDINATE_OUT_OF_EXTENT: .*Position \[5527000, 6254000\] in EPSG:25832/);
    expect(viaService.stderr).toBe(local.stderr.replace('(at /geometry)', '(at /route/geometry)'));
    expect(viaService.stdout).toBe(local.stdout);
  });

  it('stops on Ctrl-C while the service streams: exit 130 at once, the summaries so far as whole lines, the batch cancelled there', async () => {
    const local = await runCli(['check', tmp.file('areas.geojson'), ...LOCAL, '--quiet']);
    const first = local.stdout.split('\n').slice(0, 2);
    const stalling = await stallingService(first);
    try {
      const child = startCli(['check', tmp.file('areas.geojson'), '--url', stalling.url, '--token', planner]);
      const done = finished(child);
      let out = '';
      let signalled = 0;
      child.stdout.on('data', (d: Buffer | string) => {
        out += String(d);
        if (signalled === 0 && out.split('\n').length > 2) {
          signalled = performance.now();
          child.kill('SIGINT');
        }
      });
      const r = await done;
      expect(signalled).toBeGreaterThan(0);
      expect(performance.now() - signalled).toBeLessThan(2000);
      expect(r.code).toBe(130);
      expect(r.stdout).toBe(`${first.join('\n')}\n`);
      expect(r.stderr.trim().split('\n').at(-1)).toBe('ler check: interrupted after 2 areas; the output is incomplete. The batch is cancelled at the service.');
      expect(stalling.requests.slice(0, 2)).toEqual(['POST /v1/batches', 'GET /v1/batches/b-stalling']);
      expect(stalling.requests).toContain('GET /v1/batches/b-stalling/results');
      expect(stalling.requests.at(-1)).toBe('DELETE /v1/batches/b-stalling');
    } finally {
      await stalling.close();
    }
  });
});

describe('--crs in and out', () => {
  /** Each area's conflicts as `owner|featureId|zone`, from NDJSON with --conflicts. */
  const conflictSets = (ndjson: string): string[][] =>
    ndjson
      .trimEnd()
      .split('\n')
      .map((l) => ((JSON.parse(l) as AreaSummary).conflicts ?? []).map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}`).sort());

  it('answers lon/lat areas (the default) as the engine does, locally and at the service; GeoJSON comes back in lon/lat', async () => {
    // Parts that touch at a corner may cross after the round trip to degrees: such an area is
    // refused as a dig request would be, so the comparison takes the areas still valid in lon/lat.
    const all = areas.map((a) => mapGeometry(a, (x, y) => unprojectToLonLat(x, y)) as Polygon | MultiPolygon);
    const kept = areas.map((_, i) => i).filter((i) => shapeProblem(all[i], { crs: 'EPSG:4326' }) === null);
    expect(kept.length).toBeGreaterThan(areas.length * 0.8);
    const lonLat = kept.map((i) => all[i]);
    writeCollection(tmp.file('areas-kept.geojson'), areaFeatures(kept.map((i) => areas[i])));
    writeFileSync(tmp.file('areas-lonlat.geojson'), JSON.stringify({ type: 'FeatureCollection', features: areaFeatures(lonLat) }));
    const nd = ['--info-zone', '2', '--conflicts', '--quiet'];
    const [utm, local, viaService, geoLocal, geoService] = await Promise.all([
      runCli(['check', tmp.file('areas-kept.geojson'), ...nd, ...LOCAL]),
      runCli(['check', tmp.file('areas-lonlat.geojson'), ...nd, ...LOCAL]),
      runCli(['check', tmp.file('areas-lonlat.geojson'), ...nd, ...remote]),
      runCli(['check', tmp.file('areas-lonlat.geojson'), '--format', 'geojson', '--quiet', ...LOCAL]),
      runCli(['check', tmp.file('areas-lonlat.geojson'), '--format', 'geojson', '--quiet', '--crs', 'EPSG:4326', ...remote])
    ]);
    for (const r of [utm, local, viaService, geoLocal, geoService]) expect(r.code, r.stderr).toBe(0);
    // The same networks in memory, asked in lon/lat: what the command must answer.
    const engine = new Engine({ workers: 0 });
    let want: string[][];
    try {
      await engine.putNetworks(owners.map((o) => ({ owner: o.owner, input: o.features, opts: { crs: CRS } })));
      want = lonLat.map((a) => engine.query(a, { crs: 'EPSG:4326', infoZone: 2, geometry: false }).map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}`).sort());
    } finally {
      await engine.close();
    }
    expect(want.filter((s) => s.length > 0).length).toBeGreaterThan(lonLat.length / 4);
    expect(conflictSets(local.stdout)).toEqual(want);
    // And nearly as their EPSG:25832 originals: only features at an exact zone limit may differ after the round trip.
    const utmSets = conflictSets(utm.stdout);
    expect(want.filter((s, i) => JSON.stringify(s) === JSON.stringify(utmSets[i])).length).toBeGreaterThan(lonLat.length * 0.75);
    expect(viaService.stdout).toBe(local.stdout);
    expect(geoService.stdout).toBe(geoLocal.stdout);
    const fc = JSON.parse(geoService.stdout) as { crs?: unknown; features: Feature[] };
    expect(fc.crs).toBeUndefined();
    expect(fc.features.map((f) => f.geometry)).toEqual(lonLat);
  });

  it('reads EPSG:25832 coordinates without a crs member only with --crs; without it every area fails and stderr says to give --crs', async () => {
    writeFileSync(tmp.file('areas-bare.geojson'), JSON.stringify({ type: 'FeatureCollection', features: areaFeatures(areas) }));
    const [declared, flagged, bare, flaggedService] = await Promise.all([
      runCli(['check', tmp.file('areas.geojson'), '--format', 'geojson', '--quiet', ...LOCAL]),
      runCli(['check', tmp.file('areas-bare.geojson'), '--format', 'geojson', '--quiet', '--crs', CRS, ...LOCAL]),
      runCli(['check', tmp.file('areas-bare.geojson'), '--format', 'csv', ...LOCAL]),
      runCli(['check', tmp.file('areas-bare.geojson'), '--format', 'geojson', '--quiet', '--crs', CRS, ...remote])
    ]);
    expect(flagged.code, flagged.stderr).toBe(0);
    expect(flagged.stdout).toBe(declared.stdout);
    expect(flaggedService.stdout).toBe(declared.stdout);
    expect((JSON.parse(flagged.stdout) as { crs: { properties: { name: string } } }).crs.properties.name).toBe(CRS);
    expect(bare.code).toBe(1);
    const rows = bare.stdout.trimEnd().split('\r\n').slice(1);
    expect(rows).toHaveLength(areas.length);
    for (const row of rows) expect(row).toMatch(/^\d+,a\d+,failed,COORDINATE_OUT_OF_EXTENT,/);
    expect(bare.stderr).toContain(`failed areas: COORDINATE_OUT_OF_EXTENT (${areas.length}); each one's error is in its summary. Check the CRS: give --crs EPSG:25832 for UTM metres; lon/lat (EPSG:4326) is the default.`);
  });
});

describe('ler dig --url', () => {
  /** The area meeting the most owners, then the most features (so that the table has rows). */
  let area: Polygon | MultiPolygon;
  beforeAll(async () => {
    const r = await runCli(['check', tmp.file('areas.geojson'), '--info-zone', '2', '--quiet', ...LOCAL]);
    const best = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as AreaSummary)
      // Polygons only: the service refuses multipolygons whose members overlap, which the random areas may have.
      .filter((s) => areas[s.index].type === 'Polygon')
      .sort((a, b) => b.owners.length - a.owners.length || b.conflictCount - a.conflictCount)[0];
    area = areas[best.index];
  });

  interface Pkg {
    id: string;
    crs: string;
    owners: { owner: string; status: string; conflicts: { featureId: string; zone: string; geometry: { coordinates: unknown } }[] }[];
  }
  const ids = (pkg: Pkg): string[] => pkg.owners.flatMap((o) => o.conflicts.map((c) => `${o.owner}|${c.featureId}|${c.zone}`)).sort();

  it('asks the service and writes its package, package.geojson and map.svg (map.png when the service draws one); the same features as a local dig', async () => {
    writeCollection(tmp.file('dig.geojson'), [{ type: 'Feature', geometry: area, properties: {} }]);
    const outDir = tmp.file('pkg-remote');
    const [viaService, local] = await Promise.all([
      runCli(['dig', tmp.file('dig.geojson'), '--info-zone', '2', '--out-dir', outDir, '--url', service.url, '--token', contractor]),
      runCli(['dig', tmp.file('dig.geojson'), '--info-zone', '2', '--format', 'json', '--data-dir', data])
    ]);
    expect(viaService.stderr).not.toContain('ler dig:');
    expect(viaService.code).toBe(0);
    const pkg = JSON.parse(readFileSync(`${outDir}/package.json`, 'utf8')) as Pkg;
    const get = (path: string): Promise<Response> => fetch(`${service.url}/v1/dig-requests/${pkg.id}${path}`, { headers: { authorization: `Bearer ${contractor}` } });
    // What the service stored under that id, file for file.
    expect(pkg).toEqual(await (await get('')).json());
    expect(readFileSync(`${outDir}/package.geojson`, 'utf8')).toBe(await (await get('/package.geojson')).text());
    expect(readFileSync(`${outDir}/map.svg`, 'utf8')).toBe(await (await get('/map.svg')).text());
    const png = await get('/map.png');
    if (png.status === 200) expect(readFileSync(`${outDir}/map.png`)).toEqual(Buffer.from(await png.arrayBuffer()));
    else expect(existsSync(`${outDir}/map.png`)).toBe(false);

    const want = ids(JSON.parse(local.stdout) as Pkg);
    expect(want.length).toBeGreaterThan(0);
    expect(ids(pkg)).toEqual(want);
    expect(pkg.crs).toBe(CRS);
    // The table, as for a local dig: one row per owner with its counts.
    expect(viaService.stdout.split('\n')[0]).toBe(`dig request ${pkg.id}: info zone 2 m, ${CRS}; ${pkg.owners.length} of 2 owners hit`);
    for (const o of pkg.owners) {
      const inDig = o.conflicts.filter((c) => c.zone === 'digArea').length;
      expect(viaService.stdout).toMatch(new RegExp(`^${o.owner}\\s+1\\s+${inDig}\\s+${o.conflicts.length - inDig}\\s+\\S`, 'm'));
    }
    expect(viaService.stderr).toContain(`${outDir}/map.svg`);
  });

  it('sends lon/lat (the default) and gets the package in lon/lat; a contractor key is needed', async () => {
    const lonLat = mapGeometry(area, (x, y) => unprojectToLonLat(x, y));
    writeFileSync(tmp.file('dig-lonlat.geojson'), JSON.stringify(lonLat));
    const [viaService, utm, asPlanner] = await Promise.all([
      runCli(['dig', tmp.file('dig-lonlat.geojson'), '--format', 'json', '--url', service.url, '--token', contractor]),
      runCli(['dig', tmp.file('dig.geojson'), '--format', 'json', '--data-dir', data]),
      runCli(['dig', tmp.file('dig-lonlat.geojson'), '--url', service.url, '--token', planner])
    ]);
    expect(viaService.code, viaService.stderr).toBe(0);
    const pkg = JSON.parse(viaService.stdout) as Pkg;
    expect(pkg.crs).toBe('EPSG:4326');
    expect(ids(pkg)).toEqual(ids(JSON.parse(utm.stdout) as Pkg));
    const [lon, lat] = JSON.stringify(pkg.owners[0].conflicts[0].geometry.coordinates).match(/-?\d+\.\d+/g)?.map(Number) ?? [];
    expect(lon).toBeGreaterThan(8);
    expect(lon).toBeLessThan(13);
    expect(lat).toBeGreaterThan(54);
    expect(lat).toBeLessThan(58);
    expect(asPlanner.code).toBe(1);
    expect(asPlanner.stderr).toMatch(/^ler dig: FORBIDDEN: .* Give a contractor key \(or an admin key\) with --token\.$/m);
  });
});
