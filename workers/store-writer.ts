/**
 * The store's writer thread: its own connection to the database file, and a message port over
 * which the main thread sends each request's records as it comes. Whatever arrived while the last
 * transaction was being synced goes into the next one (group commit); each request is then told it
 * is durable. Should a group's transaction fail, its requests are written one by one, so that one
 * bad record fails only its own request.
 *
 * Network versions come the same way (their snapshots in shared buffers, read here without a
 * copy) and are written a step at a time (src/store/version-writer.ts): between two steps the
 * small records that arrived meanwhile are committed, so a dig request never waits for a whole
 * snapshot to be written.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { journalWriter, type WriterEntry, type WriterReply } from '../src/store/journal.js';
import { writeVersion, type VersionEntry } from '../src/store/version-writer.js';

const { path } = workerData as { path: string };
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// A version written on the main connection (the synchronous API) can hold the write lock for seconds.
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

/** A version being written: its entry and the steps left (each one transaction). */
interface Writing {
  seq: number;
  steps: Generator<'step' | 'committed', void>;
  /** Told already that it is durable (the steps left tidy up). */
  told: boolean;
}

/** Takes the port the main thread writes to; from then on the thread serves it. */
export default function attach(port: MessagePort): boolean {
  const small: WriterEntry[] = [];
  const versions: VersionEntry[] = [];
  let writing: Writing | null = null;
  let scheduled = false;

  const take = (m: WriterEntry | VersionEntry): void => {
    if ('version' in m) versions.push(m);
    else small.push(m);
  };

  /** One turn: the small records that came, then one step of the version being written. */
  const turn = (): void => {
    scheduled = false;
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) take(m.message as WriterEntry | VersionEntry);
    if (small.length > 0) port.postMessage(commit(small.splice(0)));
    if (writing === null && versions.length > 0) {
      const next = versions.shift() as VersionEntry;
      writing = { seq: next.seq, steps: writeVersion(db, next.version), told: false };
    }
    if (writing !== null) {
      const w: Writing = writing;
      try {
        const r = w.steps.next();
        if (r.done === true) writing = null;
        else if (r.value === 'committed') {
          w.told = true;
          port.postMessage({ done: [w.seq], failed: [] } satisfies WriterReply);
        }
      } catch (error) {
        writing = null;
        // A failure while tidying up after the commit leaves the version as it is: it is told already.
        if (!w.told) port.postMessage({ done: [], failed: [{ seq: w.seq, error: (error as Error).message }] } satisfies WriterReply);
      }
    }
    if (writing !== null || versions.length > 0) schedule();
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // setImmediate: messages that arrive meanwhile are read by the next turn.
    setImmediate(turn);
  };

  port.on('message', (m: WriterEntry | VersionEntry) => {
    take(m);
    if (writing === null && versions.length === 0) turn();
    else schedule();
  });
  return true;
}
