/**
 * The store's writer thread: its own connection to the database file, and a message port over
 * which the main thread sends each request's records as it comes. Whatever arrived while the last
 * transaction was being synced goes into the next one (group commit); each request is then told it
 * is durable. Should a group's transaction fail, its requests are written one by one, so that one
 * bad record fails only its own request.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { journalWriter, type WriterEntry, type WriterReply } from '../src/store/journal.js';

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// An upload's snapshot write on the main connection can hold the write lock for seconds.
db.pragma('busy_timeout = 120000');
const write = journalWriter(db);

function commit(entries: WriterEntry[]): WriterReply {
  try {
    write(entries.flatMap((e) => e.records));
    return { done: entries.map((e) => e.seq), failed: [] };
  } catch {
    const reply: WriterReply = { done: [], failed: [] };
    for (const e of entries) {
      try {
        write(e.records);
        reply.done.push(e.seq);
      } catch (error) {
        reply.failed.push({ seq: e.seq, error: (error as Error).message });
      }
    }
    return reply;
  }
}

/** Takes the port the main thread writes to; from then on the thread serves it. */
export default function attach(port: MessagePort): boolean {
  port.on('message', (first: WriterEntry) => {
    const entries = [first];
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) entries.push(m.message as WriterEntry);
    port.postMessage(commit(entries));
  });
  return true;
}
