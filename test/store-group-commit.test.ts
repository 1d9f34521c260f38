import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/sqlite.js';

const root = mkdtempSync(join(tmpdir(), 'ler-group-commit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const dir = (): string => join(root, String(dirs++));

const event = (id: string) => ({ actor: 'contractor-1', action: 'dig-request.create', owner: null, detail: { id } });

/** What another connection reads from the store's file: dig request ids, and audit entries' ids. */
function readBack(dataDir: string): { digs: string[]; audits: string[] } {
  const db = new Database(join(dataDir, 'ler.sqlite'), { readonly: true });
  try {
    const digs = (db.prepare('SELECT id FROM dig_requests ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    const audits = (db.prepare("SELECT detail FROM audit_log WHERE action = 'dig-request.create'").all() as { detail: string }[]).map((r) => (JSON.parse(r.detail) as { id: string }).id).sort();
    return { digs, audits };
  } finally {
    db.close();
  }
}

describe('dig requests written by group commit', () => {
  it('writes every request of a burst, each with its audit entry, in fewer transactions than requests', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d });
    const ids = Array.from({ length: 400 }, (_, i) => `dig-${String(i).padStart(3, '0')}`);
    await Promise.all(ids.map((id) => store.recordDigRequest(id, 'contractor-1', JSON.stringify({ id }), event(id))));
    const stats = store.groupCommits;
    expect(stats.records).toBe(800);
    expect(stats.commits).toBeGreaterThan(0);
    expect(stats.commits).toBeLessThan(400);
    // The store's own connection sees them at once, and so does another one.
    expect(await store.digRequest('dig-123')).toMatchObject({ requester: 'contractor-1', body: { id: 'dig-123' } });
    expect(readBack(d)).toEqual({ digs: ids, audits: ids });
    await store.close();
  });

  it('stores a package given as UTF-8 bytes as the text it encodes', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d });
    const body = { id: 'bytes', owners: [{ name: 'Ærø Fjernvarme A.m.b.a.', status: 'udtaget til påvisning - ledningsoplysninger udleveret' }] };
    await store.recordDigRequest('bytes', 'c', Buffer.from(JSON.stringify(body)), event('bytes'));
    expect((await store.digRequest('bytes'))?.body).toEqual(body);
    await store.close();
    const db = new Database(join(d, 'ler.sqlite'), { readonly: true });
    expect(db.prepare("SELECT typeof(body) AS t, body FROM dig_requests WHERE id = 'bytes'").get()).toEqual({ t: 'text', body: JSON.stringify(body) });
    db.close();
  });

  it('fails only the request whose record is refused; the rest of its group is written, and the writer goes on', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d });
    await store.recordDigRequest('first', 'c', '{}', event('first'));
    const results = await Promise.allSettled(['a', 'b', 'first', 'c', 'd'].map((id) => store.recordDigRequest(id, 'c', '{}', event(id))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(String((results[2] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    const before = store.groupCommits.commits;
    await store.recordDigRequest('e', 'c', '{}', event('e'));
    expect(store.groupCommits.commits).toBe(before + 1);
    expect(readBack(d)).toEqual({ digs: ['a', 'b', 'c', 'd', 'e', 'first'], audits: ['a', 'b', 'c', 'd', 'e', 'first'] });
    await store.close();
  });

  it('writes on its own connection when the writer thread cannot start', async () => {
    const d = dir();
    const store = new SqliteStore({ dataDir: d, writerFile: join(root, 'no-such-writer.js') });
    const ids = ['x1', 'x2', 'x3'];
    await Promise.all(ids.map((id) => store.recordDigRequest(id, 'c', '{}', event(id))));
    expect(store.groupCommits.commits).toBe(0);
    expect(readBack(d)).toEqual({ digs: ids, audits: ids });
    await store.close();
  });

  it('loses no acknowledged dig request when the process is killed while writing', async () => {
    const d = dir();
    const script = fileURLToPath(new URL('./helpers/dig-record-child.ts', import.meta.url));
    const proc = spawn(process.execPath, ['--import', 'tsx', script, 'run', d], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acknowledged: string[] = [];
    let buffered = '';
    let stderr = '';
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve, reject) => {
      proc.on('exit', () => reject(new Error(`the writer exited early: ${stderr}`)));
      proc.stdout.on('data', (b: Buffer) => {
        buffered += b.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('recorded ')) acknowledged.push(line.slice(9));
        if (acknowledged.length >= 1500) {
          proc.removeAllListeners('exit');
          proc.kill('SIGKILL');
          proc.on('exit', () => resolve());
        }
      });
    });
    const { digs, audits } = readBack(d);
    const stored = new Set(digs);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    // Every stored request has its audit entry: they commit together or not at all.
    expect(audits).toEqual(digs);
    // Requests in flight at the kill may or may not have landed; no more than were in flight.
    expect(digs.length - acknowledged.length).toBeLessThanOrEqual(32);
    const reopened = new SqliteStore({ dataDir: d });
    expect(await reopened.digRequest(acknowledged[acknowledged.length - 1])).not.toBeNull();
    await reopened.close();
  });
});
