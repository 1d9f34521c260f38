/**
 * The conversation in the embedded store (migration 6): inbox entries, package revisions,
 * webhooks and the outbox of deliveries. A new dig request's entries and events are written with
 * it by the writer thread (journal.ts); so are the attempts of deliveries, which come as often as
 * dig requests do. Answers, webhooks and overdue notices are rare: one transaction each on the
 * store's connection. The file belongs to one process, so a claimed delivery's lease is kept in
 * memory: after a crash every pending delivery is due again.
 */
import type Database from 'better-sqlite3';
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
import { inboxCursor, readInboxCursor } from './inbox-cursor.js';
import type { JournalRecord } from './journal.js';
import type { AuditInput } from './store.js';

type Row = Record<string, unknown>;

/** Attempts kept per delivery, the newest. */
export const HISTORY_KEPT = 20;

/**
 * An event given to every enabled webhook subscribed to its type that takes it: one of its owner's
 * (an owner's, or an admin's narrowed to it), one of its requester's, or one that takes every event.
 */
export const FAN_OUT_SQL = `
  INSERT INTO webhook_deliveries (webhook, event_id, type, priority, body, created_at, status, attempts, next_attempt_at)
  SELECT w.id, @id, @type, @priority, @body, @createdAt, 'pending', 0, @createdAt FROM webhooks w
  WHERE w.disabled_at IS NULL AND instr(w.events, '"' || @type || '"') > 0
    AND ((w.owner IS NOT NULL AND w.owner = @owner) OR (w.requester IS NOT NULL AND w.requester = @requester) OR (w.owner IS NULL AND w.requester IS NULL))
  ORDER BY w.created_at, w.id`;

/** What differs between the inbox rows of one request: owner, type, deadline, status, conflicts, answered at. */
export type NoticeRow = [owner: string, type: string, deadline: string, status: string, conflicts: number, answeredAt: string | null];

/** The rows of a dig request's notice (journal.ts): its owners' inbox rows, and its events given to the webhooks that take them (when any webhook is enabled). */
export function noticeWriter(db: Database.Database): (r: { id: string; createdAt: string; rows: readonly NoticeRow[]; events: readonly OutboxEvent[] }) => void {
  const row = db.prepare('INSERT INTO inbox (owner, created_at, id, type, deadline, status, conflicts, answered_at, overdue_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)');
  const anyWebhook = db.prepare('SELECT EXISTS (SELECT 1 FROM webhooks WHERE disabled_at IS NULL) AS any').pluck();
  const fanOut = db.prepare(FAN_OUT_SQL);
  return (r) => {
    for (const [owner, type, deadline, status, conflicts, answeredAt] of r.rows) row.run(owner, r.createdAt, r.id, type, deadline, status, conflicts, answeredAt);
    if (r.events.length > 0 && anyWebhook.get() === 1) for (const e of r.events) fanOut.run(fanOutParams(e));
  };
}

export function fanOutParams(e: OutboxEvent): Record<string, unknown> {
  return { id: e.id, type: e.type, priority: e.priority, body: e.body, createdAt: e.createdAt, owner: e.owner, requester: e.requester };
}

/** Writes an attempt and its outcome (a journal record, in the writer thread or inline). */
export function attemptWriter(db: Database.Database): (r: { seq: number; attempt: DeliveryAttempt; outcome: DeliveryOutcome }) => void {
  const read = db.prepare('SELECT webhook, history FROM webhook_deliveries WHERE seq = ?');
  const update = db.prepare('UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, delivered_at = ?, history = ? WHERE seq = ?');
  const ok = db.prepare('UPDATE webhooks SET failing_since = NULL WHERE id = ?');
  const failing = db.prepare('UPDATE webhooks SET failing_since = coalesce(failing_since, ?) WHERE id = ?');
  const disable = db.prepare('UPDATE webhooks SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL');
  return ({ seq, attempt, outcome }) => {
    const row = read.get(seq) as Row | undefined;
    if (row === undefined) return;
    const history = [...(JSON.parse(String(row.history)) as DeliveryAttempt[]), attempt].slice(-HISTORY_KEPT);
    const webhook = String(row.webhook);
    if (outcome.kind === 'delivered') {
      update.run('delivered', null, attempt.at, JSON.stringify(history), seq);
      ok.run(webhook);
      return;
    }
    update.run(outcome.kind === 'retry' ? 'pending' : 'failed', outcome.kind === 'retry' ? outcome.at : null, null, JSON.stringify(history), seq);
    failing.run(attempt.at, webhook);
    if (outcome.kind === 'failed' && outcome.disable !== null) disable.run(attempt.at, outcome.disable, webhook);
  };
}

