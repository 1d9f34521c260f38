/**
 * The durable store behind the engine: owners' network versions with their packed snapshots,
 * interest areas, dig requests and their packages, API keys (hashed), planners' batches and an
 * audit log. Two implementations pass one contract suite: the embedded SQLite file (sqlite.ts) and
 * PostgreSQL shared by several replicas (postgres.ts).
 */
import type { SnapshotBuffers } from '../index/network-index.js';
import type { OwnerProfile } from '../model/owner.js';
import type { ConversationStore, InboxEntry, OutboxEvent } from './conversation.js';

export type { OwnerProfile };
export * from './conversation.js';

export interface NetworkVersionRecord {
  owner: string;
  version: number;
  features: number;
  /** Bytes of the stored snapshot. */
  bytes: number;
  createdAt: string;
}

export interface AuditEvent {
  at: string;
  actor: string;
  action: string;
  owner: string | null;
  detail: Record<string, unknown>;
}

/** An audit entry as written: the store stamps the time. */
export type AuditInput = Omit<AuditEvent, 'at'>;

/** The package map's formats. */
export type PictureKind = 'svg' | 'png';

export interface ApiKeyRecord {
  /** SHA-256 of the token, hex; the token itself is never stored. */
  hash: string;
  role: 'admin' | 'owner' | 'contractor' | 'planner';
  owner: string | null;
  name: string | null;
  createdAt: string;
}

export type BatchStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** Why a batch failed or was cancelled, in the error catalogue's terms. */
export interface BatchError {
  code: string;
  message: string;
  pointer?: string;
}

/** A planner's batch as stored, without its input and results. */
export interface BatchRecord {
  id: string;
  requester: string;
  status: BatchStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** How the batch is checked, as the service wrote it. */
  options: Record<string, unknown>;
  /** Areas in the input; null when not counted up front (a route). */
  areas: number | null;
  /** The last progress written with a page of results (or at the end). */
  progress: Record<string, unknown> | null;
  /** Results stored (readable), and their bytes. */
  results: number;
  resultBytes: number;
  /** Snapshot version the results were computed on. */
  version: number | null;
  error: BatchError | null;
  /** Runs started and not ended by the service stopping: a crash (or a kill) in the middle of one counts. */
  attempts: number;
}

/** A new batch: queued, with its input as text the service reads back when it runs. */
export interface NewBatch {
  id: string;
  requester: string;
  createdAt: string;
  options: Record<string, unknown>;
  areas: number | null;
  input: string;
}

/** Consecutive results of a batch: `count` NDJSON lines from result `first` on. */
export interface BatchPage {
  seq: number;
  first: number;
  count: number;
  data: Uint8Array;
}

/** A requester's batches by state, and the bytes of its stored results. */
export interface BatchUsage {
  queued: number;
  running: number;
  /** Ended batches still kept (done, failed or cancelled). */
  ended: number;
  resultBytes: number;
  /** When the oldest kept ended batch finished; null when none is kept. */
  oldestEndedAt: string | null;
}

/**
 * Planners' batches as jobs: input, state and results on disk, so that a batch of any size costs
 * the service's memory no more than a window of results, and outlives a restart. Writes that
 * carry results resolve once durable; results are read back page by page.
 */
export interface BatchStore {
  /** Stores a queued batch with its input (and the audit entry that says so, in one transaction); resolves once durable. */
  createBatch(batch: NewBatch, event?: AuditInput): Promise<void>;
  batch(id: string): Promise<BatchRecord | null>;
  /** Batches in these states, oldest first. */
  batchesIn(statuses: readonly BatchStatus[]): Promise<BatchRecord[]>;
  /** A batch's input as stored; null once the batch has ended (or when there is no such batch). */
  batchInput(id: string): Promise<string | null>;
  /** Marks a queued batch running; resolves once durable. */
  startBatch(id: string, startedAt: string): Promise<void>;
  /**
   * Stores page `page.seq` of a running batch's results, with the batch's progress and version, in
   * one transaction; resolves once durable. Nothing is written for a batch that is not running, nor
   * for a page already stored (a page is written once: a second run of the same work is a no-op).
   */
  appendBatchPage(id: string, page: BatchPage, state: { progress: Record<string, unknown> | null; version: number }): Promise<void>;
  /** Page `seq` (from 0) of a batch's results; null when it is not (yet) written. */
  batchPage(id: string, seq: number): Promise<BatchPage | null>;
  /** Ends a batch with its status, error and last progress (and an audit entry, in one transaction), and drops its input; resolves once durable. */
  endBatch(id: string, end: { status: 'done' | 'failed' | 'cancelled'; finishedAt: string; error: BatchError | null; progress: Record<string, unknown> | null }, event?: AuditInput): Promise<void>;
  /**
   * Puts a running batch back in the queue, its results so far dropped (it runs again from the
   * start); `stopped`: the service stopped it (its run does not count among its attempts).
   */
  requeueBatch(id: string, opts?: { stopped?: boolean }): Promise<void>;
  /** Removes a batch (with its audit entry, in one transaction) and then its results; resolves once both are gone. */
  deleteBatch(id: string, event?: AuditInput): Promise<void>;
  batchUsage(requester: string): Promise<BatchUsage>;
  /** Ids of at most `limit` ended batches that finished before a time (ISO 8601), oldest first. */
  endedBatchesBefore(before: string, limit: number): Promise<string[]>;
}

/** What a new dig request leaves besides its package: the owners' inbox entries and the events to deliver. */
export interface DigNotice {
  inbox: readonly InboxEntry[];
  events: readonly OutboxEvent[];
}

