/**
 * The service's retention: dig requests older than the configured number of days, with their
 * packages and maps, are pruned (and webhook deliveries ended more than DELIVERIES_KEPT_DAYS ago) when the service starts and then once a day, on an unref'd timer
 * (it never keeps the process up) that closing the app stops. A run removes in batches, each a
 * short transaction, with the event loop free between them, and leaves an audit entry when it
 * removed anything. The app's `retention` is its runner.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/store.js';
import { DELIVERIES_KEPT_DAYS, PRUNE_BATCH, pruneAudit, retentionCutoff, type PruneTotals } from '../store/retention.js';

const DAY_MS = 86_400_000;

export interface RetentionOptions {
  /** Days a dig request is kept. */
  days: number;
  /** The clock; default the system's. */
  now?: () => Date;
  /** Requests removed per transaction; default PRUNE_BATCH. */
  batch?: number;
  /** Time between runs, ms; default a day. */
  intervalMs?: number;
  log?: Pick<FastifyBaseLogger, 'info' | 'error'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Prunes dig requests past their retention (at start, daily, or when asked). */
    retention: RetentionRunner;
  }
}

export class RetentionRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PruneTotals | null> | null = null;
  private last: Promise<PruneTotals | null> = Promise.resolve(null);
  private stopped = false;

  constructor(
    private readonly store: Pick<Store, 'pruneDigRequests' | 'pruneDeliveries'>,
    private readonly opts: RetentionOptions
  ) {}

  /** Prunes now, then every interval, until stopped. */
  start(): void {
    if (this.stopped || this.timer !== null) return;
    this.timer = setInterval(() => void this.run(), this.opts.intervalMs ?? DAY_MS);
    this.timer.unref();
    void this.run();
  }

  /**
   * Prunes what has passed its retention (joining a run in progress). Resolves to what was removed,
   * or null when it failed (the failure is logged; the next run tries again). Never rejects.
   */
  run(): Promise<PruneTotals | null> {
    if (this.running === null) {
      const run = this.prune().finally(() => {
        this.running = null;
      });
      this.running = run;
      this.last = run;
    }
    return this.running;
  }

  /** The run in progress, or the last one. */
  settled(): Promise<PruneTotals | null> {
    return this.last;
  }

  /** No more runs; a run in progress stops after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async prune(): Promise<PruneTotals | null> {
    const { days, log } = this.opts;
    const batch = this.opts.batch ?? PRUNE_BATCH;
    const totals: PruneTotals = { before: retentionCutoff(this.opts.now?.() ?? new Date(), days), requests: 0, pictures: 0 };
    try {
      while (!this.stopped) {
        const step = await this.store.pruneDigRequests(totals.before, batch, pruneAudit('retention', totals.before, days));
        totals.requests += step.requests;
        totals.pictures += step.pictures;
        if (step.requests < batch) break;
        // Requests waiting are answered between two batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const deliveriesBefore = retentionCutoff(this.opts.now?.() ?? new Date(), DELIVERIES_KEPT_DAYS);
      while (!this.stopped && (await this.store.pruneDeliveries(deliveriesBefore, batch * 20)) === batch * 20) await new Promise((resolve) => setImmediate(resolve));
      if (totals.requests > 0) {
        log?.info({ retention: totals }, `Pruned ${totals.requests} dig requests made before ${totals.before} (retention ${days} days).`);
      }
      return totals;
    } catch (error) {
      log?.error({ err: error }, 'Pruning dig requests past their retention failed.');
      return null;
    }
  }
}
