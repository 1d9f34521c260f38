/**
 * The store contract: what every `ServiceStore` does, whichever database is behind it, as the
 * embedded SQLite store does it. `storeContract(kind, open)` declares the tests; the test file
 * runs them on each implementation (test/store-contract.test.ts). Each test opens a store of its
 * own on empty data, so tests never see each other's rows.
 *
 * Besides the store, `open` gives what the contract cannot ask the interface: the same data opened
 * again (durability), the bytes of snapshot data kept (a dropped version goes with its data), and a
 * database that refuses audit entries (a change and its entry are one transaction).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildNetwork } from '../../src/library.js';
import { conversationContract } from './conversation-contract.js';
import type { Feature } from '../../src/types.js';
import type { AuditInput, BatchPage, BatchRecord, BatchStatus, NewBatch, ServiceStore } from '../../src/store/store.js';

export interface StoreUnderTest {
  /** The store, open on empty data. */
  store: ServiceStore;
  /** Opens the same data again (the contract has closed the store before). */
  reopen: () => Promise<ServiceStore>;
  /** Bytes of snapshot data kept for every owner and version, read past the store. */
  snapshotBytes: () => Promise<number>;
  /** Makes the database refuse every new audit entry, as a full disk or a failing constraint would. */
  refuseAudit: () => Promise<void>;
  /** Accepts audit entries again. */
  allowAudit: () => Promise<void>;
  /** Removes the data (every store opened on it is closed by then). */
  cleanup: () => Promise<void>;
}

/** Opens a store on empty data keeping `history` versions per owner. */
export type OpenStore = (opts: { history: number }) => Promise<StoreUnderTest>;

/** A store under test, as a test uses it: `store` is the one open now. */
interface Session extends Omit<StoreUnderTest, 'store' | 'reopen' | 'cleanup'> {
  readonly store: ServiceStore;
  /** Closes the store and opens the same data again. */
  reopen: () => Promise<ServiceStore>;
}

type Network = ReturnType<typeof buildNetwork>;

const PARTS = ['columns', 'chunks', 'tree'] as const;

/** A small network of `lines` lines, different for each count. */
function network(owner: string, lines: number): Network {
  const features: Feature[] = Array.from({ length: lines }, (_, i) => ({
    type: 'Feature',
    id: `${owner}-${i}`,
    geometry: { type: 'LineString', coordinates: [[i * 10, 0], [i * 10 + 5, 40 + i], [i * 10, 80 + lines]] },
    properties: { featureType: 'Elledning' }
  }));
  return buildNetwork(features, { owner, crs: 'EPSG:25832', extent: null });
}

const bytesOf = (n: Network): number => PARTS.reduce((sum, p) => sum + n.buffers[p].byteLength, 0);

function sameSnapshot(got: Record<(typeof PARTS)[number], SharedArrayBuffer>, want: Network): void {
  for (const part of PARTS) {
    expect(got[part], part).toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(got[part]).equals(Buffer.from(want.buffers[part])), part).toBe(true);
  }
}

const event = (action: string, detail: Record<string, unknown> = {}, owner: string | null = null): AuditInput => ({ actor: 'contract', action, owner, detail });

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Waits until the clock has moved past the current millisecond: what the store stamps next is later. */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Fixed times for batches (the service writes them as ISO 8601 with milliseconds). */
const T0 = Date.parse('2026-02-01T10:00:00.000Z');
const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

function newBatch(id: string, over: Partial<NewBatch> = {}): NewBatch {
  return { id, requester: 'planner-1', createdAt: at(0), options: { crs: 'EPSG:25832' }, areas: 2, input: `{"id":"${id}"}\n`, ...over };
}

/** A page of NDJSON lines, as bytes (not a Buffer: the interface takes any Uint8Array). */
function page(seq: number, first: number, lines: string[]): BatchPage {
  return { seq, first, count: lines.length, data: new TextEncoder().encode(lines.map((l) => `${l}\n`).join('')) };
}

const text = (p: BatchPage | null): string | null => (p === null ? null : Buffer.from(p.data).toString('utf8'));

const ended = (status: 'done' | 'failed' | 'cancelled', finishedAt: string, progress: Record<string, unknown> | null = null) => ({ status, finishedAt, error: null, progress });

async function actions(store: ServiceStore, action: string): Promise<number> {
  return (await store.auditLog(10_000)).filter((e) => e.action === action).length;
}

