/**
 * What the PostgreSQL store does besides the store contract (test/helpers/store-contract.ts):
 * migrations run once when replicas open together, snapshots as streamed large objects that go
 * with their versions, changes heard by other replicas only once committed, a listening
 * connection that comes back (and says so), and an outage that answers STORE_UNAVAILABLE and
 * heals by itself. One throwaway cluster for the file; a database of its own per test.
 */
import { randomFillSync } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotBuffers } from '../src/index/network-index.js';
import { PostgresStore } from '../src/store/postgres.js';
import { PgDatabase } from '../src/store/postgres-db.js';
import { PG_MIGRATIONS } from '../src/store/postgres-migrations.js';
import { LO_READ_PIECE, LO_WRITE_PIECE } from '../src/store/postgres-snapshots.js';
import type { AuditInput, StoreChange } from '../src/store/store.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';

let cluster: PgCluster;
const open: PostgresStore[] = [];
let databases = 0;

beforeAll(async () => {
  cluster = await startPgCluster();
});
afterAll(async () => {
  for (const store of open) await store.close().catch(() => {});
  await cluster?.stop();
});

/** SQL on a database of the cluster, on a connection of its own. */
async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values?: unknown[]): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A new empty database on the cluster; its URL. */
async function freshDatabase(): Promise<string> {
  const name = `t${++databases}`;
  await sql(cluster.url, `CREATE DATABASE ${name}`);
  return cluster.url.replace(/\/ler$/, `/${name}`);
}

async function openStore(url: string, opts: { history?: number; errors?: Error[] } = {}): Promise<PostgresStore> {
  const store = await PostgresStore.open({ url, ...(opts.history !== undefined ? { history: opts.history } : {}), onError: (e) => opts.errors?.push(e) });
  open.push(store);
  return store;
}

/** Snapshot buffers of the given sizes, filled with random bytes. */
function randomSnapshot(columns: number, chunks: number, tree: number): SnapshotBuffers {
  const fill = (n: number): SharedArrayBuffer => {
    const buffer = new SharedArrayBuffer(n);
    for (let at = 0; at < n; at += 65536) randomFillSync(new Uint8Array(buffer, at, Math.min(65536, n - at)));
    return buffer;
  };
  return { columns: fill(columns), chunks: fill(chunks), tree: fill(tree) };
}

function sameBytes(a: SharedArrayBuffer, b: SharedArrayBuffer): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

async function largeObjects(url: string): Promise<number> {
  return Number((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM pg_largeobject_metadata'))[0].n);
}

/** Makes the database refuse every new audit entry, as a full disk or a failing constraint would. */
async function refuseAudit(url: string): Promise<void> {
  await sql(url, `CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$`);
  await sql(url, 'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
}

async function allowAudit(url: string): Promise<void> {
  await sql(url, 'DROP TRIGGER refuse_audit ON audit_log');
}

const event = (action: string, owner: string | null = null): AuditInput => ({ actor: 'admin', action, owner, detail: {} });

/** The changes a store hears, in order; `next` waits for one that matches. */
class Heard {
  readonly changes: StoreChange[] = [];
  private readonly waiting = new Set<() => void>();
  readonly stop: () => void;

  constructor(store: PostgresStore) {
    this.stop = store.subscribe((change) => {
      this.changes.push(change);
      for (const wake of this.waiting) wake();
    });
  }

  /** The first change from index `from` on that matches; its index. */
  async next(match: (c: StoreChange) => boolean, from = 0): Promise<number> {
    for (;;) {
      const i = this.changes.findIndex((c, k) => k >= from && match(c));
      if (i >= 0) return i;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiting.delete(wake);
          resolve();
        };
        this.waiting.add(wake);
      });
    }
  }
}

