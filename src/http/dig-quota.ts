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

export class DigQuota {
  /** The day (its start, ISO 8601) the counts are of; a new day starts them again. */
  private day = '';
  private readonly used = new Map<string, number>();

  /**
   * @param count dig requests a requester made at or after a time (ISO 8601), from the store
   * @param perDay requests per key per calendar day (UTC)
   * @param now the clock, ms since the epoch
   */
  constructor(
    private readonly count: (requester: string, since: string) => number,
    private readonly perDay: number,
    private readonly now: () => number = Date.now
  ) {}

  /** Takes one of today's requests for the requester; throws 429 when none is left. The returned function gives it back. */
  take(requester: string): () => void {
    const now = this.now();
    const start = Math.floor(now / DAY_MS) * DAY_MS;
    const day = new Date(start).toISOString();
    if (day !== this.day) {
      this.used.clear();
      this.day = day;
    }
    const used = this.used.get(requester) ?? this.count(requester, day);
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
