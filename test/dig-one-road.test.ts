/**
 * One road for a dig: `ler dig` on a local store and POST /v1/dig-requests over the same store
 * give the same package (every owner, status, contact, conflict, zone, distance, length and
 * precaution), and refuse the same areas with the same codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import type { Package } from '../src/package/types.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { MultiPolygon, Polygon } from '../src/types.js';
import { CRS, X0, Y0, digAreas, networks, writeCollection } from './helpers/cli-data.js';
import { runCli, tempDir } from './helpers/cli-run.js';
import { problemOf, testApp, type TestApp } from './helpers/http-app.js';

const tmp = tempDir();
const data = tmp.file('data');
const owners = networks(71, 3, 80);
const areas = digAreas(72, 12);
const rect = (x0: number, y0: number, x1: number, y1: number): Polygon => ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });

let service: TestApp;
let contractor: string;

/** A package without what differs from request to request: its id and times. */
function comparable(pkg: Package): Omit<Package, 'id' | 'createdAt' | 'validUntil' | 'revisedAt' | 'answerDeadline'> {
  const { id: _id, createdAt: _createdAt, validUntil: _validUntil, revisedAt: _revisedAt, answerDeadline: _answerDeadline, ...rest } = pkg;
  return rest;
}

async function viaCli(area: Polygon | MultiPolygon, args: string[] = []): Promise<{ code: number | null; pkg: Package | null; stderr: string }> {
  const file = tmp.file(`area-${Math.random().toString(36).slice(2)}.geojson`);
  writeCollection(file, [{ type: 'Feature', geometry: area, properties: {} }]);
  const r = await runCli(['dig', file, '--data-dir', data, '--format', 'json', ...args]);
  return { code: r.code, pkg: r.code === 0 ? (JSON.parse(r.stdout) as Package) : null, stderr: r.stderr };
}

beforeAll(async () => {
  // The registry: three owners' networks, their profiles (one shows its very dangerous lines on
  // site), an interest area of one of them, and an owner with an interest area but no network.
  const store = new SqliteStore({ dataDir: data });
  const engine = await Engine.open({ store, workers: 0 });
  await engine.putNetworks(owners.map((o) => ({ owner: o.owner, input: o.features, opts: { crs: CRS } })));
  await store.putOwnerProfile({ owner: 'owner-a', name: 'Fjernvarme A', contact: '+45 11 11 11 11', requiresMarking: true });
  await store.putOwnerProfile({ owner: 'owner-b', name: 'Vand B', contact: 'vagt@b.example', requiresMarking: false });
  await engine.putInterestAreas('owner-b', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(X0 - 50, Y0 - 50, X0 + 200, Y0 + 200), properties: { forsyningsart: 'vand', contact: 'interest@b.example' } }] }, { crs: CRS });
  await engine.putInterestAreas('only-interest', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(X0, Y0, X0 + 60, Y0 + 60), properties: { forsyningsart: 'telekommunikation', contact: 'noc@only.example' } }] }, { crs: CRS });
  await engine.close();
  await store.close();
  service = await testApp(data);
  contractor = await service.key('contractor');
});
afterAll(async () => {
  await service.close();
  tmp.remove();
});

describe('ler dig and POST /v1/dig-requests', () => {
  it.each([
    ['excavation', 2],
    ['drilling', 5]
  ])('give the same package for every area (%s, information zone %d m)', async (workType, infoZone) => {
    let owners = 0, conflicts = 0, marking = 0, interestOnly = 0;
    // The command line's answers, a few processes at a time.
    const locals: Awaited<ReturnType<typeof viaCli>>[] = [];
    for (let i = 0; i < areas.length; i += 4) {
      locals.push(...(await Promise.all(areas.slice(i, i + 4).map((area) => viaCli(area, ['--info-zone', String(infoZone), '--work-type', workType])))));
    }
    for (const [i, area] of areas.entries()) {
      const local = locals[i];
      expect(local.code, local.stderr).toBe(0);
      const res = await service.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: area, crs: CRS, infoZone, workType } });
      expect(res.statusCode, res.body).toBe(201);
      const remote = res.json() as Package;
      expect(comparable(local.pkg as Package)).toEqual(comparable(remote));
      owners += remote.owners.length;
      for (const o of remote.owners) {
        conflicts += o.conflicts.length;
        if (o.status.startsWith('udtaget til påvisning')) marking++;
        if (o.conflicts.length === 0) interestOnly++;
        for (const c of o.conflicts) expect(c.precautions.length).toBeGreaterThan(0);
      }
    }
    // The comparison means something only if the areas meet lines, statuses and interest areas.
    expect(conflicts).toBeGreaterThan(areas.length);
    expect(owners).toBeGreaterThan(areas.length);
    expect(marking).toBeGreaterThan(0);
    expect(interestOnly).toBeGreaterThan(0);
  });

  it('keep the package with validity, work type and statuses in both', async () => {
    const local = await viaCli(areas[0], ['--info-zone', '2']);
    const pkg = local.pkg as Package;
    expect(pkg.workType).toBe('excavation');
    expect(Date.parse(pkg.validUntil) - Date.parse(pkg.createdAt)).toBe(30 * 86_400_000);
    expect(pkg.owners.every((o) => typeof o.status === 'string' && typeof o.message === 'string')).toBe(true);
    // The CLI's request is kept in the store, as the service keeps its own.
    const stored = await service.store.digRequest(pkg.id);
    expect(stored?.requester).toBe('cli');
    expect(comparable(stored?.body as Package)).toEqual(comparable(pkg));
  });

  it.each([
    ['a bow tie', { type: 'Polygon', coordinates: [[[X0, Y0], [X0 + 10, Y0 + 10], [X0 + 10, Y0], [X0, Y0 + 10], [X0, Y0]]] }, 'POLYGON_SELF_INTERSECTS'],
    ['members that overlap', { type: 'MultiPolygon', coordinates: [rect(X0, Y0, X0 + 10, Y0 + 10).coordinates, rect(X0 + 2, Y0 + 2, X0 + 8, Y0 + 8).coordinates] }, 'DIG_AREA_INVALID'],
    ['a hole outside its shell', { type: 'Polygon', coordinates: [rect(X0, Y0, X0 + 10, Y0 + 10).coordinates[0], rect(X0 + 20, Y0, X0 + 30, Y0 + 10).coordinates[0]] }, 'DIG_AREA_INVALID'],
    ['larger than 500 x 500 m', rect(X0, Y0, X0 + 501, Y0 + 500), 'DIG_AREA_TOO_LARGE']
  ] as const)('refuse %s with the same code', async (_name, area, code) => {
    const local = await viaCli(area as Polygon);
    expect(local.code).toBe(1);
    expect(local.stderr.trim()).toMatch(new RegExp(`^ler dig: ${code}: `));
    const res = await service.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: area, crs: CRS } });
    expect(res.statusCode).toBe(422);
    expect(problemOf(res).code).toBe(code);
  });
});
