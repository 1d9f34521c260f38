/**
 * Planners' batches in the embedded store (tables `batches` and `batch_pages`, migration 3). Every
 * write that can be large (an input, a page of results, a removal) goes through the store's writer
 * thread (batch-journal.ts), so the service's event loop never waits for the disk; reads are
 * single rows on the caller's connection. A removed batch's pages go in short transactions of a
 * few megabytes each, so a writer busy removing 300 MB of results still commits dig requests
 * between them.
 */
import type Database from 'better-sqlite3';
import type { JournalRecord } from './journal.js';
import type { AuditInput, BatchError, BatchPage, BatchRecord, BatchStatus, BatchStore, BatchUsage, NewBatch } from './store.js';

/** The audit entry of a write, as a record of the same transaction (none when no entry is given). */
function audited(event: AuditInput | undefined): JournalRecord[] {
  return event === undefined ? [] : [{ kind: 'audit', at: new Date().toISOString(), actor: event.actor, action: event.action, owner: event.owner, detail: JSON.stringify(event.detail) }];
}

/** Pages removed per transaction (pages are about 256 KiB). */
const PURGE_PAGES = 32;

const COLUMNS = 'id, requester, status, created_at, started_at, finished_at, options, areas, progress, results, result_bytes, version, error, attempts';

type Row = Record<string, unknown>;

export class SqliteBatches implements BatchStore {
  constructor(
    private readonly db: Database.Database,
    private readonly write: (records: readonly JournalRecord[]) => Promise<void>,
    /** The store's prepared statements, by SQL (one cache for the connection). */
    private readonly stmt: (sql: string) => Database.Statement
  ) {
    // Pages of batches removed by a process that stopped before their pages were gone.
    this.db.prepare('DELETE FROM batch_pages WHERE batch NOT IN (SELECT id FROM batches)').run();
    this.db.prepare('DELETE FROM batch_inputs WHERE batch NOT IN (SELECT id FROM batches)').run();
  }

  createBatch(b: NewBatch, event?: AuditInput): Promise<void> {
    return this.write([{ kind: 'batchCreate', id: b.id, requester: b.requester, createdAt: b.createdAt, options: JSON.stringify(b.options), areas: b.areas, input: b.input }, ...audited(event)]);
  }

  async batch(id: string): Promise<BatchRecord | null> {
    const row = this.stmt(`SELECT ${COLUMNS} FROM batches WHERE id = ?`).get(id) as Row | undefined;
    return row === undefined ? null : recordOf(row);
  }

  async batchesIn(statuses: readonly BatchStatus[]): Promise<BatchRecord[]> {
    if (statuses.length === 0) return [];
    const rows = this.stmt(`SELECT ${COLUMNS} FROM batches WHERE status IN (${statuses.map(() => '?').join(', ')}) ORDER BY created_at, rowid`).all(...statuses) as Row[];
    return rows.map(recordOf);
  }

  async batchInput(id: string): Promise<string | null> {
    const row = this.stmt('SELECT input FROM batch_inputs WHERE batch = ?').get(id) as Row | undefined;
    return typeof row?.input === 'string' ? row.input : null;
  }

  startBatch(id: string, startedAt: string): Promise<void> {
    return this.write([{ kind: 'batchStart', id, startedAt }]);
  }

  appendBatchPage(id: string, page: BatchPage, state: { progress: Record<string, unknown> | null; version: number }): Promise<void> {
    return this.write([{ kind: 'batchPage', id, seq: page.seq, first: page.first, count: page.count, data: page.data, progress: state.progress === null ? null : JSON.stringify(state.progress), version: state.version }]);
  }

  async batchPage(id: string, seq: number): Promise<BatchPage | null> {
    const row = this.stmt('SELECT seq, first, count, data FROM batch_pages WHERE batch = ? AND seq = ?').get(id, seq) as Row | undefined;
    if (row === undefined) return null;
    return { seq: Number(row.seq), first: Number(row.first), count: Number(row.count), data: row.data as Buffer };
  }

  endBatch(id: string, end: { status: 'done' | 'failed' | 'cancelled'; finishedAt: string; error: BatchError | null; progress: Record<string, unknown> | null }, event?: AuditInput): Promise<void> {
    return this.write([
      { kind: 'batchEnd', id, status: end.status, finishedAt: end.finishedAt, error: end.error === null ? null : JSON.stringify(end.error), progress: end.progress === null ? null : JSON.stringify(end.progress) },
      ...audited(event)
    ]);
  }

  async requeueBatch(id: string, opts: { stopped?: boolean } = {}): Promise<void> {
    this.db.transaction(() => {
      // A run a stop cut short (not a crash) does not count as an attempt. Only a running batch
      // goes back to the queue, and only its results are dropped: an ended one keeps its own.
      const requeued = this.stmt(`UPDATE batches SET status = 'queued', started_at = NULL, progress = NULL, results = 0, result_bytes = 0, version = NULL${opts.stopped === true ? ', attempts = max(0, attempts - 1)' : ''} WHERE id = ? AND status = 'running'`).run(id);
      if (requeued.changes > 0) this.stmt('DELETE FROM batch_pages WHERE batch = ?').run(id);
    }).immediate();
  }

  async deleteBatch(id: string, event?: AuditInput): Promise<void> {
    await this.write([{ kind: 'batchDelete', id }, ...audited(event)]);
    const any = this.stmt('SELECT 1 FROM batch_pages WHERE batch = ? LIMIT 1');
    while (any.get(id) !== undefined) await this.write([{ kind: 'batchPurge', id, limit: PURGE_PAGES }]);
  }

  async batchUsage(requester: string): Promise<BatchUsage> {
    const rows = this.stmt('SELECT status, count(*) AS n, sum(result_bytes) AS bytes, min(finished_at) AS oldest FROM batches WHERE requester = ? GROUP BY status').all(requester) as Row[];
    const usage: BatchUsage = { queued: 0, running: 0, ended: 0, resultBytes: 0, oldestEndedAt: null };
    for (const r of rows) {
      const n = Number(r.n);
      usage.resultBytes += Number(r.bytes ?? 0);
      if (r.status === 'queued') usage.queued += n;
      else if (r.status === 'running') usage.running += n;
      else {
        usage.ended += n;
        const oldest = r.oldest as string | null;
        if (oldest !== null && (usage.oldestEndedAt === null || oldest < usage.oldestEndedAt)) usage.oldestEndedAt = oldest;
      }
    }
    return usage;
  }

  async endedBatchesBefore(before: string, limit: number): Promise<string[]> {
    const rows = this.stmt("SELECT id FROM batches WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < ? ORDER BY finished_at LIMIT ?").all(before, limit) as Row[];
    return rows.map((r) => String(r.id));
  }
}

function recordOf(r: Row): BatchRecord {
  return {
    id: String(r.id),
    requester: String(r.requester),
    status: r.status as BatchStatus,
    createdAt: String(r.created_at),
    startedAt: (r.started_at as string | null) ?? null,
    finishedAt: (r.finished_at as string | null) ?? null,
    options: JSON.parse(String(r.options)) as Record<string, unknown>,
    areas: r.areas === null ? null : Number(r.areas),
    progress: r.progress === null ? null : (JSON.parse(String(r.progress)) as Record<string, unknown>),
    results: Number(r.results),
    resultBytes: Number(r.result_bytes),
    version: r.version === null ? null : Number(r.version),
    error: r.error === null ? null : (JSON.parse(String(r.error)) as BatchError),
    attempts: Number(r.attempts ?? 0)
  };
}
