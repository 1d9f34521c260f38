/**
 * The conversation in PostgreSQL (migration 3): inbox entries, package revisions, webhooks and the
 * outbox of their deliveries, shared by every replica, with the semantics of the embedded store
 * (sqlite-conversation.ts). A new dig request's entries and events are written by its group
 * transaction (postgres-dig-requests.ts, through `insertInbox` and `fanOut` here: one statement
 * each for the whole group); answers, webhooks and overdue notices are one transaction each.
 *
 * Several replicas send from one outbox, so a claim is a lease kept in the row (`lease_until`, by
 * the database's clock): a webhook's row is locked while its head delivery is claimed, so two
 * replicas never claim for one webhook, and one with a delivery in flight waits for it. Locks are
 * taken webhook first, then delivery, everywhere; a fan-out holds its webhooks' rows (KEY SHARE)
 * so that a webhook deleted meanwhile leaves no delivery behind.
 */
import { writeAudit } from './postgres-audit.js';
import type { PgDatabase, Sql } from './postgres-db.js';
import { inboxCursor, readInboxCursor } from './inbox-cursor.js';
import type {
  ClaimedDelivery,
  ConversationStore,
  DeliveryAttempt,
  DeliveryOutcome,
  DeliveryRecord,
  DigRequestType,
  EventType,
  InboxEntry,
  InboxPage,
  InboxQuery,
  InboxUpdate,
  OutboxEvent,
  WebhookRecord
} from './conversation.js';
import type { AuditInput } from './store.js';

/** Attempts kept per delivery, the newest (as the embedded store keeps). */
const HISTORY_KEPT = 20;

/** The conversation's tables; run as the PostgreSQL store's migration 3. */
export const CONVERSATION_MIGRATION = `
  ALTER TABLE dig_requests ADD COLUMN revision integer NOT NULL DEFAULT 1;
  ALTER TABLE dig_requests ADD COLUMN revised_at timestamptz;
  CREATE TABLE dig_request_revisions (
    id text COLLATE "C" NOT NULL,
    revision integer NOT NULL,
    body json NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (id, revision)
  );
  CREATE TABLE inbox (
    owner text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    type text NOT NULL,
    created_at timestamptz NOT NULL,
    deadline timestamptz NOT NULL,
    status text NOT NULL,
    conflicts integer NOT NULL,
    answered_at timestamptz,
    overdue_at timestamptz,
    revision integer NOT NULL,
    valid_until timestamptz NOT NULL,
    area json NOT NULL,
    PRIMARY KEY (owner, id)
  );
  CREATE INDEX inbox_by_owner ON inbox (owner, created_at DESC, id DESC);
  CREATE INDEX inbox_by_request ON inbox (id);
  CREATE INDEX inbox_due ON inbox (deadline) WHERE answered_at IS NULL AND overdue_at IS NULL;
  CREATE TABLE webhooks (
    id text COLLATE "C" PRIMARY KEY,
    created_by text COLLATE "C" NOT NULL,
    role text NOT NULL,
    owner text COLLATE "C",
    requester text COLLATE "C",
    url text NOT NULL,
    events text[] NOT NULL,
    secret text NOT NULL,
    created_at timestamptz NOT NULL,
    failing_since timestamptz,
    disabled_at timestamptz,
    disabled_reason text
  );
  CREATE INDEX webhooks_by_creator ON webhooks (created_by, created_at, id);
  CREATE TABLE webhook_deliveries (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook text COLLATE "C" NOT NULL,
    event_id text NOT NULL,
    type text NOT NULL,
    priority integer NOT NULL,
    body json NOT NULL,
    created_at timestamptz NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    lease_until timestamptz,
    delivered_at timestamptz,
    history jsonb NOT NULL DEFAULT '[]'
  );
  CREATE INDEX deliveries_pending ON webhook_deliveries (webhook, priority DESC, seq) WHERE status = 'pending';
  CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook, seq DESC);
`;

type Row = Record<string, unknown>;

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : String(v));
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));

