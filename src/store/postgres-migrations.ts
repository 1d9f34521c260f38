/**
 * The PostgreSQL store's schema, as versioned migrations recorded in `ler_schema`. Every store
 * runs the ones not yet applied when it opens, under a session advisory lock, so that replicas
 * starting together apply each migration once (the others wait, then find nothing to do). Each
 * runs in its own transaction; a version once released is never edited: a change is a new one.
 *
 * Owner ids, keys and request ids are `text COLLATE "C"`: compared and sorted by their bytes as in
 * the SQLite store, whatever the database's locale, and `lower()` of them folds ASCII letters only
 * (an owner is one owner whatever the case of its id). Times are `timestamptz`; documents that are
 * given back as they came (packages, interest areas, audit details) are `json`, kept as their
 * text. A snapshot is three large objects named by its version row (postgres-snapshots.ts).
 */
import type { PgDatabase } from './postgres-db.js';
import { BATCH_MIGRATION } from './postgres-batches.js';
import { CONVERSATION_MIGRATION } from './postgres-conversation.js';

export interface PgMigration {
  version: number;
  sql: string;
}

const CORE = `
  CREATE TABLE owners (
    owner text COLLATE "C" PRIMARY KEY,
    name text,
    contact text,
    requires_marking boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz
  );
  CREATE UNIQUE INDEX owners_by_folded_id ON owners (lower(owner));
  CREATE TABLE network_versions (
    owner text COLLATE "C" NOT NULL REFERENCES owners (owner),
    version integer NOT NULL,
    features integer NOT NULL,
    bytes bigint NOT NULL,
    created_at timestamptz NOT NULL,
    columns_oid oid NOT NULL,
    columns_bytes bigint NOT NULL,
    chunks_oid oid NOT NULL,
    chunks_bytes bigint NOT NULL,
    tree_oid oid NOT NULL,
    tree_bytes bigint NOT NULL,
    PRIMARY KEY (owner, version)
  );
  CREATE TABLE interest_areas (
    owner text COLLATE "C" PRIMARY KEY REFERENCES owners (owner),
    body json NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE TABLE dig_requests (
    id text COLLATE "C" PRIMARY KEY,
    requester text COLLATE "C" NOT NULL,
    body json NOT NULL,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX dig_requests_by_requester ON dig_requests (requester, created_at);
  CREATE INDEX dig_requests_by_age ON dig_requests (created_at);
  CREATE TABLE package_pictures (
    id text COLLATE "C" NOT NULL REFERENCES dig_requests (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('svg', 'png')),
    body bytea NOT NULL,
    etag text NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, kind)
  );
  CREATE TABLE api_keys (
    hash text COLLATE "C" PRIMARY KEY,
    role text NOT NULL CHECK (role IN ('admin', 'owner', 'contractor', 'planner')),
    owner text COLLATE "C",
    name text,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX api_keys_by_folded_owner ON api_keys (lower(owner));
  CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    owner text COLLATE "C",
    detail json NOT NULL
  );
`;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  { version: 1, sql: CORE },
  // Planners' batches as jobs (postgres-batches.ts).
  { version: 2, sql: BATCH_MIGRATION },
  // The conversation (postgres-conversation.ts).
  { version: 3, sql: CONVERSATION_MIGRATION }
];

/** The advisory lock the migrations run under (one key for every store on the database). */
const LOCK_KEY = "hashtextextended('ler-engine schema migrations', 0)";

/**
 * Applies the migrations not yet recorded, each in its own transaction, holding the advisory lock
 * on one connection meanwhile; returns the schema version.
 */
export async function migrate(db: PgDatabase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  await db.withClient(async (client, broke) => {
    await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS ler_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM ler_schema')).rows.map((r) => Number(r.version)));
      for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO ler_schema (version) VALUES ($1)', [m.version]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(broke);
          throw error;
        }
      }
    } finally {
      // A connection that cannot unlock is dropped, which unlocks too.
      await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`).catch(broke);
    }
  });
  return Math.max(0, ...migrations.map((m) => m.version));
}
