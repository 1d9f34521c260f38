import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIG_AREA, loadDemo } from '../src/http/demo.js';
import { STATUS, type Package } from '../src/package/types.js';
import { DEFAULT_PRECAUTIONS } from '../src/package/precautions.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('dig');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
/** The date `days` from today, YYYY-MM-DD. */
const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const FROM = day(10);
const TO = day(40);

describe('dig requests over the demo network', () => {
  let t: TestApp;
  let contractor: string;
  let other: string;
  let pkg: Package;

  beforeAll(async () => {
    t = await testApp(dir.sub('demo'), { prepare: (engine, store) => loadDemo(engine, store) });
    contractor = await t.key('contractor');
    other = await t.key('contractor');
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: DEMO_DIG_AREA, infoZone: 2, workType: 'excavation', purpose: 'new service pipe', period: { from: FROM, to: TO } } });
    expect(res.statusCode, res.body).toBe(201);
    pkg = res.json() as Package;
    expect(res.headers.location).toBe(`/v1/dig-requests/${pkg.id}`);
  });
  afterAll(async () => t.close());

  it('answers at once with every owner concerned and its status in LER terms', () => {
    const byOwner = Object.fromEntries(pkg.owners.map((o) => [o.owner, o]));
    expect(Object.keys(byOwner).sort()).toEqual(['demo-afloeb', 'demo-el', 'demo-fiber', 'demo-fjernvarme', 'demo-gas', 'demo-tele', 'demo-vand']);
    // The electricity owner shows its very dangerous lines on site; the gas owner, whose lines are as dangerous, does not.
    expect(byOwner['demo-el'].status).toBe(STATUS.marking);
    expect(byOwner['demo-el'].conflicts.some((c) => c.fareklasse === 'meget farlig')).toBe(true);
    expect(byOwner['demo-gas'].status).toBe(STATUS.delivered);
    expect(byOwner['demo-gas'].conflicts.some((c) => c.fareklasse === 'meget farlig')).toBe(true);
    // An interest area without a network: whom to contact.
    expect(byOwner['demo-fiber']).toMatchObject({ status: STATUS.manual, networkVersion: null, conflicts: [], name: 'Demo Fiber Net ApS' });
    expect(byOwner['demo-fiber'].contact).toContain('fiber.demo.invalid');
    expect(byOwner['demo-el']).toMatchObject({ name: 'Demo El A/S', networkVersion: 1 });
    expect(pkg).toMatchObject({ infoZone: 2, crs: 'EPSG:4326', workType: 'excavation', purpose: 'new service pipe', period: { from: FROM, to: TO }, validUntil: `${TO}T23:59:59.999Z` });
    expect(pkg.areaM2).toBeGreaterThan(300);
    expect(pkg.areaM2).toBeLessThan(340);
    expect(Object.keys(pkg.networkVersions)).toHaveLength(6);
  });

  it('gives the engine\'s own conflicts, with precautions from the matrix', () => {
    const expected = t.engine.query(DEMO_DIG_AREA, { infoZone: 2 });
    const got = pkg.owners.flatMap((o) => o.conflicts.map((c) => ({ owner: o.owner, ...c })));
    expect(got.map((c) => [c.owner, c.featureId, c.zone, c.distance, c.lengthInside])).toEqual(expected.map((c) => [c.owner, c.featureId, c.zone, c.distance, c.lengthInside]));
    expect(got.length).toBeGreaterThanOrEqual(6);
    for (const c of got) {
      expect(c.geometry).not.toBeNull();
      const codes = c.precautions.map((p) => p.code);
      if (c.fareklasse === 'meget farlig') expect(codes).toContain('OWNER_PRESENT');
      else expect(codes).not.toContain('OWNER_PRESENT');
      expect(codes).toContain('HAND_DIG');
      // The hand-digging distance is the line's margin, never less than the matrix's minimum.
      const hand = c.precautions.find((p) => p.code === 'HAND_DIG')?.text ?? '';
      expect(hand).toContain(`${Math.max(c.margin, DEFAULT_PRECAUTIONS.minHandDig).toFixed(2)} m`);
    }
  });

  it('stores the package for its requester and admins, and can be rebuilt from its versions', async () => {
    const again = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${pkg.id}` });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(pkg);
    expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/dig-requests/${pkg.id}` })).statusCode).toBe(200);
    // Another contractor learns nothing, not even that it exists.
    const hidden = await t.as(other, { method: 'GET', url: `/v1/dig-requests/${pkg.id}` });
    expect(problemOf(hidden).code).toBe('DIG_REQUEST_UNKNOWN');
    expect(problemOf(await t.as(contractor, { method: 'GET', url: '/v1/dig-requests/00000000-0000-0000-0000-000000000000' })).code).toBe('DIG_REQUEST_UNKNOWN');
    const rebuilt = await t.engine.rebuildPackage(pkg.id);
    expect(rebuilt.owners.flatMap((o) => o.conflicts.map((c) => c.featureId))).toEqual(pkg.owners.flatMap((o) => o.conflicts.map((c) => c.featureId)));
  });

  it('writes every dig request to the audit log: who, what area, which versions', async () => {
    const log = (await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/audit?limit=50' })).json() as { actor: string; action: string; detail: Record<string, unknown> }[];
    const entry = log.find((e) => e.action === 'dig-request.create' && e.detail.id === pkg.id);
    expect(entry).toBeDefined();
    expect(entry?.actor).toMatch(/^[0-9a-f]{16}$/);
    expect(entry?.detail.networkVersions).toEqual(pkg.networkVersions);
    const bbox = entry?.detail.bbox as number[];
    expect(bbox[0]).toBeGreaterThan(585_000);
    expect(bbox[3]).toBeLessThan(6_140_000);
  });

  it('gives the package as GeoJSON a GIS opens as it is', async () => {
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${pkg.id}/package.geojson` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
    const fc = res.json() as { type: string; features: { geometry: { type: string }; properties: Record<string, unknown> }[] };
    expect(fc.type).toBe('FeatureCollection');
    const conflicts = pkg.owners.reduce((n, o) => n + o.conflicts.length, 0);
    expect(fc.features).toHaveLength(1 + conflicts);
    expect(fc.features[0]).toMatchObject({ geometry: DEMO_DIG_AREA, properties: { kind: 'digArea', infoZone: 2 } });
    for (const f of fc.features.slice(1)) {
      expect(['LineString', 'MultiLineString', 'Point', 'Polygon', 'MultiPolygon']).toContain(f.geometry.type);
      expect(f.properties).toHaveProperty('owner');
      expect(f.properties).toHaveProperty('fareklasse');
    }
    expect(problemOf(await t.as(other, { method: 'GET', url: `/v1/dig-requests/${pkg.id}/package.geojson` })).code).toBe('DIG_REQUEST_UNKNOWN');
  });

  it('draws the package as SVG: dig area, information zone, lines coloured by fareklasse', async () => {
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${pkg.id}/map.svg` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const svg = res.body;
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('id="info-zone"');
    expect(svg).toContain('id="dig-area"');
    const lines = [...svg.matchAll(/<path d="([^"]+)" fill="none" stroke="(#[0-9a-f]{6})"/g)];
    expect(lines).toHaveLength(pkg.owners.reduce((n, o) => n + o.conflicts.filter((c) => c.geometry?.type.includes('Line')).length, 0));
    expect(lines.map((m) => m[2])).toContain('#d7191c');
    // Every coordinate lies on the canvas.
    const numbers = lines.flatMap((m) => m[1].split(/[MLZ,]/).filter(Boolean).map(Number));
    expect(numbers.every((v) => Number.isFinite(v) && v >= -1 && v <= 1200)).toBe(true);
    expect(problemOf(await t.as(other, { method: 'GET', url: `/v1/dig-requests/${pkg.id}/map.svg` })).code).toBe('DIG_REQUEST_UNKNOWN');
  });

  it('takes EPSG:25832 and answers in it', async () => {
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585160, 6139405, 585190, 6139430), crs: UTM } });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as Package;
    const line = body.owners[0].conflicts[0].geometry as { coordinates: number[][] };
    expect(line.coordinates[0][0]).toBeGreaterThan(585_000);
    expect(body.areaM2).toBe(750);
  });
});

