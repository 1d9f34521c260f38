import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('uploads');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
const collection = (features: unknown[], extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'FeatureCollection', ...extra, features });
const cables = (n: number, y = 6139000, prefix = 'c'): unknown[] => Array.from({ length: n }, (_, i) => cable(`${prefix}${i}`, [585000 + 10 * i, y], [585000 + 10 * i + 8, y]));

interface UploadAnswer {
  owner: string;
  version: number;
  features: number;
  snapshotVersion: number;
  bytes: number;
  report: { errors: number; warnings: number; invalidFeatures: number; byCode: Record<string, { count: number; examples: { featureIndex: number; pointer: string }[] }>; problems: { code: string; featureIndex: number; featureId: unknown; pointer: string }[] };
}

describe('whole-network uploads', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    // Each upload here replaces the last with other ids: the share removed is not what these tests are about.
    t = await testApp(dir.sub('put'), { config: { limits: { uploadBytes: 64 * 1024, maxRemovalPercent: 100 } } });
    owner = await t.key('owner', 'dk-el');
  });
  afterAll(async () => t.close());

  const put = (payload: string | Buffer | Readable, headers: Record<string, string> = {}, query = `?crs=${UTM}`) =>
    t.as(owner, { method: 'PUT', url: `/v1/owners/dk-el/network${query}`, headers: { 'content-type': 'application/geo+json', ...headers }, payload });

  it('streams a FeatureCollection in, answers with the version and the rule report', async () => {
    const features = [...cables(20), cable('w', [585000, 6139100], [585050, 6139100], { fareklasse: undefined })];
    const res = await put(collection(features));
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as UploadAnswer;
    expect(body).toMatchObject({ owner: 'dk-el', version: 1, features: 21, snapshotVersion: 1 });
    expect(body.bytes).toBe(Buffer.byteLength(collection(features)));
    // A line without fareklasse is taken, with a warning that names it.
    expect(body.report).toMatchObject({ errors: 0, warnings: 1 });
    expect(body.report.problems[0]).toMatchObject({ code: 'ATTRIBUTE_RECOMMENDED', featureIndex: 20, featureId: 'w', pointer: '/properties/fareklasse' });
    expect(t.engine.snapshot?.networks.get('dk-el')?.features).toBe(21);
  });

  it('takes a GeoJSON text sequence (RFC 8142) and a crs member before the features', async () => {
    const seq = cables(5, 6139200, 's').map((f) => `\x1e${JSON.stringify(f)}\n`).join('');
    const res = await put(seq, { 'content-type': 'application/geo+json-seq' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ version: 2, features: 5 });
    const declared = await put(collection(cables(3), { crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::25832' } } }), { 'content-type': 'application/json' }, '');
    expect(declared.statusCode, declared.body).toBe(200);
    expect(declared.json()).toMatchObject({ version: 3, features: 3 });
  });

  it('rejects an upload with invalid features whole, with the report, and keeps the old network', async () => {
    const bad = [...cables(4), cable('x', [585000, 6139000], [585000, 6139000]), { ...cable('y', [585000, 6139300], [585010, 6139300]), properties: { featureType: 'Vandledning', fareklasse: 'meget farlig' } }];
    const res = await put(collection(bad));
    expect(res.statusCode).toBe(422);
    const p = problemOf(res);
    expect(p.code).toBe('UPLOAD_REJECTED');
    const report = p.report as UploadAnswer['report'];
    expect(report.invalidFeatures).toBe(2);
    expect(Object.keys(report.byCode).sort()).toEqual(['FAREKLASSE_NOT_ALLOWED', 'LINE_TOO_SHORT']);
    expect(report.byCode.LINE_TOO_SHORT.examples[0]).toMatchObject({ featureIndex: 4 });
    expect(t.engine.snapshot?.networks.get('dk-el')).toMatchObject({ version: 3, features: 3 });
  });

  it('keeps the valid features with ?invalid=skip and says which were skipped', async () => {
    const bad = [...cables(4), cable('x', [585000, 6139000], [585000, 6139000])];
    const res = await put(collection(bad), {}, `?crs=${UTM}&invalid=skip`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as UploadAnswer;
    expect(body).toMatchObject({ version: 4, features: 4 });
    expect(body.report).toMatchObject({ errors: 1, invalidFeatures: 1 });
    expect(body.report.problems[0]).toMatchObject({ code: 'LINE_TOO_SHORT', featureId: 'x' });
  });

  it('refuses a Content-Length over the limit before reading the body', async () => {
    const res = await put('{}', { 'content-length': String(1024 ** 3) });
    expect(res.statusCode).toBe(413);
    const p = problemOf(res);
    expect(p).toMatchObject({ code: 'INPUT_TOO_LARGE', limit: 64 * 1024 });
    expect(p.detail).toContain('1073741824');
    expect(p.detail).toContain('LER_UPLOAD_LIMIT_BYTES');
  });

  it('counts the bytes of a body without Content-Length and stops at the limit', async () => {
    const big = collection(cables(800));
    expect(big.length).toBeGreaterThan(64 * 1024);
    let pulled = 0;
    const chunks = Array.from({ length: Math.ceil(big.length / 4096) }, (_, i) => Buffer.from(big.slice(i * 4096, (i + 1) * 4096)));
    const stream = new Readable({
      read() {
        this.push(pulled < chunks.length ? chunks[pulled++] : null);
      }
    });
    const res = await put(stream);
    expect(res.statusCode).toBe(413);
    expect(problemOf(res).code).toBe('INPUT_TOO_LARGE');
    // Reading stopped near the limit (past it only by what streams buffer ahead), not at the end of the body.
    expect(pulled).toBeLessThan(chunks.length);
    expect(pulled * 4096).toBeLessThanOrEqual(64 * 1024 + 48 * 1024);
    expect(res.headers.connection).toBe('close');
    expect(t.engine.snapshot?.networks.get('dk-el')?.version).toBe(4);
  });

  it('unpacks a gzip body as it streams, and counts the unpacked bytes', async () => {
    const text = collection(cables(30));
    const res = await put(gzipSync(text), { 'content-encoding': 'gzip' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ version: 5, features: 30, bytes: Buffer.byteLength(text) });
    expect(problemOf(await put(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' })).code).toBe('INPUT_NOT_GZIP');
    const bomb = gzipSync(collection(cables(2000)));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(problemOf(await put(bomb, { 'content-encoding': 'gzip' })).code).toBe('INPUT_TOO_LARGE');
    expect(problemOf(await put(text, { 'content-encoding': 'br' })).code).toBe('CONTENT_TYPE_UNSUPPORTED');
  });

  it.each([
    ['a truncated collection', '{"type":"FeatureCollection","features":[{"type":"Feature"', 400, 'INPUT_TRUNCATED'],
    ['an empty body', '', 400, 'INPUT_EMPTY'],
    ['not JSON', '{"type" 1}', 400, 'INPUT_SYNTAX'],
    ['not an object', 'hello', 400, 'INPUT_NOT_OBJECT'],
    ['a Feature, not a collection', JSON.stringify(cable('a', [585000, 6139000], [585010, 6139000])), 400, 'FEATURE_COLLECTION_INVALID'],
    ['a crs after the features that says otherwise', collection([cable('ll', [10.34, 55.39], [10.341, 55.39])]).replace(/}$/, ',"crs":{"type":"name","properties":{"name":"EPSG:25832"}}}'), 400, 'CRS_DECLARED_LATE']
  ])('answers %s with its code', async (_name, body, status, code) => {
    const res = await put(body, {}, '');
    expect(res.statusCode, res.body).toBe(status);
    expect(problemOf(res).code).toBe(code);
  });

  it('refuses other content types', async () => {
    const res = await put(collection(cables(1)), { 'content-type': 'text/plain' });
    expect(res.statusCode).toBe(415);
    expect(problemOf(res).code).toBe('CONTENT_TYPE_UNSUPPORTED');
  });

  it('writes every upload to the audit log, refused ones too', async () => {
    const log = (await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/audit?limit=200' })).json() as { actor: string; action: string; owner: string; detail: Record<string, unknown> }[];
    const mine = log.filter((e) => e.owner === 'dk-el' && e.action.startsWith('network.replace'));
    // One entry per version, written with it, by the key that uploaded it.
    expect(mine.every((e) => /^[0-9a-f]{16}$/.test(e.actor))).toBe(true);
    expect(mine.filter((e) => e.action === 'network.replace').map((e) => e.detail.version).sort()).toEqual([1, 2, 3, 4, 5]);
    const first = mine.find((e) => e.action === 'network.replace' && e.detail.version === 1);
    expect(first?.detail).toMatchObject({ features: 21, warnings: 1, crs: UTM, contentType: 'application/geo+json' });
    expect(mine.some((e) => e.action === 'network.replace.rejected' && e.detail.code === 'UPLOAD_REJECTED')).toBe(true);
    expect(mine.some((e) => e.action === 'network.replace.rejected' && e.detail.code === 'INPUT_TOO_LARGE')).toBe(true);
  });

  it('tells the network\'s version, count, box and history', async () => {
    const res = await t.as(owner, { method: 'GET', url: '/v1/owners/dk-el/network' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { version: number; features: number; bbox: number[]; bboxLonLat: number[]; history: { version: number }[] };
    expect(body).toMatchObject({ owner: 'dk-el', version: 5, features: 30 });
    expect(body.bbox).toEqual([585000, 6139000, 585298, 6139000]);
    expect(body.bboxLonLat[0]).toBeCloseTo(10.33, 1);
    expect(body.bboxLonLat[1]).toBeCloseTo(55.39, 1);
    expect(body.history.map((h) => h.version)).toEqual([5, 4, 3, 2, 1]);
    expect(problemOf(await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/owners/nobody/network' })).code).toBe('OWNER_UNKNOWN');
  });
});

describe('change sets', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('patch'), { prepare: (engine) => engine.putNetwork('dk-gas', cables(10), { crs: UTM }) });
    owner = await t.key('owner', 'dk-gas');
  });
  afterAll(async () => t.close());

  const patch = (payload: unknown, query = `?crs=${UTM}`) => t.as(owner, { method: 'PATCH', url: `/v1/owners/dk-gas/network${query}`, payload: payload as Record<string, unknown> });

  it('upserts and deletes by id as a new version', async () => {
    const res = await patch({ upsert: { type: 'FeatureCollection', features: [cable('c1', [585010, 6139001], [585020, 6139001]), cable('new', [585500, 6139500], [585510, 6139500])] }, delete: ['c2', 'c3'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ owner: 'dk-gas', version: 2, features: 9, report: { errors: 0 } });
    const conflicts = t.engine.query(rect(585490, 6139490, 585520, 6139510), { crs: UTM });
    expect(conflicts.map((c) => c.featureId)).toEqual(['new']);
  });

  it('refuses what a change set may not do, changing nothing', async () => {
    expect(problemOf(await patch({ delete: ['nope'] })).code).toBe('FEATURE_ID_UNKNOWN');
    expect(problemOf(await patch({ upsert: { type: 'FeatureCollection', features: [cable('c4', [585000, 6139000], [585010, 6139000])] }, delete: ['c4'] })).code).toBe('CHANGESET_INVALID');
    const rejected = await patch({ upsert: { type: 'FeatureCollection', features: [cable('bad', [585000, 6139000], [585000, 6139000])] } });
    expect(rejected.statusCode).toBe(422);
    expect(problemOf(rejected)).toMatchObject({ code: 'UPLOAD_REJECTED', report: { invalidFeatures: 1 } });
    expect(problemOf(await patch({ upsert: 'all of it' })).code).toBe('REQUEST_INVALID');
    expect(t.engine.snapshot?.networks.get('dk-gas')?.version).toBe(2);
  });
});

describe('interest areas and profiles', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('interest'));
    owner = await t.key('owner', 'dk-vand');
  });
  afterAll(async () => t.close());

  const area = (properties: Record<string, unknown>) => ({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585000, 6139000, 586000, 6140000), properties }] });

  it('registers interest areas that dig requests then find', async () => {
    const bad = await t.as(owner, { method: 'PUT', url: `/v1/owners/dk-vand/interest-areas?crs=${UTM}`, payload: area({ forsyningsart: 'vand' }) });
    expect(bad.statusCode).toBe(422);
    expect(problemOf(bad)).toMatchObject({ code: 'ATTRIBUTE_REQUIRED', featureIndex: 0, pointer: '/properties/contact' });
    const ok = await t.as(owner, { method: 'PUT', url: `/v1/owners/dk-vand/interest-areas?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: JSON.stringify(area({ forsyningsart: 'vand', contact: 'vagt@vand.example.invalid' })) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ owner: 'dk-vand', areas: 1, crs: UTM });
    const got = await t.as(owner, { method: 'GET', url: '/v1/owners/dk-vand/interest-areas' });
    expect(got.json()).toMatchObject({ type: 'FeatureCollection', features: [{ properties: { contact: 'vagt@vand.example.invalid' } }] });
    const contractor = await t.key('contractor');
    const dig = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585400, 6139400, 585410, 6139410), crs: UTM } });
    expect(dig.json()).toMatchObject({ owners: [{ owner: 'dk-vand', status: 'udtaget til manuel behandling', contact: 'vagt@vand.example.invalid' }] });
    // Audited once, by the key that registered them; the refused attempt changed nothing.
    const log = (await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/audit?limit=50' })).json() as { actor: string; action: string; owner: string; detail: Record<string, unknown> }[];
    const entries = log.filter((e) => e.owner === 'dk-vand' && e.action.startsWith('interest-areas'));
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: 'interest-areas.replace', detail: { areas: 1, crs: UTM } });
    expect(entries[0].actor).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the interest areas over a restart, in the one registry dig requests ask', async () => {
    const again = await Engine.open({ store: t.store, workers: 0 });
    try {
      expect(again.interestAreaOwners).toEqual(['dk-vand']);
      const { pkg } = await again.digRequest({ geometry: rect(585400, 6139400, 585410, 6139410), crs: UTM });
      expect(pkg.owners.map((o) => o.owner)).toEqual(['dk-vand']);
    } finally {
      await again.close();
    }
  });

  it('keeps a profile that dig requests use', async () => {
    const res = await t.as(owner, { method: 'PUT', url: '/v1/owners/dk-vand/profile', payload: { name: 'Vand A/S', contact: '+45 11 22 33 44', requiresMarking: true } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await t.as(owner, { method: 'GET', url: '/v1/owners/dk-vand/profile' })).json()).toEqual({ owner: 'dk-vand', name: 'Vand A/S', contact: '+45 11 22 33 44', requiresMarking: true });
    expect(problemOf(await t.as(owner, { method: 'PUT', url: '/v1/owners/dk-vand/profile', payload: { name: 'Vand A/S' } })).code).toBe('REQUEST_INVALID');
    const list = (await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/owners' })).json() as { owner: string; name: string; interestAreas: boolean; version: number | null }[];
    expect(list).toEqual([{ owner: 'dk-vand', name: 'Vand A/S', contact: '+45 11 22 33 44', requiresMarking: true, version: null, features: 0, interestAreas: true }]);
  });
});

describe('the network\'s view right after an upload', () => {
  it('reads the owner\'s own index, never merging every owner\'s on the request\'s thread', async () => {
    const t = await testApp(dir.sub('view-no-merge'), {
      compactDelay: 600_000,
      prepare: async (engine) => {
        await engine.putNetwork('dk-el', { type: 'FeatureCollection', features: cables(4) }, { crs: UTM });
        await engine.putNetwork('dk-gas', { type: 'FeatureCollection', features: cables(3, 6139500, 'g') }, { crs: UTM });
      }
    });
    try {
      // Two owners, each in its own index, not merged yet (compaction waits for uploads to pause).
      expect(t.engine.snapshot?.compacted).toBe(false);
      const res = await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/owners/dk-gas/network' });
      expect(res.statusCode, res.body).toBe(200);
      expect((res.json() as { bbox: number[] }).bbox).toEqual([585000, 6139500, 585028, 6139500]);
      expect(t.engine.snapshot?.compacted).toBe(false);
    } finally {
      await t.close();
    }
  });
});
