/**
 * A network version written without holding the database for long. Its snapshot is staged a piece
 * at a time, one small transaction each (without a sync: the last transaction's sync covers them);
 * then one transaction makes it the owner's version with its audit entry, after checking that
 * every piece is there; then the pieces of versions past the history are removed, a few at a
 * time. Between two steps the store's writer thread commits whatever small records arrived (dig
 * requests), so none of them waits for a whole snapshot. Pieces no version row names (a crash
 * while staging) are never read, and are cleared when that version is staged again.
 *
 * Runs in the store's writer thread (workers/store-writer.ts), or all at once on the store's own
 * connection when there is none.
 */
import type Database from 'better-sqlite3';
import type { SnapshotBuffers } from '../index/network-index.js';

export const PARTS = ['columns', 'chunks', 'tree'] as const;

/**
 * Bytes per staged piece (and per staging transaction). Small, so that a dig request committed
 * between two steps waits a few milliseconds at most; measured with a 300 MB snapshot: 256 KiB
 * steps wrote it as fast as 4 MiB ones, with dig commits of 1 ms at the median beside it
 * (40 ms with 4 MiB steps).
 */
export const STAGE_PIECE_BYTES = 256 * 1024;

/** Pieces removed per transaction (without a sync of its own: a removal lost in a crash is redone). */
const REMOVE_PER_STEP = 8;

/** A version to write, as the store sends it to its writer thread (the buffers are shared, not copied). */
export interface VersionJob {
  owner: string;
  version: number;
  buffers: SnapshotBuffers;
  features: number;
  createdAt: string;
  /** Versions kept per owner, this one included. */
  keep: number;
  /** Bytes per staged piece; default STAGE_PIECE_BYTES. */
  pieceBytes?: number;
  /** The audit entry, written with the version row. */
  audit: { at: string; actor: string; action: string; owner: string | null; detail: string } | null;
}

/** A version as a message to the writer thread (beside the journal's WriterEntry). */
export interface VersionEntry {
  seq: number;
  version: VersionJob;
}

interface Statements {
  exists: Database.Statement;
  stale: Database.Statement;
  piece: Database.Statement;
  owner: Database.Statement;
  staged: Database.Statement;
  row: Database.Statement;
  old: Database.Statement;
  drop: Database.Statement;
  audit: Database.Statement;
  orphans: Database.Statement;
  removePiece: Database.Statement;
}

const prepared = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (s === undefined) {
    s = {
      exists: db.prepare('SELECT 1 FROM network_versions WHERE owner = ? AND version = ?'),
      // Leftovers of a staging cut short: pieces of this version without a version row.
      stale: db.prepare('SELECT rowid AS id FROM snapshot_pieces WHERE owner = ? AND version = ? LIMIT ?'),
      piece: db.prepare('INSERT INTO snapshot_pieces (owner, version, part, seq, data) VALUES (?, ?, ?, ?, ?)'),
      owner: db.prepare('INSERT INTO owners (owner, created_at) VALUES (?, ?) ON CONFLICT (owner) DO NOTHING'),
      // length() of a blob is read from the record header: the pieces are not read back.
      staged: db.prepare('SELECT part, count(*) AS n, sum(length(data)) AS bytes FROM snapshot_pieces WHERE owner = ? AND version = ? GROUP BY part'),
      row: db.prepare('INSERT INTO network_versions (owner, version, features, bytes, created_at) VALUES (?, ?, ?, ?, ?)'),
      old: db.prepare('SELECT version FROM network_versions WHERE owner = ? ORDER BY version DESC LIMIT -1 OFFSET ?'),
      drop: db.prepare('DELETE FROM network_versions WHERE owner = ? AND version = ?'),
      audit: db.prepare('INSERT INTO audit_log (at, actor, action, owner, detail) VALUES (?, ?, ?, ?, ?)'),
      // Pieces of older versions no row names any more (dropped from the history, or cut short).
      orphans: db.prepare(
        `SELECT p.rowid AS id FROM snapshot_pieces p WHERE p.owner = ? AND p.version < ?
         AND NOT EXISTS (SELECT 1 FROM network_versions v WHERE v.owner = p.owner AND v.version = p.version) LIMIT ?`
      ),
      removePiece: db.prepare('DELETE FROM snapshot_pieces WHERE rowid = ?')
    };
    prepared.set(db, s);
  }
  return s;
}

