/**
 * An owner's network is not emptied by mistake: an upload with no features, or one that removes
 * more than the configured share of its features, is refused unless the request says it means
 * it; a change set that changes nothing makes no version; and a kept version can be made current
 * again, as a new version, audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/library.js';
import { loadConfig } from '../src/http/config.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('safe-replacement');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
const collection = (features: unknown[]): string => JSON.stringify({ type: 'FeatureCollection', features });
const cables = (n: number, prefix = 'c', y = 6139000): ReturnType<typeof cable>[] => Array.from({ length: n }, (_, i) => cable(`${prefix}${i}`, [585000 + 10 * i, y], [585000 + 10 * i + 8, y]));

interface AuditEntry {
  action: string;
  owner: string;
  detail: Record<string, unknown>;
}

describe('whole-network uploads that would empty or gut a network', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('put'));
    owner = await t.key('owner', 'dk-el');
  });
  afterAll(async () => t.close());

  const put = (features: unknown[], query = '', headers: Record<string, string> = {}) =>
    t.as(owner, { method: 'PUT', url: `/v1/owners/dk-el/network?crs=${UTM}${query}`, headers: { 'content-type': 'application/geo+json', ...headers }, payload: collection(features) });
  const live = () => t.engine.snapshot?.networks.get('dk-el');
  const audit = async () => ((await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/audit?limit=100' })).json() as AuditEntry[]).filter((e) => e.owner === 'dk-el' && e.action.startsWith('network.'));

  it('refuses an empty upload, so the next dig still finds the lines', async () => {
    expect((await put(cables(10))).statusCode).toBe(200);
    const empty = await put([]);
    expect(empty.statusCode).toBe(409);
    expect(problemOf(empty)).toMatchObject({ code: 'UPLOAD_EMPTY_NETWORK' });
    expect(live()).toMatchObject({ version: 1, features: 10 });
    const contractor = await t.key('contractor');
    const dig = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585000, 6138990, 585020, 6139010), crs: UTM } });
    expect((dig.json() as { owners: { owner: string; conflicts: unknown[] }[] }).owners).toMatchObject([{ owner: 'dk-el' }]);
    // The refusal is audited; no version was made.
    expect((await audit()).map((e) => e.action)).toEqual(['network.replace.rejected', 'network.replace']);
    expect((await audit())[0].detail).toMatchObject({ code: 'UPLOAD_EMPTY_NETWORK' });
  });

  it('refuses an upload that removes more than half of the features, and takes one that removes half', async () => {
    // Keeps c0..c3 of c0..c9: 6 of 10 gone.
    const gutted = await put(cables(4));
    expect(gutted.statusCode).toBe(409);
    const p = problemOf(gutted);
    expect(p.code).toBe('REMOVAL_TOO_LARGE');
    expect(p.detail).toContain('6 of the 10');
    // What `invalid=skip` would leave counts, not what was sent: an export whose features broke.
    const broken = [...cables(4), ...cables(6, 'c', 6139000).slice(4).map((f) => ({ ...f, properties: { ...f.properties, fareklasse: 'lidt' } }))];
    expect(problemOf(await put(broken, '&invalid=skip')).code).toBe('REMOVAL_TOO_LARGE');
    expect(live()).toMatchObject({ version: 1, features: 10 });
    // c0..c4 kept, five new: 5 of 10 gone, not more than half.
    const half = await put([...cables(5), ...cables(5, 'n', 6139100)]);
    expect(half.statusCode, half.body).toBe(200);
    expect(half.json()).toMatchObject({ version: 2, features: 10 });
  });

  it('takes either when the request says it means it', async () => {
    expect(problemOf(await put([], '&allowRemoval=yes')).code).toBe('REQUEST_INVALID');
    const gutted = await put(cables(2, 'g'), '&allowRemoval=true');
    expect(gutted.statusCode, gutted.body).toBe(200);
    expect(gutted.json()).toMatchObject({ version: 3, features: 2 });
    const empty = await put([], '&allowRemoval=true');
    expect(empty.statusCode, empty.body).toBe(200);
    expect(empty.json()).toMatchObject({ version: 4, features: 0 });
  });
});

describe('the removal share is configured, and change sets keep to it', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('patch'), { config: { limits: { maxRemovalPercent: 20 } }, prepare: (engine) => engine.putNetwork('dk-gas', cables(10), { crs: UTM }) });
    owner = await t.key('owner', 'dk-gas');
  });
  afterAll(async () => t.close());

  const patch = (payload: unknown, query = '') => t.as(owner, { method: 'PATCH', url: `/v1/owners/dk-gas/network?crs=${UTM}${query}`, payload: payload as Record<string, unknown> });

  it('refuses a change set that changes nothing, making no version', async () => {
    for (const body of [{}, { upsert: { type: 'FeatureCollection', features: [] }, delete: [] }, { delete: [] }]) {
      const res = await patch(body);
      expect(res.statusCode).toBe(400);
      expect(problemOf(res).code).toBe('CHANGESET_EMPTY');
    }
    expect(t.engine.snapshot?.networks.get('dk-gas')?.version).toBe(1);
  });

  it('refuses deletes beyond the share unless allowRemoval=true', async () => {
    const three = await patch({ delete: ['c0', 'c1', 'c2'] });
    expect(three.statusCode).toBe(409);
    expect(problemOf(three)).toMatchObject({ code: 'REMOVAL_TOO_LARGE' });
    expect(problemOf(three).detail).toContain('3 of the 10');
    const two = await patch({ delete: ['c0', 'c1'], upsert: { type: 'FeatureCollection', features: cables(1, 'n', 6139100) } });
    expect(two.statusCode, two.body).toBe(200);
    expect(two.json()).toMatchObject({ version: 2, features: 9 });
    const meant = await patch({ delete: ['c2', 'c3', 'c4', 'c5'] }, '&allowRemoval=true');
    expect(meant.statusCode, meant.body).toBe(200);
    expect(meant.json()).toMatchObject({ version: 3, features: 5 });
  });

  it('reads the share from LER_MAX_REMOVAL_PERCENT, 0 to 100', () => {
    expect(loadConfig({}).limits.maxRemovalPercent).toBe(50);
    expect(loadConfig({ LER_MAX_REMOVAL_PERCENT: '0' }).limits.maxRemovalPercent).toBe(0);
    expect(() => loadConfig({ LER_MAX_REMOVAL_PERCENT: '101' })).toThrow(/LER_MAX_REMOVAL_PERCENT/);
  });
});

describe('the engine offers the check; the library goes unrestricted without it', () => {
  it('refuses only with a guard', async () => {
    const engine = new Engine({ workers: 0 });
    try {
      await engine.putNetworkStream('x', Buffer.from(collection(cables(10))), { crs: UTM });
      const guard = { maxRemovalPercent: 50 };
      await expect(engine.putNetworkStream('x', Buffer.from(collection(cables(3))), { crs: UTM, guard })).rejects.toMatchObject({ code: 'REMOVAL_TOO_LARGE' });
      await expect(engine.putNetworkStream('x', Buffer.from(collection([])), { crs: UTM, guard })).rejects.toMatchObject({ code: 'UPLOAD_EMPTY_NETWORK' });
      expect(() => engine.patchNetwork('x', { delete: ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'] }, { guard })).toThrow(expect.objectContaining({ code: 'REMOVAL_TOO_LARGE' }));
      expect(engine.snapshot?.networks.get('x')).toMatchObject({ version: 1, features: 10 });
      // A large network is compared by id without a string per feature; the share is exact.
      const many = Array.from({ length: 5000 }, (_, i) => cable(`m${i}`, [585000 + (i % 100) * 10, 6139000 + Math.floor(i / 100) * 10], [585000 + (i % 100) * 10 + 5, 6139000 + Math.floor(i / 100) * 10]));
      await engine.putNetworkStream('y', Buffer.from(collection(many)), { crs: UTM });
      await expect(engine.putNetworkStream('y', Buffer.from(collection(many.slice(2501))), { crs: UTM, guard })).rejects.toMatchObject({ message: expect.stringContaining('2501 of the 5000') });
      await engine.putNetworkStream('y', Buffer.from(collection(many.slice(2500))), { crs: UTM, guard });
      // Without a guard (as `ler import` does), anything goes.
      await engine.putNetworkStream('x', Buffer.from(collection([])), { crs: UTM });
      expect(engine.snapshot?.networks.get('x')).toMatchObject({ version: 2, features: 0 });
    } finally {
      await engine.close();
    }
  });
});

describe('rollback to a kept version', () => {
  let t: TestApp;
  let owner: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('rollback'));
    owner = await t.key('owner', 'dk-vand');
  });
  afterAll(async () => t.close());

  const put = (features: unknown[]) =>
    t.as(owner, { method: 'PUT', url: `/v1/owners/dk-vand/network?crs=${UTM}&allowRemoval=true`, headers: { 'content-type': 'application/geo+json' }, payload: collection(features) });
  const rollback = (version: unknown, token = owner, who = 'dk-vand') => t.as(token, { method: 'POST', url: `/v1/owners/${who}/network/rollback`, payload: { version } as Record<string, unknown> });
  const ids = () => {
    const conflicts = t.engine.query(rect(584990, 6138990, 586000, 6139200), { crs: UTM, geometry: false });
    return conflicts.map((c) => String(c.featureId)).sort();
  };

  it('makes a kept version current again as a new version, stored and audited', async () => {
    expect((await put(cables(4))).statusCode).toBe(200);
    expect((await put([])).statusCode).toBe(200);
    expect(ids()).toEqual([]);
    const res = await rollback(1);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ owner: 'dk-vand', version: 3, from: 1, features: 4 });
    expect(ids()).toEqual(['c0', 'c1', 'c2', 'c3']);
    const log = ((await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/audit?limit=20' })).json() as AuditEntry[]).filter((e) => e.owner === 'dk-vand');
    expect(log[0]).toMatchObject({ action: 'network.rollback', detail: { from: 1, version: 3, features: 4 } });
    expect((await t.store.history('dk-vand')).map((v) => [v.version, v.features])).toEqual([[3, 4], [2, 0], [1, 4]]);
    // Stored before it was visible: a restart finds it.
    const again = await Engine.open({ store: t.store, workers: 0 });
    try {
      expect(again.snapshot?.networks.get('dk-vand')).toMatchObject({ version: 3, features: 4 });
    } finally {
      await again.close();
    }
  });

  it('answers a version never made, one no longer kept, and a foreign owner with their codes', async () => {
    const unknown = await rollback(99);
    expect(unknown.statusCode).toBe(404);
    expect(problemOf(unknown)).toMatchObject({ code: 'VERSION_UNKNOWN', pointer: '/version' });
    expect(problemOf(await rollback(0)).code).toBe('REQUEST_INVALID');
    // Five versions are kept: after three more, version 1 is gone.
    for (let i = 0; i < 3; i++) expect((await put(cables(2, `v${i}`))).statusCode).toBe(200);
    expect((await t.store.history('dk-vand')).map((v) => v.version)).toEqual([6, 5, 4, 3, 2]);
    const gone = await rollback(1);
    expect(gone.statusCode).toBe(410);
    expect(problemOf(gone).code).toBe('VERSION_GONE');
    const other = await t.key('owner', 'dk-gas');
    expect(problemOf(await rollback(2, other)).code).toBe('FORBIDDEN');
    expect(problemOf(await rollback(1, ADMIN_TOKEN, 'nobody')).code).toBe('OWNER_UNKNOWN');
    // An admin may; nothing refused above changed the network.
    expect(t.engine.snapshot?.networks.get('dk-vand')?.version).toBe(6);
    const admin = await rollback(2, ADMIN_TOKEN);
    expect(admin.statusCode, admin.body).toBe(200);
    expect(admin.json()).toMatchObject({ version: 7, from: 2, features: 0 });
  });
});

describe('uploads at once', () => {
  it('measures each upload\'s removals against the network as it is when its turn comes', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('at-once') });
    const engine = await Engine.open({ workers: 0, store });
    // The first upload's version is held in the store until the second upload has been read.
    const commit = store.commitVersion.bind(store);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => {};
    const inStore = new Promise<void>((resolve) => (entered = resolve));
    let calls = 0;
    store.commitVersion = async (...args) => {
      if (calls++ === 1) {
        entered();
        await held;
      }
      return commit(...args);
    };
    try {
      const guard = { maxRemovalPercent: 50 };
      const bytes = (features: unknown[]): Uint8Array => new TextEncoder().encode(collection(features));
      await engine.putNetworkStream('el', bytes(cables(10)), { crs: UTM });
      // A adds 90 lines and removes none; B, sent while A is being stored, is the old 10: stored
      // after A, it would remove 90 of 100. Checked against the network it replaces, it is refused.
      const a = engine.putNetworkStream('el', bytes([...cables(10), ...cables(90, 'n', 6139100)]), { crs: UTM, guard });
      await inStore;
      const b = engine.putNetworkStream('el', bytes(cables(10)), { crs: UTM, guard });
      b.catch(() => undefined);
      // B is read whole (10 lines) long before this; then A's version is let through.
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await expect(a).resolves.toBeDefined();
      await expect(b).rejects.toMatchObject({ code: 'REMOVAL_TOO_LARGE' });
      expect(engine.snapshot?.networks.get('el')).toMatchObject({ version: 2, features: 100 });
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