/** Inbox entries, in one statement whatever their number. */
export async function insertInbox(q: Sql, entries: readonly InboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const col = <T>(f: (e: InboxEntry) => T): T[] => entries.map(f);
  await q.query(
    `INSERT INTO inbox (owner, id, type, created_at, deadline, status, conflicts, answered_at, overdue_at, revision, valid_until, area)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::int[], $8::timestamptz[], $9::timestamptz[], $10::int[], $11::timestamptz[], $12::json[])`,
    [
      col((e) => e.owner),
      col((e) => e.id),
      col((e) => e.type),
      col((e) => e.createdAt),
      col((e) => e.deadline),
      col((e) => e.status),
      col((e) => e.conflicts),
      col((e) => e.answeredAt),
      col((e) => e.overdueAt),
      col((e) => e.revision),
      col((e) => e.validUntil),
      col((e) => JSON.stringify(e.area))
    ]
  );
}

/**
 * Gives each event to every enabled webhook subscribed to its type that takes it (one of its
 * owner's, one of its requester's, or one that takes every event), in one statement: events in the
 * order given, each to its webhooks oldest first, so the outbox's order is theirs.
 */
export async function fanOut(q: Sql, events: readonly OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  const col = <T>(f: (e: OutboxEvent) => T): T[] => events.map(f);
  await q.query(
    `INSERT INTO webhook_deliveries (webhook, event_id, type, priority, body, created_at, status, attempts, next_attempt_at)
     SELECT w.id, e.id, e.type, e.priority, e.body, e.created_at, 'pending', 0, e.created_at
     FROM unnest($1::text[], $2::text[], $3::int[], $4::json[], $5::timestamptz[], $6::text[], $7::text[]) WITH ORDINALITY AS e (id, type, priority, body, created_at, owner, requester, n)
     JOIN webhooks w ON w.disabled_at IS NULL AND e.type = ANY (w.events)
       AND ((w.owner IS NOT NULL AND w.owner = e.owner) OR (w.requester IS NOT NULL AND w.requester = e.requester) OR (w.owner IS NULL AND w.requester IS NULL))
     ORDER BY e.n, w.created_at, w.id
     FOR KEY SHARE OF w`,
    [col((e) => e.id), col((e) => e.type), col((e) => e.priority), col((e) => e.body), col((e) => e.createdAt), col((e) => e.owner), col((e) => e.requester)]
  );
}

function inboxOf(r: Row): InboxEntry {
  return {
    id: String(r.id),
    owner: String(r.owner),
    type: String(r.type) as DigRequestType,
    createdAt: iso(r.created_at),
    deadline: iso(r.deadline),
    status: String(r.status),
    conflicts: Number(r.conflicts),
    answeredAt: isoOrNull(r.answered_at),
    overdueAt: isoOrNull(r.overdue_at),
    revision: Number(r.revision),
    validUntil: iso(r.valid_until),
    area: r.area
  };
}

function webhookOf(r: Row): WebhookRecord {
  return {
    id: String(r.id),
    createdBy: String(r.created_by),
    role: String(r.role) as WebhookRecord['role'],
    owner: r.owner === null ? null : String(r.owner),
    requester: r.requester === null ? null : String(r.requester),
    url: String(r.url),
    events: r.events as EventType[],
    secret: String(r.secret),
    createdAt: iso(r.created_at),
    failingSince: isoOrNull(r.failing_since),
    disabledAt: isoOrNull(r.disabled_at),
    disabledReason: r.disabled_reason === null ? null : String(r.disabled_reason)
  };
}

