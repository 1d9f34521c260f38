/**
 * Who may do what: every route, for every role, on its own resources and on another's, and without
 * a key; then the per-key rate limit and the answer under pressure.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('auth');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
type Who = 'adminToken' | 'adminKey' | 'ownerA' | 'ownerB' | 'contractor1' | 'contractor2' | 'planner1' | 'planner2';
const EVERYONE: Who[] = ['adminToken', 'adminKey', 'ownerA', 'ownerB', 'contractor1', 'contractor2', 'planner1', 'planner2'];

interface Route {
  name: string;
  /** Makes the request for one principal (a fresh resource where the call uses one up). */
  request: (who: Who) => Promise<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; payload?: string; headers?: Record<string, string> }>;
  ok: number;
  /** Who gets `ok`; everyone else gets the status in `denied` (403 unless given). */
  allowed: Who[];
  denied?: Partial<Record<Who, number>>;
}

describe('the role matrix', () => {
  let t: TestApp;
  const tokens = {} as Record<Who, string>;
  let digId = '';
  let batchId = '';
  const fc = (features: unknown[]): string => JSON.stringify({ type: 'FeatureCollection', features });
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    t = await testApp(dir.sub('matrix'), {
      prepare: async (engine) => {
        await engine.putNetwork('own-a', [cable('a1', [585000, 6139000], [585100, 6139000])], { crs: UTM });
        await engine.putNetwork('own-b', [cable('b1', [585000, 6139050], [585100, 6139050])], { crs: UTM });
      }
    });
    tokens.adminToken = ADMIN_TOKEN;
    tokens.adminKey = await t.key('admin');
    tokens.ownerA = await t.key('owner', 'own-a');
    tokens.ownerB = await t.key('owner', 'own-b');
    tokens.contractor1 = await t.key('contractor');
    tokens.contractor2 = await t.key('contractor');
    tokens.planner1 = await t.key('planner');
    tokens.planner2 = await t.key('planner');
    const dig = await t.as(tokens.contractor1, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } });
    digId = (dig.json() as { id: string }).id;
    const batch = await t.as(tokens.planner1, { method: 'POST', url: '/v1/batches', payload: { areas: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585040, 6138990, 585060, 6139010), properties: {} }] }, crs: UTM } });
    batchId = (batch.json() as { id: string }).id;
  });
  afterAll(async () => t.close());

  const owners: Who[] = ['adminToken', 'adminKey', 'ownerA'];
  const routes: Route[] = [
    { name: 'POST /v1/keys', request: async () => ({ method: 'POST', url: '/v1/keys', payload: JSON.stringify({ role: 'contractor' }), headers: json }), ok: 201, allowed: ['adminToken', 'adminKey'] },
    { name: 'GET /v1/keys', request: async () => ({ method: 'GET', url: '/v1/keys' }), ok: 200, allowed: ['adminToken', 'adminKey'] },
    {
      name: 'DELETE /v1/keys/{id}',
      request: async () => {
        const made = await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'planner', name: 'to revoke' } });
        return { method: 'DELETE', url: `/v1/keys/${(made.json() as { id: string }).id}` };
      },
      ok: 204,
      allowed: ['adminToken', 'adminKey']
    },
    { name: 'GET /v1/owners', request: async () => ({ method: 'GET', url: '/v1/owners' }), ok: 200, allowed: ['adminToken', 'adminKey'] },
    { name: 'GET /v1/audit', request: async () => ({ method: 'GET', url: '/v1/audit' }), ok: 200, allowed: ['adminToken', 'adminKey'] },
    { name: 'GET network', request: async () => ({ method: 'GET', url: '/v1/owners/own-a/network' }), ok: 200, allowed: owners },
    {
      name: 'PUT network',
      request: async () => ({ method: 'PUT', url: `/v1/owners/own-a/network?crs=${UTM}`, payload: fc([cable('a1', [585000, 6139000], [585100, 6139000])]), headers: { 'content-type': 'application/geo+json' } }),
      ok: 200,
      allowed: owners
    },
    {
      name: 'PATCH network',
      request: async () => ({ method: 'PATCH', url: `/v1/owners/own-a/network?crs=${UTM}`, payload: JSON.stringify({ upsert: JSON.parse(fc([cable('a2', [585000, 6139010], [585100, 6139010])])) }), headers: json }),
      ok: 200,
      allowed: owners
    },
    {
      name: 'PUT interest areas',
      request: async () => ({ method: 'PUT', url: `/v1/owners/own-a/interest-areas?crs=${UTM}`, payload: fc([{ type: 'Feature', geometry: rect(584900, 6138900, 585200, 6139100), properties: { forsyningsart: 'el', contact: 'a@example.invalid' } }]), headers: json }),
      ok: 200,
      allowed: owners
    },
    { name: 'GET interest areas', request: async () => ({ method: 'GET', url: '/v1/owners/own-a/interest-areas' }), ok: 200, allowed: owners },
    { name: 'PUT profile', request: async () => ({ method: 'PUT', url: '/v1/owners/own-a/profile', payload: JSON.stringify({ name: 'A', contact: 'a@example.invalid' }), headers: json }), ok: 200, allowed: owners },
    { name: 'GET profile', request: async () => ({ method: 'GET', url: '/v1/owners/own-a/profile' }), ok: 200, allowed: owners },
    {
      name: 'POST /v1/dig-requests',
      request: async () => ({ method: 'POST', url: '/v1/dig-requests', payload: JSON.stringify({ geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM }), headers: json }),
      ok: 201,
      allowed: ['adminToken', 'adminKey', 'contractor1', 'contractor2']
    },
    ...['', '/package.geojson', '/map.svg', '/map.png'].map(
      (suffix): Route => ({ name: `GET dig request${suffix}`, request: async () => ({ method: 'GET', url: `/v1/dig-requests/${digId}${suffix}` }), ok: 200, allowed: ['adminToken', 'adminKey', 'contractor1'], denied: { contractor2: 404 } })
    ),
    {
      name: 'POST /v1/batches',
      request: async () => ({ method: 'POST', url: '/v1/batches', payload: JSON.stringify({ areas: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585040, 6138990, 585060, 6139010), properties: {} }] }, crs: UTM }), headers: json }),
      ok: 202,
      allowed: ['adminToken', 'adminKey', 'planner1', 'planner2']
    },
    ...['', '/results'].map(
      (suffix): Route => ({ name: `GET batch${suffix}`, request: async () => ({ method: 'GET', url: `/v1/batches/${batchId}${suffix}` }), ok: 200, allowed: ['adminToken', 'adminKey', 'planner1'], denied: { planner2: 404 } })
    ),
    {
      name: 'DELETE /v1/batches/{id}',
      request: async () => {
        const made = await t.as(tokens.planner1, { method: 'POST', url: '/v1/batches', payload: { areas: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585040, 6138990, 585060, 6139010), properties: {} }] }, crs: UTM } });
        return { method: 'DELETE', url: `/v1/batches/${(made.json() as { id: string }).id}` };
      },
      ok: 200,
      allowed: ['adminToken', 'adminKey', 'planner1'],
      denied: { planner2: 404 }
    },
    { name: 'GET network features', request: async () => ({ method: 'GET', url: '/v1/owners/own-a/network/features?bbox=10.34,55.39,10.35,55.395' }), ok: 200, allowed: owners },
    { name: 'GET /v1/me', request: async () => ({ method: 'GET', url: '/v1/me' }), ok: 200, allowed: EVERYONE }
  ];

  it.each(routes.map((r) => [r.name, r] as const))('%s: allowed and denied by role and resource', async (_name, route) => {
    const answers: string[] = [];
    const expected: string[] = [];
    for (const who of EVERYONE) {
      const req = await route.request(who);
      const res = await t.as(tokens[who], req);
      const want = route.allowed.includes(who) ? route.ok : (route.denied?.[who] ?? 403);
      answers.push(`${who}: ${res.statusCode}`);
      expected.push(`${who}: ${want}`);
      if (res.statusCode >= 400) {
        const p = problemOf(res);
        if (res.statusCode === 403) expect(p.code).toBe('FORBIDDEN');
        if (res.statusCode === 404) expect(p.code).toMatch(/_UNKNOWN$/);
      }
    }
    expect(answers).toEqual(expected);
    // Without a key, with a key the service never made, or with another scheme: 401 and a challenge.
    for (const authorization of [undefined, 'Bearer ler_not-a-key-of-this-service', 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
      const req = await route.request('adminToken');
      const res = await t.app.inject({ ...req, headers: { ...req.headers, ...(authorization === undefined ? {} : { authorization }) } });
      expect(res.statusCode, `${route.name} with ${String(authorization)}`).toBe(401);
      expect(problemOf(res).code).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="ler-engine"/);
    }
  });

  it('leaves the public routes open to anyone', async () => {
    for (const url of ['/healthz', '/openapi.json', '/v1/rules', '/v1/errors', '/v1/errors/FORBIDDEN', '/docs']) {
      for (const token of [null, tokens.contractor1, 'garbage']) {
        const res = await t.as(token, { method: 'GET', url });
        expect(res.statusCode, `${url} as ${String(token)}`).toBe(200);
      }
    }
  });

  it('refuses a revoked key, and an owner key for another owner even with an admin-only body', async () => {
    const made = (await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'contractor' } })).json() as { id: string; token: string };
    expect((await t.as(made.token, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } })).statusCode).toBe(201);
    expect((await t.as(ADMIN_TOKEN, { method: 'DELETE', url: `/v1/keys/${made.id}` })).statusCode).toBe(204);
    const after = await t.as(made.token, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } });
    expect(problemOf(after).code).toBe('UNAUTHORIZED');
    expect(problemOf(await t.as(ADMIN_TOKEN, { method: 'DELETE', url: `/v1/keys/${made.id}` })).code).toBe('KEY_UNKNOWN');
    // The list shows ids, never tokens or hashes.
    const list = (await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/keys' })).body;
    expect(list).not.toContain(tokens.contractor1);
    expect(list).not.toMatch(/[0-9a-f]{64}/);
  });

  it('binds an owner key to exactly one owner, given when it is made', async () => {
    expect(problemOf(await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'owner' } })).code).toBe('OWNER_INVALID');
    expect(problemOf(await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'planner', owner: 'own-a' } })).code).toBe('OWNER_INVALID');
    expect(problemOf(await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'root' } })).code).toBe('REQUEST_INVALID');
  });
});

