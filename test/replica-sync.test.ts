/**
 * Engines on one PostgreSQL database follow each other: a version, a removal, interest areas and
 * an owner profile committed through one engine are answered by the other; and a change committed
 * while the other's listening connection was cut is not missed (it listens again, then compares
 * every owner with the store).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, PostgresStore, buildNetwork } from '../src/library.js';
import type { StoreChange } from '../src/store/store.js';
import type { Feature } from '../src/types.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

const PLANAR = { crs: 'EPSG:25832' } as const;
let cluster: PgCluster;
const opened: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  cluster = await startPgCluster();
}, 120_000);

afterAll(async () => {
  for (const o of opened.reverse()) await o.close().catch(() => undefined);
  await cluster?.stop();
}, 60_000);

function line(id: string, x: number): Feature {
  return { type: 'Feature', id, geometry: { type: 'LineString', coordinates: [[585000 + x, 6139000], [585000 + x, 6139100]] }, properties: { featureType: 'Elledning', fareklasse: 'farlig' } };
}

function network(n: number) {
  return { type: 'FeatureCollection', features: Array.from({ length: n }, (_, i) => line(`L${i}`, i * 10)) };
}

interface Replica {
  store: PostgresStore;
  engine: Engine;
  /** The changes of the store this replica followed, in order. */
  followed: StoreChange[];
}

async function replica(url: string): Promise<Replica> {
  const store = await PostgresStore.open({ url });
  opened.push(store);
  const followed: StoreChange[] = [];
  const engine = await Engine.open({ store, workers: 0, sync: { onFollowed: (change) => followed.push(change) } });
  opened.push(engine);
  return { store, engine, followed };
}

