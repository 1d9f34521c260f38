/**
 * Group commit for the store's small, frequent writes (dig requests and their audit entries).
 * Records go to a writer thread with its own connection; whatever arrives while one transaction is
 * being synced is written in the next one, so a burst of requests shares one sync and the main
 * thread never waits for the disk. A write resolves once its transaction is durable.
 *
 * Without a writer thread (it could not start, or a transaction of its failed) records are written
 * on the caller's connection, one transaction each: slower, never lost.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { JournalRecord } from './journal.js';

interface Waiter {
  records: readonly JournalRecord[];
  resolve: () => void;
  reject: (error: Error) => void;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');

function defaultWorker(): string {
  return fileURLToPath(new URL(FROM_SOURCE ? '../../workers/store-writer.ts' : '../../workers/store-writer.js', import.meta.url));
}

export class GroupCommit {
  private thread: Piscina<JournalRecord[], number> | null = null;
  private queue: Waiter[] = [];
  private inFlight = false;
  private disabled = false;
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
    if (this.disabled || this.start() === null) {
      try {
        this.inline(records);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      this.pump();
    });
  }

  /** Stops the writer thread. Writes still waiting are written inline; one being synced finishes first. */
  close(): void {
    this.disabled = true;
    const waiting = this.queue;
    this.queue = [];
    this.writeInline(waiting);
    const thread = this.thread;
    this.thread = null;
    if (thread !== null) void thread.close().catch(() => undefined);
  }

  private start(): Piscina<JournalRecord[], number> | null {
    if (this.thread !== null) return this.thread;
    try {
      this.thread = new Piscina<JournalRecord[], number>({
        filename: this.workerFile,
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: Number.POSITIVE_INFINITY,
        workerData: { path: this.path },
        execArgv: this.workerFile.endsWith('.ts') ? ['--import', 'tsx'] : []
      });
    } catch {
      this.disabled = true;
    }
    return this.thread;
  }

  private pump(): void {
    if (this.inFlight || this.queue.length === 0 || this.thread === null) return;
    const waiters = this.queue;
    this.queue = [];
    this.inFlight = true;
    this.thread.run(waiters.flatMap((w) => w.records)).then(
      () => {
        this.commits++;
        for (const w of waiters) {
          this.records += w.records.length;
          w.resolve();
        }
        this.next();
      },
      () => {
        // The transaction rolled back, or the thread could not start: from here on records are
        // written inline, these first, each alone, so one bad record fails only its own request.
        this.disabled = true;
        this.writeInline(waiters);
        this.next();
      }
    );
  }

  private next(): void {
    this.inFlight = false;
    if (this.disabled) {
      const waiting = this.queue;
      this.queue = [];
      this.writeInline(waiting);
    } else {
      this.pump();
    }
  }

  private writeInline(waiters: readonly Waiter[]): void {
    for (const w of waiters) {
      try {
        this.inline(w.records);
        w.resolve();
      } catch (error) {
        w.reject(error as Error);
      }
    }
  }
}