/** Polls until `fn` resolves without throwing (the test's timeout bounds it). */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('PostgresStore migrations', () => {
  it('apply once when four replicas open a fresh database at the same moment', async () => {
    const url = await freshDatabase();
    const stores = await Promise.all([0, 1, 2, 3].map(() => openStore(url)));
    const last = Math.max(...PG_MIGRATIONS.map((m) => m.version));
    expect(stores.map((s) => s.schemaVersion)).toEqual([last, last, last, last]);
    const rows = await sql<{ version: number; n: string }>(url, 'SELECT version, count(*) AS n FROM ler_schema GROUP BY version ORDER BY version');
    expect(rows.map((r) => [r.version, Number(r.n)])).toEqual(PG_MIGRATIONS.map((m) => [m.version, 1]));
    // A fifth, later, finds nothing to do.
    const later = await openStore(url);
    expect(later.schemaVersion).toBe(last);
    expect(await sql(url, 'SELECT * FROM ler_schema')).toHaveLength(PG_MIGRATIONS.length);
  });
});

describe('PostgresStore snapshots', () => {
  it('streams a multi-MB snapshot in and out byte for byte, into SharedArrayBuffers of the recorded sizes', async () => {
    const store = await openStore(await freshDatabase());
    // Not a whole number of pieces either way, a whole number of pieces both ways, and empty.
    const buffers = randomSnapshot(5 * LO_WRITE_PIECE + LO_READ_PIECE / 2 + 1, 2 * LO_WRITE_PIECE, 0);
    const record = await store.commitVersion('dk-el', 1, buffers, 42);
    expect(record).toMatchObject({ owner: 'dk-el', version: 1, features: 42, bytes: buffers.columns.byteLength + buffers.chunks.byteLength });
    expect(record.bytes).toBeGreaterThan(5_000_000);
    const back = await store.loadSnapshot('dk-el', 1);
    for (const part of ['columns', 'chunks', 'tree'] as const) {
      expect(back[part]).toBeInstanceOf(SharedArrayBuffer);
      expect(back[part].byteLength).toBe(buffers[part].byteLength);
      expect(sameBytes(back[part], buffers[part])).toBe(true);
    }
    await expect(store.loadSnapshot('dk-el', 2)).rejects.toMatchObject({ code: 'VERSION_GONE' });
  });

  it('unlinks the large objects of versions dropped from the history, of a removed owner, and of a write rolled back', async () => {
    const url = await freshDatabase();
    const store = await openStore(url, { history: 2 });
    const before = await largeObjects(url);
    const snap = (k: number): SnapshotBuffers => randomSnapshot(1000 + k, 2000 + k, 300 + k);
    await store.commitVersion('dk-el', 1, snap(1), 1);
    expect(await largeObjects(url)).toBe(before + 3);
    await store.commitVersion('dk-el', 2, snap(2), 2);
    await store.commitVersion('dk-el', 3, snap(3), 3);
    await store.commitVersion('dk-el', 4, snap(4), 4);
    expect((await store.history('dk-el')).map((v) => v.version)).toEqual([4, 3]);
    expect(await largeObjects(url)).toBe(before + 6);
    await store.commitVersion('dk-gas', 1, snap(5), 5);
    expect(await largeObjects(url)).toBe(before + 9);

    // A version whose audit entry is refused leaves no version and no large object.
    await refuseAudit(url);
    await expect(store.commitVersion('dk-el', 5, snap(6), 6, event('network.replace', 'dk-el'))).rejects.toThrow(/audit refused/);
    expect((await store.history('dk-el')).map((v) => v.version)).toEqual([4, 3]);
    expect(await largeObjects(url)).toBe(before + 9);
    // Neither does one refused for its spelling.
    await expect(store.commitVersion('DK-EL', 1, snap(7), 7)).rejects.toMatchObject({ code: 'OWNER_ID_CASE_CONFLICT' });
    await allowAudit(url);

    await store.removeOwner('dk-el', event('network.remove', 'dk-el'));
    expect(await largeObjects(url)).toBe(before + 3);
    await store.removeOwner('dk-gas');
    expect(await largeObjects(url)).toBe(before);
    expect(await store.currentVersions()).toEqual([]);
  });
});

