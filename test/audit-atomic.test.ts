import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, SqliteStore } from '../src/library.js';
import { hashToken, keyId, newToken } from '../src/store/tokens.js';
import type { AuditInput } from '../src/store/store.js';
import { PLANAR } from './helpers/compare.js';
import { buildNetwork } from './helpers/query.js';
import { Random } from './helpers/random.js';
import { CHILD_OWNER, networkOf } from './helpers/upload-child.js';

// Every change and its audit entry are written in one transaction: a crash leaves both or neither,
// and a refused audit entry leaves no change behind.

const root = mkdtempSync(join(tmpdir(), 'ler-audit-'));
/** Children still running: a test that fails or times out must not leave one behind. */
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
let dirs = 0;
const dir = (): string => join(root, String(dirs++));

const event = (action: string, detail: Record<string, unknown> = {}): AuditInput => ({ actor: 'admin', action, owner: CHILD_OWNER, detail });

/** Makes the database refuse every new audit entry, as a full disk or a failing constraint would. */
function refuseAudit(dataDir: string): void {
  const db = new Database(join(dataDir, 'ler.sqlite'));
  db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END");
  db.close();
}

describe('a refused audit entry', () => {
  it('rolls back the key, profile, version, interest areas or removal it was written with', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d });
    try {
      const kept = hashToken(newToken());
      await store.putApiKey({ hash: kept, role: 'planner', owner: null, name: 'kept' }, event('key.create'));
      await store.putOwnerProfile({ owner: CHILD_OWNER, name: 'Before', contact: 'a', requiresMarking: false }, event('profile.put'));
      const index = buildNetwork(networkOf(1), { owner: CHILD_OWNER, ...PLANAR });
      store.saveVersion(CHILD_OWNER, 1, index.buffers, index.featureCount, event('network.replace', { version: 1 }));
      expect((await store.auditLog()).map((e) => e.action)).toEqual(['network.replace', 'profile.put', 'key.create']);
      refuseAudit(d);

      const fresh = hashToken(newToken());
      await expect(store.putApiKey({ hash: fresh, role: 'contractor', owner: null, name: null }, event('key.create'))).rejects.toThrow(/audit refused/);
      expect(await store.findApiKey(fresh)).toBeNull();
      await expect(store.deleteApiKey(kept, event('key.revoke'))).rejects.toThrow(/audit refused/);
      expect(await store.findApiKey(kept)).toMatchObject({ name: 'kept' });
      await expect(store.putOwnerProfile({ owner: CHILD_OWNER, name: 'After', contact: 'b', requiresMarking: true }, event('profile.put'))).rejects.toThrow(/audit refused/);
      expect(await store.ownerProfile(CHILD_OWNER)).toMatchObject({ name: 'Before', contact: 'a', requiresMarking: false });
      expect(() => store.saveVersion(CHILD_OWNER, 2, index.buffers, index.featureCount, event('network.replace', { version: 2 }))).toThrow(/audit refused/);
      await expect(store.commitVersion(CHILD_OWNER, 2, index.buffers, index.featureCount, event('network.replace', { version: 2 }))).rejects.toThrow(/audit refused/);
      expect((await store.history(CHILD_OWNER)).map((v) => v.version)).toEqual([1]);
      await expect(store.putInterestAreas(CHILD_OWNER, { type: 'FeatureCollection', features: [] }, event('interest-areas.replace'))).rejects.toThrow(/audit refused/);
      expect(await store.interestAreas(CHILD_OWNER)).toBeNull();
      await expect(store.removeOwner(CHILD_OWNER, event('network.remove'))).rejects.toThrow(/audit refused/);
      expect(await store.currentVersions()).toEqual([expect.objectContaining({ owner: CHILD_OWNER, version: 1 })]);
      expect(await store.auditLog()).toHaveLength(3);
      // Batches: made, ended and deleted with their entries.
      await expect(store.createBatch({ id: 'b1', requester: 'p', createdAt: new Date().toISOString(), options: {}, areas: 1, input: '{}' }, event('batch.submit'))).rejects.toThrow(/audit refused/);
      expect(await store.batch('b1')).toBeNull();
      await store.createBatch({ id: 'b2', requester: 'p', createdAt: new Date().toISOString(), options: {}, areas: 1, input: '{}' });
      await expect(store.endBatch('b2', { status: 'cancelled', finishedAt: new Date().toISOString(), error: null, progress: null }, event('batch.cancel'))).rejects.toThrow(/audit refused/);
      expect(await store.batch('b2')).toMatchObject({ status: 'queued' });
      await store.endBatch('b2', { status: 'cancelled', finishedAt: new Date().toISOString(), error: null, progress: null });
      await expect(store.deleteBatch('b2', event('batch.delete'))).rejects.toThrow(/audit refused/);
      expect(await store.batch('b2')).toMatchObject({ status: 'cancelled' });
    } finally {
      await store.close();
    }
  });

  it('refuses the version stored on the store\'s own connection too (no writer thread)', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d, writerFile: join(root, 'no-such-writer.js') });
    try {
      refuseAudit(d);
      const index = buildNetwork(networkOf(1), { owner: CHILD_OWNER, ...PLANAR });
      await expect(store.commitVersion(CHILD_OWNER, 1, index.buffers, index.featureCount, event('network.replace', { version: 1 }))).rejects.toThrow(/audit refused/);
      expect(await store.currentVersions()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});

