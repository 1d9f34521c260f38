/**
 * The audit log in PostgreSQL: an entry is written in the transaction of the change it records
 * (the caller's), stamped with this process's clock as the SQLite store does; read newest first.
 */
import type { Sql } from './postgres-db.js';
import type { AuditEvent, AuditInput } from './store.js';

export async function writeAudit(q: Sql, event: AuditInput, at = new Date().toISOString()): Promise<void> {
  await q.query('INSERT INTO audit_log (at, actor, action, owner, detail) VALUES ($1, $2, $3, $4, $5)', [at, event.actor, event.action, event.owner, JSON.stringify(event.detail)]);
}

export async function readAuditLog(q: Sql, limit: number): Promise<AuditEvent[]> {
  const r = await q.query<{ at: Date; actor: string; action: string; owner: string | null; detail: Record<string, unknown> }>(
    'SELECT at, actor, action, owner, detail FROM audit_log ORDER BY id DESC LIMIT $1',
    [limit]
  );
  return r.rows.map((e) => ({ at: e.at.toISOString(), actor: e.actor, action: e.action, owner: e.owner, detail: e.detail }));
}