/** An inbox row with what it shares with its request (INBOX_SELECT). */
export function inboxOf(r: Row): InboxEntry {
  return {
    id: String(r.id),
    owner: String(r.owner),
    type: String(r.type) as DigRequestType,
    createdAt: String(r.created_at),
    deadline: String(r.deadline),
    status: String(r.status),
    conflicts: Number(r.conflicts),
    answeredAt: r.answered_at === null ? null : String(r.answered_at),
    overdueAt: r.overdue_at === null ? null : String(r.overdue_at),
    revision: Number(r.revision),
    validUntil: String(r.valid_until),
    area: typeof r.area === 'string' ? (JSON.parse(r.area) as unknown) : null
  };
}

/** Inbox rows (`i`) with their request's revision, validity and area. */
const INBOX_SELECT = 'SELECT i.owner, i.created_at, i.id, i.type, i.deadline, i.status, i.conflicts, i.answered_at, i.overdue_at, d.revision, d.valid_until, d.area FROM inbox i JOIN dig_requests d ON d.id = i.id';

export function webhookOf(r: Row): WebhookRecord {
  return {
    id: String(r.id),
    createdBy: String(r.created_by),
    role: String(r.role) as WebhookRecord['role'],
    owner: r.owner === null ? null : String(r.owner),
    requester: r.requester === null ? null : String(r.requester),
    url: String(r.url),
    events: (typeof r.events === 'string' ? JSON.parse(r.events) : r.events) as EventType[],
    secret: String(r.secret),
    createdAt: String(r.created_at),
    failingSince: r.failing_since === null ? null : String(r.failing_since),
    disabledAt: r.disabled_at === null ? null : String(r.disabled_at),
    disabledReason: r.disabled_reason === null ? null : String(r.disabled_reason)
  };
}

export function deliveryOf(r: Row): DeliveryRecord {
  return {
    seq: Number(r.seq),
    webhook: String(r.webhook),
    eventId: String(r.event_id),
    type: String(r.type) as EventType,
    priority: Number(r.priority),
    body: String(r.body),
    createdAt: String(r.created_at),
    status: String(r.status) as DeliveryRecord['status'],
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at === null ? null : String(r.next_attempt_at),
    deliveredAt: r.delivered_at === null ? null : String(r.delivered_at),
    history: (typeof r.history === 'string' ? JSON.parse(r.history) : r.history) as DeliveryAttempt[]
  };
}

export { inboxCursor, readInboxCursor };

const REQUEST_COLUMNS = 'requester, body, created_at, revision, revised_at';

function revisionOf(r: Row, revision?: number, at?: unknown): { requester: string; body: unknown; createdAt: string; revision: number } {
  return { requester: String(r.requester), body: JSON.parse(String(r.body)) as unknown, createdAt: String(at ?? r.revised_at ?? r.created_at), revision: revision ?? Number(r.revision) };
}

export class SqliteConversation implements ConversationStore {
  /** Claimed deliveries and when their claims lapse (ms), in this process only. */
  private readonly leases = new Map<number, number>();
  /** Webhooks in the file (this process is the only one that makes or removes them): none, no events to write or deliveries to look for. */
  private webhookCount: number;

  constructor(
    private readonly db: Database.Database,
    private readonly write: (records: readonly JournalRecord[]) => Promise<void>,
    private readonly stmt: (sql: string) => Database.Statement,
    private readonly writeAudit: (event: AuditInput) => void
  ) {
    this.webhookCount = Number((this.db.prepare('SELECT count(*) AS n FROM webhooks').get() as Row).n);
  }

  /** Whether any webhook exists: without one, no event has anyone to go to. */
  mayDeliver(): boolean {
    return this.webhookCount > 0;
  }

  async digRequest(id: string): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null> {
    const row = this.stmt(`SELECT ${REQUEST_COLUMNS} FROM dig_requests WHERE id = ?`).get(id) as Row | undefined;
    return row ? revisionOf(row) : null;
  }

