/**
 * Retention: dig requests (and their kept maps) older than the retention period are pruned, in
 * bounded batches, by the store, by the running service at start and then daily, and by
 * `ler prune`; a pruned request answers 404 DIG_REQUEST_UNKNOWN. Old requests are made by moving
 * stored requests' times back, as years would.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RetentionRunner } from '../src/http/retention.js';
import type { Package } from '../src/package/types.js';
import { DEFAULT_RETENTION_DAYS, pruneAll, pruneAudit, retentionCutoff } from '../src/store/retention.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { runCli } from './helpers/cli-run.js';
import { ADMIN_TOKEN, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('retention');
afterAll(() => dir.remove());
afterEach(() => {
  vi.useRealTimers();
});

const DAY_MS = 86_400_000;
const DIG = { geometry: rect(585160, 6139405, 585190, 6139430), crs: 'EPSG:25832' };

/** Moves stored dig requests' times back by `days`, as if they had been made then. */
function age(data: string, ids: string[], days: number): void {
  const db = new Database(join(data, 'ler.sqlite'));
  try {
    const update = db.prepare('UPDATE dig_requests SET created_at = ? WHERE id = ?');
    for (const id of ids) update.run(new Date(Date.now() - days * DAY_MS).toISOString(), id);
  } finally {
    db.close();
  }
}

async function record(store: SqliteStore, id: string): Promise<void> {
  await store.recordDigRequest(id, 'contractor-1', JSON.stringify({ id }), { actor: 'contractor-1', action: 'dig-request.create', owner: null, detail: { id } });
}

describe('the store prunes in bounded batches', () => {
  it('removes the oldest requests made before the cutoff, with their maps, at most a batch per call', async () => {
    const data = dir.sub('store');
    const store = new SqliteStore({ dataDir: data });
    try {
      const old = ['o1', 'o2', 'o3', 'o4', 'o5'];
      for (const id of [...old, 'n1', 'n2']) await record(store, id);
      await store.putPackagePicture('o1', 'png', Buffer.from('old map'), '"png-old"');
      await store.putPackagePicture('n1', 'svg', Buffer.from('<svg/>'), '"svg-new"');
      age(data, old, DEFAULT_RETENTION_DAYS + 1);
      const cutoff = retentionCutoff(new Date(), DEFAULT_RETENTION_DAYS);
      expect(await store.pruneDigRequests(cutoff, 2)).toEqual({ requests: 2, pictures: 1 });
      expect(await store.pruneDigRequests(cutoff, 2)).toEqual({ requests: 2, pictures: 0 });
      expect(await pruneAll(store, cutoff, pruneAudit('test', cutoff, DEFAULT_RETENTION_DAYS), 2)).toEqual({ before: cutoff, requests: 1, pictures: 0 });
      // The batch that removed something wrote its audit entry with it; the empty one none.
      expect((await store.auditLog(10)).filter((e) => e.action === 'dig-request.prune')).toEqual([expect.objectContaining({ actor: 'test', detail: { before: cutoff, retentionDays: DEFAULT_RETENTION_DAYS, requests: 1, pictures: 0 } })]);
      expect(await store.pruneDigRequests(cutoff, 2)).toEqual({ requests: 0, pictures: 0 });
      for (const id of old) expect(await store.digRequest(id)).toBeNull();
      expect(await store.packagePicture('o1', 'png')).toBeNull();
      expect(await store.digRequest('n1')).not.toBeNull();
      expect(await store.packagePicture('n1', 'svg')).toMatchObject({ requester: 'contractor-1', etag: '"svg-new"' });
      // A map is not kept for a request that is gone.
      await store.putPackagePicture('o2', 'png', Buffer.from('late'), '"png-late"');
      expect(await store.packagePicture('o2', 'png')).toBeNull();
    } finally {
      await store.close();
    }
  });

  it('cuts off at the retention, in whole days (1826: five years with one leap day)', () => {
    expect(retentionCutoff(new Date('2026-12-03T12:00:00.000Z'), 1826)).toBe('2021-12-03T12:00:00.000Z');
    expect(() => retentionCutoff(new Date(), 0)).toThrow(RangeError);
  });
});

