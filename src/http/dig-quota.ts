/**
 * The daily quota of dig requests per contractor key: at most so many per calendar day (UTC),
 * answered 429 QUOTA_DIG_REQUESTS past it, with Retry-After the seconds to the next day. A key's
 * count of the day is read from the store at its first request of the day (through an index, so
 * the quota holds across restarts) and then kept in memory: a slot is taken before the dig is
 * answered, so that requests at once cannot overshoot, and given back when the request is refused
 * (only stored requests count, as the store counts them after a restart).
 */
import { ProblemError } from './problem.js';

const DAY_MS = 86_400_000;
/** How often a key's count is read from the store again (replicas share the store). */
const REREAD_MS = 30_000;

export class DigQuota {
  /** The day (its start, ISO 8601) the counts are of; a new day starts them again. */
  private day = '';
  private readonly used = new Map<string, number>();
  /** When each key's count was last read from the store. */
  private readonly read = new Map<string, number>();

  /**
   * @param count dig requests a requester made at or after a time (ISO 8601), from the store
   * @param perDay requests per key per calendar day (UTC)
   * @param now the clock, ms since the epoch
   */
  constructor(
    private readonly count: (requester: string, since: string) => Promise<number>,
    private readonly perDay: number,
    private readonly now: () => number = Date.now
  ) {}

  /** Takes one of today's requests for the requester; throws 429 when none is left. The returned function gives it back. */
  async take(requester: string): Promise<() => void> {
    const now = this.now();
    const start = Math.floor(now / DAY_MS) * DAY_MS;
    const day = new Date(start).toISOString();
    if (day !== this.day) {
      this.used.clear();
      this.read.clear();
      this.day = day;
    }
    // Read from the store at the key's first request and again after a while: requests the key
    // made at other replicas count too (the larger of the two counts holds).
    if (this.used.get(requester) === undefined || now - (this.read.get(requester) ?? 0) >= REREAD_MS) {
      const stored = await this.count(requester, day);
      if (this.day !== day) return this.take(requester);
      this.used.set(requester, Math.max(stored, this.used.get(requester) ?? 0));
      this.read.set(requester, now);
    }
    const used = this.used.get(requester) ?? 0;
    if (used >= this.perDay) {
      const wait = Math.max(1, Math.ceil((start + DAY_MS - now) / 1000));
      throw new ProblemError('QUOTA_DIG_REQUESTS', {
        detail: `At most ${this.perDay} dig requests per key per day (UTC); this key has made ${used} today. The count starts again at ${new Date(start + DAY_MS).toISOString()}.`,
        headers: { 'retry-after': String(wait) }
      });
    }
    this.used.set(requester, used + 1);
    let given = false;
    return () => {
      if (given || this.day !== day) return;
      given = true;
      this.used.set(requester, Math.max(0, (this.used.get(requester) ?? 1) - 1));
    };
  }
}
