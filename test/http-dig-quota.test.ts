/**
 * The daily quota of dig requests per contractor key: 429 QUOTA_DIG_REQUESTS with Retry-After to
 * the next day (UTC) past it, refused requests not counted, other keys and admins untouched, and
 * the count kept across a restart (read from the store).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DigQuota } from '../src/http/dig-quota.js';
import { ADMIN_TOKEN, dataDir, problemOf, rect, testApp } from './helpers/http-app.js';

const dir = dataDir('quota');
afterAll(() => dir.remove());

const PER_DAY = 3;
const DIG = { geometry: rect(585160, 6139405, 585190, 6139430), crs: 'EPSG:25832' };
const DAY_MS = 86_400_000;

describe('dig requests per contractor per day', () => {
  it('answers 429 QUOTA_DIG_REQUESTS with Retry-After past the quota, per key, and keeps the count across a restart', async () => {
    const data = dir.sub('app');
    const config = { limits: { digRequestsPerDay: PER_DAY } };
    let t = await testApp(data, { config });
    let contractor: string;
    let other: string;
    try {
      contractor = await t.key('contractor');
      other = await t.key('contractor');
      const dig = (token: string, payload: Record<string, unknown> = DIG) => t.as(token, { method: 'POST', url: '/v1/dig-requests', payload });
      // A refused request is not stored, and does not count.
      expect((await dig(contractor, { geometry: { type: 'Point', coordinates: [10, 55] } })).statusCode).toBe(422);
      for (let i = 0; i < PER_DAY; i++) expect((await dig(contractor)).statusCode).toBe(201);
      const past = await dig(contractor);
      expect(past.statusCode).toBe(429);
      const p = problemOf(past);
      expect(p.code).toBe('QUOTA_DIG_REQUESTS');
      expect(p.detail).toContain(`At most ${PER_DAY} dig requests`);
      // Retry-After: the seconds until the next day (UTC) starts, when a request is free again.
      const now = Date.now();
      const toMidnight = Math.ceil((Math.floor(now / DAY_MS) * DAY_MS + DAY_MS - now) / 1000);
      expect(Math.abs(Number(past.headers['retry-after']) - toMidnight)).toBeLessThanOrEqual(5);
      // Another contractor, and admins, are not held by it; a refused request stored nothing.
      expect((await dig(other)).statusCode).toBe(201);
      for (let i = 0; i < PER_DAY + 1; i++) expect((await dig(ADMIN_TOKEN)).statusCode).toBe(201);
      const id = (await t.as(contractor, { method: 'GET', url: '/v1/me' })).json<{ id: string }>().id;
      expect(await t.store.countDigRequests(id, new Date(now - DAY_MS).toISOString())).toBe(PER_DAY);
    } finally {
      await t.close();
    }
    // After a restart the store's count holds: still no request left today.
    t = await testApp(data, { config });
    try {
      const again = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: DIG });
      expect(again.statusCode).toBe(429);
      expect(problemOf(again).code).toBe('QUOTA_DIG_REQUESTS');
      expect((await t.as(other, { method: 'POST', url: '/v1/dig-requests', payload: DIG })).statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });

  it('counts a calendar day (UTC): seeded once from the store, Retry-After to midnight, a new day starts again', async () => {
    let now = Date.parse('2026-03-01T23:00:00.000Z');
    const asked: string[] = [];
    const quota = new DigQuota(async (requester, since) => {
      asked.push(`${requester} ${since}`);
      return requester === 'busy' ? 2 : 0;
    }, 3, () => now);
    const release = await quota.take('busy');
    let refused: unknown = null;
    try {
      await quota.take('busy');
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: 'QUOTA_DIG_REQUESTS', headers: { 'retry-after': '3600' } });
    // A refused dig request gives its place back.
    release();
    release();
    await expect(quota.take('busy')).resolves.toBeTypeOf('function');
    await expect(quota.take('busy')).rejects.toThrow(/QUOTA_DIG_REQUESTS/);
    // The store is asked once per key and day, not per request.
    expect(asked).toEqual(['busy 2026-03-01T00:00:00.000Z']);
    now = Date.parse('2026-03-02T00:00:00.500Z');
    await expect(quota.take('busy')).resolves.toBeTypeOf('function');
    expect(asked).toEqual(['busy 2026-03-01T00:00:00.000Z', 'busy 2026-03-02T00:00:00.000Z']);
  });
});
