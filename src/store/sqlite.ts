/**
 * The embedded store: SQLite through better-sqlite3 in WAL mode with full sync, in a data
 * directory. Snapshots are kept as the packed buffers the index lives in, in pieces of at most
 * 64 MiB, so a restart reads them instead of parsing and indexing the networks again. Every
 * write is one transaction: a crash at any moment leaves the last committed state. Writes begin
 * IMMEDIATE: a deferred transaction that reads first could not take the write lock once the writer
 * thread has committed in between (SQLITE_BUSY at once, whatever the timeout).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LerError } from '../errors.js';
import type { SnapshotBuffers } from '../index/network-index.js';
import { GroupCommit } from './group-commit.js';
import { journalWriter, type JournalRecord } from './journal.js';
import { MIGRATIONS } from './migrations.js';
import { snapshotBytes, writeVersionNow, type VersionJob } from './version-writer.js';
import { SqliteBatches } from './sqlite-batches.js';
import { SqliteConversation, type NoticeRow } from './sqlite-conversation.js';
import type { ApiKeyRecord, AuditEvent, AuditInput, DigNotice, NetworkVersionRecord, OwnerProfile, PictureKind, ServiceStore } from './store.js';
import type { ClaimedDelivery, DeliveryAttempt, DeliveryOutcome, DeliveryRecord, InboxEntry, InboxPage, InboxQuery, InboxUpdate, OutboxEvent, WebhookRecord } from './conversation.js';
import type { BatchPage, BatchRecord, BatchStatus, BatchStore, BatchUsage, NewBatch } from './store.js';

export interface SqliteStoreOptions {
  /** Directory of the database file; default `LER_DATA_DIR` or `./data`. */
  dataDir?: string;
  /** Versions kept per owner, the current one included; default 5. */
  history?: number;
  /** The writer thread's module (workers/store-writer); for tests. */
  writerFile?: string;
  /** Bytes per piece of a snapshot written in steps (`commitVersion`); for tests. */
  pieceBytes?: number;
}

const CACHE_MS = 5000;

const PIECE = 64 * 1024 * 1024;
const PARTS = ['columns', 'chunks', 'tree'] as const;

type Row = Record<string, unknown>;

export class SqliteStore implements ServiceStore {
  readonly kind = 'sqlite';
  readonly schemaVersion: number;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly keep: number;
  private readonly pieceBytes: number | undefined;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly commits: GroupCommit;
  private readonly journal: (records: readonly JournalRecord[]) => void;
  /** Planners' batches (sqlite-batches.ts). */
  private readonly jobs: SqliteBatches;
  /** Inbox, revisions, webhooks and their outbox (sqlite-conversation.ts). */
  private readonly talk: SqliteConversation;
  /** Lookups on every request, kept a few seconds: another process may change the same file. */
  private readonly keys = new Memo<ApiKeyRecord>(CACHE_MS);
  private readonly profiles = new Memo<OwnerProfile | null>(CACHE_MS);