describe('statuses and interest areas', () => {
  let t: TestApp;
  let contractor: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('status'), {
      prepare: async (engine, store) => {
        // near: a cable through the dig area; far: one 400 m away, whose interest area still covers the dig.
        await engine.putNetwork('near', [cable('n1', [585000, 6139000], [585100, 6139000], { fareklasse: 'meget farlig' })], { crs: UTM });
        await engine.putNetwork('far', [cable('f1', [585500, 6139500], [585600, 6139500])], { crs: UTM });
        await engine.putInterestAreas('far', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(584900, 6138900, 585700, 6139600), properties: { forsyningsart: 'el', contact: 'far@example.invalid' } }] }, { crs: UTM });
        // edge: an interest area 3 m from the dig area: inside a 5 m information zone, outside a 2 m one.
        await engine.putInterestAreas('edge', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585063, 6138990, 585100, 6139000), properties: { forsyningsart: 'gas', contact: 'edge@example.invalid' } }] }, { crs: UTM });
        await store.putOwnerProfile({ owner: 'near', name: 'Near El', contact: 'near@example.invalid', requiresMarking: false });
        await engine.reloadOwnerProfile('near');
      }
    });
    contractor = await t.key('contractor');
  });
  afterAll(async () => t.close());

  const dig = rect(585040, 6138980, 585060, 6139020);

  it('says "ingen ledninger" for an owner whose interest area is hit but whose lines are not, and delivers without marking when the owner does not mark', async () => {
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: dig, crs: UTM, infoZone: 2 } });
    expect(res.statusCode, res.body).toBe(201);
    const owners = (res.json() as Package).owners;
    expect(owners.map((o) => [o.owner, o.status, o.conflicts.length])).toEqual([
      ['near', STATUS.delivered, 1],
      ['far', STATUS.none, 0]
    ]);
    expect(owners[1]).toMatchObject({ contact: 'far@example.invalid', networkVersion: 1, name: 'far' });
  });

  it('counts the information zone when it matches interest areas, and marks when the owner requires it', async () => {
    const put = await t.as(ADMIN_TOKEN, { method: 'PUT', url: '/v1/owners/near/profile', payload: { name: 'Near El', contact: 'near@example.invalid', requiresMarking: true } });
    expect(put.statusCode).toBe(200);
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: dig, crs: UTM, infoZone: 5 } });
    const owners = (res.json() as Package).owners;
    expect(owners.map((o) => [o.owner, o.status])).toEqual([
      ['near', STATUS.marking],
      ['edge', STATUS.manual],
      ['far', STATUS.none]
    ]);
  });

  it('puts a line between m(F) and m(F) + b in the information zone', async () => {
    // n1 runs along y = 6139000; a dig area 3 m north of it, b = 5: margin 0.5 < 3 <= 5.5.
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6139003, 585060, 6139010), crs: UTM, infoZone: 5 } });
    const c = (res.json() as Package).owners.find((o) => o.owner === 'near')?.conflicts[0];
    expect(c).toMatchObject({ featureId: 'n1', zone: 'infoZone', distance: 3, lengthInside: 0 });
    const none = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6139003, 585060, 6139010), crs: UTM, infoZone: 2 } });
    expect((none.json() as Package).owners.find((o) => o.owner === 'near')).toBeUndefined();
  });

  it('answers from interest areas alone before any network is loaded', async () => {
    const empty = await testApp(dir.sub('empty'), {
      prepare: (engine) => engine.putInterestAreas('only', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(584000, 6138000, 586000, 6140000), properties: { forsyningsart: 'vand', contact: 'only@example.invalid' } }] }, { crs: UTM })
    });
    try {
      const key = await empty.key('contractor');
      const res = await empty.as(key, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: dig, crs: UTM } });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({ snapshotVersion: null, networkVersions: {}, owners: [{ owner: 'only', status: STATUS.manual, contact: 'only@example.invalid' }] });
    } finally {
      await empty.close();
    }
  });
});