interface Entry {
  action: string;
  owner: string | null;
  detail: Record<string, unknown>;
}

/** What a store holds after a kill, read by another connection: rows and audit entries. */
function readBack(dataDir: string): { versions: number[]; features: Map<number, number>; keys: string[]; profile: string | null; entries: Entry[] } {
  const db = new Database(join(dataDir, 'ler.sqlite'), { readonly: true });
  try {
    const rows = db.prepare('SELECT version, features FROM network_versions WHERE owner = ? ORDER BY version').all(CHILD_OWNER) as { version: number; features: number }[];
    const keys = (db.prepare('SELECT hash FROM api_keys').all() as { hash: string }[]).map((r) => keyId(r.hash)).sort();
    const profile = (db.prepare('SELECT name FROM owners WHERE owner = ?').get(CHILD_OWNER) as { name: string | null } | undefined)?.name ?? null;
    const entries = (db.prepare('SELECT action, owner, detail FROM audit_log ORDER BY id').all() as { action: string; owner: string | null; detail: string }[]).map((e) => ({ ...e, detail: JSON.parse(e.detail) as Record<string, unknown> }));
    return { versions: rows.map((r) => r.version), features: new Map(rows.map((r) => [r.version, r.features])), keys, profile, entries };
  } finally {
    db.close();
  }
}

/** Starts the child, waits until it is ready and then `delay` ms, kills it with SIGKILL. */
function runAndKill(dataDir: string, delay: number): Promise<void> {
  const script = fileURLToPath(new URL('./helpers/audit-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script, 'changes', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    let err = '';
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) setTimeout(() => proc.kill('SIGKILL'), delay);
    });
    proc.on('exit', (code, signal) => {
      children.delete(proc);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`The child ended by itself (${String(code)}): ${err}`));
    });
  });
}

describe('changes and their audit entries after a SIGKILL', () => {
  it('leave every version, key and profile change with exactly one audit entry, and no entry without its change', async () => {
    const d = dir();
    const rng = new Random(515);
    let versions = 0;
    for (let round = 0; round < 6; round++) {
      await runAndKill(d, 300 + rng.int(0, 2000));
      const got = readBack(d);
      const of = (action: string): Entry[] => got.entries.filter((e) => e.action === action);

      // Versions (the history keeps them all): one entry each, and one version for each entry.
      const audited = [...of('network.replace'), ...of('network.patch')].map((e) => Number(e.detail.version)).sort((a, b) => a - b);
      expect(audited).toEqual(got.versions);
      for (const e of [...of('network.replace'), ...of('network.patch')]) expect(e.detail.features).toBe(got.features.get(Number(e.detail.version)));

      // Keys: a live key was made once and never revoked; a revoked one was made once and is gone.
      const made = of('key.create').map((e) => String(e.detail.id));
      const revoked = of('key.revoke').map((e) => String(e.detail.id));
      expect(new Set(made).size).toBe(made.length);
      expect(new Set(revoked).size).toBe(revoked.length);
      expect(made.filter((id) => !revoked.includes(id)).sort()).toEqual(got.keys);
      expect(revoked.every((id) => made.includes(id))).toBe(true);

      // The profile: each rename once, the last one live.
      const names = of('profile.put').map((e) => String(e.detail.name));
      expect(new Set(names).size).toBe(names.length);
      expect(names.length > 0 ? names[names.length - 1] : null).toBe(got.profile);

      // The store opens on the newest version, whole.
      const store = new SqliteStore({ dataDir: d, history: 1000 });
      const engine = await Engine.open({ workers: 0, store });
      const last = got.versions[got.versions.length - 1];
      expect(engine.snapshot?.networks.get(CHILD_OWNER)?.version).toBe(last);
      if (last !== undefined) expect(engine.snapshot?.index.featureCount).toBe(got.features.get(last));
      await engine.close();
      await store.close();
      versions = got.versions.length;
    }
    expect(versions).toBeGreaterThan(3);
  });
});
