/**
 * What the store keeps of the conversation between a dig request's parties: each owner's inbox
 * entry for the requests that name it, the package's revisions as owners answer, the webhooks
 * parties register and the outbox of their deliveries. Both stores implement it (sqlite.ts,
 * postgres.ts) and pass one contract suite.
 *
 * Events fan out in the store, in the transaction of the change that causes them: an event names
 * the owner and the requester it concerns, and every enabled webhook subscribed to its type that
 * matches one of them (or that takes every event) gets a delivery. So a delivery exists exactly
 * when its cause was committed, whichever replica committed it.
 */

import type { DigRequestType, InboxEntry } from '../model/inbox.js';

export type { DigRequestType, InboxEntry };

export interface InboxQuery {
  /** Entries older than this cursor (newest first); as `InboxPage.next` gave it. */
  after?: string;
  limit: number;
  type?: DigRequestType;
  /** `open`: not answered; `answered`. */
  status?: 'open' | 'answered';
  /** Only entries whose deadline passed unanswered (true) or not (false), at `now`. */
  overdue?: boolean;
  now: string;
}

export interface InboxPage {
  entries: InboxEntry[];
  /** The cursor of the next page; null: this was the last. */
  next: string | null;
}

/** What an answer changes in the owner's inbox entry. */
export interface InboxUpdate {
  owner: string;
  status: string;
  conflicts: number;
  answeredAt: string | null;
}

export const EVENT_TYPES = ['dig-request.created', 'dig-request.answered', 'dig-request.overdue'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event to deliver: the store gives it to every matching webhook. */
export interface OutboxEvent {
  id: string;
  type: EventType;
  createdAt: string;
  /** Higher first (an emergency's events: 1). */
  priority: number;
  /** The owner the event concerns: that owner's webhooks (and admins' for it) match. */
  owner: string | null;
  /** The requester the event concerns: its webhooks match. */
  requester: string | null;
  /** The delivery's body, JSON: `{id, type, createdAt, data}`. */
  body: string;
}

export interface WebhookRecord {
  id: string;
  /** The key that made it (its id). */
  createdBy: string;
  role: 'admin' | 'owner' | 'contractor';
  /** Events of this owner (an owner's key; or an admin's, narrowed). */
  owner: string | null;
  /** Events of this requester's dig requests (a contractor's key). */
  requester: string | null;
  url: string;
  events: EventType[];
  secret: string;
  createdAt: string;
  /** Since when every attempt has failed; null: the last one succeeded (or none was made). */
  failingSince: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  at: string;
  /** The receiver's HTTP status; null when none came. */
  status: number | null;
  error: string | null;
  ms: number;
  /** The start of the receiver's answer. */
  response: string;
}

export interface DeliveryRecord {
  /** Order of the outbox (per webhook, deliveries go in this order within a priority). */
  seq: number;
  webhook: string;
  eventId: string;
  type: EventType;
  priority: number;
  body: string;
  createdAt: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  /** The attempts, oldest first (the last few). */
  history: DeliveryAttempt[];
}

/** A delivery claimed for sending, with its webhook's address and secret. */
export interface ClaimedDelivery {
  seq: number;
  webhook: string;
  url: string;
  secret: string;
  eventId: string;
  type: EventType;
  body: string;
  createdAt: string;
  attempts: number;
  failingSince: string | null;
}

/** What became of an attempt. */
export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: string }
  /** Given up: the delivery failed; with `disable`, its webhook is disabled for that reason. */
  | { kind: 'failed'; disable: string | null };

export interface ConversationStore {
  /** Whether an event may have a webhook to go to now; false: a change need not make its events. */
  mayDeliver(): boolean;
  /** The newest revision of a dig request's package (`revision` from 1). */
  digRequest(id: string): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null>;
  /** One revision of a package; null when there is no such request or revision. */
  digRequestRevision(id: string, revision: number): Promise<{ requester: string; body: unknown; createdAt: string; revision: number } | null>;
  /**
   * Stores revision `revision` of a package (its body, JSON text) when the newest is `revision` - 1,
   * with the owner's inbox update, the audit entry and the events, in one transaction, dropping the
   * maps kept of the revision before; false (and nothing written) when the newest revision is another.
   */
  reviseDigRequest(id: string, revision: number, body: string, update: InboxUpdate, event: { actor: string; action: string; owner: string | null; detail: Record<string, unknown> }, events: readonly OutboxEvent[]): Promise<boolean>;

  inbox(owner: string, query: InboxQuery): Promise<InboxPage>;
  inboxEntry(id: string, owner: string): Promise<InboxEntry | null>;
  /** At most `limit` entries whose deadline passed before `now` unanswered and not yet noticed, oldest deadline first. */
  dueInboxEntries(now: string, limit: number): Promise<InboxEntry[]>;
  /** Marks an entry overdue and queues its event, in one transaction; false when it was answered or noticed meanwhile. */
  noticeOverdue(id: string, owner: string, at: string, event: OutboxEvent): Promise<boolean>;

  createWebhook(webhook: WebhookRecord, event: { actor: string; action: string; owner: string | null; detail: Record<string, unknown> }): Promise<void>;
  webhook(id: string): Promise<WebhookRecord | null>;
  /** Webhooks made by a key (`createdBy`), or all when null; oldest first. */
  webhooks(createdBy: string | null): Promise<WebhookRecord[]>;
  /** Removes a webhook and its deliveries; false when there is none. */
  deleteWebhook(id: string, event: { actor: string; action: string; owner: string | null; detail: Record<string, unknown> }): Promise<boolean>;
  /** A webhook's deliveries, newest first, at most `limit`, older than `before` (a seq) when given. */
  deliveries(webhook: string, limit: number, before?: number): Promise<DeliveryRecord[]>;

  /**
   * Claims at most `limit` deliveries due at `now` for `leaseMs`: of each enabled webhook that has
   * none in flight, its first pending delivery (highest priority, then oldest), when due. A claim
   * lapses after the lease (its claimer died), so each delivery is sent at least once.
   */
  claimDeliveries(now: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /** Records an attempt and its outcome (and the webhook's failing state), releasing the claim. */
  recordAttempt(seq: number, attempt: DeliveryAttempt, outcome: DeliveryOutcome): Promise<void>;
  /** Removes at most `limit` ended (delivered or failed) deliveries made before a time, oldest first; says how many. */
  pruneDeliveries(before: string, limit: number): Promise<number>;
}
