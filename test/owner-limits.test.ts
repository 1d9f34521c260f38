/**
 * What an owner stores is bounded, because every contractor whose dig meets it receives it: the
 * properties of each feature (uploads, text sequences, change sets, library builds), the typed
 * contact and kinds of supply of interest areas, and so the size of a package for the lines in
 * its area. An owner id is one owner whatever its case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNetwork, DEFAULT_PROPERTY_LIMITS, Engine, LerError } from '../src/library.js';
import { HIT_CONTACTS_MAX } from '../src/package/interest.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('owner-limits');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
const collection = (features: unknown[]): string => JSON.stringify({ type: 'FeatureCollection', features });
const cables = (n: number, y = 6139000, prefix = 'c'): ReturnType<typeof cable>[] => Array.from({ length: n }, (_, i) => cable(`${prefix}${i}`, [585000 + 10 * i, y], [585000 + 10 * i + 8, y]));
const MB_NOTE = 'x'.repeat(1024 * 1024);

interface Report {
  invalidFeatures: number;
  problems: { code: string; featureIndex: number; featureId: unknown; pointer: string }[];
}

describe('property limits on what an owner uploads', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('props'));
    owner = await t.key('owner', 'dk-el');
    const first = await t.as(owner, { method: 'PUT', url: `/v1/owners/dk-el/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: collection(cables(10)) });
    expect(first.statusCode, first.body).toBe(200);
  });
  afterAll(async () => t.close());

  const put = (payload: string, contentType = 'application/geo+json', query = '') =>
    t.as(owner, { method: 'PUT', url: `/v1/owners/dk-el/network?crs=${UTM}${query}`, headers: { 'content-type': contentType }, payload });

  it('refuses a line with a 1 MB note in a streamed upload, naming the feature and the property', async () => {
    const features = [...cables(10), cable('big', [585000, 6139100], [585050, 6139100], { note: MB_NOTE })];
    const res = await put(collection(features));
    expect(res.statusCode).toBe(422);
    const p = problemOf(res);
    expect(p.code).toBe('UPLOAD_REJECTED');
    const report = p.report as Report;
    expect(report.invalidFeatures).toBe(1);
    expect(report.problems[0]).toMatchObject({ code: 'PROPERTY_VALUE_TOO_LARGE', featureIndex: 10, featureId: 'big', pointer: '/properties/note' });
    // The answer stays small whatever the note was.
    expect(res.body.length).toBeLessThan(4096);
    expect(t.engine.snapshot?.networks.get('dk-el')).toMatchObject({ version: 1, features: 10 });
  });

  it('refuses the same in a text sequence, and properties too large together though each value is small', async () => {
    const seq = [...cables(3), cable('big', [585000, 6139100], [585050, 6139100], { note: MB_NOTE })].map((f) => `\x1e${JSON.stringify(f)}\n`).join('');
    const res = await put(seq, 'application/geo+json-seq');
    expect(res.statusCode).toBe(422);
    expect((problemOf(res).report as Report).problems[0]).toMatchObject({ code: 'PROPERTY_VALUE_TOO_LARGE', featureIndex: 3, featureId: 'big', pointer: '/properties/note' });
    // Five values of 4,000 bytes: each within its limit, 20 KB together.
    const many = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`note${i}`, 'y'.repeat(4000)]));
    const wide = await put(collection([...cables(10), cable('wide', [585000, 6139100], [585050, 6139100], many)]), 'application/geo+json', '&invalid=skip');
    expect(wide.statusCode, wide.body).toBe(200);
    const body = wide.json() as { version: number; features: number; report: Report };
    expect(body).toMatchObject({ version: 2, features: 10 });
    expect(body.report.problems[0]).toMatchObject({ code: 'PROPERTIES_TOO_LARGE', featureIndex: 10, featureId: 'wide', pointer: '/properties' });
  });

  it('refuses the same in a change set', async () => {
    const res = await t.as(owner, { method: 'PATCH', url: `/v1/owners/dk-el/network?crs=${UTM}`, payload: { upsert: { type: 'FeatureCollection', features: [cable('c1', [585010, 6139001], [585020, 6139001], { note: 'z'.repeat(5000) })] } } });
    expect(res.statusCode).toBe(422);
    expect((problemOf(res).report as Report).problems[0]).toMatchObject({ code: 'PROPERTY_VALUE_TOO_LARGE', featureIndex: 0, featureId: 'c1', pointer: '/properties/note' });
    expect(t.engine.snapshot?.networks.get('dk-el')?.version).toBe(2);
  });

  it('refuses it in a library build (ler import), on the main thread and in a worker, by the same limits', async () => {
    const features = [...cables(3), cable('big', [585000, 6139100], [585050, 6139100], { 'a/b': MB_NOTE })];
    expect(() => buildNetwork(features, { owner: 'x', crs: UTM })).toThrow(expect.objectContaining({ code: 'PROPERTY_VALUE_TOO_LARGE', featureIndex: 3, featureId: 'big', pointer: '/properties/a~1b' }));
    // The limits are options: a smaller one refuses what the default takes.
    const note = cable('n', [585000, 6139100], [585050, 6139100], { note: 'n'.repeat(200) });
    expect(buildNetwork([note], { owner: 'x', crs: UTM }).featureCount).toBe(1);
    expect(() => buildNetwork([note], { owner: 'x', crs: UTM, propertyLimits: { maxPropertyValueBytes: 100 } })).toThrow(expect.objectContaining({ code: 'PROPERTY_VALUE_TOO_LARGE' }));
    expect(() => buildNetwork([note], { owner: 'x', crs: UTM, propertyLimits: { maxPropertiesBytes: 0 } })).toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    const engine = new Engine({ workers: 1 });
    try {
      await expect(engine.putNetworkStream('x', Buffer.from(collection(features)), { crs: UTM })).rejects.toMatchObject({ code: 'PROPERTY_VALUE_TOO_LARGE', featureIndex: 3, featureId: 'big', pointer: '/properties/a~1b' });
    } finally {
      await engine.close();
    }
  });

  it('keeps a package in proportion to the lines in its area', async () => {
    // Lines with properties at the limits, and lines over them: only the first are stored.
    const full = (id: string, y: number, extra: Record<string, unknown>) => cable(id, [585000, y], [585040, y], extra);
    const atLimit = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`note${i}`, 'a'.repeat(DEFAULT_PROPERTY_LIMITS.maxPropertyValueBytes)]));
    const features = [
      ...Array.from({ length: 8 }, (_, i) => full(`ok${i}`, 6139500 + i, atLimit)),
      full('huge', 6139510, { note: MB_NOTE }),
      full('wide', 6139511, { a: 'b'.repeat(4000), b: 'b'.repeat(4000), c: 'b'.repeat(4000), d: 'b'.repeat(4000), e: 'b'.repeat(4000) })
    ];
    const res = await put(collection(features), 'application/geo+json', '&invalid=skip&allowRemoval=true');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ features: 8 });
    const contractor = await t.key('contractor');
    const dig = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585010, 6139490, 585020, 6139520), crs: UTM } });
    expect(dig.statusCode, dig.body.slice(0, 300)).toBe(201);
    const lines = (dig.json() as { owners: { conflicts: unknown[] }[] }).owners.reduce((n, o) => n + o.conflicts.length, 0);
    expect(lines).toBe(8);
    // Each line: its properties within the limit, plus a bounded rest (geometry, precautions, fields).
    const perLine = DEFAULT_PROPERTY_LIMITS.maxPropertiesBytes + 2048;
    expect(dig.body.length).toBeLessThan(4096 + lines * perLine);
  });
});

describe('interest areas: typed, bounded, valid', () => {
  let t: TestApp;
  let owner: string;
  let contractor: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('interest'));
    owner = await t.key('owner', 'dk-fiber');
    contractor = await t.key('contractor');
  });
  afterAll(async () => t.close());

  // Over most of Denmark: every dig meets it.
  const denmark = rect(450_000, 6_060_000, 890_000, 6_400_000);
  const areas = (...properties: Record<string, unknown>[]) => ({ type: 'FeatureCollection', features: properties.map((p, i) => ({ type: 'Feature', id: `area-${i}`, geometry: denmark, properties: p })) });
  const putAreas = (body: unknown) => t.as(owner, { method: 'PUT', url: `/v1/owners/dk-fiber/interest-areas?crs=${UTM}`, payload: body as Record<string, unknown> });
  const dig = async () => {
    const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585400, 6139400, 585410, 6139410), crs: UTM } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(201);
    return res;
  };

  it('refuses a 1,000,000-character contact and forsyningsart [{"a":0}], naming feature, id and pointer', async () => {
    const long = await putAreas(areas({ forsyningsart: 'telekommunikation', contact: 'c'.repeat(1_000_000) }));
    expect(long.statusCode).toBe(422);
    expect(problemOf(long)).toMatchObject({ code: 'CONTACT_INVALID', featureIndex: 0, featureId: 'area-0', pointer: '/properties/contact' });
    expect(long.body.length).toBeLessThan(2048);
    const objects = await putAreas(areas({ forsyningsart: 'el', contact: 'vagt' }, { forsyningsart: [{ a: 0 }], contact: 'vagt' }));
    expect(objects.statusCode).toBe(422);
    expect(problemOf(objects)).toMatchObject({ code: 'ATTRIBUTE_VALUE_INVALID', featureIndex: 1, featureId: 'area-1', pointer: '/properties/forsyningsart/0' });
    expect(problemOf(await putAreas(areas({ forsyningsart: 42, contact: 'vagt' })))).toMatchObject({ code: 'ATTRIBUTE_VALUE_INVALID', pointer: '/properties/forsyningsart' });
    expect(problemOf(await putAreas(areas({ forsyningsart: 'el', contact: { phone: 1 } })))).toMatchObject({ code: 'CONTACT_INVALID', pointer: '/properties/contact' });
    expect(problemOf(await putAreas(areas({ forsyningsart: 'el', contact: 'vagt', note: 'n'.repeat(5000) })))).toMatchObject({ code: 'PROPERTY_VALUE_TOO_LARGE', featureIndex: 0, pointer: '/properties/note' });
    // Nothing was registered: a dig meets no interest area.
    expect(t.engine.interestAreaOwners).toEqual([]);
    expect((await dig()).json()).toMatchObject({ owners: [] });
  });

  it('takes a kind of supply of LER 2.0 or the owner\'s own, or several, and says them in the package', async () => {
    const ok = await putAreas(areas({ forsyningsart: ['el', 'telekommunikation', 'el'], contact: 'vagt@fiber.invalid' }, { forsyningsart: 'trykluft', contact: 'vagt@fiber.invalid' }));
    expect(ok.statusCode, ok.body).toBe(200);
    const res = await dig();
    const entry = (res.json() as { owners: { owner: string; message: string; contact: string }[] }).owners[0];
    expect(entry).toMatchObject({ owner: 'dk-fiber', contact: 'vagt@fiber.invalid' });
    expect(entry.message).toContain('(el, telekommunikation, trykluft)');
    expect(res.body).not.toContain('[object Object]');
  });

  it('answers a dig with a bounded entry however many contacts an owner registers over it', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ forsyningsart: 'el', contact: `${i}:`.padEnd(500, 'k') }));
    expect((await putAreas(areas(...many))).statusCode).toBe(200);
    const res = await dig();
    const entry = (res.json() as { owners: { contact: string }[] }).owners[0];
    expect(entry.contact.split('; ')).toHaveLength(HIT_CONTACTS_MAX);
    expect(res.body.length).toBeLessThan(HIT_CONTACTS_MAX * 502 + 4096);
  });

  it('refuses a self-crossing interest area, naming feature, id and edge', async () => {
    const bowTie = { type: 'Polygon', coordinates: [[[585000, 6139000], [586000, 6140000], [586000, 6139000], [585000, 6140000], [585000, 6139000]]] };
    const res = await putAreas({ type: 'FeatureCollection', features: [{ type: 'Feature', id: 'x', geometry: bowTie, properties: { forsyningsart: 'el', contact: 'vagt' } }] });
    expect(res.statusCode).toBe(422);
    expect(problemOf(res)).toMatchObject({ code: 'POLYGON_SELF_INTERSECTS', featureIndex: 0, featureId: 'x', pointer: '/geometry/coordinates/0/0' });
  });

  it('reads areas stored before these checks without failing, cut to the limits', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('legacy') });
    try {
      await store.putInterestAreas('old', { type: 'FeatureCollection', crs: { type: 'name', properties: { name: UTM } }, features: [{ type: 'Feature', geometry: denmark, properties: { forsyningsart: [{ a: 0 }], contact: 'c'.repeat(1_000_000) } }] });
      const engine = await Engine.open({ store, workers: 0 });
      try {
        const { pkg, json } = await engine.digRequest({ geometry: rect(585400, 6139400, 585410, 6139410), crs: UTM });
        expect(pkg.owners[0].owner).toBe('old');
        expect(pkg.owners[0].contact?.length).toBe(500);
        expect(json.toString()).not.toContain('[object Object]');
        expect(json.length).toBeLessThan(4096);
      } finally {
        await engine.close();
      }
    } finally {
      await store.close();
    }
  });
});

describe('an owner id is one owner whatever its case', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dir.sub('case'));
    await t.key('owner', 'dk-el');
    const up = await t.as(ADMIN_TOKEN, { method: 'PUT', url: `/v1/owners/dk-el/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: collection(cables(3)) });
    expect(up.statusCode, up.body).toBe(200);
  });
  afterAll(async () => t.close());

  const conflict = (res: { statusCode: number }, known: string) => {
    expect(res.statusCode).toBe(409);
    const p = problemOf(res as Parameters<typeof problemOf>[0]);
    expect(p).toMatchObject({ code: 'OWNER_ID_CASE_CONFLICT', pointer: '/owner' });
    expect(p.detail).toContain(JSON.stringify(known));
  };

  it('refuses another spelling wherever an owner comes into being', async () => {
    conflict(await t.as(ADMIN_TOKEN, { method: 'PUT', url: `/v1/owners/DK-EL/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: collection(cables(3)) }), 'dk-el');
    conflict(await t.as(ADMIN_TOKEN, { method: 'PATCH', url: `/v1/owners/Dk-El/network?crs=${UTM}`, payload: { upsert: { type: 'FeatureCollection', features: cables(1, 6139100, 'p') } } }), 'dk-el');
    conflict(await t.as(ADMIN_TOKEN, { method: 'PUT', url: `/v1/owners/DK-el/interest-areas?crs=${UTM}`, payload: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585000, 6139000, 586000, 6140000), properties: { forsyningsart: 'el', contact: 'vagt' } }] } }), 'dk-el');
    conflict(await t.as(ADMIN_TOKEN, { method: 'PUT', url: '/v1/owners/DK-EL/profile', payload: { name: 'El', contact: 'vagt' } }), 'dk-el');
    conflict(await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'owner', owner: 'Dk-eL' } }), 'dk-el');
    // An owner known only by a key's binding is known too.
    await t.key('owner', 'Fiber-Net');
    conflict(await t.as(ADMIN_TOKEN, { method: 'PUT', url: '/v1/owners/fiber-net/profile', payload: { name: 'Fiber', contact: 'vagt' } }), 'Fiber-Net');
    // Nothing of the other spellings was stored; the known one works as before.
    expect((await t.store.ownerProfiles()).map((p) => p.owner)).toEqual(['dk-el']);
    expect(await t.store.history('DK-EL')).toEqual([]);
    expect((await t.as(ADMIN_TOKEN, { method: 'PUT', url: '/v1/owners/dk-el/profile', payload: { name: 'El', contact: 'vagt' } })).statusCode).toBe(200);
    expect((await t.as(ADMIN_TOKEN, { method: 'PUT', url: '/v1/owners/Fiber-Net/profile', payload: { name: 'Fiber', contact: 'vagt' } })).statusCode).toBe(200);
  });

  it('is refused by the store itself, in the write that would make the owner known', async () => {
    expect(await t.store.ownerSpelling('DK-EL')).toBe('dk-el');
    expect(await t.store.ownerSpelling('dk-el')).toBe('dk-el');
    expect(await t.store.ownerSpelling('nobody')).toBeNull();
    const engine = await Engine.open({ store: t.store, workers: 0 });
    try {
      await expect(engine.putNetwork('DK-EL', cables(2), { crs: UTM })).rejects.toThrow(expect.objectContaining({ code: 'OWNER_ID_CASE_CONFLICT' }));
      expect(engine.snapshot?.networks.has('DK-EL')).toBe(false);
    } finally {
      await engine.close();
    }
    await expect(t.store.putApiKey({ hash: 'a'.repeat(64), role: 'owner', owner: 'FIBER-NET', name: null })).rejects.toThrow(LerError);
  });
});
