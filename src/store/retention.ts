/**
 * Retention of dig requests: a request, its package and its maps are kept for a number of days
 * from when it was made, then removed. Removal goes in small batches, each its own short
 * transaction, so that a large backlog never holds the database (or, in the service, the event
 * loop) for long; the service yields between batches, the command line does not need to.
 */
import type { Store } from './store.js';

/** Five years: LER keeps dig requests and their packages for years. */
export const DEFAULT_RETENTION_DAYS = 1826;

/**
 * Dig requests removed in one transaction. Measured on 2 cores: 100 packages of 2 KB take 4-7 ms,
 * 100 of 170 KB (500 x 500 m digs) about 48 ms; 50 keep a batch of the largest near 25 ms.
 */
export const PRUNE_BATCH = 50;

/** Days a webhook delivery that ended (delivered, or given up) is kept, for its deliveries view. */
export const DELIVERIES_KEPT_DAYS = 30;

const DAY_MS = 86_400_000;

export interface PruneTotals {
  /** Requests made before this time (ISO 8601) were removed. */
  before: string;
  requests: number;
  pictures: number;
}

/** The time before which dig requests have passed a retention of `days` at `now`. */
export function retentionCutoff(now: Date, days: number): string {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`A retention is a whole number of days from 1, got ${days}.`);
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/** Removes every dig request made before `before`, batch after batch, at once; each batch with its audit entry. */
export async function pruneAll(store: Pick<Store, 'pruneDigRequests'>, before: string, event: Parameters<Store['audit']>[0], batch = PRUNE_BATCH): Promise<PruneTotals> {
  const totals: PruneTotals = { before, requests: 0, pictures: 0 };
  for (;;) {
    const step = await store.pruneDigRequests(before, batch, event);
    totals.requests += step.requests;
    totals.pictures += step.pictures;
    if (step.requests < batch) return totals;
  }
}

/** The audit entry of each batch a prune removes, written with it (the store adds `requests` and `pictures`). */
export function pruneAudit(actor: string, before: string, days: number): Parameters<Store['audit']>[0] {
  return { actor, action: 'dig-request.prune', owner: null, detail: { before, retentionDays: days } };
}
