/**
 * The outbox's dispatcher: it takes due deliveries from the store (each webhook's next one, one at
 * a time per webhook, emergencies first), signs each at the moment it is sent, posts it, and
 * records the attempt. A failure is retried with exponential backoff and jitter (the base doubling
 * to at most an hour) until the delivery is a day old (`giveUpSeconds`); an endpoint whose every
 * attempt has failed that long is disabled, with the reason, for its owner to see. A slow receiver
 * holds one of `concurrency` slots for at most `timeoutMs`. Any number of processes may dispatch
 * from one store: a claim lapses if its process dies, so every delivery is sent at least once.
 */
import type { ClaimedDelivery, ConversationStore, DeliveryOutcome } from '../store/conversation.js';
import { sendWebhook, type SendResult } from './send.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

export interface DispatcherSettings {
  allowPrivate: boolean;
  timeoutMs: number;
  concurrency: number;
  retryBaseMs: number;
  giveUpSeconds: number;
  pollMs: number;
}

export interface DispatcherOptions {
  settings: DispatcherSettings;
  /** Where failures of the dispatcher itself (the store) are told. */
  onError?: (error: unknown) => void;
  /** Told of every attempt (metrics). */
  onAttempt?: (delivery: ClaimedDelivery, result: SendResult) => void;
  now?: () => Date;
  random?: () => number;
}

/** Bytes of a receiver's answer kept with the attempt. */
const RESPONSE_KEPT = 1024;
const HOUR = 3_600_000;
/** How soon a nudge looks for due deliveries, ms. */
const NUDGE_MS = 20;

/** The delay before attempt `attempts + 1`: the base doubled per attempt, at most an hour, times a jitter of 0.5 to 1. */
export function retryDelay(attempts: number, baseMs: number, random: () => number = Math.random): number {
  return Math.min(HOUR, baseMs * 2 ** Math.min(30, Math.max(0, attempts - 1))) * (0.5 + random() / 2);
}

/** What becomes of a delivery whose attempt failed at `now`. */
export function failureOutcome(d: ClaimedDelivery, result: SendResult, now: Date, s: DispatcherSettings, random: () => number = Math.random): DeliveryOutcome {
  const giveUp = s.giveUpSeconds * 1000;
  const failingSince = d.failingSince ?? now.toISOString();
  if (now.getTime() - Date.parse(failingSince) >= giveUp) {
    return { kind: 'failed', disable: `Every attempt failed since ${failingSince} (LER_WEBHOOK_GIVE_UP_S=${s.giveUpSeconds}); the last: ${result.error ?? `HTTP ${result.status ?? '?'}`}. Delete it and register a working URL.` };
  }
  if (now.getTime() - Date.parse(d.createdAt) >= giveUp) return { kind: 'failed', disable: null };
  return { kind: 'retry', at: new Date(now.getTime() + retryDelay(d.attempts + 1, s.retryBaseMs, random)).toISOString() };
}

export class WebhookDispatcher {
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** When the pending look is due (ms). */
  private dueAt = 0;
  /** A delivery ended during a look: the next look is at once. */
  private again = false;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  private ticking: Promise<void> | null = null;
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(
    private readonly store: ConversationStore,
    private readonly opts: DispatcherOptions
  ) {
    this.now = opts.now ?? ((): Date => new Date());
    this.random = opts.random ?? Math.random;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Looks for due deliveries soon (a new event was queued): within NUDGE_MS, so that a burst of dig
   * requests makes one look, not one each.
   */
  nudge(): void {
    if (this.stopped || this.ticking !== null || (this.timer !== null && this.dueAt <= Date.now() + NUDGE_MS)) return;
    this.schedule(NUDGE_MS);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.dueAt = Date.now() + ms;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick()
        .catch((error: unknown) => this.opts.onError?.(error))
        .finally(() => {
          this.ticking = null;
          // A delivery ended while looking: look again at once, else at the next poll.
          this.schedule(this.again ? 0 : this.opts.settings.pollMs);
          this.again = false;
        });
    }, ms);
  }

  /** Claims what the free slots can take and starts sending it. */
  async tick(): Promise<void> {
    const s = this.opts.settings;
    const free = s.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const claimed = await this.store.claimDeliveries(this.now().toISOString(), free, s.timeoutMs + 30_000);
    for (const d of claimed) {
      const run = this.deliver(d).catch((error: unknown) => this.opts.onError?.(error));
      this.inFlight.add(run);
      void run.finally(() => {
        this.inFlight.delete(run);
        // A slot came free, and the webhook's next delivery may be due: look at once.
        if (!this.stopped && this.ticking === null) this.schedule(0);
        else this.again = true;
      });
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const s = this.opts.settings;
    const sentAt = this.now();
    const headers = {
      [SIGNATURE_HEADER]: signatureHeader(d.secret, d.body, Math.floor(sentAt.getTime() / 1000)),
      'LER-Event': d.type,
      'LER-Event-Id': d.eventId
    };
    const result = await sendWebhook(d.url, d.body, headers, { timeoutMs: s.timeoutMs, maxResponseBytes: RESPONSE_KEPT, policy: { allowPrivate: s.allowPrivate } });
    this.opts.onAttempt?.(d, result);
    const now = this.now();
    const outcome: DeliveryOutcome = result.ok ? { kind: 'delivered' } : failureOutcome(d, result, now, s, this.random);
    await this.store.recordAttempt(d.seq, { at: sentAt.toISOString(), status: result.status, error: result.error, ms: Math.round(result.ms), response: result.response }, outcome);
  }

  /** Stops taking deliveries and waits for those in flight (each bounded by the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.ticking;
    await Promise.allSettled([...this.inFlight]);
  }
}
