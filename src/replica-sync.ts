/**
 * A replica following the changes other replicas commit to the shared store: a new version of an
 * owner's network is loaded and swapped in, a removed owner dropped, interest areas and owner
 * profiles read again; after the store reconnects (changes may have been missed) everything is
 * compared with the store. The store tells of changes only once they are committed (PostgreSQL:
 * NOTIFY in the same transaction), so what is read is what was committed.
 *
 * Changes are followed one at a time, versions in the engine's turn with its own changes. A change
 * that could not be followed (the database went away meanwhile, or the pool was busy) is told to
 * `onError` and followed again after a pause (1 s, doubling to 30 s) until it is, or the replica
 * closes: a replica does not stay stale until the owner's next change.
 */
import type { Engine } from './engine.js';
import type { Store, StoreChange } from './store/store.js';

/** Pauses before a change that could not be followed is followed again. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export interface ReplicaSyncOptions {
  /** Told of a change that could not be followed. */
  onError?: (error: unknown, change: StoreChange) => void;
  /** Told of each change once it is followed, with the time it took (metrics, the lag benchmark). */
  onFollowed?: (change: StoreChange, ms: number) => void;
}

export class ReplicaSync {
  private readonly stop: () => void;
  private pending: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly retries = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly engine: Engine,
    store: Store,
    private readonly opts: ReplicaSyncOptions = {}
  ) {
    this.stop = store.subscribe((change) => this.follow(change));
  }

  /** Resolves once every change heard so far is followed (tests, benchmarks). */
  settled(): Promise<void> {
    return this.pending;
  }

  private follow(change: StoreChange, attempt = 0): void {
    if (this.closed) return;
    const started = performance.now();
    this.pending = this.pending.then(async () => {
      if (this.closed) return;
      try {
        await this.apply(change);
        this.opts.onFollowed?.(change, performance.now() - started);
      } catch (error) {
        if (this.closed) return;
        this.opts.onError?.(error, change);
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          this.follow(change, attempt + 1);
        }, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt));
        timer.unref();
        this.retries.add(timer);
      }
    });
  }

  private apply(change: StoreChange): Promise<void> {
    switch (change.kind) {
      case 'version':
      case 'owner-removed':
        return this.engine.followOwner(change.owner);
      case 'interest-areas':
        return this.engine.reloadInterestAreas(change.owner);
      case 'profile':
        return this.engine.reloadOwnerProfile(change.owner);
      case 'resync':
        return this.engine.followAll();
      case 'key':
        return Promise.resolve();
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    this.stop();
  }
}
