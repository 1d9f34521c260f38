/**
 * Owners' network versions in PostgreSQL. A version is committed in one transaction: its snapshot
 * streamed into large objects first (holding no lock), then the owner claimed and its row locked,
 * the version row written, the versions past the history dropped with their large objects, the
 * audit entry written and the change announced to the other replicas. A crash or an error at any
 * point leaves the owner's versions as they were, and no large object behind.
 */
import { LerError } from '../errors.js';
import type { SnapshotBuffers } from '../index/network-index.js';
import { writeAudit } from './postgres-audit.js';
import type { PgDatabase, Sql } from './postgres-db.js';
import { notifyChange } from './postgres-listen.js';
import { checkSpelling, claimOwner } from './postgres-owners.js';
import { objectsOf, PARTS, readSnapshot, storedOf, unlinkObjects, writeSnapshot } from './postgres-snapshots.js';
import type { AuditInput, NetworkVersionRecord } from './store.js';

const RECORD_COLUMNS = 'owner, version, features, bytes, created_at';
const OBJECT_COLUMNS = PARTS.map((p) => `${p}_oid`).join(', ');

export class PgVersions {
  constructor(
    private readonly db: PgDatabase,
    /** Versions kept per owner, the current one included. */
    private readonly keep: number
  ) {}

  async currentVersions(): Promise<NetworkVersionRecord[]> {
    const r = await this.db.query(`SELECT DISTINCT ON (owner) ${RECORD_COLUMNS} FROM network_versions ORDER BY owner, version DESC`);
    return r.rows.map(versionOf);
  }

  async history(owner: string): Promise<NetworkVersionRecord[]> {
    const r = await this.db.query(`SELECT ${RECORD_COLUMNS} FROM network_versions WHERE owner = $1 ORDER BY version DESC`, [owner]);
    return r.rows.map(versionOf);
  }

  async loadSnapshot(owner: string, version: number): Promise<SnapshotBuffers> {
    return this.db.transaction(async (client) => {
      // One snapshot of the database: the version row and its large objects as of one moment, even
      // while another replica drops that version.
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const r = await client.query(`SELECT * FROM network_versions WHERE owner = $1 AND version = $2`, [owner, version]);
      if (r.rows.length === 0) throw new LerError('VERSION_GONE', { pointer: '/version' }, `${owner} version ${version} is not kept.`);
      return readSnapshot(client, storedOf(r.rows[0]), `${owner} version ${version}`);
    });
  }

  async commitVersion(owner: string, version: number, buffers: SnapshotBuffers, features: number, event?: AuditInput): Promise<NetworkVersionRecord> {
    const createdAt = new Date().toISOString();
    const bytes = PARTS.reduce((n, p) => n + buffers[p].byteLength, 0);
    await this.db.transaction(async (client) => {
      // Refused before the snapshot is sent, and again under the owner's lock below.
      await checkSpelling(client, owner);
      const exists = await client.query('SELECT 1 FROM network_versions WHERE owner = $1 AND version = $2', [owner, version]);
      if (exists.rows.length > 0) throw taken(owner, version);
      const stored = await writeSnapshot(client, buffers);
      await claimOwner(client, owner, createdAt);
      await client
        .query(
          `INSERT INTO network_versions (${RECORD_COLUMNS}, columns_oid, columns_bytes, chunks_oid, chunks_bytes, tree_oid, tree_bytes)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [owner, version, features, bytes, createdAt, stored.columns.oid, stored.columns.bytes, stored.chunks.oid, stored.chunks.bytes, stored.tree.oid, stored.tree.bytes]
        )
        .catch((error: unknown) => {
          // Another replica stored the same number meanwhile (the unique key decides).
          throw (error as { code?: unknown }).code === '23505' ? taken(owner, version) : error;
        });
      // History: the newest `keep` versions stay.
      const old = await client.query(
        `DELETE FROM network_versions WHERE owner = $1 AND version NOT IN (SELECT version FROM network_versions WHERE owner = $1 ORDER BY version DESC LIMIT $2)
         RETURNING ${OBJECT_COLUMNS}`,
        [owner, this.keep]
      );
      await unlinkObjects(client, objectsOf(old.rows));
      if (event !== undefined) await writeAudit(client, event, createdAt);
      await notifyChange(client, { kind: 'version', owner, version });
    });
    return { owner, version, features, bytes, createdAt };
  }

  /** Removes an owner: its versions with their large objects, interest areas and profile, in the caller's transaction. */
  async removeOwner(q: Sql, owner: string): Promise<void> {
    await q.query('SELECT 1 FROM owners WHERE owner = $1 FOR UPDATE', [owner]);
    const gone = await q.query(`DELETE FROM network_versions WHERE owner = $1 RETURNING ${OBJECT_COLUMNS}`, [owner]);
    await unlinkObjects(q, objectsOf(gone.rows));
    await q.query('DELETE FROM interest_areas WHERE owner = $1', [owner]);
    await q.query('DELETE FROM owners WHERE owner = $1', [owner]);
  }
}

function versionOf(r: Record<string, unknown>): NetworkVersionRecord {
  return { owner: String(r.owner), version: Number(r.version), features: Number(r.features), bytes: Number(r.bytes), createdAt: (r.created_at as Date).toISOString() };
}

/** The version number is stored already (by another replica, when it was not seen before): the caller numbers again. */
function taken(owner: string, version: number): LerError {
  return new LerError('VERSION_TAKEN', { pointer: '/version' }, `${owner} version ${version} is stored already.`);
}
