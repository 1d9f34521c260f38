/**
 * The rows of planners' batches as the store's writer writes them (see journal.ts): a new batch
 * with its input, its start, each page of results with the batch's counters, its end, and its
 * removal. Results are written off the main thread and in order, so that a running batch never
 * holds the event loop for a commit, and a page and the counters that say it is there are one
 * transaction.
 */
import type Database from 'better-sqlite3';

export type BatchJournalRecord =
  | { kind: 'batchCreate'; id: string; requester: string; createdAt: string; options: string; areas: number | null; input: string }
  | { kind: 'batchStart'; id: string; startedAt: string }
  | { kind: 'batchPage'; id: string; seq: number; first: number; count: number; data: Uint8Array; progress: string | null; version: number }
  | { kind: 'batchEnd'; id: string; status: 'done' | 'failed' | 'cancelled'; finishedAt: string; error: string | null; progress: string | null }
  | { kind: 'batchDelete'; id: string }
  /** Up to `limit` pages of a removed batch: a big batch's pages go in several short transactions. */
  | { kind: 'batchPurge'; id: string; limit: number };

const KINDS = new Set<string>(['batchCreate', 'batchStart', 'batchPage', 'batchEnd', 'batchDelete', 'batchPurge']);

export function isBatchRecord(r: { kind: string }): r is BatchJournalRecord {
  return KINDS.has(r.kind);
}

/** Writes one batch record inside the caller's transaction. */
export function batchJournalWriter(db: Database.Database): (r: BatchJournalRecord) => void {
  const create = db.prepare("INSERT INTO batches (id, requester, status, created_at, options, areas) VALUES (?, ?, 'queued', ?, ?, ?)");
  const createInput = db.prepare('INSERT INTO batch_inputs (batch, input) VALUES (?, ?)');
  const dropInput = db.prepare('DELETE FROM batch_inputs WHERE batch = ?');
  const start = db.prepare("UPDATE batches SET status = 'running', started_at = ?, attempts = attempts + 1 WHERE id = ? AND status = 'queued'");
  // A page lands only while its batch runs: one cancelled, ended or removed meanwhile takes no more.
  const page = db.prepare("INSERT OR IGNORE INTO batch_pages (batch, seq, first, count, data) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM batches WHERE id = ? AND status = 'running')");
  const counters = db.prepare("UPDATE batches SET results = results + ?, result_bytes = result_bytes + ?, progress = ?, version = ? WHERE id = ? AND status = 'running'");
  const end = db.prepare("UPDATE batches SET status = ?, finished_at = ?, error = ?, progress = coalesce(?, progress) WHERE id = ? AND status IN ('queued', 'running')");
  const remove = db.prepare('DELETE FROM batches WHERE id = ?');
  const purge = db.prepare('DELETE FROM batch_pages WHERE rowid IN (SELECT rowid FROM batch_pages WHERE batch = ? LIMIT ?) AND NOT EXISTS (SELECT 1 FROM batches WHERE id = ?)');
  return (r) => {
    switch (r.kind) {
      case 'batchCreate':
        create.run(r.id, r.requester, r.createdAt, r.options, r.areas);
        createInput.run(r.id, r.input);
        break;
      case 'batchStart':
        start.run(r.startedAt, r.id);
        break;
      case 'batchPage':
        if (page.run(r.id, r.seq, r.first, r.count, r.data, r.id).changes > 0) counters.run(r.count, r.data.byteLength, r.progress, r.version, r.id);
        break;
      case 'batchEnd':
        if (end.run(r.status, r.finishedAt, r.error, r.progress, r.id).changes > 0) dropInput.run(r.id);
        break;
      case 'batchDelete':
        remove.run(r.id);
        dropInput.run(r.id);
        break;
      case 'batchPurge':
        purge.run(r.id, r.limit, r.id);
        break;
    }
  };
}