describe('the service prunes', () => {
  it('at start: a request past its retention answers 404, with its map gone; the rest stay; the audit says so', async () => {
    const data = dir.sub('service');
    let t: TestApp = await testApp(data);
    let contractor: string;
    let old: string;
    let young: string;
    try {
      contractor = await t.key('contractor');
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        const res = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: DIG });
        expect(res.statusCode).toBe(201);
        ids.push(res.json<Package>().id);
      }
      [old, young] = ids;
      expect((await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${old}/map.png` })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
    age(data, [old], DEFAULT_RETENTION_DAYS + 1);
    age(data, [young], DEFAULT_RETENTION_DAYS - 1);
    t = await testApp(data);
    try {
      await t.app.ready();
      expect(await t.app.retention.settled()).toMatchObject({ requests: 1, pictures: 1 });
      for (const url of [`/v1/dig-requests/${old}`, `/v1/dig-requests/${old}/map.png`, `/v1/dig-requests/${old}/package.geojson`]) {
        const res = await t.as(contractor, { method: 'GET', url });
        expect(res.statusCode, url).toBe(404);
        expect(problemOf(res).code).toBe('DIG_REQUEST_UNKNOWN');
      }
      expect(await t.store.packagePicture(old, 'png')).toBeNull();
      expect((await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${young}` })).statusCode).toBe(200);
      const audit = (await t.store.auditLog(20)).find((e) => e.action === 'dig-request.prune');
      expect(audit).toMatchObject({ actor: 'retention', detail: { requests: 1, pictures: 1, retentionDays: DEFAULT_RETENTION_DAYS } });
    } finally {
      await t.close();
    }
    // A shorter retention prunes more.
    t = await testApp(data, { config: { retentionDays: 30 } });
    try {
      await t.app.ready();
      expect(await t.app.retention.settled()).toMatchObject({ requests: 1 });
      expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/dig-requests/${young}` })).statusCode).toBe(404);
    } finally {
      await t.close();
    }
  });

  it('then daily, in batches, until stopped', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date('2026-06-01T00:00:00.000Z'));
    const calls: [string, number][] = [];
    const deliveryCalls: [string, number][] = [];
    let left = 5;
    const audits: unknown[] = [];
    const store = {
      async pruneDigRequests(before: string, limit: number, event?: unknown) {
        calls.push([before, limit]);
        const n = Math.min(limit, left);
        left -= n;
        // The audit entry goes with each batch that removed something, in its transaction.
        if (n > 0) audits.push(event);
        return { requests: n, pictures: 0 };
      },
      async pruneDeliveries(before: string, limit: number) {
        deliveryCalls.push([before, limit]);
        return 0;
      }
    };
    const runner = new RetentionRunner(store, { days: 10, batch: 2 });
    runner.start();
    expect(await runner.settled()).toEqual({ before: '2026-05-22T00:00:00.000Z', requests: 5, pictures: 0 });
    // Batches of at most 2: 2, 2, 1.
    expect(calls.map(([, limit]) => limit)).toEqual([2, 2, 2]);
    expect(audits).toHaveLength(3);
    // Webhook deliveries that ended more than 30 days ago go too.
    expect(deliveryCalls).toEqual([['2026-05-02T00:00:00.000Z', 40]]);
    expect(audits[0]).toMatchObject({ actor: 'retention', action: 'dig-request.prune', detail: { before: '2026-05-22T00:00:00.000Z', retentionDays: 10 } });
    left = 1;
    await vi.advanceTimersByTimeAsync(DAY_MS);
    expect(await runner.settled()).toEqual({ before: '2026-05-23T00:00:00.000Z', requests: 1, pictures: 0 });
    expect(calls).toHaveLength(4);
    await runner.stop();
    await vi.advanceTimersByTimeAsync(3 * DAY_MS);
    expect(calls).toHaveLength(4);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ler prune', () => {
  it('removes what has passed the retention and says how much', async () => {
    const data = dir.sub('cli');
    const store = new SqliteStore({ dataDir: data });
    try {
      for (const id of ['a', 'b', 'c']) await record(store, id);
      await store.putPackagePicture('a', 'png', Buffer.from('map'), '"png-a"');
    } finally {
      await store.close();
    }
    age(data, ['a', 'b'], 40);
    const r = await runCli(['prune', '--data-dir', data, '--retention-days', '30']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^removed 2 dig requests made before \d{4}-\d\d-\d\dT[\d:.]+Z \(retention 30 days\), with 1 kept map\n$/);
    const after = new SqliteStore({ dataDir: data });
    try {
      expect(await after.digRequest('a')).toBeNull();
      expect(await after.digRequest('b')).toBeNull();
      expect(await after.digRequest('c')).not.toBeNull();
      expect((await after.auditLog(5)).find((e) => e.action === 'dig-request.prune')).toMatchObject({ actor: 'cli', detail: { requests: 2, pictures: 1, retentionDays: 30 } });
    } finally {
      await after.close();
    }
    // The default keeps five years: nothing more goes.
    const again = await runCli(['prune', '--data-dir', data]);
    expect(again.stdout).toContain(`removed 0 dig requests made before`);
    expect(again.stdout).toContain(`(retention ${DEFAULT_RETENTION_DAYS} days)`);
    const bad = await runCli(['prune', '--data-dir', data, '--retention-days', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--retention-days');
  });
});
