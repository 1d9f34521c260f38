/**
 * The durable store behind the engine: owners' network versions with their packed snapshots,
 * interest areas, dig requests and their packages, API keys (hashed) and an audit log. Small on
 * purpose, so that a PostgreSQL implementation can follow the embedded SQLite one.
 */
import type { SnapshotBuffers } from '../index/network-index.js';

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
   * beyond the store's history length are dropped in the same transaction.
   */
  saveVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number): NetworkVersionRecord;
  /** Removes an owner and all its versions. */
  removeOwner(owner: string): void;

  putInterestAreas(owner: string, areas: unknown): void;
  interestAreas(owner: string): unknown;

  saveDigRequest(id: string, requester: string, body: unknown): void;
  digRequest(id: string): { requester: string; body: unknown; createdAt: string } | null;

  putApiKey(key: Omit<ApiKeyRecord, 'createdAt'>): void;
  findApiKey(hash: string): ApiKeyRecord | null;

  audit(event: Omit<AuditEvent, 'at'>): void;
  auditLog(limit?: number): AuditEvent[];

  /** Schema version after the migrations that ran at open. */
  readonly schemaVersion: number;
  close(): void;
}
