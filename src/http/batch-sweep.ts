/**
 * Removes ended batches past their time (`batchTtlSeconds`), with their results, a hundred at a
 * time: one sweep at a time (a second call joins the one running), stopping between two removals
 * once the service is closing. The store failing fails that sweep only: the next one tries again.
 */
import type { BatchStore } from '../store/store.js';

export interface SweepOptions {
  store: Pick<BatchStore, 'endedBatchesBefore' | 'deleteBatch'>;
  ttlSeconds: number;
  now: () => number;
  closed: () => boolean;
  /** Told of each batch removed (its readers are woken). */
  removed: (id: string) => void;
  onError: (error: unknown) => void;
}

export class EndedBatchSweeper {
  private running: Promise<void> | null = null;

  constructor(private readonly opts: SweepOptions) {}

  sweep(): Promise<void> {
    if (this.running !== null) return this.running;
    const { store, closed } = this.opts;
    if (closed()) return Promise.resolve();
    const before = new Date(this.opts.now() - this.opts.ttlSeconds * 1000).toISOString();
    const run = (async () => {
      try {
        for (let ids = await store.endedBatchesBefore(before, 100); ids.length > 0 && !closed(); ids = await store.endedBatchesBefore(before, 100)) {
          for (const id of ids) {
            if (closed()) return;
            await store.deleteBatch(id);
            this.opts.removed(id);
          }
        }
      } catch (error) {
        if (!closed()) this.opts.onError(error);
      }
    })();
    this.running = run.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Resolves once the sweep running (if any) has stopped. */
  async settled(): Promise<void> {
    await this.running;
  }
}
