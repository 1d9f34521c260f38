/**
 * The owners' half of the conversation, end to end over HTTP against the real service process:
 * an owner with only an interest area registers a webhook, a contractor's dig request hits the
 * area, the owner hears of it (signed) and finds it in its inbox, answers with lines (one across
 * the area, one far away), and the contractor's package becomes revision 2 with the near line only
 * while the contractor hears of the answer. Other owners cannot answer or read the inbox. A
 * receiver that refuses the first attempt gets it later, also across a SIGKILL of the service.
 * Request types keep their limits.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from '../bench/service-process.js';
import { STATUS } from '../src/package/types.js';
import { cable, dataDir, rect } from './helpers/http-app.js';

const dir = dataDir('e2e-conversation');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
const TOKEN = 'e2e-conversation-admin-token-0123456789';
const serverFile = fileURLToPath(new URL('../src/server.ts', import.meta.url));

interface Received {
  path: string;
  /** What the receiver answered. */
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records every request; a path may be told to refuse with a status. */
class Receiver {
  readonly received: Received[] = [];
  readonly refuse = new Map<string, number>();
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        const status = this.refuse.get(path) ?? 200;
        this.received.push({ path, status, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'thanks' : 'not now');
      });
    });
    await new Promise<void>((resolve) => (this.server as Server).listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The deliveries to a path that were answered 200, as parsed bodies. */
  accepted(path: string): { id: string; type: string; createdAt: string; data: Record<string, unknown> }[] {
    return this.received.filter((r) => r.path === path && r.status === 200).map((r) => JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: Record<string, unknown> });
  }

  async waitFor(pred: () => boolean, what: string, ms = 20_000): Promise<void> {
    const until = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > until) throw new Error(`Waited ${ms} ms for ${what}; received: ${JSON.stringify(this.received.map((r) => [r.path, r.body.slice(0, 120)]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
  }
}

/** The receiver's check of a signature, written from the docs: HMAC-SHA256 of "<t>.<body>", t recent. */
function signedBy(secret: string, r: Received): boolean {
  const header = String(r.headers['ler-signature'] ?? '');
  const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
  const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (t === undefined || v1 === undefined || Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  return createHmac('sha256', secret).update(`${t}.${r.body}`).digest('hex') === v1;
}

function start(data: string): Promise<ServiceProcess> {
  return startServiceProcess({
    args: ['--import', 'tsx', serverFile],
    env: {
      LER_DATA_DIR: data,
      LER_ADMIN_TOKEN: TOKEN,
      LER_DEMO: '0',
      LER_WORKERS: '0',
      LER_LOG_LEVEL: 'warn',
      LER_MAX_EVENT_LOOP_DELAY_MS: '0',
      LER_WEBHOOK_ALLOW_PRIVATE: '1',
      LER_WEBHOOK_RETRY_BASE_MS: '200',
      LER_WEBHOOK_POLL_MS: '50'
    }
  });
}

async function call(s: ServiceProcess, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const fc = (features: unknown[]) => ({ type: 'FeatureCollection', features });

describe('the conversation between contractor and owners, over HTTP', () => {
  const receiver = new Receiver();
  let s: ServiceProcess;
  const data = dir.sub('service');
  beforeAll(async () => {
    await receiver.start();
    s = await start(data);
  });
  afterAll(async () => {
    s.child.kill('SIGKILL');
    await s.exit;
    await receiver.close();
  });

  it('tells the owner, takes its answer with lines as revision 2 of the package, and tells the contractor; no one else may answer or read', async () => {
    const key = async (role: string, owner?: string): Promise<string> => String((await call(s, 'POST', '/v1/keys', TOKEN, { role, ...(owner !== undefined ? { owner } : {}) })).json.token);
    const gas = await key('owner', 'dk-gas');
    const el = await key('owner', 'dk-el');
    const contractor = await key('contractor');
    // dk-el has lines elsewhere; dk-gas has only an interest area.
    expect((await call(s, 'PUT', `/v1/owners/dk-el/network?crs=${UTM}`, el, fc([cable('el-1', [590000, 6140000], [590100, 6140000])]))).status).toBe(200);
    expect((await call(s, 'PUT', `/v1/owners/dk-gas/interest-areas?crs=${UTM}`, gas, fc([{ type: 'Feature', geometry: rect(584000, 6138000, 586000, 6140000), properties: { forsyningsart: 'gas', contact: 'vagt@dk-gas.invalid' } }]))).status).toBe(200);

    const gasHook = await call(s, 'POST', '/v1/webhooks', gas, { url: `${receiver.url}/gas`, events: ['dig-request.created', 'dig-request.overdue'] });
    expect(gasHook.status, JSON.stringify(gasHook.json)).toBe(201);
    expect(gasHook.json).toMatchObject({ url: `${receiver.url}/gas`, owner: 'dk-gas', secret: expect.stringMatching(/^whsec_/) });
    const contractorHook = await call(s, 'POST', '/v1/webhooks', contractor, { url: `${receiver.url}/contractor`, events: ['dig-request.answered'] });
    expect(contractorHook.status).toBe(201);
    // Each key its own events only.
    expect((await call(s, 'POST', '/v1/webhooks', contractor, { url: `${receiver.url}/x`, events: ['dig-request.created'] })).json).toMatchObject({ code: 'WEBHOOK_EVENTS_INVALID', pointer: '/events/0' });
    expect((await call(s, 'GET', '/v1/webhooks', gas)).json).toEqual([expect.objectContaining({ id: gasHook.json.id })]);

    // The dig request: dk-gas is named by its interest area and must answer.
    const dig = await call(s, 'POST', '/v1/dig-requests', contractor, { geometry: rect(585000, 6139000, 585040, 6139030), crs: UTM, infoZone: 2 });
    expect(dig.status, JSON.stringify(dig.json)).toBe(201);
    const pkg = dig.json as { id: string; revision: number; answerDeadline: string; owners: { owner: string; status: string; conflicts: unknown[] }[] };
    expect(pkg.revision).toBe(1);
    expect(pkg.owners).toEqual([expect.objectContaining({ owner: 'dk-gas', status: STATUS.manual, conflicts: [] })]);

    // dk-gas hears of it, signed with its secret.
    await receiver.waitFor(() => receiver.accepted('/gas').length === 1, 'dig-request.created');
    const created = receiver.received.find((r) => r.path === '/gas') as Received;
    expect(signedBy(String(gasHook.json.secret), created)).toBe(true);
    expect(signedBy('whsec_not-the-secret', created)).toBe(false);
    expect(created.headers['ler-event']).toBe('dig-request.created');
    const event = JSON.parse(created.body) as { id: string; type: string; data: Record<string, unknown> };
    expect(event).toMatchObject({ type: 'dig-request.created', data: { id: pkg.id, owner: 'dk-gas', type: 'dig', status: STATUS.manual, deadline: pkg.answerDeadline, answered: false, revision: 1 } });
    expect(created.headers['ler-event-id']).toBe(event.id);

    // ... and finds it in its inbox, open, with the deadline.
    const inbox = await call(s, 'GET', '/v1/owners/dk-gas/dig-requests?status=open', gas);
    expect(inbox.status).toBe(200);
    expect(inbox.json).toMatchObject({ entries: [{ id: pkg.id, owner: 'dk-gas', deadline: pkg.answerDeadline, answered: false, answeredAt: null, conflicts: 0 }], next: null });
    expect((inbox.json.entries as { area: { type: string } }[])[0].area.type).toBe('Polygon');

    // Others: another owner cannot read that inbox nor answer for dk-gas, nor answer as itself a request that does not name it.
    expect((await call(s, 'GET', '/v1/owners/dk-gas/dig-requests', el)).status).toBe(403);
    expect((await call(s, 'POST', `/v1/dig-requests/${pkg.id}/owners/dk-gas/answer`, el, { status: STATUS.none })).status).toBe(403);
    expect((await call(s, 'POST', `/v1/dig-requests/${pkg.id}/owners/dk-el/answer`, el, { status: STATUS.none })).json).toMatchObject({ status: 404, code: 'DIG_REQUEST_OWNER_UNKNOWN' });
    expect((await call(s, 'POST', `/v1/dig-requests/${pkg.id}/owners/dk-gas/answer`, contractor, { status: STATUS.none })).status).toBe(403);
    // An answer LER does not allow.
    expect((await call(s, 'POST', `/v1/dig-requests/${pkg.id}/owners/dk-gas/answer`, gas, { status: STATUS.notDelivered })).json).toMatchObject({ status: 422, code: 'ANSWER_INVALID', pointer: '/reason' });

    // The answer: one line across the area, one 2 km away.
    const answer = await call(s, 'POST', `/v1/dig-requests/${pkg.id}/owners/dk-gas/answer?crs=${UTM}`, gas, {
      status: STATUS.delivered,
      lines: fc([
        { type: 'Feature', id: 'gas-near', geometry: { type: 'LineString', coordinates: [[584990, 6139015], [585050, 6139015]] }, properties: { featureType: 'Gasledning', forsyningsart: 'gas', fareklasse: 'farlig', driftsstatus: 'i drift' } },
        { type: 'Feature', id: 'gas-far', geometry: { type: 'LineString', coordinates: [[587000, 6139015], [587050, 6139015]] }, properties: { featureType: 'Gasledning', forsyningsart: 'gas', fareklasse: 'farlig', driftsstatus: 'i drift' } }
      ]),
      note: 'Trykreguleret 4 bar'
    });
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ id: pkg.id, revision: 2 });

    // The contractor's package is revision 2, with the near line only; revision 1 is kept.
    const revised = (await call(s, 'GET', `/v1/dig-requests/${pkg.id}`, contractor)).json as { revision: number; owners: { owner: string; status: string; conflicts: { featureId: string; zone: string }[]; answer: Record<string, unknown> }[] };
    expect(revised.revision).toBe(2);
    const gasOwner = revised.owners.find((o) => o.owner === 'dk-gas');
    expect(gasOwner).toMatchObject({ status: STATUS.delivered, answer: { note: 'Trykreguleret 4 bar', reason: null } });
    expect(gasOwner?.conflicts.map((c) => c.featureId)).toEqual(['gas-near']);
    expect(gasOwner?.conflicts[0].zone).toBe('digArea');
    expect(((await call(s, 'GET', `/v1/dig-requests/${pkg.id}?revision=1`, contractor)).json as typeof pkg).owners[0]).toMatchObject({ status: STATUS.manual, conflicts: [] });
    expect((await call(s, 'GET', `/v1/dig-requests/${pkg.id}?revision=3`, contractor)).json).toMatchObject({ status: 404, code: 'REVISION_UNKNOWN' });

    // The contractor hears of the answer, signed with its own secret.
    await receiver.waitFor(() => receiver.accepted('/contractor').length === 1, 'dig-request.answered');
    const answered = receiver.received.find((r) => r.path === '/contractor') as Received;
    expect(signedBy(String(contractorHook.json.secret), answered)).toBe(true);
    expect(JSON.parse(answered.body)).toMatchObject({ type: 'dig-request.answered', data: { id: pkg.id, owner: 'dk-gas', status: STATUS.delivered, revision: 2, conflicts: 1 } });
    // The inbox shows it answered.
    expect((await call(s, 'GET', '/v1/owners/dk-gas/dig-requests', gas)).json).toMatchObject({ entries: [{ id: pkg.id, answered: true, status: STATUS.delivered, conflicts: 1, revision: 2 }] });
    // dk-el was not named: it heard nothing and its inbox is empty.
    expect((await call(s, 'GET', '/v1/owners/dk-el/dig-requests', el)).json).toEqual({ entries: [], next: null });
    const deliveries = (await call(s, 'GET', `/v1/webhooks/${String(gasHook.json.id)}/deliveries`, gas)).json as { deliveries: { status: string; attempts: number; history: { status: number }[] }[] };
    expect(deliveries.deliveries).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, history: [expect.objectContaining({ status: 200 })] })]);
    expect((await call(s, 'GET', `/v1/webhooks/${String(gasHook.json.id)}/deliveries`, el)).json).toMatchObject({ status: 404, code: 'WEBHOOK_UNKNOWN' });
    const metrics = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/ler_webhook_attempts_total\{type="dig-request.created",result="delivered"\} [1-9]/);
    expect(metrics).toMatch(/ler_webhook_attempts_total\{type="dig-request.answered",result="delivered"\} [1-9]/);
  });

  it('keeps each request type\'s limits', async () => {
    const contractor = String((await call(s, 'POST', '/v1/keys', TOKEN, { role: 'contractor' })).json.token);
    const km2 = rect(585000, 6139000, 586000, 6140000);
    expect((await call(s, 'POST', '/v1/dig-requests', contractor, { geometry: km2, crs: UTM })).json).toMatchObject({ status: 422, code: 'DIG_AREA_TOO_LARGE' });
    const planning = await call(s, 'POST', '/v1/dig-requests', contractor, { type: 'planning', geometry: km2, crs: UTM });
    expect(planning.status).toBe(201);
    expect(planning.json).toMatchObject({ type: 'planning', notice: expect.stringContaining('may not be used for digging') });
    expect((await call(s, 'POST', '/v1/dig-requests', contractor, { type: 'planning', geometry: rect(585000, 6139000, 588000, 6142000), crs: UTM })).json).toMatchObject({ status: 422, code: 'DIG_AREA_TOO_LARGE' });
    expect((await call(s, 'POST', '/v1/dig-requests', contractor, { type: 'emergency', geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM })).json).toMatchObject({ status: 422, code: 'REASON_REQUIRED', pointer: '/reason' });
    const emergency = await call(s, 'POST', '/v1/dig-requests', contractor, { type: 'emergency', reason: 'Vandrør sprunget under vejen', geometry: rect(585000, 6139000, 585010, 6139010), crs: UTM });
    expect(emergency.status).toBe(201);
    expect(emergency.json).toMatchObject({ type: 'emergency', reason: 'Vandrør sprunget under vejen' });
    expect((await call(s, 'POST', '/v1/dig-requests', contractor, { type: 'repair', geometry: km2, crs: UTM })).status).toBe(400);
  });

  it('delivers to a receiver that refused the first attempt, later, and across a SIGKILL of the service', async () => {
    const owner = String((await call(s, 'POST', '/v1/keys', TOKEN, { role: 'owner', owner: 'dk-vand' })).json.token);
    const contractor = String((await call(s, 'POST', '/v1/keys', TOKEN, { role: 'contractor' })).json.token);
    const areas = await call(s, 'PUT', `/v1/owners/dk-vand/interest-areas?crs=${UTM}`, owner, fc([{ type: 'Feature', geometry: rect(600000, 6150000, 601000, 6151000), properties: { forsyningsart: 'vand', contact: 'vagt@dk-vand.invalid' } }]));
    expect(areas.status, JSON.stringify(areas.json)).toBe(200);
    const hook = await call(s, 'POST', '/v1/webhooks', owner, { url: `${receiver.url}/vand`, events: ['dig-request.created'] });
    const dig = (body: Record<string, unknown> = {}) => call(s, 'POST', '/v1/dig-requests', contractor, { geometry: rect(600100, 6150100, 600120, 6150120), crs: UTM, ...body });

    // Refused at first: the attempt is recorded and retried; accepted later.
    receiver.refuse.set('/vand', 503);
    const first = await dig();
    expect(first.status).toBe(201);
    await receiver.waitFor(() => receiver.received.filter((r) => r.path === '/vand').length >= 1, 'a first attempt');
    receiver.refuse.delete('/vand');
    await receiver.waitFor(() => receiver.accepted('/vand').length >= 1, 'the retry');
    const bodies = receiver.received.filter((r) => r.path === '/vand').map((r) => JSON.parse(r.body) as { id: string; data: { id: string } });
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(bodies[0].data.id).toBe(first.json.id);
    type Deliveries = { deliveries: { eventId: string; status: string; attempts: number; history: { status: number }[] }[] };
    /** The webhook's deliveries once the newest one's attempt is recorded as delivered. */
    const settled = async (): Promise<Deliveries> => {
      for (let i = 0; i < 200; i++) {
        const v = (await call(s, 'GET', `/v1/webhooks/${String(hook.json.id)}/deliveries`, owner)).json as Deliveries;
        if (v.deliveries[0]?.status === 'delivered') return v;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('The delivery was not recorded as delivered.');
    };
    const view = await settled();
    expect(view.deliveries[0].history.map((h) => h.status)).toEqual([...Array(view.deliveries[0].attempts - 1).fill(503), 200]);

    // Refused, then the service is killed: the event outlives it and is delivered after the restart.
    receiver.refuse.set('/vand', 500);
    const before = receiver.received.length;
    const second = await dig({ type: 'emergency', reason: 'Ledningsbrud' });
    expect(second.status).toBe(201);
    await receiver.waitFor(() => receiver.received.slice(before).some((r) => r.path === '/vand'), 'an attempt before the kill');
    s.child.kill('SIGKILL');
    await s.exit;
    receiver.refuse.delete('/vand');
    s = await start(data);
    await receiver.waitFor(() => receiver.accepted('/vand').some((b) => b.data.id === second.json.id), 'the delivery after the restart');
    const after = receiver.accepted('/vand').find((b) => b.data.id === second.json.id);
    expect(after).toMatchObject({ type: 'dig-request.created', data: { type: 'emergency', owner: 'dk-vand' } });
    const kept = await settled();
    expect(kept.deliveries.find((d) => d.eventId === after?.id)).toMatchObject({ status: 'delivered' });
    expect(kept.deliveries.find((d) => d.eventId === after?.id)?.attempts).toBeGreaterThanOrEqual(2);
  });
});
