/**
 * A replica following the changes other replicas commit to the shared store: a new version of an
 * owner's network is loaded and swapped in, a removed owner dropped, interest areas and owner
 * profiles read again; after the store reconnects (changes may have been missed) everything is
 * compared with the store. The store tells of changes only once they are committed (PostgreSQL:
 * NOTIFY in the same transaction), so what is read is what was committed.
 *
 * Changes are followed one at a time per kind of thing, in the engine's turn with its own changes;
 * a failure (the database went away meanwhile) is told to `onError` and made good by the resync
 * that follows the reconnection.
 */
import type { Engine } from './engine.js';
import type { Store, StoreChange } from './store/store.js';

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

  private follow(change: StoreChange): void {
    if (this.closed) return;
    const started = performance.now();
    this.pending = this.pending.then(async () => {
      if (this.closed) return;
      try {
        await this.apply(change);
        this.opts.onFollowed?.(change, performance.now() - started);
      } catch (error) {
        if (!this.closed) this.opts.onError?.(error, change);
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
    this.stop();
  }
}