function deliveryOf(r: Row): DeliveryRecord {
  return {
    seq: Number(r.seq),
    webhook: String(r.webhook),
    eventId: String(r.event_id),
    type: String(r.type) as EventType,
    priority: Number(r.priority),
    body: String(r.body),
    createdAt: iso(r.created_at),
    status: String(r.status) as DeliveryRecord['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: isoOrNull(r.next_attempt_at),
    deliveredAt: isoOrNull(r.delivered_at),
    history: r.history as DeliveryAttempt[]
  };
}

const INBOX_COLUMNS = 'owner, id, type, created_at, deadline, status, conflicts, answered_at, overdue_at, revision, valid_until, area';
const DELIVERY_COLUMNS = 'seq, webhook, event_id, type, priority, body::text AS body, created_at, status, attempts, next_attempt_at, delivered_at, history';
const WEBHOOK_COLUMNS = 'id, created_by, role, owner, requester, url, events, secret, created_at, failing_since, disabled_at, disabled_reason';

type Revision = { requester: string; body: unknown; createdAt: string; revision: number };

export class PgConversation implements ConversationStore {
  constructor(private readonly db: PgDatabase) {}

  /** Webhooks are shared with the other replicas: any event may have one to go to. */
  mayDeliver(): boolean {
    return true;
  }

  async digRequest(id: string): Promise<Revision | null> {
    const r = await this.db.query('SELECT requester, body, coalesce(revised_at, created_at) AS at, revision FROM dig_requests WHERE id = $1', [id]);
    if (r.rows.length === 0) return null;
    const row = r.rows[0];
    return { requester: String(row.requester), body: row.body, createdAt: iso(row.at), revision: Number(row.revision) };
  }

  async digRequestRevision(id: string, revision: number): Promise<Revision | null> {
    const r = await this.db.query(
      `SELECT d.requester, d.body, coalesce(d.revised_at, d.created_at) AS at, d.revision FROM dig_requests d WHERE d.id = $1 AND d.revision = $2
       UNION ALL
       SELECT d.requester, o.body, o.created_at, o.revision FROM dig_requests d JOIN dig_request_revisions o ON o.id = d.id AND o.revision = $2 WHERE d.id = $1`,
      [id, revision]
    );
    if (r.rows.length === 0) return null;
    const row = r.rows[0];
    return { requester: String(row.requester), body: row.body, createdAt: iso(row.at), revision: Number(row.revision) };
  }

  async reviseDigRequest(id: string, revision: number, body: string, update: InboxUpdate, event: AuditInput, events: readonly OutboxEvent[]): Promise<boolean> {
    const at = new Date().toISOString();
    return this.db.transaction(async (client) => {
      // The row lock holds the check until commit: a concurrent answer waits, then finds another revision.
      const current = await client.query('SELECT revision FROM dig_requests WHERE id = $1 FOR UPDATE', [id]);
      if (current.rows.length === 0 || Number(current.rows[0].revision) !== revision - 1) return false;
      await client.query('INSERT INTO dig_request_revisions (id, revision, body, created_at) SELECT id, revision, body, coalesce(revised_at, created_at) FROM dig_requests WHERE id = $1', [id]);
      await client.query('UPDATE dig_requests SET body = $2, revision = $3, revised_at = $4 WHERE id = $1', [id, body, revision, at]);
      // A map drawn of the revision before shows what it no longer says: drawn again when asked.
      await client.query('DELETE FROM package_pictures WHERE id = $1', [id]);
      await client.query(
        `UPDATE inbox SET revision = $2,
           status = CASE WHEN owner = $3 THEN $4 ELSE status END,
           conflicts = CASE WHEN owner = $3 THEN $5 ELSE conflicts END,
           answered_at = CASE WHEN owner = $3 THEN coalesce($6, answered_at) ELSE answered_at END
         WHERE id = $1`,
        [id, revision, update.owner, update.status, update.conflicts, update.answeredAt]
      );
      await writeAudit(client, event, at);
      await fanOut(client, events);
      return true;
    });
  }

  async inbox(owner: string, q: InboxQuery): Promise<InboxPage> {
    const params: unknown[] = [owner];
    const where = ['owner = $1'];
    const param = (v: unknown): string => `$${params.push(v)}`;
    if (q.after !== undefined) {
      const c = readInboxCursor(q.after);
      if (c === null) return { entries: [], next: null };
      where.push(`(created_at, id) < (${param(c.createdAt)}::timestamptz, ${param(c.id)})`);
    }
    if (q.type !== undefined) where.push(`type = ${param(q.type)}`);
    if (q.status === 'open') where.push('answered_at IS NULL');
    if (q.status === 'answered') where.push('answered_at IS NOT NULL');
    if (q.overdue === true) where.push(`answered_at IS NULL AND deadline < ${param(q.now)}`);
    if (q.overdue === false) where.push(`(answered_at IS NOT NULL OR deadline >= ${param(q.now)})`);
    const r = await this.db.query(`SELECT ${INBOX_COLUMNS} FROM inbox WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${param(q.limit + 1)}`, params);
    const entries = r.rows.slice(0, q.limit).map(inboxOf);
    return { entries, next: r.rows.length > q.limit ? inboxCursor(entries[entries.length - 1]) : null };
  }

  async inboxEntry(id: string, owner: string): Promise<InboxEntry | null> {
    const r = await this.db.query(`SELECT ${INBOX_COLUMNS} FROM inbox WHERE id = $1 AND owner = $2`, [id, owner]);
    return r.rows.length === 0 ? null : inboxOf(r.rows[0]);
  }

  async dueInboxEntries(now: string, limit: number): Promise<InboxEntry[]> {
    const r = await this.db.query(`SELECT ${INBOX_COLUMNS} FROM inbox WHERE answered_at IS NULL AND overdue_at IS NULL AND deadline < $1 ORDER BY deadline LIMIT $2`, [now, limit]);
    return r.rows.map(inboxOf);
  }

  noticeOverdue(id: string, owner: string, at: string, event: OutboxEvent): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // Conditional: of replicas noticing one entry at once, one changes it; the others find it noticed.
      const r = await client.query('UPDATE inbox SET overdue_at = $3 WHERE id = $1 AND owner = $2 AND answered_at IS NULL AND overdue_at IS NULL', [id, owner, at]);
      if ((r.rowCount ?? 0) === 0) return false;
      await fanOut(client, [event]);
      return true;
    });
  }

  async createWebhook(w: WebhookRecord, event: AuditInput): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query(`INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11, $12)`, [
        w.id,
        w.createdBy,
        w.role,
        w.owner,
        w.requester,
        w.url,
        w.events,
        w.secret,
        w.createdAt,
        w.failingSince,
        w.disabledAt,
        w.disabledReason
      ]);
      await writeAudit(client, event);
    });
  }

  async webhook(id: string): Promise<WebhookRecord | null> {
    const r = await this.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`, [id]);
    return r.rows.length === 0 ? null : webhookOf(r.rows[0]);
  }

  async webhooks(createdBy: string | null): Promise<WebhookRecord[]> {
    const r = createdBy === null
      ? await this.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, id`)
      : await this.db.query(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE created_by = $1 ORDER BY created_at, id`, [createdBy]);
    return r.rows.map(webhookOf);
  }

  deleteWebhook(id: string, event: AuditInput): Promise<boolean> {
    return this.db.transaction(async (client) => {
      // Waits for fan-outs holding the row: their deliveries are committed, and go too.
      if (((await client.query('DELETE FROM webhooks WHERE id = $1', [id])).rowCount ?? 0) === 0) return false;
      await client.query('DELETE FROM webhook_deliveries WHERE webhook = $1', [id]);
      await writeAudit(client, event);
      return true;
    });
  }

  async pruneDeliveries(before: string, limit: number): Promise<number> {
    const r = await this.db.query("DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1 ORDER BY seq LIMIT $2)", [before, limit]);
    return r.rowCount ?? 0;
  }

  async deliveries(webhook: string, limit: number, before?: number): Promise<DeliveryRecord[]> {
    const r = before === undefined
      ? await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook = $1 ORDER BY seq DESC LIMIT $2`, [webhook, limit])
      : await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook = $1 AND seq < $3 ORDER BY seq DESC LIMIT $2`, [webhook, limit, before]);
    return r.rows.map(deliveryOf);
  }

  claimDeliveries(now: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    return this.db.transaction(async (client) => {
      // The webhooks that may have a delivery to send, locked; another replica's are skipped.
      const locked = await client.query<{ id: string }>(
        `SELECT w.id FROM webhooks w
         WHERE w.disabled_at IS NULL
           AND EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.webhook = w.id AND x.status = 'pending' AND (x.next_attempt_at IS NULL OR x.next_attempt_at <= $1))
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.webhook = w.id AND x.status = 'pending' AND x.lease_until > now())
         FOR NO KEY UPDATE OF w SKIP LOCKED`,
        [now]
      );
      if (locked.rows.length === 0) return [];
      // A statement of its own, so its snapshot is taken under the locks: a claim committed by the
      // replica that held one of them is seen here.
      const r = await client.query(
        `WITH heads AS (
           SELECT h.seq FROM unnest($1::text[]) AS l (id)
           CROSS JOIN LATERAL (
             SELECT x.seq, x.priority, x.next_attempt_at FROM webhook_deliveries x
             WHERE x.webhook = l.id AND x.status = 'pending' ORDER BY x.priority DESC, x.seq LIMIT 1) h
           WHERE (h.next_attempt_at IS NULL OR h.next_attempt_at <= $2)
             AND NOT EXISTS (SELECT 1 FROM webhook_deliveries y WHERE y.webhook = l.id AND y.status = 'pending' AND y.lease_until > now())
           ORDER BY h.priority DESC, h.seq
           LIMIT $3
         )
         UPDATE webhook_deliveries d SET lease_until = now() + $4 * interval '1 millisecond'
         FROM heads, webhooks w
         WHERE d.seq = heads.seq AND w.id = d.webhook AND w.disabled_at IS NULL
         RETURNING d.seq, d.priority, d.webhook, w.url, w.secret, d.event_id, d.type, d.body::text AS body, d.created_at, d.attempts, w.failing_since`,
        [locked.rows.map((w) => w.id), now, limit, leaseMs]
      );
      return r.rows
        .sort((a, b) => Number(b.priority) - Number(a.priority) || Number(a.seq) - Number(b.seq))
        .map((row) => ({
          seq: Number(row.seq),
          webhook: String(row.webhook),
          url: String(row.url),
          secret: String(row.secret),
          eventId: String(row.event_id),
          type: String(row.type) as EventType,
          body: String(row.body),
          createdAt: iso(row.created_at),
          attempts: Number(row.attempts),
          failingSince: isoOrNull(row.failing_since)
        }));
    });
  }

  /**
   * One statement: the webhook's row locked first (as claims lock it), then the delivery updated,
   * its claim released and its history kept to the newest attempts, then the webhook's failing
   * state (written only when it changes).
   */
  async recordAttempt(seq: number, attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void> {
    const delivered = outcome.kind === 'delivered';
    const disable = outcome.kind === 'failed' ? outcome.disable : null;
    await this.db.query(
      `WITH hook AS (
         SELECT w.id FROM webhooks w WHERE w.id = (SELECT webhook FROM webhook_deliveries WHERE seq = $1) FOR NO KEY UPDATE
       ), d AS (
         UPDATE webhook_deliveries x SET status = $2, attempts = x.attempts + 1, next_attempt_at = $3, delivered_at = $4, lease_until = NULL,
           history = (SELECT jsonb_agg(h.e ORDER BY h.n) FROM jsonb_array_elements(x.history || jsonb_build_array($5::jsonb)) WITH ORDINALITY AS h (e, n)
                      WHERE h.n > jsonb_array_length(x.history) + 1 - ${HISTORY_KEPT})
         FROM hook WHERE x.seq = $1 AND x.webhook = hook.id
         RETURNING x.webhook
       )
       UPDATE webhooks w SET
         failing_since = CASE WHEN $6 THEN NULL ELSE coalesce(w.failing_since, $7::timestamptz) END,
         disabled_at = CASE WHEN $8::text IS NOT NULL AND w.disabled_at IS NULL THEN $7::timestamptz ELSE w.disabled_at END,
         disabled_reason = CASE WHEN $8::text IS NOT NULL AND w.disabled_at IS NULL THEN $8::text ELSE w.disabled_reason END
       FROM d
       WHERE w.id = d.webhook
         AND CASE WHEN $6 THEN w.failing_since IS NOT NULL ELSE w.failing_since IS NULL OR ($8::text IS NOT NULL AND w.disabled_at IS NULL) END`,
      [
        seq,
        delivered ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed',
        outcome.kind === 'retry' ? outcome.at : null,
        delivered ? attempt.at : null,
        JSON.stringify(attempt),
        delivered,
        attempt.at,
        disable
      ]
    );
  }
}
