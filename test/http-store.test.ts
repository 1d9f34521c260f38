import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite.js';
import { MIGRATIONS } from '../src/store/migrations.js';
import { dataDir } from './helpers/http-app.js';

const dir = dataDir('store');
afterAll(() => dir.remove());

describe('what the service keeps in the store', () => {
  it('upgrades a store made before owner profiles, keeping its owners', async () => {
    const path = dir.sub('upgrade');
    mkdirSync(path, { recursive: true });
    // Made as the first schema left it: only migration 1, an owner with a name.
    const db = new Database(join(path, 'ler.sqlite'));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    db.exec(MIGRATIONS[0].sql);
    db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (1, 'then')").run();
    db.prepare("INSERT INTO owners (owner, name, contact, created_at) VALUES ('dk-el', 'El A/S', 'tlf 1', 'then')").run();
    db.close();
    const store = new SqliteStore({ dataDir: path });
    try {
      // Every later migration ran on it, in order.
      expect(store.schemaVersion).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
      expect(await store.ownerProfile('dk-el')).toEqual({ owner: 'dk-el', name: 'El A/S', contact: 'tlf 1', requiresMarking: false });
    } finally {
      await store.close();
    }
  });

  it('keeps owner profiles, lists and revokes keys, and names the owners with interest areas', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('profiles') });
    try {
      await store.putOwnerProfile({ owner: 'dk-gas', name: 'Gas', contact: 'gas@example.invalid', requiresMarking: true });
      await store.putOwnerProfile({ owner: 'dk-gas', name: 'Gas A/S', contact: 'gas@example.invalid', requiresMarking: false });
      expect(await store.ownerProfile('dk-gas')).toEqual({ owner: 'dk-gas', name: 'Gas A/S', contact: 'gas@example.invalid', requiresMarking: false });
      expect(await store.ownerProfile('nobody')).toBeNull();
      await store.putInterestAreas('dk-vand', { type: 'FeatureCollection', features: [] });
      expect(await store.interestAreaOwners()).toEqual(['dk-vand']);
      expect((await store.ownerProfiles()).map((p) => p.owner)).toEqual(['dk-gas', 'dk-vand']);
      const a = 'a'.repeat(64), b = 'b'.repeat(64);
      await store.putApiKey({ hash: a, role: 'planner', owner: null, name: 'p' });
      await store.putApiKey({ hash: b, role: 'owner', owner: 'dk-gas', name: null });
      expect((await store.listApiKeys()).map((k) => [k.hash, k.role, k.owner])).toEqual([[a, 'planner', null], [b, 'owner', 'dk-gas']].sort((x, y) => (x[0] as string).localeCompare(y[0] as string)));
      expect(await store.deleteApiKey(a)).toBe(true);
      expect(await store.deleteApiKey(a)).toBe(false);
      expect(await store.findApiKey(a)).toBeNull();
      expect(await store.listApiKeys()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
