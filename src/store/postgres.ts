/**
 * The store shared by several replicas: PostgreSQL through a `pg` pool. It keeps what SqliteStore
 * keeps, with the same semantics (one contract suite runs on both), and tells every replica what
 * the others committed: writes that change what replicas hold in memory send a notification in
 * their own transaction (postgres-listen.ts). Snapshots are large objects streamed in pieces
 * (postgres-snapshots.ts); the schema is migrated at open under an advisory lock
 * (postgres-migrations.ts). When the database cannot be reached, calls reject with
 * STORE_UNAVAILABLE (503) and the pool connects again by itself once it is back.
 *
 *   const store = await PostgresStore.open({ url: 'postgres://ler@db/ler' });
 */
import { LerError } from '../errors.js';
import type { SnapshotBuffers } from '../index/network-index.js';
import { readAuditLog, writeAudit } from './postgres-audit.js';
import { PostgresBatches } from './postgres-batches.js';
import { ChangeCache } from './postgres-cache.js';
import { PgConversation } from './postgres-conversation.js';
import { PgDatabase } from './postgres-db.js';
import { PgDigRequests } from './postgres-dig-requests.js';
import { ChangeListener, notifyChange } from './postgres-listen.js';
import { migrate } from './postgres-migrations.js';
import { claimOwner, lockOwnerId, ownerSpelling, putProfile, readProfile, readProfiles } from './postgres-owners.js';
import { PgVersions } from './postgres-versions.js';
import type { ApiKeyRecord, AuditEvent, AuditInput, BatchPage, BatchRecord, BatchStatus, BatchStore, BatchUsage, DigNotice, NetworkVersionRecord, NewBatch, OwnerProfile, PictureKind, ServiceStore, StoreChange } from './store.js';
import type { ClaimedDelivery, DeliveryAttempt, DeliveryOutcome, DeliveryRecord, InboxEntry, InboxPage, InboxQuery, InboxUpdate, OutboxEvent, WebhookRecord } from './conversation.js';

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  url: string;
  /** Versions kept per owner, the current one included; default 5. */
  history?: number;
  /** Connections in the pool (the listening connection comes besides); default 10. */
  poolSize?: number;
  /** Told of connection errors the store survives (idle connections dropped, the listener reconnecting). */
  onError?: (error: Error) => void;
}

const KEY_COLUMNS = 'hash, role, owner, name, created_at';

export class PostgresStore implements ServiceStore {
  readonly kind = 'postgres' as const;
  /** The database's URL (the batch task queue connects to it too). */
  readonly url: string;
  private readonly versions: PgVersions;
  private readonly digs: PgDigRequests;
  /** Inbox, revisions, webhooks and their outbox (postgres-conversation.ts). */
  private readonly talk: PgConversation;
  /** Planners' batches (postgres-batches.ts), with what the job queue needs besides BatchStore. */
  readonly jobs: PostgresBatches;
  private readonly listener: ChangeListener;
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly keys: ChangeCache<ApiKeyRecord | null>;
  private readonly profiles: ChangeCache<OwnerProfile | null>;

  private constructor(
    private readonly db: PgDatabase,
    readonly schemaVersion: number,
    opts: PostgresStoreOptions,
    keep: number
  ) {
    this.url = opts.url;
    this.versions = new PgVersions(db, keep);
    this.digs = new PgDigRequests(db);
    this.talk = new PgConversation(db);
    this.jobs = new PostgresBatches(db, writeAudit);
    this.listener = new ChangeListener({
      connectionString: opts.url,
      onChange: (change) => this.changed(change),
      ...(opts.onError !== undefined ? { onError: opts.onError } : {})
    });
    const live = (): boolean => this.listener.listening;
    this.keys = new ChangeCache(live);
    this.profiles = new ChangeCache(live);
  }

  /** Connects, migrates the schema (once, whatever other replicas start meanwhile) and starts listening for changes. */
  static async open(opts: PostgresStoreOptions): Promise<PostgresStore> {
    const keep = opts.history ?? 5;
    if (!Number.isInteger(keep) || keep < 1) throw new LerError('OPTION_INVALID', { pointer: '/history' }, 'history must be a whole number of at least 1.');
    const db = new PgDatabase({ connectionString: opts.url, max: opts.poolSize ?? 10, ...(opts.onError !== undefined ? { onError: opts.onError } : {}) });
    let schemaVersion: number;
    try {
      schemaVersion = await migrate(db);
    } catch (error) {
      await db.close().catch(() => {});
      throw error;
    }
    const store = new PostgresStore(db, schemaVersion, opts, keep);
    await store.listener.start();
    return store;
  }

