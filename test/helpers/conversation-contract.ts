/**
 * The store contract's part for the conversation (src/store/conversation.ts): inbox entries,
 * package revisions, webhooks and the outbox of deliveries. Declared inside `storeContract`, so it
 * runs on every store.
 */
import { describe, expect, it } from 'vitest';
import type { AuditInput, DeliveryAttempt, InboxEntry, OutboxEvent, ServiceStore, WebhookRecord } from '../../src/store/store.js';

interface Session {
  readonly store: ServiceStore;
  reopen: () => Promise<ServiceStore>;
  refuseAudit: () => Promise<void>;
  allowAudit: () => Promise<void>;
}

type WithStore = (history: number, fn: (s: Session) => Promise<void>) => Promise<void>;

const T0 = Date.parse('2026-03-10T09:00:00.000Z');
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

const audit = (action: string, detail: Record<string, unknown> = {}): AuditInput => ({ actor: 'tester', action, owner: null, detail });

function entry(id: string, owner: string, minutes: number, over: Partial<InboxEntry> = {}): InboxEntry {
  return {
    id,
    owner,
    type: 'dig',
    createdAt: at(minutes),
    deadline: at(minutes + 120),
    status: 'udtaget til manuel behandling',
    conflicts: 0,
    answeredAt: null,
    overdueAt: null,
    revision: 1,
    validUntil: at(minutes + 60 * 24 * 30),
    area: { type: 'Polygon', coordinates: [[[12, 55], [12.001, 55], [12.001, 55.001], [12, 55]]] },
    ...over
  };
}

function event(type: OutboxEvent['type'], who: { owner?: string; requester?: string }, n: number, priority = 0): OutboxEvent {
  const id = `ev-${type}-${n}`;
  return { id, type, createdAt: at(n), priority, owner: who.owner ?? null, requester: who.requester ?? null, body: JSON.stringify({ id, type, createdAt: at(n), data: { n } }) };
}

function webhook(id: string, over: Partial<WebhookRecord>): WebhookRecord {
  return {
    id,
    createdBy: `key-${id}`,
    role: 'owner',
    owner: null,
    requester: null,
    url: `http://127.0.0.1:9/${id}`,
    events: ['dig-request.created', 'dig-request.overdue'],
    secret: `whsec_${id}`,
    createdAt: at(0),
    failingSince: null,
    disabledAt: null,
    disabledReason: null,
    ...over
  };
}

const attempt = (minutes: number, status: number | null, error: string | null = null): DeliveryAttempt => ({ at: at(minutes), status, error, ms: 12, response: status === null ? '' : `answer ${status}` });

async function record(store: ServiceStore, id: string, requester: string, minutes: number, owners: string[], events: OutboxEvent[] = []): Promise<void> {
  await store.recordDigRequest(id, requester, JSON.stringify({ id, revision: 1 }), audit('dig-request.create', { id }), { inbox: owners.map((o) => entry(id, o, minutes)), events });
}

/** Every delivery of a webhook, oldest first. */
async function deliveredTo(store: ServiceStore, hook: string): Promise<string[]> {
  return (await store.deliveries(hook, 100)).map((d) => d.eventId).reverse();
}