describe('PostgresStore between replicas', () => {
  it('tells another store of each committed change, after the commit, and of no rolled-back one', async () => {
    const url = await freshDatabase();
    const a = await openStore(url);
    const b = await openStore(url);
    const heard = new Heard(b);
    const hash = 'c'.repeat(64);

    await a.commitVersion('dk-el', 1, randomSnapshot(100, 100, 100), 3);
    let i = await heard.next((c) => c.kind === 'version');
    expect(heard.changes[i]).toEqual({ kind: 'version', owner: 'dk-el', version: 1 });
    // Heard once committed: the other store reads it.
    expect(await b.currentVersions()).toEqual([expect.objectContaining({ owner: 'dk-el', version: 1 })]);

    // B keeps what it looked up; A's changes reach it.
    await a.putApiKey({ hash, role: 'owner', owner: 'dk-el', name: 'robot' });
    i = await heard.next((c) => c.kind === 'key', i + 1);
    expect(heard.changes[i]).toEqual({ kind: 'key', hash });
    expect(await b.findApiKey(hash)).toMatchObject({ role: 'owner', owner: 'dk-el' });
    expect(await b.ownerProfile('dk-el')).toMatchObject({ name: null });
    await a.putOwnerProfile({ owner: 'dk-el', name: 'El A/S', contact: 'vagt', requiresMarking: true });
    i = await heard.next((c) => c.kind === 'profile', i + 1);
    expect(heard.changes[i]).toEqual({ kind: 'profile', owner: 'dk-el' });
    expect(await b.ownerProfile('dk-el')).toMatchObject({ name: 'El A/S', requiresMarking: true });
    await a.putInterestAreas('dk-vand', { type: 'FeatureCollection', features: [] });
    i = await heard.next((c) => c.kind === 'interest-areas', i + 1);
    expect(heard.changes[i]).toEqual({ kind: 'interest-areas', owner: 'dk-vand' });
    expect(await b.deleteApiKey('f'.repeat(64))).toBe(false);
    expect(await a.deleteApiKey(hash)).toBe(true);
    i = await heard.next((c) => c.kind === 'key', i + 1);
    expect(await b.findApiKey(hash)).toBeNull();

    // Writes rolled back (their audit entry refused) are never heard: the next committed change is.
    await refuseAudit(url);
    await expect(a.commitVersion('dk-el', 2, randomSnapshot(10, 10, 10), 1, event('network.replace', 'dk-el'))).rejects.toThrow(/audit refused/);
    await expect(a.putApiKey({ hash: 'd'.repeat(64), role: 'planner', owner: null, name: null }, event('key.create'))).rejects.toThrow(/audit refused/);
    await expect(a.putOwnerProfile({ owner: 'dk-el', name: 'x', contact: null, requiresMarking: false }, event('profile.put', 'dk-el'))).rejects.toThrow(/audit refused/);
    await expect(a.putInterestAreas('dk-el', {}, event('interest-areas.replace', 'dk-el'))).rejects.toThrow(/audit refused/);
    await expect(a.removeOwner('dk-el', event('network.remove', 'dk-el'))).rejects.toThrow(/audit refused/);
    await allowAudit(url);
    await a.removeOwner('dk-vand');
    const marker = await heard.next((c) => c.kind === 'owner-removed', i + 1);
    expect(heard.changes.slice(i + 1)).toEqual([{ kind: 'owner-removed', owner: 'dk-vand' }]);
    expect(marker).toBe(i + 1);
  });

  it('refuses one of two spellings of a new owner written by two stores at once', async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openStore(url), openStore(url)]);
    for (let k = 0; k < 5; k++) {
      const results = await Promise.allSettled([
        a.putOwnerProfile({ owner: `dk-race-${k}`, name: 'a', contact: null, requiresMarking: false }),
        b.putInterestAreas(`DK-RACE-${k}`, { type: 'FeatureCollection', features: [] })
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'OWNER_ID_CASE_CONFLICT' });
    }
    expect((await a.ownerProfiles()).map((p) => p.owner.toLowerCase()).sort()).toEqual([0, 1, 2, 3, 4].map((k) => `dk-race-${k}`));
  });

  it('commits dig requests that arrive together in one transaction; a bad one fails alone', async () => {
    const store = await openStore(await freshDatabase());
    const record = (id: string, body: string | Uint8Array = JSON.stringify({ id })): Promise<void> =>
      store.recordDigRequest(id, 'contractor-1', body, { actor: 'contractor-1', action: 'dig-request.create', owner: null, detail: { id } });
    const before = store.groupCommits;
    const ids = Array.from({ length: 30 }, (_, k) => `r${k}`);
    await Promise.all(ids.map((id) => record(id)));
    const after = store.groupCommits;
    expect(after.records - before.records).toBe(30);
    expect(after.commits - before.commits).toBeLessThan(30);
    for (const id of ids) expect(await store.digRequest(id)).toMatchObject({ requester: 'contractor-1', body: { id } });
    // An id stored already, among others arriving with it: it is refused, the others are stored.
    const more = Array.from({ length: 10 }, (_, k) => `s${k}`);
    const results = await Promise.allSettled([...more.map((id) => record(id)), record('r3', new TextEncoder().encode('{"again":true}'))]);
    expect(results.map((r) => r.status)).toEqual([...more.map(() => 'fulfilled'), 'rejected']);
    for (const id of more) expect(await store.digRequest(id)).toMatchObject({ body: { id } });
    expect(await store.digRequest('r3')).toMatchObject({ body: { id: 'r3' } });
    expect((await store.auditLog(100)).filter((e) => e.action === 'dig-request.create')).toHaveLength(40);
  });

  it('says resync when its listening connection was cut, and hears changes again', async () => {
    const url = await freshDatabase();
    const a = await openStore(url);
    const errors: Error[] = [];
    const b = await openStore(url, { errors });
    const heard = new Heard(b);
    const pid = await b.listenerPid();
    expect(pid).not.toBeNull();
    expect(await sql(url, 'SELECT pg_terminate_backend($1) AS ok', [pid])).toEqual([{ ok: true }]);
    const resync = await heard.next((c) => c.kind === 'resync');
    expect(b.listening).toBe(true);
    expect(await b.listenerPid()).not.toBe(pid);
    expect(errors.length).toBeGreaterThan(0);
    await a.putOwnerProfile({ owner: 'dk-el', name: null, contact: null, requiresMarking: false });
    expect(heard.changes[await heard.next((c) => c.kind === 'profile', resync + 1)]).toEqual({ kind: 'profile', owner: 'dk-el' });
  });
});

