/**
 * Lookups of the PostgreSQL store that run on every request (API keys, owner profiles), kept in
 * memory while the store hears the other replicas' changes: an entry is dropped when a change
 * names it, everything when the listening connection comes back (`resync`), and nothing is served
 * from memory while that connection is down. A read that a change overtook is not kept, so a
 * revoked key is never remembered as valid after its notification. While the database cannot be
 * reached, what was read in the last 30 s is served (answers from memory go on through a short
 * outage); nothing older, since this replica alone may be cut off while the others change things.
 */
import { LerError } from '../errors.js';

/** How long an entry is kept at most, even while changes are heard: a bound on a silently dead connection. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 10_000;
/** How old a kept entry may be to be served while the database cannot be reached. */
const OUTAGE_GRACE_MS = 30_000;

export class ChangeCache<T> {
  private readonly entries = new Map<string, { value: T; until: number; readAt: number }>();
  /** Bumped by every invalidation: a read that began before one is not kept. */
  private generation = 0;

  /** `live`: whether changes are heard right now. */
  constructor(private readonly live: () => boolean) {}

  /** The value of `key`, from memory when kept, else from `read` (kept when `keep` says so). */
  async get(key: string, read: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    const live = this.live();
    if (live) {
      const e = this.entries.get(key);
      if (e !== undefined && e.until >= Date.now()) return e.value;
    }
    const generation = this.generation;
    let value: T;
    try {
      value = await read();
    } catch (error) {
      const kept = this.entries.get(key);
      if (kept !== undefined && Date.now() - kept.readAt <= OUTAGE_GRACE_MS && error instanceof LerError && error.code === 'STORE_UNAVAILABLE') return kept.value;
      throw error;
    }
    if (live && this.live() && generation === this.generation && keep(value)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      const now = Date.now();
      this.entries.set(key, { value, until: now + MAX_AGE_MS, readAt: now });
    }
    return value;
  }

  delete(key: string): void {
    this.generation++;
    this.entries.delete(key);
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
