/**
 * The store's writer thread: its own connection to the database file, writing each group of
 * records it is given in one transaction, so the main thread never waits for the disk.
 */
import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { journalWriter, type JournalRecord } from '../src/store/journal.js';

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// An upload's snapshot write on the main connection can hold the write lock for seconds.
db.pragma('busy_timeout = 120000');
const write = journalWriter(db);

/** Writes the records in one transaction; returns once it is durable. */
export default function commit(records: JournalRecord[]): number {
  write(records);
  return records.length;
}