async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`Not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const versionAt = (engine: Engine, owner: string): number | undefined => engine.snapshot?.networks.get(owner)?.version;

/**
 * Runs `change` while the replica's listening connection is cut and cannot come back (the database
 * takes no new connections; the other replica's pool keeps the ones it has): its notices reach
 * nobody there. Then connections are taken again.
 */
async function whileDeaf(r: Replica, change: () => Promise<unknown>): Promise<void> {
  const pid = await r.store.listenerPid();
  expect(pid).not.toBeNull();
  // From another database: the one being closed to new connections cannot be altered from inside.
  const admin = new pg.Client({ connectionString: cluster.url.replace(/\/ler$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query('ALTER DATABASE ler ALLOW_CONNECTIONS false');
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await change();
  } finally {
    await admin.query('ALTER DATABASE ler ALLOW_CONNECTIONS true');
    await admin.end();
  }
}

describe('engines on one PostgreSQL database', () => {
  let a: Replica;
  let b: Replica;

  beforeAll(async () => {
    a = await replica(cluster.url);
    b = await replica(cluster.url);
  }, 60_000);

  it('answer what the other committed: versions, removals, interest areas and profiles', async () => {
    await a.engine.putNetwork('dk-el', network(3), PLANAR);
    await eventually('version 1 at B', () => versionAt(b.engine, 'dk-el') === 1);
    expect(b.engine.snapshot?.networks.get('dk-el')?.features).toBe(3);
    await b.engine.putNetwork('dk-el', network(5), PLANAR);
    // B numbered past A's version, and A follows B.
    expect(versionAt(b.engine, 'dk-el')).toBe(2);
    await eventually('version 2 at A', () => versionAt(a.engine, 'dk-el') === 2);
    expect(a.engine.query({ type: 'Polygon', coordinates: [[[585035, 6139050], [585045, 6139050], [585045, 6139060], [585035, 6139060], [585035, 6139050]]] }, PLANAR).map((c) => c.featureId)).toEqual(['L4']);

    const areas = { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [[[585000, 6139000], [585100, 6139000], [585100, 6139100], [585000, 6139100], [585000, 6139000]]] }, properties: { forsyningsart: 'el', contact: 'vagt 70 10 20 30' } }] };
    await a.engine.putInterestAreas('dk-fiber', areas, PLANAR);
    await eventually('interest areas at B', () => b.engine.interestAreaOwners.includes('dk-fiber'));

    await a.store.putOwnerProfile({ owner: 'dk-el', name: 'Elnet Fyn', contact: 'vagt 1', requiresMarking: true });
    await eventually('the profile at B', async () => {
      const { pkg } = await b.engine.digRequest({ geometry: { type: 'Polygon', coordinates: [[[585035, 6139050], [585045, 6139050], [585045, 6139060], [585035, 6139060], [585035, 6139050]]] }, crs: 'EPSG:25832' });
      return pkg.owners.find((o) => o.owner === 'dk-el')?.name === 'Elnet Fyn';
    });

    await b.engine.removeNetwork('dk-el');
    await eventually('the removal at A', () => versionAt(a.engine, 'dk-el') === undefined);
  }, 60_000);

  it('both store a version when two of them change the same owner at once: the second numbers again', async () => {
    // The store refuses a number taken (by the unique key, or seen before the snapshot is sent).
    const first = buildNetwork(network(1), { owner: 'dk-race', ...PLANAR });
    await expect(a.store.commitVersion('dk-race', 1, first.buffers, first.featureCount)).resolves.toMatchObject({ version: 1 });
    await expect(b.store.commitVersion('dk-race', 1, first.buffers, first.featureCount)).rejects.toMatchObject({ code: 'VERSION_TAKEN' });
    await eventually('version 1 at both', () => versionAt(a.engine, 'dk-race') === 1 && versionAt(b.engine, 'dk-race') === 1);
    await Promise.all([a.engine.putNetwork('dk-race', network(2), PLANAR), b.engine.putNetwork('dk-race', network(4), PLANAR)]);
    expect((await a.store.history('dk-race')).map((v) => v.version)).toEqual([3, 2, 1]);
    await eventually('both at version 3', () => versionAt(a.engine, 'dk-race') === 3 && versionAt(b.engine, 'dk-race') === 3);
    expect(a.engine.snapshot?.networks.get('dk-race')?.features).toBe(b.engine.snapshot?.networks.get('dk-race')?.features);
  }, 60_000);

  it('miss no change committed while the listening connection was cut', async () => {
    await a.engine.putNetwork('dk-gas', network(2), PLANAR);
    await eventually('version 1 at B', () => versionAt(b.engine, 'dk-gas') === 1);
    const pid = await b.store.listenerPid();
    const heard = b.followed.length;
    await whileDeaf(b, () => a.engine.putNetwork('dk-gas', network(7), PLANAR));
    // B listens again, then compares every owner with the store.
    await eventually('version 2 at B', () => versionAt(b.engine, 'dk-gas') === 2);
    expect(b.engine.snapshot?.networks.get('dk-gas')?.features).toBe(7);
    expect(await b.store.listenerPid()).not.toBe(pid);
    // Through the resync (told once all of it is followed): B never heard of version 2 itself.
    await eventually('the resync followed at B', () => b.followed.slice(heard).some((c) => c.kind === 'resync'));
    expect(b.followed.slice(heard).some((c) => c.kind === 'version' && c.owner === 'dk-gas' && c.version === 2)).toBe(false);
  }, 60_000);

  it('follow an owner removed and uploaded again while not listening, though its versions start again from 1', async () => {
    await a.engine.putNetwork('dk-again', network(5), PLANAR);
    await a.engine.putNetwork('dk-again', network(6), PLANAR);
    await eventually('version 2 at B', () => versionAt(b.engine, 'dk-again') === 2);
    await whileDeaf(b, async () => {
      await a.engine.removeNetwork('dk-again');
      await a.engine.putNetwork('dk-again', network(2), PLANAR);
    });
    expect(versionAt(a.engine, 'dk-again')).toBe(1);
    await eventually('the new version 1 at B', () => versionAt(b.engine, 'dk-again') === 1 && b.engine.snapshot?.networks.get('dk-again')?.features === 2);
  }, 60_000);
});