/** The pieces a version's snapshot is staged in: part, seq and the bytes (a view, not a copy). */
function* piecesOf(buffers: SnapshotBuffers, size: number): Generator<{ part: (typeof PARTS)[number]; seq: number; data: Buffer }> {
  for (const part of PARTS) {
    const buffer = buffers[part];
    const length = buffer.byteLength;
    for (let seq = 0, at = 0; at < length || seq === 0; seq++, at += size) {
      yield { part, seq, data: Buffer.from(buffer, at, Math.max(0, Math.min(size, length - at))) };
    }
  }
}

/** Bytes a version's snapshot takes in the store. */
export function snapshotBytes(buffers: SnapshotBuffers): number {
  return PARTS.reduce((n, part) => n + buffers[part].byteLength, 0);
}

/**
 * The steps of writing a version: each `next()` runs one transaction, and yields `committed` once
 * the version and its audit entry are durable (the steps after only tidy up). Throws, leaving no
 * version row, when the version exists already or a piece is missing at the commit.
 */
export function* writeVersion(db: Database.Database, job: VersionJob): Generator<'step' | 'committed', void> {
  const s = statements(db);
  const size = job.pieceBytes ?? STAGE_PIECE_BYTES;
  // Immediate: a step that reads before it writes takes the write lock first (waiting for it), rather
  // than failing when another connection wrote since it read.
  const step = <T>(fn: () => T): T => db.transaction(fn).immediate();
  if (s.exists.get(job.owner, job.version) !== undefined) throw new Error(`${job.owner} version ${job.version} is stored already.`);
  // Pieces a write of this version cut short left behind.
  yield* removeInSteps(db, step, s.stale, s.removePiece, job.owner, job.version);

  // Staged without a sync of their own: the commit's sync makes them durable with it.
  const expected = new Map<string, { n: number; bytes: number }>();
  for (const p of piecesOf(job.buffers, size)) {
    const e = expected.get(p.part) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += p.data.length;
    expected.set(p.part, e);
    withoutSync(db, () => step(() => s.piece.run(job.owner, job.version, p.part, p.seq, p.data)));
    yield 'step';
  }

  step(() => {
    const staged = new Map((s.staged.all(job.owner, job.version) as { part: string; n: number; bytes: number }[]).map((r) => [r.part, r]));
    for (const [part, e] of expected) {
      const got = staged.get(part);
      if (got === undefined || Number(got.n) !== e.n || Number(got.bytes) !== e.bytes) {
        throw new Error(`${job.owner} version ${job.version}: its ${part} pieces changed while they were staged.`);
      }
    }
    s.owner.run(job.owner, job.createdAt);
    s.row.run(job.owner, job.version, job.features, snapshotBytes(job.buffers), job.createdAt);
    // History: the newest `keep` versions stay; the pieces of the others go in the steps after.
    for (const r of s.old.all(job.owner, job.keep) as { version: number }[]) s.drop.run(job.owner, r.version);
    const a = job.audit;
    if (a !== null) s.audit.run(a.at, a.actor, a.action, a.owner, a.detail);
  });

  yield 'committed';
  yield* removeInSteps(db, step, s.orphans, s.removePiece, job.owner, job.version);
}

/** Removes the pieces `select` finds (as `id`), REMOVE_PER_STEP of them per unsynced transaction. */
function* removeInSteps(db: Database.Database, step: <T>(fn: () => T) => T, select: Database.Statement, remove: Database.Statement, owner: string, version: number): Generator<'step', void> {
  for (;;) {
    const removed = withoutSync(db, () => step(() => {
      const rows = select.all(owner, version, REMOVE_PER_STEP) as { id: number }[];
      for (const r of rows) remove.run(r.id);
      return rows.length;
    }));
    if (removed === 0) return;
    yield 'step';
  }
}

/** Runs `fn` with the connection's commits not synced (WAL: a later synced commit makes them durable). */
function withoutSync<T>(db: Database.Database, fn: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    db.pragma('synchronous = FULL');
  }
}

/** Runs every step at once (the store's own connection, without a writer thread). */
export function writeVersionNow(db: Database.Database, job: VersionJob): void {
  const steps = writeVersion(db, job);
  for (let r = steps.next(); r.done !== true; r = steps.next()) {
    // Each step is a transaction of its own.
  }
}
