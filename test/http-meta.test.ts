import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../src/errors.js';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('meta');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown> }>;
}

describe('the service\'s own routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp(dir.sub('meta'), { prepare: (engine) => engine.putNetwork('dk-el', [cable('a', [585000, 6139000], [585100, 6139000])], { crs: UTM }) });
  });
  afterAll(async () => t.close());

  it('describes every route in OpenAPI 3, generated from the route schemas', async () => {
    const doc = (await t.as(null, { method: 'GET', url: '/openapi.json' })).json() as { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const));
    expect(operations.map(([name]) => name).sort()).toEqual(
      [
        'GET /healthz', 'GET /metrics', 'GET /openapi.json', 'GET /v1/rules', 'GET /v1/errors', 'GET /v1/errors/{code}', 'GET /v1/audit',
        'POST /v1/keys', 'GET /v1/keys', 'DELETE /v1/keys/{id}', 'GET /v1/owners',
        'GET /v1/owners/{owner}/network', 'GET /v1/owners/{owner}/network.gml', 'PUT /v1/owners/{owner}/network', 'PATCH /v1/owners/{owner}/network', 'POST /v1/owners/{owner}/network/rollback',
        'GET /v1/owners/{owner}/interest-areas', 'PUT /v1/owners/{owner}/interest-areas', 'GET /v1/owners/{owner}/profile', 'PUT /v1/owners/{owner}/profile',
        'POST /v1/dig-requests', 'GET /v1/dig-requests/{id}', 'GET /v1/dig-requests/{id}/package.geojson', 'GET /v1/dig-requests/{id}/package.gml', 'GET /v1/dig-requests/{id}/package.zip', 'GET /v1/dig-requests/{id}/map.svg', 'GET /v1/dig-requests/{id}/map.png',
        'POST /v1/dig-requests/{id}/owners/{owner}/answer', 'POST /v1/dig-requests/{id}/owners/{owner}/marking', 'POST /v1/dig-requests/{id}/renew', 'GET /v1/owners/{owner}/dig-requests',
        'POST /v1/webhooks', 'GET /v1/webhooks', 'DELETE /v1/webhooks/{id}', 'GET /v1/webhooks/{id}/deliveries',
        'POST /v1/batches', 'GET /v1/batches/{id}', 'DELETE /v1/batches/{id}', 'GET /v1/batches/{id}/results',
        'GET /v1/map/config', 'GET /v1/map/reference.geojson', 'GET /v1/me', 'GET /v1/owners/{owner}/network/features'
      ].sort()
    );
    for (const [name, op] of operations) {
      const isPublic = /\/healthz|\/openapi|\/v1\/rules|\/v1\/errors|\/v1\/map/.test(name);
      // Public routes say so (`security: []`); the rest take a bearer key.
      expect(op.security, name).toEqual(isPublic ? [] : [{ bearer: [] }]);
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual(['application/problem+json']);
      }
      if (!isPublic) expect(Object.keys(op.responses), name).toContain('401');
    }
    const put = doc.paths['/v1/owners/{owner}/network'].put;
    expect(Object.keys(put.requestBody?.content ?? {})).toEqual(['application/geo+json', 'application/json', 'application/geo+json-seq']);
  });

  it('serves the docs UI and the catalogues a problem\'s type points to', async () => {
    expect((await t.as(null, { method: 'GET', url: '/docs' })).statusCode).toBe(200);
    const errors = (await t.as(null, { method: 'GET', url: '/v1/errors' })).json() as { code: string }[];
    expect(errors.map((e) => e.code)).toEqual(Object.keys(ErrorCodes));
    const p = problemOf(await t.as(null, { method: 'GET', url: '/v1/owners' }));
    const type = await t.as(null, { method: 'GET', url: p.type });
    expect(type.json()).toEqual({ code: 'UNAUTHORIZED', status: 401, message: ErrorCodes.UNAUTHORIZED.message });
    expect(problemOf(await t.as(null, { method: 'GET', url: '/v1/errors/NO_SUCH_CODE' })).code).toBe('ROUTE_UNKNOWN');
    const rules = (await t.as(null, { method: 'GET', url: '/v1/rules' })).json() as { code: string; severity: string; status: number }[];
    expect(rules.find((r) => r.code === 'ATTRIBUTE_RECOMMENDED')).toMatchObject({ severity: 'warning' });
  });

  it('counts requests, latencies, dig requests, uploads, batches and the live networks for Prometheus', async () => {
    const contractor = await t.key('contractor');
    await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } });
    await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(5, 5, 6, 6) } });
    await t.as(ADMIN_TOKEN, { method: 'PUT', url: `/v1/owners/dk-el/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: JSON.stringify({ type: 'FeatureCollection', features: [cable('a', [585000, 6139000], [585100, 6139000])] }) });
    const res = await t.as(ADMIN_TOKEN, { method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const m = res.body;
    expect(m).toContain('ler_dig_requests_total{result="ok"} 1');
    expect(m).toContain('ler_dig_requests_total{result="rejected"} 1');
    expect(m).toContain('ler_uploads_total{kind="replace",result="ok"} 1');
    expect(m).toContain('ler_network_version{owner="dk-el"} 2');
    expect(m).toContain('ler_network_features{owner="dk-el"} 1');
    expect(m).toContain('ler_snapshot_version 2');
    expect(m).toContain('ler_snapshot_merged 1');
    expect(m).toContain('ler_batch_queue_depth{state="running"} 0');
    expect(m).toMatch(/ler_http_requests_total\{method="POST",route="\/v1\/dig-requests",status="201"\} 1/);
    expect(m).toMatch(/ler_http_requests_total\{method="POST",route="\/v1\/dig-requests",status="422"\} 1/);
    expect(m).toMatch(/ler_http_request_duration_seconds_count\{method="POST",route="\/v1\/dig-requests"\} 2/);
    const health = (await t.as(null, { method: 'GET', url: '/healthz' })).json();
    expect(health).toEqual({ status: 'ok', snapshotVersion: 2, owners: 1, features: 1, batches: { running: 0, queued: 0 } });
  });
});