export function conversationContract(withStore: WithStore): void {
  describe('the conversation', () => {
    it('records a dig request with its owners\' inbox entries, and gives each event to the webhooks that take it', async () => {
      await withStore(5, async ({ store }) => {
        await store.createWebhook(webhook('own-a', { owner: 'a' }), audit('webhook.create'));
        await store.createWebhook(webhook('own-b', { owner: 'b' }), audit('webhook.create'));
        await store.createWebhook(webhook('req-c', { role: 'contractor', requester: 'c1', events: ['dig-request.answered'] }), audit('webhook.create'));
        await store.createWebhook(webhook('admin-all', { role: 'admin', events: ['dig-request.created', 'dig-request.answered', 'dig-request.overdue'] }), audit('webhook.create'));
        await store.createWebhook(webhook('admin-a-answered', { role: 'admin', owner: 'a', events: ['dig-request.answered'] }), audit('webhook.create'));
        await store.createWebhook(webhook('own-a-off', { owner: 'a', disabledAt: at(0), disabledReason: 'off' }), audit('webhook.create'));

        await record(store, 'r1', 'c1', 1, ['a', 'b'], [event('dig-request.created', { owner: 'a' }, 1), event('dig-request.created', { owner: 'b' }, 2)]);
        expect(await store.inboxEntry('r1', 'a')).toEqual(entry('r1', 'a', 1));
        expect(await store.inboxEntry('r1', 'b')).toEqual(entry('r1', 'b', 1));
        expect(await store.inboxEntry('r1', 'z')).toBeNull();
        expect(await store.digRequest('r1')).toMatchObject({ requester: 'c1', body: { id: 'r1' }, revision: 1 });

        expect(await deliveredTo(store, 'own-a')).toEqual(['ev-dig-request.created-1']);
        expect(await deliveredTo(store, 'own-b')).toEqual(['ev-dig-request.created-2']);
        expect(await deliveredTo(store, 'admin-all')).toEqual(['ev-dig-request.created-1', 'ev-dig-request.created-2']);
        expect(await deliveredTo(store, 'req-c')).toEqual([]);
        expect(await deliveredTo(store, 'admin-a-answered')).toEqual([]);
        expect(await deliveredTo(store, 'own-a-off')).toEqual([]);
        const [d] = await store.deliveries('own-a', 10);
        expect(d).toMatchObject({ webhook: 'own-a', type: 'dig-request.created', priority: 0, status: 'pending', attempts: 0, deliveredAt: null, history: [] });
        expect(JSON.parse(d.body)).toEqual({ id: 'ev-dig-request.created-1', type: 'dig-request.created', createdAt: at(1), data: { n: 1 } });

        // An answer's event goes to the requester's webhooks and to those of admins for that owner.
        expect(await store.reviseDigRequest('r1', 2, JSON.stringify({ id: 'r1', revision: 2 }), { owner: 'a', status: 'ledningsoplysninger udleveret', conflicts: 1, answeredAt: at(5) }, audit('dig-request.answer'), [event('dig-request.answered', { owner: 'a', requester: 'c1' }, 5)])).toBe(true);
        expect(await deliveredTo(store, 'req-c')).toEqual(['ev-dig-request.answered-5']);
        expect(await deliveredTo(store, 'admin-a-answered')).toEqual(['ev-dig-request.answered-5']);
        expect(await deliveredTo(store, 'own-a')).toEqual(['ev-dig-request.created-1']);
        expect(await deliveredTo(store, 'admin-all')).toHaveLength(3);

        // A deleted webhook goes with its deliveries.
        expect((await store.webhooks(null)).map((w) => w.id)).toEqual(['admin-a-answered', 'admin-all', 'own-a', 'own-a-off', 'own-b', 'req-c']);
        expect((await store.webhooks('key-own-a')).map((w) => w.id)).toEqual(['own-a']);
        expect(await store.webhook('own-b')).toEqual(webhook('own-b', { owner: 'b' }));
        expect(await store.deleteWebhook('own-b', audit('webhook.delete'))).toBe(true);
        expect(await store.deleteWebhook('own-b', audit('webhook.delete'))).toBe(false);
        expect(await store.webhook('own-b')).toBeNull();
        expect(await store.deliveries('own-b', 10)).toEqual([]);
        expect((await store.auditLog(50)).filter((e) => e.action === 'webhook.delete')).toHaveLength(1);
      });
    });

    it('lists an owner\'s inbox newest first, page by page, by type, answered or not, and overdue at a time', async () => {
      await withStore(5, async ({ store }) => {
        for (let i = 0; i < 7; i++) {
          await store.recordDigRequest(`q${i}`, 'c', JSON.stringify({ id: `q${i}` }), audit('dig-request.create'), { inbox: [entry(`q${i}`, 'a', i * 60, { type: i % 3 === 0 ? 'emergency' : 'dig', answeredAt: i % 2 === 0 ? at(i * 60) : null })], events: [] });
        }
        await record(store, 'other', 'c', 1000, ['b']);
        const ids = async (q: Partial<Parameters<ServiceStore['inbox']>[1]>): Promise<string[]> => (await store.inbox('a', { limit: 100, now: at(0), ...q })).entries.map((e) => e.id);
        expect(await ids({})).toEqual(['q6', 'q5', 'q4', 'q3', 'q2', 'q1', 'q0']);
        const first = await store.inbox('a', { limit: 3, now: at(0) });
        expect(first.entries.map((e) => e.id)).toEqual(['q6', 'q5', 'q4']);
        expect(first.next).not.toBeNull();
        const second = await store.inbox('a', { limit: 3, now: at(0), after: first.next as string });
        expect(second.entries.map((e) => e.id)).toEqual(['q3', 'q2', 'q1']);
        const third = await store.inbox('a', { limit: 3, now: at(0), after: second.next as string });
        expect(third).toEqual({ entries: [expect.objectContaining({ id: 'q0' })], next: null });
        expect(await store.inbox('a', { limit: 3, now: at(0), after: 'not a cursor' })).toEqual({ entries: [], next: null });
        expect(await ids({ type: 'emergency' })).toEqual(['q6', 'q3', 'q0']);
        expect(await ids({ status: 'open' })).toEqual(['q5', 'q3', 'q1']);
        expect(await ids({ status: 'answered' })).toEqual(['q6', 'q4', 'q2', 'q0']);
        // Deadlines: 120 minutes after each; at minute 300, q1 (due 180) and q3 (due 300: not before) ...
        expect(await ids({ overdue: true, now: at(300) })).toEqual(['q1']);
        expect(await ids({ overdue: true, now: at(301) })).toEqual(['q3', 'q1']);
        expect(await ids({ overdue: false, now: at(301) })).toEqual(['q6', 'q5', 'q4', 'q2', 'q0']);
        expect((await store.inbox('b', { limit: 10, now: at(0) })).entries.map((e) => e.id)).toEqual(['other']);
      });
    });

    it('stores a new revision only over the one before it, with the inbox, the audit entry and the events in one transaction; older revisions stay readable', async () => {
      await withStore(5, async (s) => {
        const { store } = s;
        await store.createWebhook(webhook('req', { role: 'contractor', requester: 'c1', events: ['dig-request.answered'] }), audit('webhook.create'));
        await record(store, 'r', 'c1', 0, ['a', 'b']);
        const update = { owner: 'a', status: 'ledningsoplysninger udleveret', conflicts: 2, answeredAt: at(10) };
        // Not over revision 1: refused, nothing written.
        expect(await store.reviseDigRequest('r', 3, '{"v":3}', update, audit('dig-request.answer'), [event('dig-request.answered', { requester: 'c1' }, 3)])).toBe(false);
        expect(await store.reviseDigRequest('missing', 2, '{}', update, audit('dig-request.answer'), [])).toBe(false);
        expect(await deliveredTo(store, 'req')).toEqual([]);
        // A refused audit entry takes the revision and the events with it.
        await s.refuseAudit();
        await expect(store.reviseDigRequest('r', 2, '{"v":2}', update, audit('dig-request.answer'), [event('dig-request.answered', { requester: 'c1' }, 2)])).rejects.toThrow();
        await s.allowAudit();
        expect(await store.digRequest('r')).toMatchObject({ revision: 1, body: { id: 'r', revision: 1 } });
        expect(await store.inboxEntry('r', 'a')).toMatchObject({ status: 'udtaget til manuel behandling', answeredAt: null, revision: 1 });
        expect(await deliveredTo(store, 'req')).toEqual([]);

        await store.putPackagePicture('r', 'svg', new Uint8Array(Buffer.from('<svg/>')), 'etag-1');
        expect(await store.packagePicture('r', 'svg')).toMatchObject({ etag: 'etag-1' });
        expect(await store.reviseDigRequest('r', 2, '{"v":2}', update, audit('dig-request.answer', { id: 'r' }), [event('dig-request.answered', { requester: 'c1' }, 2)])).toBe(true);
        // The map of revision 1 went with it.
        expect(await store.packagePicture('r', 'svg')).toBeNull();
        expect(await store.reviseDigRequest('r', 2, '{"v":"again"}', update, audit('dig-request.answer'), [])).toBe(false);
        const newest = await store.digRequest('r');
        expect(newest).toMatchObject({ requester: 'c1', body: { v: 2 }, revision: 2 });
        expect(await store.digRequestRevision('r', 2)).toEqual(newest);
        expect(await store.digRequestRevision('r', 1)).toMatchObject({ requester: 'c1', body: { id: 'r', revision: 1 }, revision: 1 });
        expect(await store.digRequestRevision('r', 3)).toBeNull();
        expect(await store.digRequestRevision('missing', 1)).toBeNull();
        expect(await store.inboxEntry('r', 'a')).toMatchObject({ status: 'ledningsoplysninger udleveret', conflicts: 2, answeredAt: at(10), revision: 2 });
        // The other owner's entry: only its revision moves.
        expect(await store.inboxEntry('r', 'b')).toMatchObject({ status: 'udtaget til manuel behandling', answeredAt: null, revision: 2 });
        expect(await deliveredTo(store, 'req')).toEqual(['ev-dig-request.answered-2']);
        expect((await store.auditLog(50)).filter((e) => e.action === 'dig-request.answer')).toHaveLength(1);

        // A revision that leaves the answer time alone (a marking) keeps it.
        expect(await store.reviseDigRequest('r', 3, '{"v":3}', { ...update, answeredAt: null }, audit('dig-request.marking'), [])).toBe(true);
        expect(await store.inboxEntry('r', 'a')).toMatchObject({ answeredAt: at(10), revision: 3 });
        expect(await store.digRequestRevision('r', 2)).toMatchObject({ body: { v: 2 }, revision: 2 });

        // Kept across a reopen; pruning the request takes its revisions and entries.
        const again = await s.reopen();
        expect(await again.digRequestRevision('r', 1)).toMatchObject({ revision: 1 });
        await again.pruneDigRequests('9999-01-01T00:00:00.000Z', 10, audit('dig-request.prune'));
        expect(await again.digRequest('r')).toBeNull();
        expect(await again.digRequestRevision('r', 1)).toBeNull();
        expect(await again.inboxEntry('r', 'a')).toBeNull();
      });
    });

    it('finds the entries past their deadline unanswered, and notices each once, with its event', async () => {
      await withStore(5, async ({ store }) => {
        await store.createWebhook(webhook('own-a', { owner: 'a' }), audit('webhook.create'));
        await record(store, 'late', 'c', 0, ['a']);
        await record(store, 'later', 'c', 60, ['a']);
        await store.recordDigRequest('done', 'c', '{}', audit('dig-request.create'), { inbox: [entry('done', 'a', 0, { answeredAt: at(1), status: 'ledningsoplysninger udleveret' })], events: [] });
        expect((await store.dueInboxEntries(at(120), 10)).map((e) => e.id)).toEqual([]);
        expect((await store.dueInboxEntries(at(121), 10)).map((e) => e.id)).toEqual(['late']);
        expect((await store.dueInboxEntries(at(500), 10)).map((e) => e.id)).toEqual(['late', 'later']);
        expect((await store.dueInboxEntries(at(500), 1)).map((e) => e.id)).toEqual(['late']);
        expect(await store.noticeOverdue('late', 'a', at(121), event('dig-request.overdue', { owner: 'a' }, 121))).toBe(true);
        expect(await store.noticeOverdue('late', 'a', at(122), event('dig-request.overdue', { owner: 'a' }, 122))).toBe(false);
        expect(await store.noticeOverdue('done', 'a', at(122), event('dig-request.overdue', { owner: 'a' }, 123))).toBe(false);
        expect(await store.inboxEntry('late', 'a')).toMatchObject({ overdueAt: at(121) });
        expect((await store.dueInboxEntries(at(500), 10)).map((e) => e.id)).toEqual(['later']);
        expect(await deliveredTo(store, 'own-a')).toEqual(['ev-dig-request.overdue-121']);
      });
    });

    it('hands out each webhook\'s deliveries one at a time, in order, emergencies first, when due; records attempts, retries, failures and disables', async () => {
      await withStore(5, async ({ store }) => {
        await store.createWebhook(webhook('h1', { owner: 'a' }), audit('webhook.create'));
        await store.createWebhook(webhook('h2', { owner: 'b' }), audit('webhook.create'));
        await record(store, 'r1', 'c', 1, ['a', 'b'], [event('dig-request.created', { owner: 'a' }, 1), event('dig-request.created', { owner: 'b' }, 2)]);
        await record(store, 'r2', 'c', 2, ['a'], [event('dig-request.created', { owner: 'a' }, 3)]);
        await record(store, 'r3', 'c', 3, ['a'], [event('dig-request.created', { owner: 'a' }, 4, 1)]);
        const now = at(10);
        const first = await store.claimDeliveries(now, 10, 60_000);
        // h1's emergency first, then h2's; one per webhook.
        expect(first.map((d) => [d.webhook, d.eventId])).toEqual([['h1', 'ev-dig-request.created-4'], ['h2', 'ev-dig-request.created-2']]);
        expect(first[0]).toMatchObject({ url: 'http://127.0.0.1:9/h1', secret: 'whsec_h1', type: 'dig-request.created', attempts: 0, failingSince: null });
        // In flight: nothing more for either.
        expect(await store.claimDeliveries(now, 10, 60_000)).toEqual([]);

        await store.recordAttempt(first[0].seq, attempt(10, 200), { kind: 'delivered' });
        await store.recordAttempt(first[1].seq, attempt(10, 500), { kind: 'retry', at: at(20) });
        const second = await store.claimDeliveries(at(11), 10, 60_000);
        // h2's delivery waits for its retry; h1 goes on with its oldest.
        expect(second.map((d) => [d.webhook, d.eventId])).toEqual([['h1', 'ev-dig-request.created-1']]);
        const h2 = (await store.deliveries('h2', 10))[0];
        expect(h2).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: at(20), history: [attempt(10, 500)] });
        expect(await store.webhook('h2')).toMatchObject({ failingSince: at(10), disabledAt: null });
        expect((await store.deliveries('h1', 10)).find((d) => d.eventId === 'ev-dig-request.created-4')).toMatchObject({ status: 'delivered', deliveredAt: at(10), attempts: 1 });

        await store.recordAttempt(second[0].seq, attempt(11, null, 'timeout'), { kind: 'failed', disable: null });
        const retry = await store.claimDeliveries(at(20), 10, 60_000);
        // Across webhooks: oldest first.
        expect(retry.map((d) => [d.webhook, d.eventId, d.attempts, d.failingSince])).toEqual([['h2', 'ev-dig-request.created-2', 1, at(10)], ['h1', 'ev-dig-request.created-3', 0, at(11)]]);
        await store.recordAttempt(retry[1].seq, attempt(20, 204), { kind: 'delivered' });
        expect(await store.webhook('h1')).toMatchObject({ failingSince: null });
        await store.recordAttempt(retry[0].seq, attempt(20, 503), { kind: 'failed', disable: 'Every attempt failed for a day (last: HTTP 503).' });
        expect(await store.webhook('h2')).toMatchObject({ disabledAt: at(20), disabledReason: 'Every attempt failed for a day (last: HTTP 503).' });
        expect((await store.deliveries('h2', 10))[0]).toMatchObject({ status: 'failed', attempts: 2, history: [attempt(10, 500), attempt(20, 503)] });
        // A disabled webhook gets nothing more.
        await record(store, 'r4', 'c', 4, ['b'], [event('dig-request.created', { owner: 'b' }, 5)]);
        expect(await store.claimDeliveries(at(30), 10, 60_000)).toEqual([]);
        expect(await deliveredTo(store, 'h2')).toEqual(['ev-dig-request.created-2']);
        expect((await store.deliveries('h1', 10)).map((d) => d.status)).toEqual(['delivered', 'delivered', 'failed']);
        expect((await store.deliveries('h1', 2)).map((d) => d.eventId)).toEqual(['ev-dig-request.created-4', 'ev-dig-request.created-3']);
        const oldest = (await store.deliveries('h1', 10))[2].seq;
        expect((await store.deliveries('h1', 10, (await store.deliveries('h1', 10))[1].seq)).map((d) => d.seq)).toEqual([oldest]);
      });
    });

    it('hands a claimed delivery out again once its claim lapses, and keeps the outbox across a reopen', async () => {
      await withStore(5, async (s) => {
        await s.store.createWebhook(webhook('h', { owner: 'a' }), audit('webhook.create'));
        await record(s.store, 'r', 'c', 1, ['a'], [event('dig-request.created', { owner: 'a' }, 1)]);
        const [claimed] = await s.store.claimDeliveries(at(2), 10, 150);
        expect(claimed.eventId).toBe('ev-dig-request.created-1');
        expect(await s.store.claimDeliveries(at(2), 10, 150)).toEqual([]);
        await new Promise((r) => setTimeout(r, 400));
        expect((await s.store.claimDeliveries(at(2), 10, 150)).map((d) => d.seq)).toEqual([claimed.seq]);
        // The process that claimed it stops before it records anything: it is due again after a reopen, once the claim lapses.
        const again = await s.reopen();
        await new Promise((r) => setTimeout(r, 400));
        expect((await again.claimDeliveries(at(2), 10, 150)).map((d) => d.seq)).toEqual([claimed.seq]);
        await again.recordAttempt(claimed.seq, attempt(3, 200), { kind: 'delivered' });
        expect((await again.deliveries('h', 10))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
        // Ended deliveries made before a time are pruned, at most a limit at a time; pending ones stay.
        await record(again, 'r2', 'c', 2, ['a'], [event('dig-request.created', { owner: 'a' }, 2), event('dig-request.created', { owner: 'a' }, 3)]);
        const [next] = await again.claimDeliveries(at(3), 10, 60_000);
        await again.recordAttempt(next.seq, attempt(3, null, 'timeout'), { kind: 'failed', disable: null });
        expect(await again.pruneDeliveries(at(0), 10)).toBe(0);
        expect(await again.pruneDeliveries(at(2), 1)).toBe(1);
        expect((await again.deliveries('h', 10)).map((d) => d.eventId)).toEqual(['ev-dig-request.created-3', 'ev-dig-request.created-2']);
        expect(await again.pruneDeliveries(at(10), 10)).toBe(1);
        expect((await again.deliveries('h', 10)).map((d) => [d.eventId, d.status])).toEqual([['ev-dig-request.created-3', 'pending']]);
      });
    });
  });
}
