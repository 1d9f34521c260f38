/**
 * The rows a dig request leaves behind (its package and its audit entry), written together in one
 * transaction. The same writer runs in the store's writer thread (workers/store-writer.ts) and,
 * when there is none, on the store's own connection.
 */
import type Database from 'better-sqlite3';

export type JournalRecord =
  | { kind: 'digRequest'; id: string; requester: string; /** JSON, as text or UTF-8 bytes */ body: string | Uint8Array; createdAt: string }
  | { kind: 'audit'; at: string; actor: string; action: string; owner: string | null; detail: string };

/** A function that writes records in one transaction; durable when it returns (the database's `synchronous` setting). */
export function journalWriter(db: Database.Database): (records: readonly JournalRecord[]) => void {
  // Bytes are stored as the text they encode (UTF-8, the database's encoding).
  const digRequest = db.prepare('INSERT INTO dig_requests (id, requester, body, created_at) VALUES (?, ?, CAST(? AS TEXT), ?)');
  const audit = db.prepare('INSERT INTO audit_log (at, actor, action, owner, detail) VALUES (?, ?, ?, ?, ?)');
  return db.transaction((records: readonly JournalRecord[]) => {
    for (const r of records) {
      if (r.kind === 'digRequest') digRequest.run(r.id, r.requester, r.body, r.createdAt);
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