  async digRequestRevision(id: string, revision: number): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null> {
    const row = this.stmt(`SELECT ${REQUEST_COLUMNS} FROM dig_requests WHERE id = ?`).get(id) as Row | undefined;
    if (row === undefined) return null;
    if (Number(row.revision) === revision) return revisionOf(row);
    const old = this.stmt('SELECT body, created_at FROM dig_request_revisions WHERE id = ? AND revision = ?').get(id, revision) as Row | undefined;
    return old ? revisionOf({ ...row, body: old.body }, revision, old.created_at) : null;
  }

  async reviseDigRequest(id: string, revision: number, body: string, update: InboxUpdate, event: AuditInput, events: readonly OutboxEvent[]): Promise<boolean> {
    const at = new Date().toISOString();
    return this.db.transaction(() => {
      const row = this.stmt('SELECT body, created_at, revision, revised_at FROM dig_requests WHERE id = ?').get(id) as Row | undefined;
      if (row === undefined || Number(row.revision) !== revision - 1) return false;
      this.stmt('INSERT INTO dig_request_revisions (id, revision, body, created_at) VALUES (?, ?, ?, ?)').run(id, revision - 1, row.body, row.revised_at ?? row.created_at);
      this.stmt('UPDATE dig_requests SET body = ?, revision = ?, revised_at = ? WHERE id = ?').run(body, revision, at, id);
      // A map drawn of the revision before shows what it no longer says: drawn again when asked.
      this.stmt('DELETE FROM package_pictures WHERE id = ?').run(id);
      this.stmt('UPDATE inbox SET status = ?, conflicts = ?, answered_at = coalesce(?, answered_at) WHERE id = ? AND owner = ?').run(update.status, update.conflicts, update.answeredAt, id, update.owner);
      this.writeAudit(event);
      for (const e of events) this.stmt(FAN_OUT_SQL).run(fanOutParams(e));
      return true;
    }).immediate();
  }

  async inbox(owner: string, q: InboxQuery): Promise<InboxPage> {
    const where = ['i.owner = ?'];
    const params: unknown[] = [owner];
    if (q.after !== undefined) {
      const c = readInboxCursor(q.after);
      if (c === null) return { entries: [], next: null };
      where.push('(i.created_at < ? OR (i.created_at = ? AND i.id < ?))');
      params.push(c.createdAt, c.createdAt, c.id);
    }
    if (q.type !== undefined) {
      where.push('i.type = ?');
      params.push(q.type);
    }
    if (q.status === 'open') where.push('i.answered_at IS NULL');
    if (q.status === 'answered') where.push('i.answered_at IS NOT NULL');
    if (q.overdue === true) {
      where.push('i.answered_at IS NULL AND i.deadline < ?');
      params.push(q.now);
    }
    if (q.overdue === false) {
      where.push('(i.answered_at IS NOT NULL OR i.deadline >= ?)');
      params.push(q.now);
    }
    const rows = this.db.prepare(`${INBOX_SELECT} WHERE ${where.join(' AND ')} ORDER BY i.created_at DESC, i.id DESC LIMIT ?`).all(...params, q.limit + 1) as Row[];
    const entries = rows.slice(0, q.limit).map(inboxOf);
    return { entries, next: rows.length > q.limit ? inboxCursor(entries[entries.length - 1]) : null };
  }

  async inboxEntry(id: string, owner: string): Promise<InboxEntry | null> {
    const row = this.stmt(`${INBOX_SELECT} WHERE i.id = ? AND i.owner = ?`).get(id, owner) as Row | undefined;
    return row ? inboxOf(row) : null;
  }

  async dueInboxEntries(now: string, limit: number): Promise<InboxEntry[]> {
    return (this.stmt(`${INBOX_SELECT} WHERE i.answered_at IS NULL AND i.overdue_at IS NULL AND i.deadline < ? ORDER BY i.deadline LIMIT ?`).all(now, limit) as Row[]).map(inboxOf);
  }