/**
 * A change another process sharing the store committed (or this one: listeners are idempotent),
 * heard after its transaction committed. `resync`: the store (re)connected and changes may have
 * been missed meanwhile, so everything cached should be read again.
 */
export type StoreChange =
  | { kind: 'version'; owner: string; version: number }
  | { kind: 'owner-removed'; owner: string }
  | { kind: 'interest-areas'; owner: string }
  | { kind: 'profile'; owner: string }
  | { kind: 'key'; hash: string }
  | { kind: 'resync' };

/**
 * Every method is asynchronous, so that the same service runs on the embedded SQLite file and on a
 * PostgreSQL database shared by several replicas. Errors reaching the database (it is down, the
 * connection was lost) reject with STORE_UNAVAILABLE (503), never crash the process.
 */
export interface Store extends BatchStore, ConversationStore {
  /** `sqlite` (one process) or `postgres` (shared by replicas). */
  readonly kind: 'sqlite' | 'postgres';
  /** Every owner's newest stored version, by owner. */
  currentVersions(): Promise<NetworkVersionRecord[]>;
  /** The stored versions of an owner, newest first. */
  history(owner: string): Promise<NetworkVersionRecord[]>;
  /** An owner's stored snapshot (an index of that owner alone), in fresh SharedArrayBuffers. */
  loadSnapshot(owner: string, version: number): Promise<SnapshotBuffers>;
  /**
   * Stores a new version of an owner's network without blocking the caller for the write (the
   * buffers must stay unchanged until it resolves); older versions beyond the store's history
   * length are dropped with their data, and the version row and its audit entry are committed in
   * one transaction (and announced to the other replicas by it); it resolves once they are durable.
   * A crash before that leaves the owner's versions as they were.
   */
  commitVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number, event?: AuditInput): Promise<NetworkVersionRecord>;
  /** Removes an owner and all its versions (with the audit entry that says so, in one transaction). */
  removeOwner(owner: string, event?: AuditInput): Promise<void>;

  /** Replaces an owner's interest areas (with the audit entry that says so, in one transaction). */
  putInterestAreas(owner: string, areas: unknown, event?: AuditInput): Promise<void>;
  interestAreas(owner: string): Promise<unknown>;
  /** Owners with registered interest areas, sorted. */
  interestAreaOwners(): Promise<string[]>;
  ownerProfile(owner: string): Promise<OwnerProfile | null>;
  /** Every known owner's profile (owners with a network, interest areas or a profile), by owner. */
  ownerProfiles(): Promise<OwnerProfile[]>;

  /**
   * Stores a dig request's package (already JSON: text, or its UTF-8 bytes) and its audit entry in one
   * transaction, with the inbox entries of the owners it names and the events it causes; resolves
   * once all are durable. Requests arriving together may share one transaction and one sync.
   */
  recordDigRequest(id: string, requester: string, body: string | Uint8Array, event: AuditInput, notice?: DigNotice): Promise<void>;
  /** How many dig requests a requester made at or after a time (ISO 8601), through an index. */
  countDigRequests(requester: string, since: string): Promise<number>;
  /**
   * Removes at most `limit` of the oldest dig requests made before a time (ISO 8601), with their
   * packages' maps, revisions and inbox entries, in one transaction with the audit entry that says so (its detail gets
   * `requests` and `pictures`; none is written when nothing was removed); says how many of each it
   * removed (0 requests: none is left).
   */
  pruneDigRequests(before: string, limit: number, event?: AuditInput): Promise<{ requests: number; pictures: number }>;

  /** A package's map as kept (`svg` or `png`), with its dig request's requester; null when none is kept. */
  packagePicture(id: string, kind: PictureKind): Promise<{ requester: string; body: Buffer; etag: string } | null>;
  /** Keeps a package's map with its dig request (not when the request is gone); resolves once durable. */
  putPackagePicture(id: string, kind: PictureKind, body: Uint8Array, etag: string): Promise<void>;

  /** Stores a key, and its audit entry when given, in one transaction. */
  putApiKey(key: Omit<ApiKeyRecord, 'createdAt'>, event?: AuditInput): Promise<void>;
  findApiKey(hash: string): Promise<ApiKeyRecord | null>;

  audit(event: AuditInput): Promise<void>;
  auditLog(limit?: number): Promise<AuditEvent[]>;

  /**
   * Tells `listener` of every change committed to the shared store (by any process) from now on;
   * returns the function that stops it. A store no other process writes never calls it.
   */
  subscribe(listener: (change: StoreChange) => void): () => void;

  /** Schema version after the migrations that ran at open. */
  readonly schemaVersion: number;
  close(): Promise<void>;
}

/** A store with what the HTTP service needs besides the engine's own: owner profiles and key management. */
export interface ServiceStore extends Store {
  /** Sets an owner's profile (creating the owner when it is new), with its audit entry when given, in one transaction. */
  putOwnerProfile(profile: OwnerProfile, event?: AuditInput): Promise<void>;
  /**
   * How an owner id is spelt where the store knows it (as an owner, or as an API key's owner),
   * compared without case (ASCII letters): the id itself when known so, another spelling when only
   * that is known, null when unknown. Writes that make an owner known refuse an id known by
   * another spelling (OWNER_ID_CASE_CONFLICT).
   */
  ownerSpelling(owner: string): Promise<string | null>;
  /** Every API key (hashes, never tokens), oldest first. */
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Removes a key, with its audit entry when given, in one transaction; false (nothing written) when no key has this hash. */
  deleteApiKey(hash: string, event?: AuditInput): Promise<boolean>;
}