const ALL_STATUSES: readonly BatchStatus[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

export function storeContract(kind: ServiceStore['kind'], open: OpenStore): void {
  /** Runs `fn` on a store of its own; closes it and removes its data, whatever happens. */
  async function withStore(history: number, fn: (s: Session) => Promise<void>): Promise<void> {
    const opened = await open({ history });
    let current: ServiceStore | null = opened.store;
    const session: Session = {
      get store(): ServiceStore {
        if (current === null) throw new Error('The store is closed.');
        return current;
      },
      async reopen() {
        const was = current;
        current = null;
        await was?.close();
        current = await opened.reopen();
        return current;
      },
      snapshotBytes: opened.snapshotBytes,
      refuseAudit: opened.refuseAudit,
      allowAudit: opened.allowAudit
    };
    try {
      await fn(session);
    } finally {
      try {
        await current?.close();
      } finally {
        await opened.cleanup();
      }
    }
  }

  describe(`${kind} store contract`, () => {
    it('says its kind, and its schema version (past 0, the same when opened again)', async () => {
      await withStore(5, async (s) => {
        expect(s.store.kind).toBe(kind);
        const version = s.store.schemaVersion;
        expect(Number.isInteger(version)).toBe(true);
        expect(version).toBeGreaterThan(0);
        const again = await s.reopen();
        expect(again.schemaVersion).toBe(version);
      });
    });

    describe('network versions', () => {
      it('commits versions, says what it stored, gives each owner\'s newest by owner id and each history newest first', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          expect(await store.currentVersions()).toEqual([]);
          expect(await store.history('dk-el')).toEqual([]);
          const a = network('dk-el', 3);
          const b = network('dk-el', 5);
          const before = new Date().toISOString();
          const el1 = await store.commitVersion('dk-el', 1, a.buffers, a.featureCount);
          const after = new Date().toISOString();
          expect(el1).toEqual({ owner: 'dk-el', version: 1, features: 3, bytes: bytesOf(a), createdAt: expect.stringMatching(ISO) });
          expect(el1.createdAt >= before && el1.createdAt <= after).toBe(true);
          const el2 = await store.commitVersion('dk-el', 2, b.buffers, b.featureCount, event('network.replace', { version: 2 }, 'dk-el'));
          expect(el2).toMatchObject({ version: 2, features: 5, bytes: bytesOf(b) });
          const gas = await store.commitVersion('b-gas', 7, a.buffers, a.featureCount);
          const vand = await store.commitVersion('DK-VAND', 1, b.buffers, b.featureCount);
          // Sorted by the id's bytes: upper case before lower case.
          expect(await store.currentVersions()).toEqual([vand, gas, el2]);
          expect(await store.history('dk-el')).toEqual([el2, el1]);
          expect(await store.history('DK-EL')).toEqual([]);
          // The version and its audit entry.
          expect((await store.auditLog(1))[0]).toMatchObject({ actor: 'contract', action: 'network.replace', owner: 'dk-el', detail: { version: 2 } });
          expect(await actions(store, 'network.replace')).toBe(1);
          // An owner with a network is a known owner, without a profile yet.
          expect(await store.ownerProfile('b-gas')).toEqual({ owner: 'b-gas', name: null, contact: null, requiresMarking: false });
        });
      });

      it('keeps the newest versions up to its history length; the older ones go with their data', async () => {
        await withStore(3, async (s) => {
          const { store } = s;
          const other = network('other', 2);
          await store.commitVersion('other', 1, other.buffers, other.featureCount);
          const nets = [1, 2, 3, 4, 5].map((k) => network('dk-el', k + 1));
          for (let v = 1; v <= 5; v++) await store.commitVersion('dk-el', v, nets[v - 1].buffers, nets[v - 1].featureCount);
          expect((await store.history('dk-el')).map((r) => r.version)).toEqual([5, 4, 3]);
          for (const v of [1, 2]) await expect(store.loadSnapshot('dk-el', v)).rejects.toMatchObject({ code: 'VERSION_GONE' });
          for (const v of [3, 4, 5]) sameSnapshot(await store.loadSnapshot('dk-el', v), nets[v - 1]);
          expect(await store.history('other')).toEqual([expect.objectContaining({ version: 1 })]);
          // The dropped versions' data is gone (the kept ones' stays).
          await expect.poll(() => s.snapshotBytes(), { timeout: 15_000 }).toBe(bytesOf(other) + bytesOf(nets[2]) + bytesOf(nets[3]) + bytesOf(nets[4]));
        });
      });

      it('gives back each version\'s snapshot byte for byte, in fresh SharedArrayBuffers', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const a = network('dk-el', 4);
          const b = network('dk-el', 9);
          await store.commitVersion('dk-el', 1, a.buffers, a.featureCount);
          await store.commitVersion('dk-el', 2, b.buffers, b.featureCount);
          const one = await store.loadSnapshot('dk-el', 1);
          sameSnapshot(one, a);
          sameSnapshot(await store.loadSnapshot('dk-el', 2), b);
          for (const part of PARTS) expect(one[part]).not.toBe(a.buffers[part]);
          // Fresh: what a reader does to its buffers is not what the next reader gets.
          new Uint8Array(one.columns).fill(0xab);
          sameSnapshot(await store.loadSnapshot('dk-el', 1), a);
          // Kept across a reopen.
          const again = await s.reopen();
          sameSnapshot(await again.loadSnapshot('dk-el', 1), a);
          sameSnapshot(await again.loadSnapshot('dk-el', 2), b);
        });
      });

      it('answers VERSION_GONE for a version never stored and for an unknown owner', async () => {
        await withStore(5, async (s) => {
          const a = network('dk-el', 2);
          await s.store.commitVersion('dk-el', 1, a.buffers, a.featureCount);
          await expect(s.store.loadSnapshot('dk-el', 2)).rejects.toMatchObject({ code: 'VERSION_GONE' });
          await expect(s.store.loadSnapshot('nobody', 1)).rejects.toMatchObject({ code: 'VERSION_GONE' });
          await expect(s.store.loadSnapshot('DK-EL', 1)).rejects.toMatchObject({ code: 'VERSION_GONE' });
        });
      });

      it('refuses a version number already stored, and keeps the owner\'s versions as they were', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const a = network('dk-el', 2);
          const b = network('dk-el', 3);
          const v1 = await store.commitVersion('dk-el', 1, a.buffers, a.featureCount);
          await expect(store.commitVersion('dk-el', 1, b.buffers, b.featureCount, event('network.replace', { version: 1 }, 'dk-el'))).rejects.toThrow();
          expect(await store.history('dk-el')).toEqual([v1]);
          sameSnapshot(await store.loadSnapshot('dk-el', 1), a);
          expect(await actions(store, 'network.replace')).toBe(0);
          await expect.poll(() => s.snapshotBytes(), { timeout: 15_000 }).toBe(bytesOf(a));
        });
      });

      it('removes an owner with its versions, their data, its interest areas and profile, with its audit entry', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const a = network('dk-el', 2);
          const b = network('dk-el', 4);
          const o = network('other', 3);
          await store.commitVersion('dk-el', 1, a.buffers, a.featureCount);
          await store.commitVersion('dk-el', 2, b.buffers, b.featureCount);
          await store.putInterestAreas('dk-el', { type: 'FeatureCollection', features: [] });
          await store.putOwnerProfile({ owner: 'dk-el', name: 'Dansk El', contact: 'vagt@el.dk', requiresMarking: true });
          const other = await store.commitVersion('other', 1, o.buffers, o.featureCount);
          await store.putInterestAreas('other', { type: 'FeatureCollection', features: [] });
          // Read once: what the store remembers of it must go too.
          expect(await store.ownerProfile('dk-el')).toMatchObject({ name: 'Dansk El' });

          await store.removeOwner('dk-el', event('network.remove', {}, 'dk-el'));
          expect(await store.history('dk-el')).toEqual([]);
          expect(await store.currentVersions()).toEqual([other]);
          for (const v of [1, 2]) await expect(store.loadSnapshot('dk-el', v)).rejects.toMatchObject({ code: 'VERSION_GONE' });
          expect(await store.interestAreas('dk-el')).toBeNull();
          expect(await store.interestAreaOwners()).toEqual(['other']);
          expect(await store.ownerProfile('dk-el')).toBeNull();
          expect((await store.ownerProfiles()).map((p) => p.owner)).toEqual(['other']);
          expect(await store.ownerSpelling('dk-el')).toBeNull();
          expect((await store.auditLog(1))[0]).toMatchObject({ action: 'network.remove', owner: 'dk-el' });
          await expect.poll(() => s.snapshotBytes(), { timeout: 15_000 }).toBe(bytesOf(o));
          sameSnapshot(await store.loadSnapshot('other', 1), o);
          // Removing an owner nobody knows changes nothing.
          await store.removeOwner('nobody');
          expect(await store.currentVersions()).toEqual([other]);
          // The id is free again: the owner starts anew.
          const again = await store.commitVersion('dk-el', 1, b.buffers, b.featureCount);
          expect(await store.history('dk-el')).toEqual([again]);
        });
      });
    });

    describe('interest areas', () => {
      it('replaces an owner\'s interest areas, gives them back as stored, and lists the owners that have any, sorted', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          expect(await store.interestAreas('dk-el')).toBeNull();
          expect(await store.interestAreaOwners()).toEqual([]);
          const first = {
            type: 'FeatureCollection',
            features: [{ type: 'Feature', id: 'område-1', geometry: { type: 'Polygon', coordinates: [[[0, 0], [10.5, 0], [10.5, 10], [0, 0]]] }, properties: { navn: 'Æbeløgade', dybde: null, lag: [1, 2.25, -3] } }]
          };
          const second = { type: 'FeatureCollection', features: [], note: 'tom' };
          await store.putInterestAreas('dk-el', first, event('interest-areas.replace', { features: 1 }, 'dk-el'));
          expect(await store.interestAreas('dk-el')).toEqual(first);
          expect((await store.auditLog(1))[0]).toMatchObject({ action: 'interest-areas.replace', owner: 'dk-el', detail: { features: 1 } });
          await store.putInterestAreas('dk-el', second);
          expect(await store.interestAreas('dk-el')).toEqual(second);
          expect(await actions(store, 'interest-areas.replace')).toBe(1);
          await store.putInterestAreas('alpha', first);
          await store.putInterestAreas('Zeta', second);
          expect(await store.interestAreaOwners()).toEqual(['Zeta', 'alpha', 'dk-el']);
          // The owners are known now, without a network.
          expect(await store.ownerProfile('alpha')).toEqual({ owner: 'alpha', name: null, contact: null, requiresMarking: false });
          expect(await store.ownerSpelling('ALPHA')).toBe('alpha');
          expect(await store.currentVersions()).toEqual([]);
        });
      });
    });

    describe('owners', () => {
      it('sets, reads and lists owner profiles, each read seeing the store\'s own writes at once', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          expect(await store.ownerProfile('dk-el')).toBeNull();
          expect(await store.ownerProfiles()).toEqual([]);
          const first = { owner: 'dk-el', name: 'Dansk El', contact: '+45 70 10 20 30', requiresMarking: true };
          await store.putOwnerProfile(first, event('owner.profile', { name: 'Dansk El' }, 'dk-el'));
          expect(await store.ownerProfile('dk-el')).toEqual(first);
          expect((await store.auditLog(1))[0]).toMatchObject({ action: 'owner.profile', owner: 'dk-el', detail: { name: 'Dansk El' } });
          const second = { owner: 'dk-el', name: 'Dansk El A/S', contact: null, requiresMarking: false };
          await store.putOwnerProfile(second);
          expect(await store.ownerProfile('dk-el')).toEqual(second);
          expect(await actions(store, 'owner.profile')).toBe(1);
          const gas = { owner: 'b-gas', name: 'Gas', contact: 'gas@example.dk', requiresMarking: false };
          await store.putOwnerProfile(gas);
          expect(await store.ownerProfiles()).toEqual([gas, second]);
          // A new version keeps the profile.
          const n = network('dk-el', 2);
          await store.commitVersion('dk-el', 1, n.buffers, n.featureCount);
          expect(await store.ownerProfile('dk-el')).toEqual(second);
          expect(await store.ownerProfiles()).toEqual([gas, second]);
        });
      });

      it('knows an owner id whatever the case of its ASCII letters, and refuses another spelling (OWNER_ID_CASE_CONFLICT)', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          expect(await store.ownerSpelling('dk-el')).toBeNull();
          // Known as the owner of a key only.
          await store.putApiKey({ hash: sha('k1'), role: 'owner', owner: 'dk-el', name: null });
          for (const spelling of ['dk-el', 'DK-EL', 'Dk-El']) expect(await store.ownerSpelling(spelling)).toBe('dk-el');
          expect(await store.ownerProfiles()).toEqual([]);
          const n = network('DK-EL', 2);
          const refused: (() => Promise<unknown>)[] = [
            () => store.putOwnerProfile({ owner: 'DK-EL', name: 'x', contact: null, requiresMarking: false }, event('owner.profile', {}, 'DK-EL')),
            () => store.putInterestAreas('DK-EL', { type: 'FeatureCollection', features: [] }, event('interest-areas.replace', {}, 'DK-EL')),
            () => store.commitVersion('DK-EL', 1, n.buffers, n.featureCount, event('network.replace', {}, 'DK-EL')),
            () => store.putApiKey({ hash: sha('k2'), role: 'owner', owner: 'DK-EL', name: null }, event('key.create'))
          ];
          for (const write of refused) await expect(write()).rejects.toMatchObject({ code: 'OWNER_ID_CASE_CONFLICT' });
          // Nothing of them was written.
          expect(await store.ownerProfiles()).toEqual([]);
          expect(await store.interestAreaOwners()).toEqual([]);
          expect(await store.currentVersions()).toEqual([]);
          expect(await store.history('DK-EL')).toEqual([]);
          expect((await store.listApiKeys()).map((k) => k.hash)).toEqual([sha('k1')]);
          expect(await store.findApiKey(sha('k2'))).toBeNull();
          expect(await store.auditLog()).toEqual([]);
          // The id as known is taken.
          await store.putOwnerProfile({ owner: 'dk-el', name: 'El', contact: null, requiresMarking: false });
          expect(await store.ownerSpelling('DK-EL')).toBe('dk-el');

          // Known as an owner (its network): a key or interest areas under another spelling are refused.
          const v = network('Vand-Co', 2);
          await store.commitVersion('Vand-Co', 1, v.buffers, v.featureCount);
          expect(await store.ownerSpelling('vand-co')).toBe('Vand-Co');
          expect(await store.ownerSpelling('Vand-Co')).toBe('Vand-Co');
          await expect(store.putApiKey({ hash: sha('k3'), role: 'owner', owner: 'VAND-CO', name: null })).rejects.toMatchObject({ code: 'OWNER_ID_CASE_CONFLICT' });
          await expect(store.putInterestAreas('vand-co', {})).rejects.toMatchObject({ code: 'OWNER_ID_CASE_CONFLICT' });
          expect(await store.interestAreaOwners()).toEqual([]);
          await store.putApiKey({ hash: sha('k4'), role: 'owner', owner: 'Vand-Co', name: null });

          // Letters beyond ASCII are compared as they are: two owners.
          await store.putOwnerProfile({ owner: 'ø-net', name: 'små', contact: null, requiresMarking: false });
          await store.putOwnerProfile({ owner: 'Ø-net', name: 'STORE', contact: null, requiresMarking: false });
          expect(await store.ownerSpelling('Ø-NET')).toBe('Ø-net');
          expect(await store.ownerSpelling('ø-NET')).toBe('ø-net');
          expect((await store.ownerProfiles()).map((p) => p.owner)).toEqual(['Vand-Co', 'dk-el', 'Ø-net', 'ø-net']);
        });
      });
    });

    describe('dig requests', () => {
      it('records a dig request with its audit entry and gives its package back, sent as text or as UTF-8 bytes', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const one = { id: 'r1', digArea: { type: 'Polygon' }, networkVersions: { 'dk-el': 1 }, owners: [] };
          const two = { id: 'r2', note: 'Gravning ved Åbenrå, ændret tracé', n: [1, 2.5, null] };
          const before = new Date().toISOString();
          await store.recordDigRequest('r1', 'contractor-1', JSON.stringify(one), event('dig-request.create', { id: 'r1' }));
          await store.recordDigRequest('r2', 'contractor-2', new Uint8Array(Buffer.from(JSON.stringify(two), 'utf8')), event('dig-request.create', { id: 'r2' }));
          const after = new Date().toISOString();
          const r1 = await store.digRequest('r1');
          expect(r1).toEqual({ requester: 'contractor-1', body: one, createdAt: expect.stringMatching(ISO), revision: 1 });
          expect(r1 !== null && r1.createdAt >= before && r1.createdAt <= after).toBe(true);
          expect(await store.digRequest('r2')).toMatchObject({ requester: 'contractor-2', body: two });
          expect(await store.digRequest('missing')).toBeNull();
          expect((await store.auditLog(2)).map((e) => e.detail)).toEqual([{ id: 'r2' }, { id: 'r1' }]);
          // Requests arriving together: every one stored, with its entry.
          const ids = Array.from({ length: 12 }, (_, i) => `g${i}`);
          await Promise.all(ids.map((id) => store.recordDigRequest(id, 'contractor-3', JSON.stringify({ id }), event('dig-request.create', { id }))));
          for (const id of ids) expect(await store.digRequest(id)).toMatchObject({ requester: 'contractor-3', body: { id } });
          expect(await actions(store, 'dig-request.create')).toBe(14);
        });
      });

      it('counts a requester\'s dig requests made at or after a time', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const rec = (id: string, requester: string) => store.recordDigRequest(id, requester, '{}', event('dig-request.create', { id }));
          await rec('a1', 'c-1');
          await nextMillisecond();
          await rec('a2', 'c-1');
          await rec('b1', 'c-2');
          await nextMillisecond();
          await rec('a3', 'c-1');
          const t1 = (await store.digRequest('a1'))?.createdAt as string;
          const t2 = (await store.digRequest('a2'))?.createdAt as string;
          const t3 = (await store.digRequest('a3'))?.createdAt as string;
          expect(t1 < t2 && t2 < t3).toBe(true);
          expect(await store.countDigRequests('c-1', '1970-01-01T00:00:00.000Z')).toBe(3);
          // At the very time: counted.
          expect(await store.countDigRequests('c-1', t2)).toBe(2);
          expect(await store.countDigRequests('c-1', t3)).toBe(1);
          expect(await store.countDigRequests('c-1', new Date(Date.parse(t3) + 1).toISOString())).toBe(0);
          expect(await store.countDigRequests('c-2', t1)).toBe(1);
          expect(await store.countDigRequests('C-1', t1)).toBe(0);
          expect(await store.countDigRequests('nobody', t1)).toBe(0);
        });
      });

      it('prunes the oldest requests made before a time, at most a limit per call, with their maps, and one audit entry per call that removed any', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const rec = (id: string) => store.recordDigRequest(id, 'c-1', JSON.stringify({ id }), event('dig-request.create', { id }));
          for (const id of ['o1', 'o2', 'o3']) {
            await rec(id);
            await nextMillisecond();
          }
          const cutoff = new Date().toISOString();
          await nextMillisecond();
          await rec('n1');
          expect(((await store.digRequest('o3'))?.createdAt ?? '') < cutoff).toBe(true);
          expect(((await store.digRequest('n1'))?.createdAt ?? '') > cutoff).toBe(true);
          await store.putPackagePicture('o1', 'png', Buffer.from('png o1'), '"o1-png"');
          await store.putPackagePicture('o1', 'svg', Buffer.from('<svg/>'), '"o1-svg"');
          await store.putPackagePicture('o3', 'png', Buffer.from('png o3'), '"o3-png"');
          await store.putPackagePicture('n1', 'svg', Buffer.from('<svg id="n1"/>'), '"n1-svg"');
          const prune = event('dig-request.prune', { before: cutoff, retentionDays: 30 });

          // The two oldest, with their two maps.
          expect(await store.pruneDigRequests(cutoff, 2, prune)).toEqual({ requests: 2, pictures: 2 });
          expect(await store.digRequest('o1')).toBeNull();
          expect(await store.digRequest('o2')).toBeNull();
          expect(await store.digRequest('o3')).not.toBeNull();
          expect(await store.packagePicture('o1', 'png')).toBeNull();
          expect(await store.packagePicture('o1', 'svg')).toBeNull();
          expect((await store.auditLog(1))[0]).toMatchObject({ actor: 'contract', action: 'dig-request.prune', detail: { before: cutoff, retentionDays: 30, requests: 2, pictures: 2 } });
          expect(await store.pruneDigRequests(cutoff, 2, prune)).toEqual({ requests: 1, pictures: 1 });
          expect((await store.auditLog(1))[0]).toMatchObject({ detail: { requests: 1, pictures: 1 } });
          // Nothing left before the cutoff: no entry.
          expect(await store.pruneDigRequests(cutoff, 2, prune)).toEqual({ requests: 0, pictures: 0 });
          expect(await actions(store, 'dig-request.prune')).toBe(2);
          // Made after the cutoff: kept, with its map.
          expect(await store.digRequest('n1')).toMatchObject({ body: { id: 'n1' } });
          expect(await store.packagePicture('n1', 'svg')).toMatchObject({ requester: 'c-1', etag: '"n1-svg"' });
          // Without an entry when none is given.
          expect(await store.pruneDigRequests(new Date(Date.now() + 60_000).toISOString(), 10)).toEqual({ requests: 1, pictures: 1 });
          expect(await actions(store, 'dig-request.prune')).toBe(2);
        });
      });

      it('keeps a package\'s map with its request (the first one kept), never one without its request', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          await store.recordDigRequest('r1', 'contractor-1', '{"id":"r1"}', event('dig-request.create'));
          const png = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
          expect(await store.packagePicture('r1', 'png')).toBeNull();
          await store.putPackagePicture('r1', 'png', new Uint8Array(png), '"png-1"');
          const kept = await store.packagePicture('r1', 'png');
          expect(kept).toEqual({ requester: 'contractor-1', body: expect.any(Buffer), etag: '"png-1"' });
          expect(Buffer.compare(kept?.body ?? Buffer.alloc(0), png)).toBe(0);
          expect(await store.packagePicture('r1', 'svg')).toBeNull();
          await store.putPackagePicture('r1', 'svg', Buffer.from('<svg>æ</svg>'), '"svg-1"');
          expect((await store.packagePicture('r1', 'svg'))?.body.toString('utf8')).toBe('<svg>æ</svg>');
          // A map is drawn once: a second one for the same package is not kept.
          await store.putPackagePicture('r1', 'png', Buffer.from('other'), '"png-2"');
          const still = await store.packagePicture('r1', 'png');
          expect(still?.etag).toBe('"png-1"');
          expect(Buffer.compare(still?.body ?? Buffer.alloc(0), png)).toBe(0);
          // No request, no map.
          await store.putPackagePicture('nope', 'png', png, '"nope"');
          expect(await store.packagePicture('nope', 'png')).toBeNull();
          // Its request pruned: gone, and not kept again.
          expect(await store.pruneDigRequests(new Date(Date.now() + 60_000).toISOString(), 10)).toEqual({ requests: 1, pictures: 2 });
          expect(await store.packagePicture('r1', 'png')).toBeNull();
          await store.putPackagePicture('r1', 'png', png, '"png-late"');
          expect(await store.packagePicture('r1', 'png')).toBeNull();
        });
      });
    });

    describe('API keys', () => {
      it('stores keys by their hash, finds them, lists them oldest first, and deletes them, each with its audit entry', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          // Only a hex SHA-256 is taken, never a token.
          await expect(store.putApiKey({ hash: 'secret-token', role: 'admin', owner: null, name: null })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
          await expect(store.putApiKey({ hash: 'A'.repeat(64), role: 'admin', owner: null, name: null })).rejects.toMatchObject({ code: 'OPTION_INVALID' });
          expect(await store.listApiKeys()).toEqual([]);
          // Later keys have smaller hashes: listed by time, not by hash.
          const [h1, h2, h3] = ['c', 'b', 'a'].map((c) => c.repeat(64));
          const before = new Date().toISOString();
          await store.putApiKey({ hash: h1, role: 'owner', owner: 'dk-el', name: 'upload robot' }, event('key.create', { id: 'k1' }));
          await nextMillisecond();
          await store.putApiKey({ hash: h2, role: 'planner', owner: null, name: null }, event('key.create', { id: 'k2' }));
          await nextMillisecond();
          await store.putApiKey({ hash: h3, role: 'admin', owner: null, name: 'ops' });
          const k1 = await store.findApiKey(h1);
          expect(k1).toEqual({ hash: h1, role: 'owner', owner: 'dk-el', name: 'upload robot', createdAt: expect.stringMatching(ISO) });
          expect((k1?.createdAt ?? '') >= before).toBe(true);
          const k2 = await store.findApiKey(h2);
          expect(k2).toEqual({ hash: h2, role: 'planner', owner: null, name: null, createdAt: expect.stringMatching(ISO) });
          const k3 = await store.findApiKey(h3);
          expect(await store.findApiKey(sha('unknown'))).toBeNull();
          expect(await store.listApiKeys()).toEqual([k1, k2, k3]);
          expect((await store.auditLog()).map((e) => [e.action, e.detail])).toEqual([['key.create', { id: 'k2' }], ['key.create', { id: 'k1' }]]);

          // Found just before: the store's memory of it goes with it.
          expect(await store.deleteApiKey(h2, event('key.revoke', { id: 'k2' }))).toBe(true);
          expect(await store.findApiKey(h2)).toBeNull();
          expect(await store.listApiKeys()).toEqual([k1, k3]);
          expect((await store.auditLog(1))[0]).toMatchObject({ action: 'key.revoke', detail: { id: 'k2' } });
          // No such key: false, and nothing written.
          expect(await store.deleteApiKey(h2, event('key.revoke', { id: 'k2' }))).toBe(false);
          expect(await actions(store, 'key.revoke')).toBe(1);
          expect(await store.deleteApiKey(h3)).toBe(true);
          expect(await store.listApiKeys()).toEqual([k1]);
          expect(await store.auditLog()).toHaveLength(3);
        });
      });
    });

    describe('the audit log', () => {
      it('gives entries newest first as written, stamped by the store, at most `limit` (100 unless told)', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          expect(await store.auditLog()).toEqual([]);
          const before = new Date().toISOString();
          for (let n = 0; n < 105; n++) {
            await store.audit({ actor: n % 2 === 0 ? 'admin' : 'dk-el', action: `test.${n}`, owner: n % 2 === 0 ? null : 'dk-el', detail: { n, nested: { list: [n, 'æ'], none: null } } });
          }
          const after = new Date().toISOString();
          const log = await store.auditLog();
          expect(log).toHaveLength(100);
          expect(log.map((e) => e.detail.n)).toEqual(Array.from({ length: 100 }, (_, i) => 104 - i));
          expect(log[0]).toEqual({ at: expect.stringMatching(ISO), actor: 'admin', action: 'test.104', owner: null, detail: { n: 104, nested: { list: [104, 'æ'], none: null } } });
          expect(log[1]).toMatchObject({ actor: 'dk-el', owner: 'dk-el' });
          for (const e of log) expect(e.at >= before && e.at <= after).toBe(true);
          for (let i = 1; i < log.length; i++) expect(log[i - 1].at >= log[i].at).toBe(true);
          expect((await store.auditLog(3)).map((e) => e.action)).toEqual(['test.104', 'test.103', 'test.102']);
          expect(await store.auditLog(1000)).toHaveLength(105);
        });
      });
    });

    describe('a change and its audit entry', () => {
      it('are one transaction: a refused entry leaves no change behind', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const kept = sha('kept');
          await store.putApiKey({ hash: kept, role: 'planner', owner: null, name: 'kept' }, event('key.create'));
          await store.putOwnerProfile({ owner: 'dk-el', name: 'Before', contact: 'a', requiresMarking: false }, event('owner.profile', {}, 'dk-el'));
          const a = network('dk-el', 2);
          const b = network('dk-el', 6);
          await store.commitVersion('dk-el', 1, a.buffers, a.featureCount, event('network.replace', { version: 1 }, 'dk-el'));
          await store.recordDigRequest('old', 'c-1', '{}', event('dig-request.create'));
          await nextMillisecond();
          const cutoff = new Date().toISOString();
          await store.createBatch(newBatch('b2'));
          const entries = (await store.auditLog()).length;
          expect(entries).toBe(4);
          await s.refuseAudit();

          const fresh = sha('fresh');
          await expect(store.putApiKey({ hash: fresh, role: 'contractor', owner: null, name: null }, event('key.create'))).rejects.toThrow();
          expect(await store.findApiKey(fresh)).toBeNull();
          await expect(store.deleteApiKey(kept, event('key.revoke'))).rejects.toThrow();
          expect(await store.findApiKey(kept)).toMatchObject({ name: 'kept' });
          await expect(store.putOwnerProfile({ owner: 'dk-el', name: 'After', contact: 'b', requiresMarking: true }, event('owner.profile', {}, 'dk-el'))).rejects.toThrow();
          expect(await store.ownerProfile('dk-el')).toEqual({ owner: 'dk-el', name: 'Before', contact: 'a', requiresMarking: false });
          await expect(store.commitVersion('dk-el', 2, b.buffers, b.featureCount, event('network.replace', { version: 2 }, 'dk-el'))).rejects.toThrow();
          expect((await store.history('dk-el')).map((v) => v.version)).toEqual([1]);
          await expect(store.putInterestAreas('dk-el', { type: 'FeatureCollection', features: [] }, event('interest-areas.replace', {}, 'dk-el'))).rejects.toThrow();
          expect(await store.interestAreas('dk-el')).toBeNull();
          await expect(store.removeOwner('dk-el', event('network.remove', {}, 'dk-el'))).rejects.toThrow();
          expect(await store.currentVersions()).toEqual([expect.objectContaining({ owner: 'dk-el', version: 1 })]);
          await expect(store.recordDigRequest('new', 'c-1', '{}', event('dig-request.create'))).rejects.toThrow();
          expect(await store.digRequest('new')).toBeNull();
          await expect(store.pruneDigRequests(cutoff, 10, event('dig-request.prune'))).rejects.toThrow();
          expect(await store.digRequest('old')).not.toBeNull();
          await expect(store.createBatch(newBatch('b1'), event('batch.submit'))).rejects.toThrow();
          expect(await store.batch('b1')).toBeNull();
          expect(await store.batchInput('b1')).toBeNull();
          await expect(store.endBatch('b2', ended('cancelled', at(5)), event('batch.cancel'))).rejects.toThrow();
          expect(await store.batch('b2')).toMatchObject({ status: 'queued', finishedAt: null });
          expect(await store.batchInput('b2')).toBe(newBatch('b2').input);
          await store.endBatch('b2', ended('cancelled', at(5)));
          await expect(store.deleteBatch('b2', event('batch.delete'))).rejects.toThrow();
          expect(await store.batch('b2')).toMatchObject({ status: 'cancelled' });
          await expect(store.audit(event('plain'))).rejects.toThrow();

          await s.allowAudit();
          expect(await store.auditLog()).toHaveLength(entries);
          // The version refused is written whole once entries are taken again, nothing of the first try left.
          await store.commitVersion('dk-el', 2, b.buffers, b.featureCount, event('network.replace', { version: 2 }, 'dk-el'));
          sameSnapshot(await store.loadSnapshot('dk-el', 2), b);
          await expect.poll(() => s.snapshotBytes(), { timeout: 15_000 }).toBe(bytesOf(a) + bytesOf(b));
          await store.putApiKey({ hash: fresh, role: 'contractor', owner: null, name: null }, event('key.create'));
          expect(await store.findApiKey(fresh)).toMatchObject({ role: 'contractor' });
          expect(await store.auditLog()).toHaveLength(entries + 2);
        });
      });
    });

    describe('durability', () => {
      it('keeps everything written across a close and a reopen', async () => {
        await withStore(5, async (s) => {
          let store = s.store;
          const a = network('dk-el', 3);
          const b = network('dk-el', 7);
          const g = network('b-gas', 2);
          await store.commitVersion('dk-el', 1, a.buffers, a.featureCount, event('network.replace', { version: 1 }, 'dk-el'));
          await store.commitVersion('dk-el', 2, b.buffers, b.featureCount, event('network.replace', { version: 2 }, 'dk-el'));
          await store.commitVersion('b-gas', 4, g.buffers, g.featureCount);
          await store.putInterestAreas('dk-el', { type: 'FeatureCollection', features: [], navn: 'område' });
          await store.putOwnerProfile({ owner: 'dk-el', name: 'Dansk El', contact: 'vagt', requiresMarking: true });
          await store.putApiKey({ hash: sha('k1'), role: 'owner', owner: 'dk-el', name: 'robot' }, event('key.create'));
          await store.putApiKey({ hash: sha('k2'), role: 'planner', owner: null, name: null });
          await store.recordDigRequest('r1', 'c-1', Buffer.from(JSON.stringify({ id: 'r1', note: 'æøå' })), event('dig-request.create', { id: 'r1' }));
          await store.putPackagePicture('r1', 'png', Buffer.from([0, 1, 2, 255]), '"r1"');
          await store.createBatch(newBatch('q', { createdAt: at(1), areas: null, input: 'queued input\n' }), event('batch.submit'));
          await store.createBatch(newBatch('run', { createdAt: at(2) }));
          await store.startBatch('run', at(3));
          await store.appendBatchPage('run', page(0, 0, ['{"index":0}']), { progress: { done: 1 }, version: 2 });
          await store.createBatch(newBatch('fin', { createdAt: at(4) }));
          await store.startBatch('fin', at(5));
          await store.appendBatchPage('fin', page(0, 0, ['{"index":0}', '{"index":1}']), { progress: { done: 2 }, version: 2 });
          await store.endBatch('fin', { status: 'failed', finishedAt: at(6), error: { code: 'X', message: 'y', pointer: '/areas/1' }, progress: null }, event('batch.end'));

          const dump = async (st: ServiceStore) => ({
            currentVersions: await st.currentVersions(),
            histories: [await st.history('dk-el'), await st.history('b-gas')],
            snapshots: await Promise.all([['dk-el', 1], ['dk-el', 2], ['b-gas', 4]].map(async ([o, v]) => {
              const snap = await st.loadSnapshot(o as string, v as number);
              return PARTS.map((p) => Buffer.from(snap[p]).toString('base64'));
            })),
            interestAreas: await st.interestAreas('dk-el'),
            interestAreaOwners: await st.interestAreaOwners(),
            profiles: await st.ownerProfiles(),
            spelling: await st.ownerSpelling('DK-EL'),
            keys: await st.listApiKeys(),
            key: await st.findApiKey(sha('k1')),
            digRequest: await st.digRequest('r1'),
            count: await st.countDigRequests('c-1', '2000-01-01T00:00:00.000Z'),
            picture: await st.packagePicture('r1', 'png'),
            audit: await st.auditLog(1000),
            batches: await st.batchesIn(ALL_STATUSES),
            inputs: [await st.batchInput('q'), await st.batchInput('run'), await st.batchInput('fin')],
            pages: [text(await st.batchPage('run', 0)), text(await st.batchPage('fin', 0))],
            usage: await st.batchUsage('planner-1'),
            ended: await st.endedBatchesBefore(at(100), 10)
          });
          const before = await dump(store);
          // What the dump holds (so that equal dumps say something).
          expect(before.histories.map((h) => h.map((r) => r.version))).toEqual([[2, 1], [4]]);
          expect(before.keys).toHaveLength(2);
          expect(before.digRequest?.body).toEqual({ id: 'r1', note: 'æøå' });
          expect([...(before.picture?.body ?? [])]).toEqual([0, 1, 2, 255]);
          expect(before.audit.map((e) => e.action)).toEqual(['batch.end', 'batch.submit', 'dig-request.create', 'key.create', 'network.replace', 'network.replace']);
          expect(before.batches.map((r) => [r.id, r.status])).toEqual([['q', 'queued'], ['run', 'running'], ['fin', 'failed']]);
          expect(before.inputs).toEqual(['queued input\n', newBatch('run').input, null]);
          expect(before.pages).toEqual(['{"index":0}\n', '{"index":0}\n{"index":1}\n']);
          expect(before.usage).toEqual({ queued: 1, running: 1, ended: 1, resultBytes: 12 + 24, oldestEndedAt: at(6) });

          store = await s.reopen();
          expect(await dump(store)).toEqual(before);
          // And it goes on from there.
          await store.appendBatchPage('run', page(1, 1, ['{"index":1}']), { progress: { done: 2 }, version: 2 });
          expect(await store.batch('run')).toMatchObject({ status: 'running', results: 2, progress: { done: 2 } });
          const c = network('dk-el', 4);
          await store.commitVersion('dk-el', 3, c.buffers, c.featureCount);
          expect((await store.history('dk-el')).map((r) => r.version)).toEqual([3, 2, 1]);
        });
      });
    });

    describe('batches', () => {
      it('stores a queued batch with its input and audit entry, and lists batches in given states, oldest first', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const options = { crs: 'EPSG:25832', conflicts: true, infoZone: 2, nested: { a: [1, 'b'] } };
          const input = '{"type":"Feature","properties":{"navn":"Ærø"}}\n{"type":"Feature"}\n';
          await store.createBatch(newBatch('late', { createdAt: at(20), options, areas: 3, input }), event('batch.submit', { id: 'late' }));
          await store.createBatch(newBatch('early', { createdAt: at(10), requester: 'planner-2', areas: null, input: '{"type":"LineString"}' }));
          await store.createBatch(newBatch('tie-1', { createdAt: at(30) }));
          await store.createBatch(newBatch('tie-2', { createdAt: at(30) }));
          expect(await store.batch('late')).toEqual({
            id: 'late',
            requester: 'planner-1',
            status: 'queued',
            createdAt: at(20),
            startedAt: null,
            finishedAt: null,
            options,
            areas: 3,
            progress: null,
            results: 0,
            resultBytes: 0,
            version: null,
            error: null,
            attempts: 0
          } satisfies BatchRecord);
          expect(await store.batch('early')).toMatchObject({ requester: 'planner-2', areas: null });
          expect(await store.batch('nope')).toBeNull();
          expect(await store.batchInput('late')).toBe(input);
          expect(await store.batchInput('early')).toBe('{"type":"LineString"}');
          expect(await store.batchInput('nope')).toBeNull();
          expect((await store.auditLog()).map((e) => [e.action, e.detail])).toEqual([['batch.submit', { id: 'late' }]]);
          const ids = async (statuses: readonly BatchStatus[]) => (await store.batchesIn(statuses)).map((r) => r.id);
          // By time of creation, then in the order they came.
          expect(await ids(['queued'])).toEqual(['early', 'late', 'tie-1', 'tie-2']);
          expect(await ids(['running'])).toEqual([]);
          expect(await ids([])).toEqual([]);
          await store.startBatch('tie-1', at(40));
          await store.endBatch('early', ended('cancelled', at(41)));
          expect(await ids(['running'])).toEqual(['tie-1']);
          expect(await ids(['queued'])).toEqual(['late', 'tie-2']);
          expect(await ids(['queued', 'running'])).toEqual(['late', 'tie-1', 'tie-2']);
          expect(await ids(ALL_STATUSES)).toEqual(['early', 'late', 'tie-1', 'tie-2']);
          expect((await store.batchesIn(['running']))[0]).toEqual(await store.batch('tie-1'));
        });
      });

      it('starts a queued batch once, counting the attempt', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          await store.createBatch(newBatch('b'));
          await store.startBatch('b', at(1));
          expect(await store.batch('b')).toMatchObject({ status: 'running', startedAt: at(1), attempts: 1, finishedAt: null });
          await store.startBatch('b', at(2));
          expect(await store.batch('b')).toMatchObject({ status: 'running', startedAt: at(1), attempts: 1 });
          await store.endBatch('b', ended('done', at(3)));
          await store.startBatch('b', at(4));
          expect(await store.batch('b')).toMatchObject({ status: 'done', startedAt: at(1), attempts: 1 });
          await store.startBatch('nope', at(5));
          expect(await store.batch('nope')).toBeNull();
        });
      });

      it('stores pages of results only while the batch runs, each page once, readable in any order', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          await store.createBatch(newBatch('b', { areas: 4 }));
          // Queued: not taken.
          await store.appendBatchPage('b', page(0, 0, ['{"index":0}']), { progress: { done: 1 }, version: 1 });
          expect(await store.batchPage('b', 0)).toBeNull();
          expect(await store.batch('b')).toMatchObject({ results: 0, resultBytes: 0, progress: null, version: null });

          await store.startBatch('b', at(1));
          const p2 = page(2, 3, ['{"index":3,"navn":"Øster Søgade"}']);
          await store.appendBatchPage('b', p2, { progress: { done: 1 }, version: 7 });
          expect(await store.batchPage('b', 0)).toBeNull();
          expect(await store.batchPage('b', 1)).toBeNull();
          const got2 = await store.batchPage('b', 2);
          expect(got2).toMatchObject({ seq: 2, first: 3, count: 1 });
          expect(text(got2)).toBe(text(p2));
          expect(await store.batch('b')).toMatchObject({ status: 'running', results: 1, resultBytes: p2.data.byteLength, progress: { done: 1 }, version: 7 });

          const p0 = page(0, 0, ['{"index":0}', '{"index":1}']);
          const p1 = page(1, 2, ['{"index":2}']);
          await store.appendBatchPage('b', p0, { progress: { done: 3 }, version: 8 });
          await store.appendBatchPage('b', p1, { progress: { done: 4 }, version: 8 });
          const bytes = p0.data.byteLength + p1.data.byteLength + p2.data.byteLength;
          const running = await store.batch('b');
          expect(running).toMatchObject({ results: 4, resultBytes: bytes, progress: { done: 4 }, version: 8 });
          for (const p of [p0, p1, p2]) {
            const back = await store.batchPage('b', p.seq);
            expect(back).toMatchObject({ seq: p.seq, first: p.first, count: p.count });
            expect(text(back)).toBe(text(p));
          }

          // The same page again (a second run of the same work): nothing changes.
          await store.appendBatchPage('b', page(1, 2, ['{"index":2,"again":true}', '{"extra":1}']), { progress: { done: 99 }, version: 9 });
          expect(text(await store.batchPage('b', 1))).toBe(text(p1));
          expect(await store.batchPage('b', 1)).toMatchObject({ count: 1 });
          expect(await store.batch('b')).toEqual(running);

          // Ended: no more pages; the stored ones stay readable.
          await store.endBatch('b', ended('done', at(2)));
          await store.appendBatchPage('b', page(3, 4, ['{"index":4}']), { progress: { done: 5 }, version: 9 });
          expect(await store.batchPage('b', 3)).toBeNull();
          expect(await store.batch('b')).toMatchObject({ status: 'done', results: 4, resultBytes: bytes, version: 8 });
          expect(text(await store.batchPage('b', 0))).toBe(text(p0));
          // No such batch: nothing.
          await store.appendBatchPage('nope', page(0, 0, ['{}']), { progress: null, version: 1 });
          expect(await store.batchPage('nope', 0)).toBeNull();
        });
      });

      it('ends a batch once, with its status, error and last progress and its audit entry, dropping its input', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          for (const id of ['done', 'queued', 'failed']) await store.createBatch(newBatch(id));
          await store.startBatch('done', at(1));
          await store.appendBatchPage('done', page(0, 0, ['{"index":0}', '{"index":1}']), { progress: { done: 2 }, version: 3 });
          // No progress given: the last one written stays.
          await store.endBatch('done', ended('done', at(2)), event('batch.end', { id: 'done' }));
          expect(await store.batch('done')).toMatchObject({ status: 'done', startedAt: at(1), finishedAt: at(2), error: null, progress: { done: 2 }, results: 2, version: 3 });
          expect(await store.batchInput('done')).toBeNull();
          expect(text(await store.batchPage('done', 0))).toBe('{"index":0}\n{"index":1}\n');
          expect((await store.auditLog(1))[0]).toMatchObject({ action: 'batch.end', detail: { id: 'done' } });

          // Cancelled before it started.
          const error = { code: 'BATCH_CANCELLED', message: 'Cancelled by its requester.', pointer: '/batches/queued' };
          await store.endBatch('queued', { status: 'cancelled', finishedAt: at(3), error, progress: { done: 0 } });
          expect(await store.batch('queued')).toMatchObject({ status: 'cancelled', startedAt: null, finishedAt: at(3), error, progress: { done: 0 }, attempts: 0 });
          expect(await store.batchInput('queued')).toBeNull();

          // Progress given: it replaces the last one.
          await store.startBatch('failed', at(4));
          await store.appendBatchPage('failed', page(0, 0, ['{"index":0}']), { progress: { done: 1 }, version: 3 });
          await store.endBatch('failed', { status: 'failed', finishedAt: at(5), error: { code: 'INTERNAL_ERROR', message: 'x' }, progress: { done: 1, failed: true } });
          expect(await store.batch('failed')).toMatchObject({ status: 'failed', error: { code: 'INTERNAL_ERROR', message: 'x' }, progress: { done: 1, failed: true } });

          // Once: an ended batch stays as it ended.
          const was = await store.batch('done');
          await store.endBatch('done', { status: 'failed', finishedAt: at(9), error: { code: 'LATE', message: 'late' }, progress: { done: 0 } });
          expect(await store.batch('done')).toEqual(was);
        });
      });

      it('puts a running batch back in the queue without its results; a crash counts as an attempt, a stop does not', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          const input = '{"id":"area-0"}\n{"id":"area-1"}\n';
          await store.createBatch(newBatch('b', { input }));
          await store.startBatch('b', at(1));
          await store.appendBatchPage('b', page(0, 0, ['{"index":0}']), { progress: { done: 1 }, version: 4 });
          await store.appendBatchPage('b', page(1, 1, ['{"index":1}']), { progress: { done: 2 }, version: 4 });

          // Cut short by a crash: it counts.
          await store.requeueBatch('b');
          expect(await store.batch('b')).toMatchObject({ status: 'queued', startedAt: null, finishedAt: null, progress: null, results: 0, resultBytes: 0, version: null, attempts: 1 });
          expect(await store.batchPage('b', 0)).toBeNull();
          expect(await store.batchPage('b', 1)).toBeNull();
          expect(await store.batchInput('b')).toBe(input);
          expect(await store.batchUsage('planner-1')).toMatchObject({ queued: 1, running: 0, resultBytes: 0 });
          // Queued again: no pages taken, and a requeue changes nothing.
          await store.appendBatchPage('b', page(0, 0, ['{"index":0}']), { progress: null, version: 4 });
          expect(await store.batchPage('b', 0)).toBeNull();
          const queued = await store.batch('b');
          await store.requeueBatch('b', { stopped: true });
          expect(await store.batch('b')).toEqual(queued);

          // Run again from the start: its pages are written anew.
          await store.startBatch('b', at(2));
          expect(await store.batch('b')).toMatchObject({ status: 'running', startedAt: at(2), attempts: 2 });
          await store.appendBatchPage('b', page(0, 0, ['{"index":0,"run":2}']), { progress: { done: 1 }, version: 5 });
          expect(text(await store.batchPage('b', 0))).toBe('{"index":0,"run":2}\n');
          expect(await store.batch('b')).toMatchObject({ results: 1, version: 5 });

          // Stopped by the service: that run does not count.
          await store.requeueBatch('b', { stopped: true });
          expect(await store.batch('b')).toMatchObject({ status: 'queued', results: 0, attempts: 1 });
          expect(await store.batchPage('b', 0)).toBeNull();

          // Never below none.
          await store.createBatch(newBatch('c'));
          await store.startBatch('c', at(3));
          await store.requeueBatch('c', { stopped: true });
          expect(await store.batch('c')).toMatchObject({ status: 'queued', attempts: 0 });
          await store.requeueBatch('c', { stopped: true });
          expect(await store.batch('c')).toMatchObject({ status: 'queued', attempts: 0 });

          // An ended batch is not put back, and keeps its results.
          await store.startBatch('c', at(4));
          await store.appendBatchPage('c', page(0, 0, ['{"index":0}']), { progress: { done: 1 }, version: 6 });
          await store.endBatch('c', { status: 'done', finishedAt: at(5), error: null, progress: { done: 1 } });
          const ended = await store.batch('c');
          await store.requeueBatch('c');
          expect(await store.batch('c')).toEqual(ended);
          expect(text(await store.batchPage('c', 0))).toBe('{"index":0}\n');
        });
      });

      it('deletes a batch with its input, results and audit entry', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          await store.createBatch(newBatch('run'));
          await store.startBatch('run', at(1));
          await store.appendBatchPage('run', page(0, 0, ['{"index":0}']), { progress: null, version: 1 });
          await store.createBatch(newBatch('fin', { createdAt: at(1) }));
          await store.startBatch('fin', at(2));
          await store.appendBatchPage('fin', page(0, 0, ['{"index":0}', '{"index":1}']), { progress: null, version: 1 });
          await store.endBatch('fin', ended('done', at(3)));
          await store.createBatch(newBatch('other', { createdAt: at(2), requester: 'planner-2' }));

          await store.deleteBatch('run', event('batch.delete', { id: 'run' }));
          expect(await store.batch('run')).toBeNull();
          expect(await store.batchPage('run', 0)).toBeNull();
          expect(await store.batchInput('run')).toBeNull();
          expect((await store.auditLog(1))[0]).toMatchObject({ action: 'batch.delete', detail: { id: 'run' } });
          expect((await store.batchesIn(ALL_STATUSES)).map((b) => b.id)).toEqual(['fin', 'other']);
          expect(await store.batchUsage('planner-1')).toEqual({ queued: 0, running: 0, ended: 1, resultBytes: 24, oldestEndedAt: at(3) });
          // A page of a deleted batch (its run still going somewhere) is not taken.
          await store.appendBatchPage('run', page(1, 1, ['{"index":1}']), { progress: null, version: 1 });
          expect(await store.batchPage('run', 1)).toBeNull();

          await store.deleteBatch('fin');
          expect(await store.batch('fin')).toBeNull();
          expect(await store.batchPage('fin', 0)).toBeNull();
          expect(await store.batchUsage('planner-1')).toEqual({ queued: 0, running: 0, ended: 0, resultBytes: 0, oldestEndedAt: null });
          expect(await store.batch('other')).toMatchObject({ status: 'queued' });
          expect(await store.batchInput('other')).toBe(newBatch('other').input);
          // The id may be used again, from nothing.
          await store.createBatch(newBatch('run', { createdAt: at(9) }));
          expect(await store.batch('run')).toMatchObject({ status: 'queued', results: 0, attempts: 0 });
          await store.startBatch('run', at(10));
          expect(await store.batchPage('run', 0)).toBeNull();
        });
      });

      it('counts a requester\'s batches by state, the bytes of their results and when its oldest kept ended batch finished', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          expect(await store.batchUsage('p')).toEqual({ queued: 0, running: 0, ended: 0, resultBytes: 0, oldestEndedAt: null });
          const mk = async (id: string, requester: string, lines: number, end?: { status: 'done' | 'failed' | 'cancelled'; at: string }) => {
            await store.createBatch(newBatch(id, { requester }));
            if (lines < 0) return;
            await store.startBatch(id, at(1));
            if (lines > 0) await store.appendBatchPage(id, page(0, 0, Array.from({ length: lines }, (_, i) => `{"index":${i}}`)), { progress: null, version: 1 });
            if (end !== undefined) await store.endBatch(id, ended(end.status, end.at));
          };
          await mk('q1', 'p', -1);
          await mk('q2', 'p', -1);
          await mk('r1', 'p', 2);
          await mk('d1', 'p', 3, { status: 'done', at: at(20) });
          await mk('c1', 'p', 1, { status: 'cancelled', at: at(10) });
          await mk('f1', 'p', 0, { status: 'failed', at: at(30) });
          await mk('o1', 'other', 5);
          await mk('o2', 'other', 1, { status: 'done', at: at(5) });
          expect(await store.batchUsage('p')).toEqual({ queued: 2, running: 1, ended: 3, resultBytes: 24 + 36 + 12, oldestEndedAt: at(10) });
          expect(await store.batchUsage('other')).toEqual({ queued: 0, running: 1, ended: 1, resultBytes: 60 + 12, oldestEndedAt: at(5) });
          expect(await store.batchUsage('P')).toEqual({ queued: 0, running: 0, ended: 0, resultBytes: 0, oldestEndedAt: null });
        });
      });

      it('lists at most a limit of the batches that ended before a time, oldest first', async () => {
        await withStore(5, async (s) => {
          const { store } = s;
          // Created in another order than they end.
          for (const [id, end] of [['e3', at(30)], ['e1', at(10)], ['e2', at(20)]] as const) {
            await store.createBatch(newBatch(id));
            await store.endBatch(id, ended(id === 'e2' ? 'failed' : 'done', end));
          }
          await store.createBatch(newBatch('queued'));
          await store.createBatch(newBatch('running'));
          await store.startBatch('running', at(1));
          expect(await store.endedBatchesBefore(at(100), 10)).toEqual(['e1', 'e2', 'e3']);
          // Before: not at.
          expect(await store.endedBatchesBefore(at(30), 10)).toEqual(['e1', 'e2']);
          expect(await store.endedBatchesBefore(at(100), 2)).toEqual(['e1', 'e2']);
          expect(await store.endedBatchesBefore(at(10), 10)).toEqual([]);
          await store.endBatch('running', ended('cancelled', at(5)));
          expect(await store.endedBatchesBefore(at(15), 10)).toEqual(['running', 'e1']);
        });
      });
    });
    conversationContract(withStore);
  });
}