  async noticeOverdue(id: string, owner: string, at: string, event: OutboxEvent): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.stmt('UPDATE inbox SET overdue_at = ? WHERE id = ? AND owner = ? AND answered_at IS NULL AND overdue_at IS NULL').run(at, id, owner).changes;
      if (changed === 0) return false;
      this.stmt(FAN_OUT_SQL).run(fanOutParams(event));
      return true;
    }).immediate();
  }

  async createWebhook(w: WebhookRecord, event: AuditInput): Promise<void> {
    this.db.transaction(() => {
      this.stmt(
        'INSERT INTO webhooks (id, created_by, role, owner, requester, url, events, secret, created_at, failing_since, disabled_at, disabled_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
      ).run(w.id, w.createdBy, w.role, w.owner, w.requester, w.url, JSON.stringify(w.events), w.secret, w.createdAt, w.failingSince, w.disabledAt, w.disabledReason);
      this.writeAudit(event);
    }).immediate();
    this.webhookCount++;
  }

  async webhook(id: string): Promise<WebhookRecord | null> {
    const row = this.stmt('SELECT * FROM webhooks WHERE id = ?').get(id) as Row | undefined;
    return row ? webhookOf(row) : null;
  }

  async webhooks(createdBy: string | null): Promise<WebhookRecord[]> {
    const rows = createdBy === null ? this.stmt('SELECT * FROM webhooks ORDER BY created_at, id').all() : this.stmt('SELECT * FROM webhooks WHERE created_by = ? ORDER BY created_at, id').all(createdBy);
    return (rows as Row[]).map(webhookOf);
  }

  async deleteWebhook(id: string, event: AuditInput): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.stmt('DELETE FROM webhooks WHERE id = ?').run(id).changes === 0) return false;
      this.stmt('DELETE FROM webhook_deliveries WHERE webhook = ?').run(id);
      this.writeAudit(event);
      this.webhookCount--;
      return true;
    }).immediate();
  }

  async deliveries(webhook: string, limit: number, before?: number): Promise<DeliveryRecord[]> {
    const rows = before === undefined
      ? this.stmt('SELECT * FROM webhook_deliveries WHERE webhook = ? ORDER BY seq DESC LIMIT ?').all(webhook, limit)
      : this.stmt('SELECT * FROM webhook_deliveries WHERE webhook = ? AND seq < ? ORDER BY seq DESC LIMIT ?').all(webhook, before, limit);
    return (rows as Row[]).map(deliveryOf);
  }

  async claimDeliveries(now: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    if (this.webhookCount === 0) return [];
    const clock = Date.now();
    for (const [seq, until] of this.leases) if (until <= clock) this.leases.delete(seq);
    const busy = new Set<string>();
    const heads = this.stmt(
      `SELECT d.seq, d.webhook, w.url, w.secret, d.event_id, d.type, d.body, d.created_at, d.attempts, d.next_attempt_at, w.failing_since
       FROM webhooks w JOIN webhook_deliveries d ON d.seq = (
         SELECT x.seq FROM webhook_deliveries x WHERE x.webhook = w.id AND x.status = 'pending' ORDER BY x.priority DESC, x.seq LIMIT 1)
       WHERE w.disabled_at IS NULL
       ORDER BY d.priority DESC, d.seq`
    ).all() as Row[];
    // A webhook with a delivery in flight waits for it (deliveries go in order).
    for (const seq of this.leases.keys()) {
      const row = this.stmt('SELECT webhook FROM webhook_deliveries WHERE seq = ?').get(seq) as Row | undefined;
      if (row) busy.add(String(row.webhook));
    }
    const out: ClaimedDelivery[] = [];
    for (const r of heads) {
      if (out.length >= limit) break;
      if (busy.has(String(r.webhook)) || (r.next_attempt_at !== null && String(r.next_attempt_at) > now)) continue;
      this.leases.set(Number(r.seq), clock + leaseMs);
      out.push({
        seq: Number(r.seq),
        webhook: String(r.webhook),
        url: String(r.url),
        secret: String(r.secret),
        eventId: String(r.event_id),
        type: String(r.type) as EventType,
        body: String(r.body),
        createdAt: String(r.created_at),
        attempts: Number(r.attempts),
        failingSince: r.failing_since === null ? null : String(r.failing_since)
      });
    }
    return out;
  }

  async recordAttempt(seq: number, attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void> {
    try {
      await this.write([{ kind: 'attempt', seq, attempt, outcome }]);
    } finally {
      this.leases.delete(seq);
    }
  }

  async pruneDeliveries(before: string, limit: number): Promise<number> {
    return this.db.transaction(() => this.stmt("DELETE FROM webhook_deliveries WHERE seq IN (SELECT seq FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ? ORDER BY seq LIMIT ?)").run(before, limit).changes).immediate();
  }
}
