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
  },
  {
    version: 3,
    // Planners' batches as jobs: their state; the input until the batch ends (a table of its own:
    // a row's later columns are read, and the row rewritten, without the input's megabytes); the
    // results in pages of NDJSON lines (a page: `count` summaries from index `first` on, in order).
    sql: `
      CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        requester TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        options TEXT NOT NULL,
        areas INTEGER,
        progress TEXT,
        results INTEGER NOT NULL DEFAULT 0,
        result_bytes INTEGER NOT NULL DEFAULT 0,
        version INTEGER,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX batches_by_requester ON batches (requester, status);
      CREATE INDEX batches_by_status ON batches (status, finished_at);
      CREATE TABLE batch_inputs (
        batch TEXT PRIMARY KEY,
        input TEXT NOT NULL
      );
      CREATE TABLE batch_pages (
        batch TEXT NOT NULL,
        seq INTEGER NOT NULL,
        first INTEGER NOT NULL,
        count INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (batch, seq)
      );
    `
  },
  {
    version: 4,
    // An owner is one owner whatever the case of its id: the spellings it is known by (as an owner,
    // or as the owner an API key is bound to) are found case-insensitively through these indexes.
    sql: `
      CREATE INDEX owners_by_folded_id ON owners (owner COLLATE NOCASE);
      CREATE INDEX api_keys_by_folded_owner ON api_keys (owner COLLATE NOCASE);
    `
  },
  {
    version: 5,
    // A contractor's dig requests of a day are counted (the daily quota), and the oldest ones found
    // (retention), through indexes; each package's map, drawn once, is kept with it.
    sql: `
      CREATE INDEX dig_requests_by_requester ON dig_requests (requester, created_at);
      CREATE INDEX dig_requests_by_age ON dig_requests (created_at);
      CREATE TABLE package_pictures (
        id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('svg', 'png')),
        body BLOB NOT NULL,
        etag TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (id, kind)
      );
    `
  },
  {
    version: 6,
    // The conversation: a package's newest revision stays in dig_requests (the hot path writes one
    // row), with what every owner's inbox entry shares (validity, the area in lon/lat); a revision an
    // answer replaces moves to dig_request_revisions. Each owner a package names has an inbox row,
    // kept small and keyed for the owner's listing. Webhooks, and their deliveries as an outbox with
    // the attempts made.
    sql: `
      ALTER TABLE dig_requests ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE dig_requests ADD COLUMN revised_at TEXT;
      ALTER TABLE dig_requests ADD COLUMN valid_until TEXT;
      ALTER TABLE dig_requests ADD COLUMN area TEXT;
      CREATE TABLE dig_request_revisions (
        id TEXT NOT NULL,
        revision INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (id, revision)
      );
      CREATE TABLE inbox (
        owner TEXT NOT NULL,
        created_at TEXT NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        deadline TEXT NOT NULL,
        status TEXT NOT NULL,
        conflicts INTEGER NOT NULL,
        answered_at TEXT,
        overdue_at TEXT,
        PRIMARY KEY (owner, created_at, id)
      ) WITHOUT ROWID;
      CREATE INDEX inbox_by_request ON inbox (id, owner);
      CREATE INDEX inbox_due ON inbox (deadline) WHERE answered_at IS NULL AND overdue_at IS NULL;
      CREATE TABLE webhooks (
        id TEXT PRIMARY KEY,
        created_by TEXT NOT NULL,
        role TEXT NOT NULL,
        owner TEXT,
        requester TEXT,
        url TEXT NOT NULL,
        events TEXT NOT NULL,
        secret TEXT NOT NULL,
        created_at TEXT NOT NULL,
        failing_since TEXT,
        disabled_at TEXT,
        disabled_reason TEXT
      );
      CREATE INDEX webhooks_by_creator ON webhooks (created_by);
      CREATE TABLE webhook_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        webhook TEXT NOT NULL,
        event_id TEXT NOT NULL,
        type TEXT NOT NULL,
        priority INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        lease_until TEXT,
        delivered_at TEXT,
        history TEXT NOT NULL DEFAULT '[]'
      );
      CREATE INDEX deliveries_pending ON webhook_deliveries (webhook, priority DESC, seq) WHERE status = 'pending';
      CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook, seq DESC);
    `
  }
];
