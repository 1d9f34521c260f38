/**
 * Dig requests in PostgreSQL: each package with its audit entry in one transaction, requests that
 * arrive while one is being committed committed together in the next (one commit, one WAL flush
 * for the group); if a group fails for anything but an outage, its requests are written one by one
 * so that one bad request fails alone. A request's inbox entries and events are written in its
 * transaction, one statement each for the whole group (postgres-conversation.ts). Also the
 * retention's pruning and the packages' kept maps.
 */
import { LerError } from '../errors.js';
import { writeAudit } from './postgres-audit.js';
import { fanOut, insertInbox } from './postgres-conversation.js';
import type { PgDatabase, Sql } from './postgres-db.js';
import type { AuditInput, DigNotice, PictureKind } from './store.js';

/** Requests per group transaction at most. */
const MAX_GROUP = 64;

interface Pending {
  id: string;
  requester: string;
  body: string | Uint8Array;
  event: AuditInput;
  notice: DigNotice | undefined;
  at: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class PgDigRequests {
  private readonly queue: Pending[] = [];
  /** The flush under way: it runs until the queue is empty. */
  private flushing: Promise<void> | null = null;
  /** Group transactions committed, and the requests in them. */
  commits = 0;
  records = 0;

  constructor(private readonly db: PgDatabase) {}

  record(id: string, requester: string, body: string | Uint8Array, event: AuditInput, notice?: DigNotice): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id, requester, body, event, notice, at: new Date().toISOString(), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Resolves once every request recorded so far is committed (or failed). */
  async drain(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, MAX_GROUP);
        try {
          await this.db.transaction((client) => insertGroup(client, group));
          this.commits++;
          this.records += group.length;
          for (const p of group) p.resolve();
        } catch (error) {
          if (group.length === 1 || (error instanceof LerError && error.code === 'STORE_UNAVAILABLE')) {
            for (const p of group) p.reject(error);
            continue;
          }
          for (const p of group) {
            try {
              await this.db.transaction((client) => insert(client, p));
              this.commits++;
              this.records++;
              p.resolve();
            } catch (alone) {
              p.reject(alone);
            }
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  async count(requester: string, since: string): Promise<number> {
    const r = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM dig_requests WHERE requester = $1 AND created_at >= $2', [requester, since]);
    return Number(r.rows[0].n);
  }

  /**
   * Removes at most `limit` of the oldest requests made before a time, with their maps, revisions,
   * inbox entries and the audit entry (none when nothing was removed), in one transaction. Rows another replica is
   * pruning at the same moment are skipped, not waited for.
   */
  async prune(before: string, limit: number, event?: AuditInput): Promise<{ requests: number; pictures: number }> {
    return this.db.transaction(async (client) => {
      const rows = await client.query<{ id: string }>('SELECT id FROM dig_requests WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED', [before, limit]);
      const ids = rows.rows.map((r) => r.id);
      if (ids.length === 0) return { requests: 0, pictures: 0 };
      const pictures = (await client.query('DELETE FROM package_pictures WHERE id = ANY($1::text[])', [ids])).rowCount ?? 0;
      await client.query('DELETE FROM dig_request_revisions WHERE id = ANY($1::text[])', [ids]);
      await client.query('DELETE FROM inbox WHERE id = ANY($1::text[])', [ids]);
      await client.query('DELETE FROM dig_requests WHERE id = ANY($1::text[])', [ids]);
      if (event !== undefined) await writeAudit(client, { ...event, detail: { ...event.detail, requests: ids.length, pictures } });
      return { requests: ids.length, pictures };
    });
  }

  async picture(id: string, kind: PictureKind): Promise<{ requester: string; body: Buffer; etag: string } | null> {
    const r = await this.db.query<{ requester: string; body: Buffer; etag: string }>(
      'SELECT d.requester, p.body, p.etag FROM package_pictures p JOIN dig_requests d ON d.id = p.id WHERE p.id = $1 AND p.kind = $2',
      [id, kind]
    );
    return r.rows[0] ?? null;
  }

  /** Keeps a map with its request; none for a request that is gone (or going: pruned meanwhile). */
  async putPicture(id: string, kind: PictureKind, body: Uint8Array, etag: string): Promise<void> {
    try {
      await this.db.query(
        `INSERT INTO package_pictures (id, kind, body, etag, created_at) SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM dig_requests WHERE id = $1)
         ON CONFLICT (id, kind) DO NOTHING`,
        [id, kind, body, etag, new Date().toISOString()]
      );
    } catch (error) {
      // foreign_key_violation: the request was pruned between the check and the insert.
      if ((error as { code?: unknown }).code !== '23503') throw error;
    }
  }
}

/**
 * A group's requests and their audit entries, in two statements whatever the group's size (two
 * round trips, not two per request); then their inbox entries and events, one more each when any.
 */
async function insertGroup(q: Sql, group: readonly Pending[]): Promise<void> {
  const text = (body: string | Uint8Array): string => (typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  await q.query('INSERT INTO dig_requests (id, requester, body, created_at) SELECT * FROM unnest($1::text[], $2::text[], $3::json[], $4::timestamptz[])', [
    group.map((p) => p.id),
    group.map((p) => p.requester),
    group.map((p) => text(p.body)),
    group.map((p) => p.at)
  ]);
  await q.query('INSERT INTO audit_log (at, actor, action, owner, detail) SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::json[])', [
    group.map((p) => p.at),
    group.map((p) => p.event.actor),
    group.map((p) => p.event.action),
    group.map((p) => p.event.owner),
    group.map((p) => JSON.stringify(p.event.detail))
  ]);
  await insertNotices(q, group);
}

async function insertNotices(q: Sql, group: readonly Pending[]): Promise<void> {
  await insertInbox(q, group.flatMap((p) => p.notice?.inbox ?? []));
  await fanOut(q, group.flatMap((p) => p.notice?.events ?? []));
}

async function insert(q: Sql, p: Pending): Promise<void> {
  await q.query('INSERT INTO dig_requests (id, requester, body, created_at) VALUES ($1, $2, $3, $4)', [p.id, p.requester, p.body, p.at]);
  await writeAudit(q, p.event, p.at);
  await insertNotices(q, [p]);
}
