/**
 * The outbox's dispatcher and the overdue sweeper over a real store and a real receiver: retries
 * with growing, jittered delays; a delivery given up after its day, and an endpoint disabled once
 * every attempt has failed that long; a slow receiver holding one slot, never the others; missed
 * deadlines noticed once each.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookDispatcher, failureOutcome, retryDelay, type DispatcherSettings } from '../src/notify/dispatcher.js';
import { OverdueSweeper } from '../src/notify/overdue.js';
import { verifySignature } from '../src/notify/signature.js';
import { SqliteStore } from '../src/store/sqlite.js';
import type { ClaimedDelivery, InboxEntry, WebhookRecord } from '../src/store/store.js';
import { dataDir } from './helpers/http-app.js';

const dir = dataDir('notify-dispatcher');
afterAll(() => dir.remove());

const SETTINGS: DispatcherSettings = { allowPrivate: true, timeoutMs: 2000, concurrency: 4, retryBaseMs: 1000, giveUpSeconds: 86_400, pollMs: 20 };

function webhook(id: string, owner: string, url: string): WebhookRecord {
  return { id, createdBy: `key-${id}`, role: 'owner', owner, requester: null, url, events: ['dig-request.created', 'dig-request.overdue'], secret: `whsec_${id}`, createdAt: new Date().toISOString(), failingSince: null, disabledAt: null, disabledReason: null };
}

function entry(id: string, owner: string, deadline: string, type: InboxEntry['type'] = 'dig'): InboxEntry {
  return { id, owner, type, createdAt: new Date(Date.parse(deadline) - 7_200_000).toISOString(), deadline, status: 'udtaget til manuel behandling', conflicts: 0, answeredAt: null, overdueAt: null, revision: 1, validUntil: '2099-01-01T00:00:00.000Z', area: { type: 'Polygon', coordinates: [] } };
}

const audit = { actor: 't', action: 'test', owner: null, detail: {} };

async function receiver(handler: (path: string, body: string, headers: Record<string, string | string[] | undefined>) => Promise<number> | number): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void Promise.resolve(handler(req.url ?? '', Buffer.concat(chunks).toString('utf8'), req.headers)).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

async function until(pred: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('Timed out.');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('retry delays and giving up', () => {
  it('doubles the delay per attempt from the base, up to an hour, with a jitter of a half to the whole', () => {
    expect(retryDelay(1, 1000, () => 1)).toBe(1000);
    expect(retryDelay(1, 1000, () => 0)).toBe(500);
    expect(retryDelay(2, 1000, () => 1)).toBe(2000);
    expect(retryDelay(5, 1000, () => 1)).toBe(16_000);
    expect(retryDelay(40, 1000, () => 1)).toBe(3_600_000);
    expect(retryDelay(40, 1000, () => 0)).toBe(1_800_000);
  });

  it('retries a failed delivery, fails it after its day, and disables an endpoint whose every attempt failed for a day', () => {
    const now = new Date('2026-03-10T12:00:00.000Z');
    const d = (over: Partial<ClaimedDelivery>): ClaimedDelivery => ({ seq: 1, webhook: 'w', url: 'u', secret: 's', eventId: 'e', type: 'dig-request.created', body: '{}', createdAt: '2026-03-10T11:00:00.000Z', attempts: 2, failingSince: '2026-03-10T11:00:00.000Z', ...over });
    const failed = { ok: false, status: 500, error: 'status 500', ms: 3, response: '' };
    expect(failureOutcome(d({}), failed, now, SETTINGS, () => 1)).toEqual({ kind: 'retry', at: new Date(now.getTime() + 4000).toISOString() });
    expect(failureOutcome(d({ createdAt: '2026-03-09T11:59:59.000Z', failingSince: '2026-03-10T11:00:00.000Z' }), failed, now, SETTINGS)).toEqual({ kind: 'failed', disable: null });
    const disabled = failureOutcome(d({ failingSince: '2026-03-09T12:00:00.000Z' }), failed, now, SETTINGS);
    expect(disabled).toMatchObject({ kind: 'failed', disable: expect.stringContaining('status 500') });
  });
});

describe('the dispatcher', () => {
  it('delivers signed, retries what was refused, sends one at a time per endpoint, and a slow receiver holds only its own', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('dispatch') });
    const seen: { path: string; id: string; at: number }[] = [];
    let refuseFlaky = 2;
    let slowInFlight = 0;
    let slowMax = 0;
    let fastWhenSlowAnswered: number | null = null;
    const r = await receiver(async (path, body, headers) => {
      const event = JSON.parse(body) as { id: string };
      expect(verifySignature(headers['ler-signature'] as string, body, `whsec_${path.slice(1)}`)).toBe(true);
      seen.push({ path, id: event.id, at: Date.now() });
      if (path === '/flaky' && refuseFlaky-- > 0) return 500;
      if (path === '/slow') {
        slowMax = Math.max(slowMax, ++slowInFlight);
        // The slow endpoint's first delivery is held until the fast one has had all of its (5 s at most).
        if (fastWhenSlowAnswered === null) {
          await until(() => seen.filter((x) => x.path === '/fast').length === 5, 5000).catch(() => undefined);
          fastWhenSlowAnswered = seen.filter((x) => x.path === '/fast').length;
        } else await new Promise((res) => setTimeout(res, 20));
        slowInFlight--;
      }
      return 200;
    });
    const dispatcher = new WebhookDispatcher(store, { settings: { ...SETTINGS, retryBaseMs: 100 } });
    try {
      for (const id of ['flaky', 'slow', 'fast']) await store.createWebhook(webhook(id, id, `${r.url}/${id}`), audit);
      const events = (owner: string, n: number) => Array.from({ length: n }, (_, i) => {
        const id = `${owner}-${i}`;
        return { id, type: 'dig-request.created' as const, createdAt: new Date().toISOString(), priority: 0, owner, requester: null, body: JSON.stringify({ id, type: 'dig-request.created', data: { i } }) };
      });
      await store.recordDigRequest('r1', 'c', '{}', audit, { inbox: [], events: [...events('slow', 4), ...events('flaky', 3), ...events('fast', 5)] });
      dispatcher.start();
      await until(() => new Set(seen.map((s) => s.id)).size === 12 && seen.filter((s) => s.path === '/flaky').length === 5);
      await until(async () => (await store.deliveries('flaky', 10)).every((d) => d.status === 'delivered'));
      // In order per endpoint, one at a time.
      for (const path of ['/slow', '/fast']) expect(seen.filter((s) => s.path === path).map((s) => s.id)).toEqual(Array.from({ length: path === '/slow' ? 4 : 5 }, (_, i) => `${path.slice(1)}-${i}`));
      expect(seen.filter((s) => s.path === '/flaky').map((s) => s.id)).toEqual(['flaky-0', 'flaky-0', 'flaky-0', 'flaky-1', 'flaky-2']);
      expect(slowMax).toBe(1);
      // The fast endpoint did not wait for the slow one: all of it went while the slow one held its first.
      expect(fastWhenSlowAnswered).toBe(5);
      // Retries waited: the second attempt at least half the base after the first, the third half of twice it.
      const flaky = seen.filter((s) => s.id === 'flaky-0').map((s) => s.at);
      expect(flaky[1] - flaky[0]).toBeGreaterThanOrEqual(50);
      expect(flaky[2] - flaky[1]).toBeGreaterThanOrEqual(100);
      const first = (await store.deliveries('flaky', 10)).find((d) => d.eventId === 'flaky-0');
      expect(first).toMatchObject({ status: 'delivered', attempts: 3 });
      expect(first?.history.map((h) => h.status)).toEqual([500, 500, 200]);
      expect(await store.webhook('flaky')).toMatchObject({ failingSince: null, disabledAt: null });
    } finally {
      await dispatcher.stop();
      await r.close();
      await store.close();
    }
  });

  it('gives up after the day and disables an endpoint that failed all along, which then gets nothing more', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('give-up') });
    let hits = 0;
    const r = await receiver(() => {
      hits++;
      return 410;
    });
    // A clock that runs a day ahead at each attempt.
    let clock = Date.parse('2026-03-10T12:00:00.000Z');
    const dispatcher = new WebhookDispatcher(store, { settings: { ...SETTINGS, retryBaseMs: 10, giveUpSeconds: 3600 }, now: () => new Date((clock += 1_800_000)) });
    try {
      await store.createWebhook(webhook('dead', 'o', `${r.url}/dead`), audit);
      await store.recordDigRequest('r1', 'c', '{}', audit, { inbox: [], events: [{ id: 'e1', type: 'dig-request.created', createdAt: new Date(clock).toISOString(), priority: 0, owner: 'o', requester: null, body: '{}' }, { id: 'e2', type: 'dig-request.created', createdAt: new Date(clock).toISOString(), priority: 0, owner: 'o', requester: null, body: '{}' }] });
      dispatcher.start();
      await until(async () => (await store.webhook('dead'))?.disabledAt !== null);
      const hook = await store.webhook('dead');
      expect(hook?.disabledReason).toMatch(/Every attempt failed since .*status 410/);
      const deliveries = await store.deliveries('dead', 10);
      expect(deliveries.find((d) => d.eventId === 'e1')?.status).toBe('failed');
      const hitsThen = hits;
      await new Promise((res) => setTimeout(res, 200));
      expect(hits).toBe(hitsThen);
    } finally {
      await dispatcher.stop();
      await r.close();
      await store.close();
    }
  });
});

describe('the overdue sweeper', () => {
  it('notices each entry past its deadline unanswered once, emergencies first in the outbox', async () => {
    const store = new SqliteStore({ dataDir: dir.sub('overdue') });
    try {
      await store.createWebhook(webhook('o', 'owner-a', 'http://127.0.0.1:9/o'), audit);
      await store.recordDigRequest('late', 'c', '{}', audit, { inbox: [entry('late', 'owner-a', '2026-03-10T09:00:00.000Z')], events: [] });
      await store.recordDigRequest('urgent', 'c', '{}', audit, { inbox: [entry('urgent', 'owner-a', '2026-03-10T10:00:00.000Z', 'emergency')], events: [] });
      await store.recordDigRequest('future', 'c', '{}', audit, { inbox: [entry('future', 'owner-a', '2026-03-10T13:00:00.000Z')], events: [] });
      const now = () => new Date('2026-03-10T12:00:00.000Z');
      const a = new OverdueSweeper(store, { everyMs: 60_000, now });
      const b = new OverdueSweeper(store, { everyMs: 60_000, now });
      expect((await Promise.all([a.sweep(), b.sweep()])).reduce((x, y) => x + y, 0)).toBe(2);
      expect(await a.sweep()).toBe(0);
      const deliveries = await store.deliveries('o', 10);
      expect(deliveries.map((d) => (JSON.parse(d.body) as { data: { id: string } }).data.id).sort()).toEqual(['late', 'urgent']);
      expect(deliveries.find((d) => d.priority === 1)).toMatchObject({ type: 'dig-request.overdue' });
      expect(JSON.parse(deliveries[0].body)).toMatchObject({ type: 'dig-request.overdue', data: { owner: 'owner-a', overdue: true, answered: false } });
      const [claimed] = await store.claimDeliveries('2026-03-10T12:00:00.000Z', 10, 1000);
      expect((JSON.parse(claimed.body) as { data: { id: string } }).data.id).toBe('urgent');
      expect(await store.inboxEntry('late', 'owner-a')).toMatchObject({ overdueAt: '2026-03-10T12:00:00.000Z' });
      expect(await store.inboxEntry('future', 'owner-a')).toMatchObject({ overdueAt: null });
    } finally {
      await store.close();
    }
  });
});