  /** A change heard (from any replica, this one included): caches first, then the listeners. */
  private changed(change: StoreChange): void {
    switch (change.kind) {
      case 'resync':
        this.keys.clear();
        this.profiles.clear();
        break;
      case 'key':
        this.keys.delete(change.hash);
        break;
      default:
        this.profiles.delete(change.owner);
    }
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // One listener's failure is its own: the others still hear the change.
      }
    }
  }

  subscribe(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Whether changes of other replicas are heard right now (the listening connection is up). */
  get listening(): boolean {
    return this.listener.listening;
  }

  /** The backend pid of the listening connection; for tests that cut it. */
  listenerPid(): Promise<number | null> {
    return this.listener.backendPid();
  }

  currentVersions(): Promise<NetworkVersionRecord[]> {
    return this.versions.currentVersions();
  }

  history(owner: string): Promise<NetworkVersionRecord[]> {
    return this.versions.history(owner);
  }

  loadSnapshot(owner: string, version: number): Promise<SnapshotBuffers> {
    return this.versions.loadSnapshot(owner, version);
  }

  async commitVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number, event?: AuditInput): Promise<NetworkVersionRecord> {
    try {
      return await this.versions.commitVersion(owner, version, buffers, features, event);
    } finally {
      this.profiles.delete(owner);
    }
  }

  async removeOwner(owner: string, event?: AuditInput): Promise<void> {
    try {
      await this.db.transaction(async (client) => {
        await this.versions.removeOwner(client, owner);
        if (event !== undefined) await writeAudit(client, event);
        await notifyChange(client, { kind: 'owner-removed', owner });
      });
    } finally {
      this.profiles.delete(owner);
    }
  }

  async putInterestAreas(owner: string, areas: unknown, event?: AuditInput): Promise<void> {
    const at = new Date().toISOString();
    try {
      await this.db.transaction(async (client) => {
        // An owner without an uploaded network may still register where it has lines.
        await claimOwner(client, owner, at);
        await client.query(
          'INSERT INTO interest_areas (owner, body, updated_at) VALUES ($1, $2, $3) ON CONFLICT (owner) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at',
          [owner, JSON.stringify(areas), at]
        );
        if (event !== undefined) await writeAudit(client, event, at);
        await notifyChange(client, { kind: 'interest-areas', owner });
      });
    } finally {
      this.profiles.delete(owner);
    }
  }

  async interestAreas(owner: string): Promise<unknown> {
    const r = await this.db.query<{ body: unknown }>('SELECT body FROM interest_areas WHERE owner = $1', [owner]);
    return r.rows.length === 0 ? null : r.rows[0].body;
  }

  async interestAreaOwners(): Promise<string[]> {
    return (await this.db.query<{ owner: string }>('SELECT owner FROM interest_areas ORDER BY owner')).rows.map((r) => r.owner);
  }

  ownerProfile(owner: string): Promise<OwnerProfile | null> {
    return this.profiles.get(owner, () => readProfile(this.db, owner));
  }

  ownerProfiles(): Promise<OwnerProfile[]> {
    return readProfiles(this.db);
  }

  async putOwnerProfile(profile: OwnerProfile, event?: AuditInput): Promise<void> {
    const at = new Date().toISOString();
    try {
      await this.db.transaction(async (client) => {
        await putProfile(client, profile, at);
        if (event !== undefined) await writeAudit(client, event, at);
        await notifyChange(client, { kind: 'profile', owner: profile.owner });
      });
    } finally {
      this.profiles.delete(profile.owner);
    }
  }

  ownerSpelling(owner: string): Promise<string | null> {
    return ownerSpelling(this.db, owner);
  }

  recordDigRequest(id: string, requester: string, body: string | Uint8Array, event: AuditInput, notice?: DigNotice): Promise<void> {
    return this.digs.record(id, requester, body, event, notice);
  }

  /** Group transactions committed for dig requests, and the requests in them. */
  get groupCommits(): { commits: number; records: number } {
    return { commits: this.digs.commits, records: this.digs.records };
  }

  digRequest(id: string): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null> {
    return this.talk.digRequest(id);
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

  mayDeliver(): boolean {
    return this.talk.mayDeliver();
  }

  pruneDeliveries(before: string, limit: number): Promise<number> {
    return this.talk.pruneDeliveries(before, limit);
  }

  countDigRequests(requester: string, since: string): Promise<number> {
    return this.digs.count(requester, since);
  }

  pruneDigRequests(before: string, limit: number, event?: AuditInput): Promise<{ requests: number; pictures: number }> {
    return this.digs.prune(before, limit, event);
  }

  packagePicture(id: string, kind: PictureKind): Promise<{ requester: string; body: Buffer; etag: string } | null> {
    return this.digs.picture(id, kind);
  }

  putPackagePicture(id: string, kind: PictureKind, body: Uint8Array, etag: string): Promise<void> {
    return this.digs.putPicture(id, kind, body, etag);
  }

  async putApiKey(key: Omit<ApiKeyRecord, 'createdAt'>, event?: AuditInput): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(key.hash)) throw new LerError('OPTION_INVALID', { pointer: '/hash' }, 'An API key is stored as the hex SHA-256 of its token.');
    const at = new Date().toISOString();
    try {
      await this.db.transaction(async (client) => {
        if (key.owner !== null) await lockOwnerId(client, key.owner);
        await client.query(`INSERT INTO api_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [key.hash, key.role, key.owner, key.name, at]);
        if (event !== undefined) await writeAudit(client, event, at);
        await notifyChange(client, { kind: 'key', hash: key.hash });
      });
    } finally {
      this.keys.delete(key.hash);
    }
  }

  findApiKey(hash: string): Promise<ApiKeyRecord | null> {
    // Unknown tokens are not remembered: a stranger's random tokens would only fill the cache.
    return this.keys.get(hash, async () => {
      const r = await this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE hash = $1`, [hash]);
      return r.rows.length === 0 ? null : keyOf(r.rows[0]);
    }, (key) => key !== null);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    return (await this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, hash`)).rows.map(keyOf);
  }

  async deleteApiKey(hash: string, event?: AuditInput): Promise<boolean> {
    try {
      return await this.db.transaction(async (client) => {
        const gone = ((await client.query('DELETE FROM api_keys WHERE hash = $1', [hash])).rowCount ?? 0) > 0;
        if (!gone) return false;
        if (event !== undefined) await writeAudit(client, event);
        await notifyChange(client, { kind: 'key', hash });
        return true;
      });
    } finally {
      this.keys.delete(hash);
    }
  }

  audit(event: AuditInput): Promise<void> {
    return writeAudit(this.db, event);
  }

  auditLog(limit = 100): Promise<AuditEvent[]> {
    return readAuditLog(this.db, limit);
  }

  createBatch(batch: NewBatch, event?: AuditInput): Promise<void> {
    return this.jobs.createBatch(batch, event);
  }

  batch(id: string): Promise<BatchRecord | null> {
    return this.jobs.batch(id);
  }

  batchesIn(statuses: readonly BatchStatus[]): Promise<BatchRecord[]> {
    return this.jobs.batchesIn(statuses);
  }

  batchInput(id: string): Promise<string | null> {
    return this.jobs.batchInput(id);
  }

  startBatch(id: string, startedAt: string): Promise<void> {
    return this.jobs.startBatch(id, startedAt);
  }

  appendBatchPage(id: string, page: BatchPage, state: { progress: Record<string, unknown> | null; version: number }): Promise<void> {
    return this.jobs.appendBatchPage(id, page, state);
  }

  batchPage(id: string, seq: number): Promise<BatchPage | null> {
    return this.jobs.batchPage(id, seq);
  }

  endBatch(id: string, end: Parameters<BatchStore['endBatch']>[1], event?: AuditInput): Promise<void> {
    return this.jobs.endBatch(id, end, event);
  }

  requeueBatch(id: string, opts?: { stopped?: boolean }): Promise<void> {
    return this.jobs.requeueBatch(id, opts);
  }

  deleteBatch(id: string, event?: AuditInput): Promise<void> {
    return this.jobs.deleteBatch(id, event);
  }

  batchUsage(requester: string): Promise<BatchUsage> {
    return this.jobs.batchUsage(requester);
  }

  endedBatchesBefore(before: string, limit: number): Promise<string[]> {
    return this.jobs.endedBatchesBefore(before, limit);
  }

  async close(): Promise<void> {
    await this.digs.drain();
    await this.listener.close();
    await this.db.close();
  }
}

function keyOf(row: Record<string, unknown>): ApiKeyRecord {
  return { hash: String(row.hash), role: row.role as ApiKeyRecord['role'], owner: (row.owner as string | null) ?? null, name: (row.name as string | null) ?? null, createdAt: (row.created_at as Date).toISOString() };
}
