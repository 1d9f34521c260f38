/**
 * Schema migrations, in order. Each runs once, in its own transaction, at start; a version once
 * released is never edited: a change is a new migration.
 */
export interface Migration {
  version: number;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE owners (
        owner TEXT PRIMARY KEY,
        name TEXT,
        contact TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE network_versions (
        owner TEXT NOT NULL REFERENCES owners (owner),
        version INTEGER NOT NULL,
        features INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (owner, version)
      );
      -- The packed snapshot of each version (columns, chunk tables, tree), in pieces.
      CREATE TABLE snapshot_pieces (
        owner TEXT NOT NULL,
        version INTEGER NOT NULL,
        part TEXT NOT NULL CHECK (part IN ('columns', 'chunks', 'tree')),
        seq INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (owner, version, part, seq)
      );
      CREATE TABLE interest_areas (
        owner TEXT PRIMARY KEY REFERENCES owners (owner),
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      -- A dig request and its package, with the network version of each owner it used.
      CREATE TABLE dig_requests (
        id TEXT PRIMARY KEY,
        requester TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE api_keys (
        hash TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'owner', 'contractor', 'planner')),
        owner TEXT,
        name TEXT,
        created_at TEXT NOT NULL
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        owner TEXT,
        detail TEXT NOT NULL
      );
    `
  },
  {
    version: 2,
    // Owner profiles for the service: whether the owner shows its very dangerous lines on site.
    sql: `
      ALTER TABLE owners ADD COLUMN requires_marking INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE owners ADD COLUMN updated_at TEXT;
    `
  }
];