describe('limits per key and under pressure', () => {
  it('answers 429 with Retry-After past the rate limit, per key', async () => {
    const t = await testApp(dir.sub('rate'), { config: { rateLimit: { max: 3, windowMs: 60_000 } } });
    try {
      const statuses: number[] = [];
      let last: LightMyRequestResponse | null = null;
      for (let i = 0; i < 4; i++) {
        last = await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/owners' });
        statuses.push(last.statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const p = problemOf(last as LightMyRequestResponse);
      expect(p.code).toBe('RATE_LIMITED');
      expect(Number((last as LightMyRequestResponse).headers['retry-after'])).toBeGreaterThan(0);
      // Another key has its own count; health checks are not limited.
      expect((await t.as('another-token-of-nobody-123', { method: 'GET', url: '/v1/owners' })).statusCode).toBe(401);
      for (let i = 0; i < 5; i++) expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('answers 503 with Retry-After while the store is unhealthy, and still serves /metrics', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = await testApp(dir.sub('pressure'), { healthCheckIntervalMs: 1000, config: { pressure: { retryAfterSeconds: 7 } } });
    try {
      expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/owners' })).statusCode).toBe(200);
      await t.store.close();
      await vi.advanceTimersByTimeAsync(1000);
      const res = await t.as(ADMIN_TOKEN, { method: 'GET', url: '/v1/owners' });
      expect(res.statusCode).toBe(503);
      expect(problemOf(res).code).toBe('OVERLOADED');
      expect(res.headers['retry-after']).toBe('7');
      expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      vi.useRealTimers();
      await t.close();
    }
  });
});
