import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, SqliteStore } from '../src/library.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import type { Package } from '../src/package/types.js';
import type { Polygon } from '../src/types.js';
import { PLANAR } from './helpers/compare.js';
import { Random, randomDigArea, randomWorld } from './helpers/random.js';
import { CHILD_OWNER, networkOf } from './helpers/upload-child.js';
import { buildNetwork } from './helpers/query.js';

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ler-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const GRID = { size: 300, half: 0.3 };

function answers(engine: Engine, areas: Polygon[]): string[][] {
  return areas.map((a) =>
    engine
      .query(a, { ...PLANAR, infoZone: 1, geometry: false })
      .map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}`)
      .sort()
  );
}

describe('SqliteStore', () => {
  it('runs its migrations once and keeps the last N versions of each owner', async () => {
    const dir = freshDir();
    const store = new SqliteStore({ dataDir: dir, history: 3 });
    expect(store.schemaVersion).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    const index = buildNetwork(networkOf(1), { owner: 'dk-el', ...PLANAR });
    for (let v = 1; v <= 5; v++) store.saveVersion('dk-el', v, index.buffers, index.featureCount);
    expect((await store.history('dk-el')).map((r) => r.version)).toEqual([5, 4, 3]);
    expect(await store.currentVersions()).toEqual([expect.objectContaining({ owner: 'dk-el', version: 5, features: 21 })]);
    const back = await store.loadSnapshot('dk-el', 4);
    for (const part of ['columns', 'chunks', 'tree'] as const) {
      expect(back[part]).toBeInstanceOf(SharedArrayBuffer);
      expect(Buffer.from(new Uint8Array(back[part])).equals(Buffer.from(new Uint8Array(index.buffers[part])))).toBe(true);
    }
    await expect(store.loadSnapshot('dk-el', 1)).rejects.toThrow(expect.objectContaining({ code: 'VERSION_GONE' }));
    await store.close();
    // Reopened: nothing to migrate, everything still there.
    const again = new SqliteStore({ dataDir: dir, history: 3 });
    expect(again.schemaVersion).toBe(MIGRATIONS[MIGRATIONS.length - 1].version);
    expect((await again.history('dk-el')).map((r) => r.version)).toEqual([5, 4, 3]);
    await again.close();
  });

  it('keeps API keys only as hashes, an audit log, interest areas and dig requests', async () => {
    const store = new SqliteStore({ dataDir: freshDir() });
    const hash = createHash('sha256').update('secret-token').digest('hex');
    await store.putApiKey({ hash, role: 'owner', owner: 'dk-el', name: 'upload robot' });
    expect(await store.findApiKey(hash)).toMatchObject({ role: 'owner', owner: 'dk-el', name: 'upload robot' });
    expect(await store.findApiKey(createHash('sha256').update('other').digest('hex'))).toBeNull();
    await expect(store.putApiKey({ hash: 'secret-token', role: 'admin', owner: null, name: null })).rejects.toThrow(expect.objectContaining({ code: 'OPTION_INVALID' }));
    await store.audit({ actor: 'admin', action: 'key.create', owner: null, detail: { role: 'owner' } });
    await store.audit({ actor: 'dk-el', action: 'network.replace', owner: 'dk-el', detail: { version: 1 } });
    expect((await store.auditLog()).map((e) => e.action)).toEqual(['network.replace', 'key.create']);
    const index = buildNetwork(networkOf(1), { owner: 'dk-el', ...PLANAR });
    store.saveVersion('dk-el', 1, index.buffers, index.featureCount);
    const areas = { type: 'FeatureCollection', features: [] };
    await store.putInterestAreas('dk-el', areas);
    expect(await store.interestAreas('dk-el')).toEqual(areas);
    await store.recordDigRequest('r1', 'contractor-1', JSON.stringify({ digArea: 1, networkVersions: { 'dk-el': 1 } }), { actor: 'contractor-1', action: 'dig-request.create', owner: null, detail: { id: 'r1' } });
    expect(await store.digRequest('r1')).toMatchObject({ requester: 'contractor-1', body: { networkVersions: { 'dk-el': 1 } } });
    expect(await store.digRequest('missing')).toBeNull();
    await store.close();
  });
});

describe('Engine with a store', () => {
  it('starts again with every owner\'s newest version and the same answers', async () => {
    const dir = freshDir();
    const world = randomWorld(new Random(31), { ...GRID, owners: 3, featuresPerOwner: 200, components: 0.2 });
    const rng = new Random(32);
    const areas = Array.from({ length: 60 }, () => randomDigArea(rng, GRID) as Polygon);
    const store = new SqliteStore({ dataDir: dir });
    const engine = await Engine.open({ workers: 0, store });
    for (const { owner, features } of world.owners) await engine.putNetwork(owner, features, PLANAR);
    await engine.putNetwork(world.owners[1].owner, world.owners[1].features.slice(0, 150), PLANAR);
    const before = answers(engine, areas);
    const networks = [...(engine.snapshot?.networks.values() ?? [])];
    await engine.close();
    await store.close();

    const reopened = new SqliteStore({ dataDir: dir });
    const restarted = await Engine.open({ workers: 0, store: reopened });
    expect([...(restarted.snapshot?.networks.values() ?? [])]).toEqual(networks);
    expect(restarted.snapshot?.networks.get(world.owners[1].owner)?.version).toBe(2);
    expect(answers(restarted, areas)).toEqual(before);
    expect((await reopened.auditLog()).filter((e) => e.action === 'network.replace')).toHaveLength(4);

    // A bad upload changes nothing, in memory or stored.
    const bad = [...world.owners[0].features.slice(0, 3), { type: 'Feature', id: 'x', geometry: { type: 'Point', coordinates: [1, Number.NaN] }, properties: { featureType: 'Elkomponent' } }];
    expect(() => restarted.putNetwork(world.owners[0].owner, bad, PLANAR)).toThrow(expect.objectContaining({ code: 'COORDINATE_NOT_FINITE', featureIndex: 3 }));
    expect((await reopened.history(world.owners[0].owner)).map((r) => r.version)).toEqual([1]);
    expect(answers(restarted, areas)).toEqual(before);
    await restarted.close();
    await reopened.close();
  });

  it('loses no stored upload and keeps the last version whole when the process is killed mid-upload', async () => {
    const dir = freshDir();
    const child = fileURLToPath(new URL('./helpers/upload-child.ts', import.meta.url));
    const probe: Polygon = { type: 'Polygon', coordinates: [[[100, -1], [110, -1], [110, 400], [100, 400], [100, -1]]] };
    let lastStored = 0;
    // Kill after 1, 2, 3 ... uploads, and at once after starting up again.
    for (const [i, delay] of [[0, 0], [1, 37], [2, 111], [3, 0], [4, 233]] as const) {
      const seen = await runAndKill(child, dir, i % 2 === 0 ? 1 : 2, delay);
      const store = new SqliteStore({ dataDir: dir });
      const engine = await Engine.open({ workers: 0, store });
      const version = engine.snapshot?.networks.get(CHILD_OWNER)?.version ?? 0;
      // Every upload reported stored is there; at most the one in flight got in besides.
      expect(version).toBeGreaterThanOrEqual(Math.max(seen, lastStored));
      expect(version).toBeLessThanOrEqual(Math.max(seen, lastStored) + 1);
      expect(engine.snapshot?.networks.get(CHILD_OWNER)?.features).toBe(20 + version);
      // Whole and queryable: every line of that version crosses the probe.
      expect(engine.query(probe, { ...PLANAR, geometry: false })).toHaveLength(20 + version);
      lastStored = version;
      await engine.close();
      await store.close();
    }
    expect(lastStored).toBeGreaterThanOrEqual(3);
  });
});

/** Starts the uploading child, waits until it has stored `uploads` versions, waits `delay` ms, kills it. */
function runAndKill(script: string, dir: string, uploads: number, delay: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, 'run', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stored = 0;
    let count = 0;
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/stored (\d+)/g)) {
        stored = Number(m[1]);
        count++;
        if (count === uploads) setTimeout(() => proc.kill('SIGKILL'), delay);
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(stored);
      else reject(new Error(`The child ended by itself (${String(code)}): ${err}`));
    });
  });
}

describe('dig packages rebuilt from their network versions', () => {
  const world = randomWorld(new Random(61), { ...GRID, owners: 3, featuresPerOwner: 200, components: 0.2 });
  const rng = new Random(62);
  const areas = Array.from({ length: 12 }, () => randomDigArea(rng, GRID) as Polygon);
  const json = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

  it('gives the same answer after the networks changed, and says when a version is no longer kept', async () => {
    const store = new SqliteStore({ dataDir: freshDir(), history: 2 });
    const engine = await Engine.open({ workers: 0, store });
    try {
      for (const { owner, features } of world.owners) await engine.putNetwork(owner, features, PLANAR);
      const packages: Package[] = [];
      for (const a of areas) packages.push((await engine.digRequest({ geometry: a, crs: PLANAR.crs, infoZone: 2 }, { requester: 'contractor-1', extent: null })).pkg);
      expect(packages.some((p) => p.owners.length > 0)).toBe(true);
      expect(packages[0].networkVersions).toEqual(Object.fromEntries(world.owners.map((o) => [o.owner, 1])));
      // Every owner's network changes.
      for (const { owner, features } of world.owners) await engine.putNetwork(owner, features.slice(0, 100), PLANAR);
      const now = areas.map((a) => engine.query(a, { ...PLANAR, infoZone: 2 }).length);
      expect(now).not.toEqual(packages.map((p) => p.owners.reduce((s, o) => s + o.conflicts.length, 0)));
      for (const p of packages) expect(json(await engine.rebuildPackage(p.id))).toEqual(json(p));
      // Two more versions of one owner: with a history of 2, version 1 is gone.
      await engine.putNetwork(world.owners[0].owner, world.owners[0].features.slice(0, 50), PLANAR);
      await expect(engine.rebuildPackage(packages[0].id)).rejects.toThrow(expect.objectContaining({ code: 'VERSION_GONE' }));
      await expect(engine.rebuildPackage('no-such-id')).rejects.toThrow(expect.objectContaining({ code: 'DIG_REQUEST_UNKNOWN' }));
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