describe('PostgresStore when the database goes away', () => {
  it('survives a connection cut in the middle of a transaction, and uses a fresh one after', async () => {
    const url = await freshDatabase();
    const db = new PgDatabase({ connectionString: url, max: 1 });
    try {
      await expect(db.transaction(async (client) => {
        const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const ended = new Promise((resolve) => client.once('end', resolve));
        await sql(url, 'SELECT pg_terminate_backend($1)', [pid]);
        // The connection broke while the transaction held it between two statements.
        await ended;
        await client.query('SELECT 1');
      })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect((await db.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('answers STORE_UNAVAILABLE meanwhile, never crashes, and works again once it is back', async () => {
    const url = await freshDatabase();
    const errors: Error[] = [];
    const store = await openStore(url, { errors });
    const heard = new Heard(store);
    await store.putApiKey({ hash: 'a'.repeat(64), role: 'planner', owner: null, name: null });
    await heard.next((c) => c.kind === 'key');
    expect(await store.findApiKey('a'.repeat(64))).toMatchObject({ role: 'planner' });
    const hash = 'b'.repeat(64);
    // Changes heard before the outage: the listener may reconnect (and say so) before resume() returns.
    const before = heard.changes.length;
    await cluster.pause();
    try {
      const unavailable = { code: 'STORE_UNAVAILABLE', status: 503 };
      await expect(store.currentVersions()).rejects.toMatchObject(unavailable);
      await expect(store.putApiKey({ hash, role: 'planner', owner: null, name: null })).rejects.toMatchObject(unavailable);
      await expect(store.recordDigRequest('r1', 'c', '{}', event('dig-request.create'))).rejects.toMatchObject(unavailable);
      await expect(store.loadSnapshot('dk-el', 1)).rejects.toMatchObject(unavailable);
      await expect(store.commitVersion('dk-el', 1, randomSnapshot(10, 10, 10), 1)).rejects.toMatchObject(unavailable);
      // A key looked up before is still known (nothing can revoke it meanwhile); another is not.
      expect(await store.findApiKey('a'.repeat(64))).toMatchObject({ role: 'planner' });
      await expect(store.findApiKey('e'.repeat(64))).rejects.toMatchObject(unavailable);
    } finally {
      await cluster.resume();
    }
    await heard.next((c) => c.kind === 'resync', before);
    // Connections come back by themselves.
    await eventually(() => store.putApiKey({ hash, role: 'planner', owner: null, name: null }));
    expect(await store.findApiKey(hash)).toMatchObject({ role: 'planner' });
    await store.recordDigRequest('r1', 'c', '{}', event('dig-request.create'));
    expect(await store.digRequest('r1')).toMatchObject({ requester: 'c' });
    expect(errors.length).toBeGreaterThan(0);
  });
});

describe('PostgresStore and text it cannot keep', () => {
  it('refuses a NUL character as the request\'s fault (400 REQUEST_INVALID), not a 500', async () => {
    const store = await openStore(await freshDatabase());
    await expect(store.putOwnerProfile({ owner: 'dk-nul', name: 'El\u0000net', contact: null, requiresMarking: false })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(await store.ownerProfile('dk-nul')).toBeNull();
    await store.putOwnerProfile({ owner: 'dk-nul', name: 'Elnet', contact: null, requiresMarking: false });
    expect(await store.ownerProfile('dk-nul')).toMatchObject({ name: 'Elnet' });
  });
});

describe('PostgresStore\'s outbox shared by replicas', () => {
  it('hands each delivery to one replica at a time, never two in flight for one webhook, and every one is delivered once', async () => {
    const url = await freshDatabase();
    const [a, b] = [await openStore(url), await openStore(url)];
    const audit = event('test');
    const hooks = Array.from({ length: 6 }, (_, i) => `h${i}`);
    for (const id of hooks) {
      await a.createWebhook({ id, createdBy: `k-${id}`, role: 'owner', owner: id, requester: null, url: `http://127.0.0.1:9/${id}`, events: ['dig-request.created'], secret: 's', createdAt: new Date().toISOString(), failingSince: null, disabledAt: null, disabledReason: null }, audit);
    }
    // 20 events per webhook, written by both replicas at once.
    await Promise.all(Array.from({ length: 20 }, (_, n) => (n % 2 === 0 ? a : b).recordDigRequest(`r${n}`, 'c', '{}', audit, {
      inbox: [],
      events: hooks.map((owner) => ({ id: `${owner}-${n}`, type: 'dig-request.created' as const, createdAt: new Date().toISOString(), priority: 0, owner, requester: null, body: '{}' }))
    })));
    const delivered: string[] = [];
    const inFlight = new Set<string>();
    let overlap = 0;
    const work = async (store: PostgresStore): Promise<void> => {
      for (;;) {
        const claimed = await store.claimDeliveries(new Date().toISOString(), 4, 30_000);
        if (claimed.length === 0) {
          if (delivered.length === hooks.length * 20) return;
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        await Promise.all(claimed.map(async (d) => {
          if (inFlight.has(d.webhook)) overlap++;
          inFlight.add(d.webhook);
          await new Promise((r) => setTimeout(r, 2));
          delivered.push(d.eventId);
          inFlight.delete(d.webhook);
          await store.recordAttempt(d.seq, { at: new Date().toISOString(), status: 200, error: null, ms: 2, response: '' }, { kind: 'delivered' });
        }));
      }
    };
    await Promise.all([work(a), work(b)]);
    expect(overlap).toBe(0);
    expect(delivered).toHaveLength(hooks.length * 20);
    expect(new Set(delivered).size).toBe(hooks.length * 20);
    for (const id of hooks) expect((await a.deliveries(id, 100)).every((d) => d.status === 'delivered' && d.attempts === 1)).toBe(true);
  });
});
