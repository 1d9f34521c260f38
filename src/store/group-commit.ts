/**
 * Group commit for the store's small, frequent writes (dig requests and their audit entries).
 * Each request's records go at once to a writer thread with its own connection; the thread writes
 * whatever arrived while it was syncing the last transaction in the next one, so a burst of
 * requests shares one sync and the main thread never waits for the disk. A write resolves once
 * its transaction is durable.
 *
 * Network versions go to the same thread, written there in steps between the small writes.
 *
 * Without a writer thread (it could not start, or it died) records are written on the caller's
 * connection, one transaction each: slower, never lost.
 */
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { JournalRecord, WriterEntry, WriterReply } from './journal.js';
import type { VersionEntry, VersionJob } from './version-writer.js';

interface Waiter {
  /** Records in the write (a version counts as one). */
  records: number;
  /** Writes it on the caller's connection instead (the fallback). */
  inline: () => void;
  resolve: () => void;
  reject: (error: Error) => void;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');

function defaultWorker(): string {
  return fileURLToPath(new URL(FROM_SOURCE ? '../../workers/store-writer.ts' : '../../workers/store-writer.js', import.meta.url));
}

export class GroupCommit {
  /** The thread (started through piscina, which loads it from sources too) and the port to it. */
  private thread: Piscina<MessagePort, boolean> | null = null;
  private port: MessagePort | null = null;
  private readonly waiting = new Map<number, Waiter>();
  private seq = 0;
  private disabled = false;
  /** The thread has taken its port: from then on a write sent may have been committed. */
  private attached = false;
  /** Transactions the writer thread committed, and the records in them. */
  commits = 0;
  records = 0;

  /**
   * @param path the database file (in WAL mode: the writer's connection and the caller's share it)
   * @param inline writes records in one transaction on the caller's connection (the fallback)
   */
  constructor(
    private readonly path: string,
    private readonly inline: (records: readonly JournalRecord[]) => void,
    private readonly workerFile: string = defaultWorker()
  ) {}

  /** Resolves once the records are durable. */
  write(records: readonly JournalRecord[]): Promise<void> {
    return this.send(records.length, () => this.inline(records), (seq) => ({ seq, records }) satisfies WriterEntry);
  }

  /**
   * Writes a network version in steps (version-writer.ts), the small writes that come meanwhile
   * committed between them; resolves once the version and its audit entry are durable.
   * `inline` writes it on the caller's connection should there be no writer thread.
   */
  writeVersion(job: VersionJob, inline: () => void): Promise<void> {
    return this.send(1, inline, (seq) => ({ seq, version: job }) satisfies VersionEntry);
  }

  private send(records: number, inline: () => void, message: (seq: number) => WriterEntry | VersionEntry): Promise<void> {
    const port = this.disabled ? null : (this.port ?? this.start());
    if (port === null) return this.writeInline(inline);
    return new Promise((resolve, reject) => {
      const seq = ++this.seq;
      this.waiting.set(seq, { records, inline, resolve, reject });
      if (this.waiting.size === 1) port.ref();
      port.postMessage(message(seq));
    });
  }

  /** Stops the writer thread; writes still waiting for it fail (the store is closing). */
  close(): void {
    this.disabled = true;
    this.stop(new Error('The store was closed before the write was durable.'));
  }

  private start(): MessagePort | null {
    try {
      this.thread = new Piscina<MessagePort, boolean>({
        filename: this.workerFile,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: Number.POSITIVE_INFINITY,
        // An idle piscina thread otherwise sleeps in Atomics.wait, and the port would never be read.
        atomics: 'disabled',
        workerData: { path: this.path },
        execArgv: this.workerFile.endsWith('.ts') ? ['--import', 'tsx'] : []
      });
    } catch {
      this.disabled = true;
      return null;
    }
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (reply: WriterReply) => this.settle(reply));
    port1.on('close', () => this.lost(new Error('The store\'s writer thread stopped.')));
    port1.unref();
    this.port = port1;
    this.thread.run(port2, { transferList: [port2] }).then(
      () => {
        this.attached = true;
      },
      (error: Error) => this.lost(error)
    );
    return port1;
  }

  private settle(reply: WriterReply): void {
    if (reply.done.length > 0) this.commits++;
    for (const seq of reply.done) {
      const w = this.waiting.get(seq);
      if (w === undefined) continue;
      this.waiting.delete(seq);
      this.records += w.records;
      w.resolve();
    }
    for (const { seq, error } of reply.failed) {
      const w = this.waiting.get(seq);
      if (w === undefined) continue;
      this.waiting.delete(seq);
      w.reject(new Error(error));
    }
    if (this.waiting.size === 0) this.port?.unref();
  }

  /**
   * The writer thread could not start, or is gone. Writes it never took are written inline; what
   * it had taken may or may not be durable, so those requests fail.
   */
  private lost(error: Error): void {
    if (this.disabled && this.port === null) return;
    this.disabled = true;
    if (this.attached) {
      this.stop(error);
      return;
    }
    const never = [...this.waiting.values()];
    this.waiting.clear();
    this.stop(error);
    for (const w of never) this.writeInline(w.inline).then(w.resolve, w.reject);
  }

  private stop(error: Error): void {
    const port = this.port;
    const thread = this.thread;
    this.port = null;
    this.thread = null;
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
    port?.close();
    if (thread !== null) void thread.close({ force: true }).catch(() => undefined);
  }

  private writeInline(write: () => void): Promise<void> {
    try {
      write();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}
