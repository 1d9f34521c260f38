/**
 * The durable store behind the engine: owners' network versions with their packed snapshots,
 * interest areas, dig requests and their packages, API keys (hashed) and an audit log. Small on
 * purpose, so that a PostgreSQL implementation can follow the embedded SQLite one.
 */
import type { SnapshotBuffers } from '../index/network-index.js';
import type { OwnerProfile } from '../model/owner.js';

export type { OwnerProfile };

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

export interface ApiKeyRecord {
  /** SHA-256 of the token, hex; the token itself is never stored. */
  hash: string;
  role: 'admin' | 'owner' | 'contractor' | 'planner';
  owner: string | null;
  name: string | null;
  createdAt: string;
}

export interface Store {
  /** Every owner's newest stored version, by owner. */
  currentVersions(): NetworkVersionRecord[];
  /** The stored versions of an owner, newest first. */
  history(owner: string): NetworkVersionRecord[];
  /** An owner's stored snapshot (an index of that owner alone), in fresh SharedArrayBuffers. */
  loadSnapshot(owner: string, version: number): SnapshotBuffers;
  /**
   * Stores a new version of an owner's network and returns once it is durable; older versions
   * beyond the store's history length are dropped, and the audit entry written, in the same
   * transaction.
   */
  saveVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number, event?: AuditInput): NetworkVersionRecord;
  /** Removes an owner and all its versions (with the audit entry that says so, in one transaction). */
  removeOwner(owner: string, event?: AuditInput): void;

  /** Replaces an owner's interest areas (with the audit entry that says so, in one transaction). */
  putInterestAreas(owner: string, areas: unknown, event?: AuditInput): void;
  interestAreas(owner: string): unknown;
  /** Owners with registered interest areas, sorted. */
  interestAreaOwners(): string[];
  ownerProfile(owner: string): OwnerProfile | null;

  /**
   * Stores a dig request's package (already JSON: text, or its UTF-8 bytes) and its audit entry in one
   * transaction; resolves once both are durable. Requests arriving together may share one
   * transaction and one sync.
   */
  recordDigRequest(id: string, requester: string, body: string | Uint8Array, event: AuditInput): Promise<void>;
  digRequest(id: string): { requester: string; body: unknown; createdAt: string } | null;

  putApiKey(key: Omit<ApiKeyRecord, 'createdAt'>): void;
  findApiKey(hash: string): ApiKeyRecord | null;

  audit(event: AuditInput): void;
  auditLog(limit?: number): AuditEvent[];

  /** Schema version after the migrations that ran at open. */
  readonly schemaVersion: number;
  close(): void;
}

/** A store with what the HTTP service needs besides the engine's own: owner profiles and key management. */
export interface ServiceStore extends Store {
  /** Sets an owner's profile (creating the owner when it is new). */
  putOwnerProfile(profile: OwnerProfile): void;
  /** Every known owner's profile (owners with a network, interest areas or a profile), by owner. */
  ownerProfiles(): OwnerProfile[];
  /** Every API key (hashes, never tokens), oldest first. */
  listApiKeys(): ApiKeyRecord[];
  /** Removes a key; false when no key has this hash. */
  deleteApiKey(hash: string): boolean;
}