  constructor(opts: SqliteStoreOptions = {}) {
    const dir = opts.dataDir ?? process.env.LER_DATA_DIR ?? './data';
    this.keep = opts.history ?? 5;
    this.pieceBytes = opts.pieceBytes;
    if (!Number.isInteger(this.keep) || this.keep < 1) throw new LerError('OPTION_INVALID', { pointer: '/history' }, 'history must be a whole number of at least 1.');
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'ler.sqlite');
    this.db = new Database(this.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.schemaVersion = this.migrate();
    this.journal = journalWriter(this.db);
    this.commits = new GroupCommit(this.path, this.journal, opts.writerFile);
    this.jobs = new SqliteBatches(this.db, (records) => this.commits.write(records), (sql) => this.stmt(sql));
    this.talk = new SqliteConversation(this.db, (records) => this.commits.write(records), (sql) => this.stmt(sql), (event) => this.writeAudit(event));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs the migrations not yet applied, each in its own transaction; returns the schema version. */
  private migrate(): number {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    const done = new Set((this.stmt('SELECT version FROM schema_migrations').all() as Row[]).map((r) => Number(r.version)));
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.stmt('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, new Date().toISOString());
      })();
    }
    return Math.max(0, ...MIGRATIONS.map((m) => m.version));
  }

  async currentVersions(): Promise<NetworkVersionRecord[]> {
    const rows = this.stmt(
        `SELECT v.owner, v.version, v.features, v.bytes, v.created_at FROM network_versions v
         JOIN (SELECT owner, max(version) AS version FROM network_versions GROUP BY owner) c ON c.owner = v.owner AND c.version = v.version
         ORDER BY v.owner`
      )
      .all() as Row[];
    return rows.map(versionOf);
  }

  async history(owner: string): Promise<NetworkVersionRecord[]> {
    const rows = this.stmt('SELECT owner, version, features, bytes, created_at FROM network_versions WHERE owner = ? ORDER BY version DESC').all(owner) as Row[];
    return rows.map(versionOf);
  }

  async loadSnapshot(owner: string, version: number): Promise<SnapshotBuffers> {
    // One read transaction: the version and all its pieces as of one moment, even while the writer
    // thread drops that version from the history and deletes its pieces.
    return this.db.transaction(() => this.readSnapshot(owner, version))();
  }

  private readSnapshot(owner: string, version: number): SnapshotBuffers {
    const row = this.stmt('SELECT bytes FROM network_versions WHERE owner = ? AND version = ?').get(owner, version) as Row | undefined;
    if (row === undefined) throw new LerError('VERSION_GONE', { pointer: '/version' }, `${owner} version ${version} is not kept.`);
    const out: Partial<Record<(typeof PARTS)[number], SharedArrayBuffer>> = {};
    let total = 0;
    for (const part of PARTS) {
      const pieces = this.stmt('SELECT data FROM snapshot_pieces WHERE owner = ? AND version = ? AND part = ? ORDER BY seq')
        .all(owner, version, part) as { data: Buffer }[];
      if (pieces.length === 0) throw new LerError('STORE_CORRUPT', {}, `No ${part} stored for ${owner} version ${version}.`);
      const size = pieces.reduce((s, p) => s + p.data.length, 0);
      const buffer = new SharedArrayBuffer(size);
      const bytes = new Uint8Array(buffer);
      let at = 0;
      for (const p of pieces) {
        bytes.set(p.data, at);
        at += p.data.length;
      }
      out[part] = buffer;
      total += size;
    }
    if (total !== Number(row.bytes)) throw new LerError('STORE_CORRUPT', {}, `${owner} version ${version}: ${total} bytes stored, ${String(row.bytes)} recorded.`);
    return out as SnapshotBuffers;
  }

  async commitVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number, event?: AuditInput): Promise<NetworkVersionRecord> {
    const createdAt = new Date().toISOString();
    this.profiles.delete(owner);
    this.checkSpelling(owner);
    const audit = event === undefined ? null : { at: createdAt, actor: event.actor, action: event.action, owner: event.owner, detail: JSON.stringify(event.detail) };
    const job: VersionJob = { owner, version, buffers, features, createdAt, keep: this.keep, audit, ...(this.pieceBytes !== undefined ? { pieceBytes: this.pieceBytes } : {}) };
    await this.commits.writeVersion(job, () => writeVersionNow(this.db, job));
    return { owner, version, features, bytes: snapshotBytes(buffers), createdAt };
  }

  saveVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number, event?: AuditInput): NetworkVersionRecord {
    const createdAt = new Date().toISOString();
    this.profiles.delete(owner);
    let bytes = 0;
    const insertPiece = this.stmt('INSERT INTO snapshot_pieces (owner, version, part, seq, data) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.claimOwner(owner, createdAt);
      for (const part of PARTS) {
        const all = new Uint8Array(buffers[part]);
        bytes += all.length;
        for (let seq = 0, at = 0; at < all.length || seq === 0; seq++, at += PIECE) {
          insertPiece.run(owner, version, part, seq, Buffer.from(all.subarray(at, Math.min(all.length, at + PIECE))));
        }
      }
      this.stmt('INSERT INTO network_versions (owner, version, features, bytes, created_at) VALUES (?, ?, ?, ?, ?)').run(owner, version, features, bytes, createdAt);
      // History: the newest `keep` versions stay.
      const old = this.stmt('SELECT version FROM network_versions WHERE owner = ? ORDER BY version DESC LIMIT -1 OFFSET ?').all(owner, this.keep) as Row[];
      for (const r of old) {
        this.stmt('DELETE FROM snapshot_pieces WHERE owner = ? AND version = ?').run(owner, r.version);
        this.stmt('DELETE FROM network_versions WHERE owner = ? AND version = ?').run(owner, r.version);
      }
      if (event !== undefined) this.writeAudit(event);
    }).immediate();
    return { owner, version, features, bytes, createdAt };
  }

  async removeOwner(owner: string, event?: AuditInput): Promise<void> {
    this.profiles.delete(owner);
    this.db.transaction(() => {
      for (const table of ['snapshot_pieces', 'network_versions', 'interest_areas', 'owners']) this.stmt(`DELETE FROM ${table} WHERE owner = ?`).run(owner);
      if (event !== undefined) this.writeAudit(event);
    }).immediate();
  }

  async putInterestAreas(owner: string, areas: unknown, event?: AuditInput): Promise<void> {
    this.profiles.delete(owner);
    this.db.transaction(() => {
      // An owner without an uploaded network may still register where it has lines.
      this.claimOwner(owner, new Date().toISOString());
      this.stmt('INSERT INTO interest_areas (owner, body, updated_at) VALUES (?, ?, ?) ON CONFLICT (owner) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at')
        .run(owner, JSON.stringify(areas), new Date().toISOString());
      if (event !== undefined) this.writeAudit(event);
    }).immediate();
  }

  async interestAreas(owner: string): Promise<unknown> {
    const row = this.stmt('SELECT body FROM interest_areas WHERE owner = ?').get(owner) as Row | undefined;
    return row ? (JSON.parse(String(row.body)) as unknown) : null;
  }

  recordDigRequest(id: string, requester: string, body: string | Uint8Array, event: Omit<AuditEvent, 'at'>, notice?: DigNotice): Promise<void> {
    const at = new Date().toISOString();
    // What every owner's entry shares is kept once, with the request.
    const shared = notice?.inbox[0];
    return this.commits.write([
      { kind: 'digRequest', id, requester, body, createdAt: at, validUntil: shared?.validUntil ?? null, area: shared === undefined ? null : JSON.stringify(shared.area) },
      { kind: 'audit', at, actor: event.actor, action: event.action, owner: event.owner, detail: JSON.stringify(event.detail) },
      ...(notice !== undefined && (notice.inbox.length > 0 || notice.events.length > 0)
        ? [{ kind: 'notice' as const, id, createdAt: shared?.createdAt ?? at, rows: notice.inbox.map((e): NoticeRow => [e.owner, e.type, e.deadline, e.status, e.conflicts, e.answeredAt]), events: this.talk.mayDeliver() ? [...notice.events] : [] }]
        : [])
    ]);
  }

  /** Transactions the writer thread has committed, and the records in them. */
  get groupCommits(): { commits: number; records: number } {
    return { commits: this.commits.commits, records: this.commits.records };
  }

  digRequest(id: string): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null> {
    return this.talk.digRequest(id);
  }

  mayDeliver(): boolean {
    return this.talk.mayDeliver();
  }

  digRequestRevision(id: string, revision: number): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null> {
    return this.talk.digRequestRevision(id, revision);
  }

  reviseDigRequest(id: string, revision: number, body: string, update: InboxUpdate, event: AuditInput, events: readonly OutboxEvent[]): Promise<boolean> {
    return this.talk.reviseDigRequest(id, revision, body, update, event, events);
  }

  inbox(owner: string, query: InboxQuery): Promise<InboxPage> {
    return this.talk.inbox(owner, query);
  }

  inboxEntry(id: string, owner: string): Promise<InboxEntry | null> {
    return this.talk.inboxEntry(id, owner);
  }

  dueInboxEntries(now: string, limit: number): Promise<InboxEntry[]> {
    return this.talk.dueInboxEntries(now, limit);
  }

  noticeOverdue(id: string, owner: string, at: string, event: OutboxEvent): Promise<boolean> {
    return this.talk.noticeOverdue(id, owner, at, event);
  }

  createWebhook(webhook: WebhookRecord, event: AuditInput): Promise<void> {
    return this.talk.createWebhook(webhook, event);
  }

  webhook(id: string): Promise<WebhookRecord | null> {
    return this.talk.webhook(id);
  }

  webhooks(createdBy: string | null): Promise<WebhookRecord[]> {
    return this.talk.webhooks(createdBy);
  }

  deleteWebhook(id: string, event: AuditInput): Promise<boolean> {
    return this.talk.deleteWebhook(id, event);
  }

  deliveries(webhook: string, limit: number, before?: number): Promise<DeliveryRecord[]> {
    return this.talk.deliveries(webhook, limit, before);
  }

  claimDeliveries(now: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.talk.claimDeliveries(now, limit, leaseMs);
  }

  recordAttempt(seq: number, attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void> {
    return this.talk.recordAttempt(seq, attempt, outcome);
  }

  pruneDeliveries(before: string, limit: number): Promise<number> {
    return this.talk.pruneDeliveries(before, limit);
  }

  async countDigRequests(requester: string, since: string): Promise<number> {
    const row = this.stmt('SELECT count(*) AS n FROM dig_requests WHERE requester = ? AND created_at >= ?').get(requester, since) as Row;
    return Number(row.n);
  }

  async pruneDigRequests(before: string, limit: number, event?: AuditInput): Promise<{ requests: number; pictures: number }> {
    return this.db.transaction(() => {
      const rows = this.stmt('SELECT id FROM dig_requests WHERE created_at < ? ORDER BY created_at LIMIT ?').all(before, limit) as Row[];
      let pictures = 0;
      for (const { id } of rows) {
        pictures += this.stmt('DELETE FROM package_pictures WHERE id = ?').run(id).changes;
        this.stmt('DELETE FROM dig_request_revisions WHERE id = ?').run(id);
        this.stmt('DELETE FROM inbox WHERE id = ?').run(id);
        this.stmt('DELETE FROM dig_requests WHERE id = ?').run(id);
      }
      if (event !== undefined && rows.length > 0) this.writeAudit({ ...event, detail: { ...event.detail, requests: rows.length, pictures } });
      return { requests: rows.length, pictures };
    }).immediate();
  }

  async packagePicture(id: string, kind: PictureKind): Promise<{ requester: string; body: Buffer; etag: string } | null> {
    const row = this.stmt('SELECT d.requester, p.body, p.etag FROM package_pictures p JOIN dig_requests d ON d.id = p.id WHERE p.id = ? AND p.kind = ?').get(id, kind) as Row | undefined;
    return row ? { requester: String(row.requester), body: row.body as Buffer, etag: String(row.etag) } : null;
  }

  putPackagePicture(id: string, kind: PictureKind, body: Uint8Array, etag: string): Promise<void> {
    return this.commits.write([{ kind: 'picture', id, picture: kind, body, etag, createdAt: new Date().toISOString() }]);
  }

  async putApiKey(key: Omit<ApiKeyRecord, 'createdAt'>, event?: AuditInput): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(key.hash)) throw new LerError('OPTION_INVALID', { pointer: '/hash' }, 'An API key is stored as the hex SHA-256 of its token.');
    if (key.owner !== null) this.checkSpelling(key.owner);
    this.db.transaction(() => {
      this.stmt('INSERT INTO api_keys (hash, role, owner, name, created_at) VALUES (?, ?, ?, ?, ?)').run(key.hash, key.role, key.owner, key.name, new Date().toISOString());
      if (event !== undefined) this.writeAudit(event);
    }).immediate();
  }

  async findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    const known = this.keys.get(hash);
    if (known !== undefined) return known;
    const row = this.stmt('SELECT hash, role, owner, name, created_at FROM api_keys WHERE hash = ?').get(hash) as Row | undefined;
    if (!row) return null;
    return this.keys.set(hash, { hash: String(row.hash), role: row.role as ApiKeyRecord['role'], owner: (row.owner as string | null) ?? null, name: (row.name as string | null) ?? null, createdAt: String(row.created_at) });
  }

  async audit(event: AuditInput): Promise<void> {
    this.writeAudit(event);
  }

  /** An audit entry written now, inside the caller's transaction. */
  private writeAudit(event: AuditInput): void {
    this.stmt('INSERT INTO audit_log (at, actor, action, owner, detail) VALUES (?, ?, ?, ?, ?)')
      .run(new Date().toISOString(), event.actor, event.action, event.owner, JSON.stringify(event.detail));
  }

  async auditLog(limit = 100): Promise<AuditEvent[]> {
    const rows = this.stmt('SELECT at, actor, action, owner, detail FROM audit_log ORDER BY id DESC LIMIT ?').all(limit) as Row[];
    return rows.map((r) => ({ at: String(r.at), actor: String(r.actor), action: String(r.action), owner: (r.owner as string | null) ?? null, detail: JSON.parse(String(r.detail)) as Record<string, unknown> }));
  }

  async putOwnerProfile(profile: OwnerProfile, event?: AuditInput): Promise<void> {
    this.profiles.delete(profile.owner);
    this.checkSpelling(profile.owner);
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.stmt(
          `INSERT INTO owners (owner, name, contact, requires_marking, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (owner) DO UPDATE SET name = excluded.name, contact = excluded.contact, requires_marking = excluded.requires_marking, updated_at = excluded.updated_at`
        )
        .run(profile.owner, profile.name, profile.contact, profile.requiresMarking ? 1 : 0, now, now);
      if (event !== undefined) this.writeAudit(event);
    }).immediate();
  }

  async ownerProfile(owner: string): Promise<OwnerProfile | null> {
    const known = this.profiles.get(owner);
    if (known !== undefined) return known;
    const row = this.stmt('SELECT owner, name, contact, requires_marking FROM owners WHERE owner = ?').get(owner) as Row | undefined;
    return this.profiles.set(owner, row ? profileOf(row) : null);
  }

  async ownerSpelling(owner: string): Promise<string | null> {
    return this.spelling(owner, '');
  }

  /** How the owner is known, its own row in `owners` named by `except` not counted. */
  private spelling(owner: string, except: string): string | null {
    const rows = this.stmt(
        `SELECT owner FROM owners WHERE owner = @owner COLLATE NOCASE AND owner <> @except
         UNION SELECT owner FROM api_keys WHERE owner = @owner COLLATE NOCASE ORDER BY owner`
      )
      .all({ owner, except }) as Row[];
    if (rows.length === 0) return null;
    return rows.some((r) => r.owner === owner) ? owner : String(rows[0].owner);
  }

  /** Throws OWNER_ID_CASE_CONFLICT when the owner is known by another spelling of its id. */
  private checkSpelling(owner: string, except = ''): void {
    const known = this.spelling(owner, except);
    if (known !== null && known !== owner) throw new LerError('OWNER_ID_CASE_CONFLICT', { pointer: '/owner' }, `Got ${JSON.stringify(owner)}; the owner is known as ${JSON.stringify(known)}.`);
  }

  /**
   * Makes the owner known, in the transaction of the write that needs it; a new owner known by
   * another spelling is refused (the transaction then undoes the insert). The insert comes first:
   * it takes the write lock, where a read first could not be upgraded to a write once the writer
   * thread had committed.
   */
  private claimOwner(owner: string, at: string): void {
    if (this.stmt('INSERT INTO owners (owner, created_at) VALUES (?, ?) ON CONFLICT (owner) DO NOTHING').run(owner, at).changes === 0) return;
    this.checkSpelling(owner, owner);
  }

  async ownerProfiles(): Promise<OwnerProfile[]> {
    return (this.stmt('SELECT owner, name, contact, requires_marking FROM owners ORDER BY owner').all() as Row[]).map(profileOf);
  }

  async interestAreaOwners(): Promise<string[]> {
    return (this.stmt('SELECT owner FROM interest_areas ORDER BY owner').all() as Row[]).map((r) => String(r.owner));
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = this.stmt('SELECT hash, role, owner, name, created_at FROM api_keys ORDER BY created_at, hash').all() as Row[];
    return rows.map((row) => ({ hash: String(row.hash), role: row.role as ApiKeyRecord['role'], owner: (row.owner as string | null) ?? null, name: (row.name as string | null) ?? null, createdAt: String(row.created_at) }));
  }

  async deleteApiKey(hash: string, event?: AuditInput): Promise<boolean> {
    this.keys.delete(hash);
    return this.db.transaction(() => {
      const gone = this.stmt('DELETE FROM api_keys WHERE hash = ?').run(hash).changes > 0;
      if (gone && event !== undefined) this.writeAudit(event);
      return gone;
    }).immediate();
  }

  createBatch(batch: NewBatch, event?: AuditInput): Promise<void> {
    return this.jobs.createBatch(batch, event);
  }

  async batch(id: string): Promise<BatchRecord | null> {
    return this.jobs.batch(id);
  }

  async batchesIn(statuses: readonly BatchStatus[]): Promise<BatchRecord[]> {
    return this.jobs.batchesIn(statuses);
  }

  async batchInput(id: string): Promise<string | null> {
    return this.jobs.batchInput(id);
  }

  startBatch(id: string, startedAt: string): Promise<void> {
    return this.jobs.startBatch(id, startedAt);
  }

  appendBatchPage(id: string, page: BatchPage, state: { progress: Record<string, unknown> | null; version: number }): Promise<void> {
    return this.jobs.appendBatchPage(id, page, state);
  }

  async batchPage(id: string, seq: number): Promise<BatchPage | null> {
    return this.jobs.batchPage(id, seq);
  }

  endBatch(id: string, end: Parameters<BatchStore['endBatch']>[1], event?: AuditInput): Promise<void> {
    return this.jobs.endBatch(id, end, event);
  }

  async requeueBatch(id: string, opts?: { stopped?: boolean }): Promise<void> {
    await this.jobs.requeueBatch(id, opts);
  }

  deleteBatch(id: string, event?: AuditInput): Promise<void> {
    return this.jobs.deleteBatch(id, event);
  }

  async batchUsage(requester: string): Promise<BatchUsage> {
    return this.jobs.batchUsage(requester);
  }

  async endedBatchesBefore(before: string, limit: number): Promise<string[]> {
    return this.jobs.endedBatchesBefore(before, limit);
  }

  /** One process writes the file: there is nobody else's change to hear. */
  subscribe(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    this.commits.close();
    if (this.db.open) this.db.close();
  }
}

/** Values kept for `ms` milliseconds. */
class Memo<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  constructor(private readonly ms: number) {}

  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.until < Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: T): T {
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(key, { value, until: Date.now() + this.ms });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

function profileOf(r: Row): OwnerProfile {
  return { owner: String(r.owner), name: (r.name as string | null) ?? null, contact: (r.contact as string | null) ?? null, requiresMarking: Number(r.requires_marking) === 1 };
}

function versionOf(r: Row): NetworkVersionRecord {
  return { owner: String(r.owner), version: Number(r.version), features: Number(r.features), bytes: Number(r.bytes), createdAt: String(r.created_at) };
}