describe('dig areas the service refuses', () => {
  let t: TestApp;
  let contractor: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('limits'), { prepare: (engine) => engine.putNetwork('el', [cable('a', [585000, 6139000], [585100, 6139000])], { crs: UTM }) });
    contractor = await t.key('contractor');
  });
  afterAll(async () => t.close());

  const post = (payload: unknown) => t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: payload as Record<string, unknown> });
  const circle = (n: number, r = 10): number[][][] => {
    const ring = Array.from({ length: n }, (_, i) => [585000 + r * Math.cos((2 * Math.PI * i) / n), 6139000 + r * Math.sin((2 * Math.PI * i) / n)]);
    return [[...ring, ring[0]]];
  };

  it.each([
    ['larger than 250,000 m²', { geometry: rect(585000, 6139000, 585501, 6139500), crs: UTM }, 422, 'DIG_AREA_TOO_LARGE', '/geometry/coordinates'],
    ['more than 1000 vertices', { geometry: { type: 'Polygon', coordinates: circle(1001) }, crs: UTM }, 422, 'DIG_AREA_TOO_MANY_VERTICES', '/geometry/coordinates'],
    ['a bow tie', { geometry: { type: 'Polygon', coordinates: [[[585000, 6139000], [585010, 6139010], [585010, 6139000], [585000, 6139010], [585000, 6139000]]] }, crs: UTM }, 422, 'POLYGON_SELF_INTERSECTS', '/geometry/coordinates/0/0'],
    ['a hole outside its shell', { geometry: { type: 'Polygon', coordinates: [rect(585000, 6139000, 585010, 6139010).coordinates[0], rect(585020, 6139000, 585030, 6139010).coordinates[0]] }, crs: UTM }, 422, 'DIG_AREA_INVALID', '/geometry/coordinates/1'],
    ['overlapping member polygons', { geometry: { type: 'MultiPolygon', coordinates: [rect(585000, 6139000, 585010, 6139010).coordinates, rect(585002, 6139002, 585008, 6139008).coordinates] }, crs: UTM }, 422, 'DIG_AREA_INVALID', '/geometry/coordinates/1/0'],
    ['an unclosed ring', { geometry: { type: 'Polygon', coordinates: [[[585000, 6139000], [585010, 6139000], [585010, 6139010], [585000, 6139010]]] }, crs: UTM }, 422, 'RING_NOT_CLOSED', '/geometry/coordinates/0'],
    ['a point', { geometry: { type: 'Point', coordinates: [585000, 6139000] }, crs: UTM }, 422, 'DIG_AREA_TYPE', '/geometry/type'],
    ['outside Denmark', { geometry: rect(5, 50, 5.001, 50.001) }, 422, 'COORDINATE_OUT_OF_EXTENT', '/geometry'],
    ['an information zone of 101 m', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, infoZone: 101 }, 422, 'INFO_ZONE_OUT_OF_RANGE', '/infoZone'],
    ['a negative information zone', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, infoZone: -1 }, 422, 'INFO_ZONE_OUT_OF_RANGE', '/infoZone'],
    ['an unknown CRS', { geometry: rect(585000, 6139000, 585010, 6139010), crs: 'EPSG:3857' }, 400, 'CRS_UNSUPPORTED', '/crs'],
    ['an unknown kind of work', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, workType: 'blasting' }, 422, 'WORK_TYPE_UNKNOWN', '/workType'],
    ['a period that ends before it begins', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, period: { from: '2031-05-02', to: '2031-05-01' } }, 422, 'PERIOD_INVALID', '/period/to'],
    ['a period that is over', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, period: { from: '2001-05-01', to: '2001-05-02' } }, 422, 'PERIOD_INVALID', '/period/to'],
    ['a period of a year', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, period: { from: day(10), to: day(400) } }, 422, 'PERIOD_INVALID', '/period'],
    ['a period that begins in the year 9999', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, period: { from: '9999-12-30', to: '9999-12-31' } }, 422, 'PERIOD_INVALID', '/period/from'],
    ['a date that does not exist', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, period: { from: '2031-02-30', to: '2031-03-01' } }, 422, 'PERIOD_INVALID', '/period/from'],
    ['a member the body does not have', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, infozone: 2 }, 400, 'REQUEST_INVALID', '/infozone'],
    ['an information zone given as text', { geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM, infoZone: '2' }, 400, 'REQUEST_INVALID', '/infoZone'],
    ['no geometry', { crs: UTM }, 400, 'REQUEST_INVALID', '/geometry']
  ])('refuses %s', async (_name, payload, status, code, pointer) => {
    const res = await post(payload);
    expect(res.statusCode, res.body).toBe(status);
    const p = problemOf(res);
    expect(p.code).toBe(code);
    expect(p.pointer).toBe(pointer);
    expect(p.type).toBe(`/v1/errors/${code}`);
  });

  it('takes exactly the limits: 1000 vertices and 250,000 m²', async () => {
    expect((await post({ geometry: { type: 'Polygon', coordinates: circle(1000) }, crs: UTM })).statusCode).toBe(201);
    expect((await post({ geometry: rect(585000, 6139000, 585500, 6139500), crs: UTM })).statusCode).toBe(201);
  });

  it('takes its limits and precautions from the configuration', async () => {
    const strict = await testApp(dir.sub('strict'), {
      config: { limits: { maxDigAreaM2: 50, maxDigVertices: 4, maxInfoZone: 10 } },
      precautions: { minHandDig: 2, rows: { ukendt: { excavation: [{ code: 'CALL_US', text: 'Call {contact} within {distance} m.' }] }, farlig: { excavation: [{ code: 'CALL_US', text: 'Call {contact} within {distance} m.' }] } } },
      prepare: async (engine, store) => {
        await engine.putNetwork('el', [cable('a', [585000, 6139000], [585100, 6139000])], { crs: UTM });
        await store.putOwnerProfile({ owner: 'el', name: 'El', contact: '+45 12 34 56 78', requiresMarking: false });
        await engine.reloadOwnerProfile('el');
      }
    });
    try {
      const key = await strict.key('contractor');
      const send = (payload: Record<string, unknown>) => strict.as(key, { method: 'POST', url: '/v1/dig-requests', payload });
      expect(problemOf(await send({ geometry: rect(585000, 6138995, 585010, 6139005), crs: UTM })).code).toBe('DIG_AREA_TOO_LARGE');
      expect(problemOf(await send({ geometry: { type: 'Polygon', coordinates: [[[585000, 6138999], [585005, 6138999], [585005, 6139001], [585002, 6139002], [585000, 6139001], [585000, 6138999]]] }, crs: UTM })).code).toBe('DIG_AREA_TOO_MANY_VERTICES');
      expect(problemOf(await send({ geometry: rect(585000, 6138998, 585005, 6139002), crs: UTM, infoZone: 11 })).code).toBe('INFO_ZONE_OUT_OF_RANGE');
      expect(problemOf(await send({ geometry: rect(585000, 6138998, 585005, 6139002), crs: UTM, workType: 'drilling' })).code).toBe('WORK_TYPE_UNKNOWN');
      const ok = await send({ geometry: rect(585000, 6138998, 585005, 6139002), crs: UTM });
      expect(ok.statusCode, ok.body).toBe(201);
      expect((ok.json() as Package).owners[0].conflicts[0].precautions).toEqual([{ code: 'CALL_US', text: 'Call +45 12 34 56 78 within 2.00 m.' }]);
    } finally {
      await strict.close();
    }
  });
});
