/**
 * The rows a dig request leaves behind (its package, its audit entry, the owners' inbox entries and
 * the events it causes), written together in one transaction, and a package's map once drawn (kept only while its dig request is). The same
 * writer runs in the store's writer thread (workers/store-writer.ts) and, when there is none, on
 * the store's own connection. Planners' batches write their rows (input, pages of results, state)
 * the same way (batch-journal.ts).
 */
import type Database from 'better-sqlite3';
import { batchJournalWriter, isBatchRecord, type BatchJournalRecord } from './batch-journal.js';
import type { DeliveryAttempt, DeliveryOutcome, OutboxEvent } from './conversation.js';
import { attemptWriter, noticeWriter, type NoticeRow } from './sqlite-conversation.js';

export type JournalRecord =
  | { kind: 'digRequest'; id: string; requester: string; /** JSON, as text or UTF-8 bytes */ body: string | Uint8Array; createdAt: string; validUntil?: string | null; /** The area in lon/lat, JSON. */ area?: string | null }
  | { kind: 'audit'; at: string; actor: string; action: string; owner: string | null; detail: string }
  | { kind: 'picture'; id: string; picture: 'svg' | 'png'; body: Uint8Array; etag: string; createdAt: string }
  /** A new dig request's inbox rows (what differs between its owners) and its events. */
  | { kind: 'notice'; id: string; createdAt: string; rows: NoticeRow[]; events: OutboxEvent[] }
  | { kind: 'attempt'; seq: number; attempt: DeliveryAttempt; outcome: DeliveryOutcome }
  | BatchJournalRecord;

/** A function that writes records in one transaction; durable when it returns (the database's `synchronous` setting). */
export function journalWriter(db: Database.Database): (records: readonly JournalRecord[]) => void {
  // Bytes are stored as the text they encode (UTF-8, the database's encoding).
  const digRequest = db.prepare('INSERT INTO dig_requests (id, requester, body, created_at, valid_until, area) VALUES (?, ?, CAST(? AS TEXT), ?, ?, ?)');
  const audit = db.prepare('INSERT INTO audit_log (at, actor, action, owner, detail) VALUES (?, ?, ?, ?, ?)');
  // A map is kept only with its dig request: one pruned meanwhile leaves no map behind.
  const picture = db.prepare(
    `INSERT INTO package_pictures (id, kind, body, etag, created_at) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM dig_requests WHERE id = ?)
     ON CONFLICT (id, kind) DO NOTHING`
  );
  const notice = noticeWriter(db);
  const attempt = attemptWriter(db);
  const batch = batchJournalWriter(db);
  return db.transaction((records: readonly JournalRecord[]) => {
    for (const r of records) {
      if (isBatchRecord(r)) batch(r);
      else if (r.kind === 'digRequest') digRequest.run(r.id, r.requester, r.body, r.createdAt, r.validUntil ?? null, r.area ?? null);
      else if (r.kind === 'picture') picture.run(r.id, r.picture, r.body, r.etag, r.createdAt, r.id);
      else if (r.kind === 'notice') notice(r);
      else if (r.kind === 'attempt') attempt(r);
      else audit.run(r.at, r.actor, r.action, r.owner, r.detail);
    }
  });
}

/** One request's records, as the store sends them to its writer thread. */
export interface WriterEntry {
  seq: number;
  records: readonly JournalRecord[];
}

/** What the writer thread answers for each group it committed. */
export interface WriterReply {
  done: number[];
  failed: { seq: number; error: string }[];
}
