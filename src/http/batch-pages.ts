/**
 * A running batch's results on their way to the store: each summary becomes an NDJSON line, the
 * lines go out in pages of about PAGE_BYTES (or whatever a second gathered), and the batch goes on
 * only while at most MAX_PENDING_BYTES wait to be durable (and its planner's quota of bytes holds):
 * enough for the store's writer to commit several pages with one sync, little enough to hold. So a batch never runs ahead of its
 * writes, holds a page being filled and a few pending whatever its size, and gives the event loop
 * a turn after every page.
 */
import type { BatchPage } from '../store/store.js';

/** About this many bytes of results make a page: large enough for few rows, small enough for a reader to hold. */
export const PAGE_BYTES = 256 * 1024;
/** Bytes of pages written but not yet durable before the batch waits. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** A page waits at most this long for more results, so that a slow batch's results show up. */
const PAGE_MS = 1000;

export class PageWriter {
  /** Results durable (readable), and their bytes. */
  committed = 0;
  committedBytes = 0;
  /** Bytes sent to the store, not yet durable. */
  pendingBytes = 0;
  /** The page being filled: its lines in UTF-8 (each line encoded as it comes, so its string dies young). */
  private buffer = Buffer.allocUnsafe(2 * PAGE_BYTES);
  private size = 0;
  private count = 0;
  private opened = 0;
  private seq = 0;
  private first = 0;
  /** Pages on their way to the store. */
  private readonly pending = new Set<Promise<void>>();

  /**
   * @param write stores a page; resolves once it is durable
   * @param check throws when the batch may store no more (a quota), told after each page is sent
   * @param onCommit told after each page is durable
   */
  constructor(
    private readonly write: (page: BatchPage) => Promise<void>,
    private readonly check: () => void,
    private readonly onCommit: () => void
  ) {}

  /** Adds one result; waits while the store is behind. */
  async add(result: unknown): Promise<void> {
    const line = `${JSON.stringify(result)}\n`;
    if (this.count === 0) this.opened = performance.now();
    // Room for the line however it encodes (at most 3 bytes per UTF-16 unit).
    if (this.size + 3 * line.length > this.buffer.length) {
      const larger = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.size + 3 * line.length));
      this.buffer.copy(larger, 0, 0, this.size);
      this.buffer = larger;
    }
    this.size += this.buffer.write(line, this.size);
    this.count++;
    if (this.size >= PAGE_BYTES || performance.now() - this.opened >= PAGE_MS) await this.flush();
  }

  /** Writes what is gathered and waits until every page is durable. */
  async finish(): Promise<void> {
    await this.flush();
    await Promise.all(this.pending);
  }

  /** Waits for the pages already sent, whatever becomes of them (the batch stopped). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.pending);
  }

  private async flush(): Promise<void> {
    if (this.count === 0) return;
    const data = Buffer.from(this.buffer.subarray(0, this.size));
    const page: BatchPage = { seq: this.seq++, first: this.first, count: this.count, data };
    this.first += page.count;
    this.count = 0;
    this.size = 0;
    // A page grown for one very long line goes back to its usual size.
    if (this.buffer.length > 2 * PAGE_BYTES) this.buffer = Buffer.allocUnsafe(2 * PAGE_BYTES);
    this.pendingBytes += data.length;
    const written = this.write(page).then(() => {
      this.pendingBytes -= data.length;
      this.committed += page.count;
      this.committedBytes += data.length;
      this.onCommit();
    });
    const done = (): void => void this.pending.delete(written);
    written.then(done, done);
    this.pending.add(written);
    // The page that crosses a quota is kept: the batch stops after it.
    this.check();
    while (this.pendingBytes > MAX_PENDING_BYTES && this.pending.size > 0) await Promise.race(this.pending);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
