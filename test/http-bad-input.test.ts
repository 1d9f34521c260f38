/**
 * No input makes the service answer 5xx or fall over: a corpus of malformed bodies, wrong content
 * types and lying headers, thrown at every route, answered 4xx with a problem body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { ADMIN_TOKEN, cable, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('bad-input');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';
const deepArrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const deepObjects = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;

/** Bodies, each with the content type it is sent with. */
const CORPUS: { name: string; body: string | Buffer; type?: string; headers?: Record<string, string> }[] = [
  { name: 'truncated JSON', body: '{"geometry": {"type": "Polygon", "coordinates": [[[585000, 6139000]' },
  { name: 'truncated collection', body: '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"LineString","coordinates":[[585000,' },
  { name: 'a number', body: '123' },
  { name: 'a string', body: '"FeatureCollection"' },
  { name: 'null', body: 'null' },
  { name: 'an array', body: '[]' },
  { name: 'wrong member types', body: '{"geometry": 5, "infoZone": "wide", "role": 7, "name": [], "upsert": 1, "areas": "x", "type": 3, "features": {}}' },
  { name: 'huge numbers', body: `{"geometry": {"type": "Polygon", "coordinates": [[[1e999, 6139000], [585010, 1e400], [585010, 6139010], [1e999, 6139000]]]}, "crs": "${UTM}", "infoZone": 1e308, "corridorWidth": 1e999, "type": "FeatureCollection", "features": [{"type": "Feature", "id": 1, "geometry": {"type": "LineString", "coordinates": [[1e999, 0], [0, 0]]}, "properties": {"featureType": "Elledning"}}]}` },
  { name: 'negative zero and NaN-like text', body: '{"infoZone": -0, "geometry": {"type": "Polygon", "coordinates": [[["NaN", "Infinity"]]]}}' },
  { name: 'deep arrays', body: deepArrays },
  { name: 'deep objects', body: deepObjects },
  { name: 'deep geometry', body: `{"geometry": {"type": "Polygon", "coordinates": ${'['.repeat(5000)}${']'.repeat(5000)}}, "type": "FeatureCollection", "features": ${'['.repeat(5000)}${']'.repeat(5000)}}` },
  { name: 'a prototype key', body: '{"__proto__": {"role": "admin"}, "constructor": {"prototype": {"x": 1}}}' },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
  { name: 'a byte order mark and garbage', body: Buffer.from([0xef, 0xbb, 0xbf, 0x00, 0x01, 0x1e, 0x1e]) },
  { name: 'an empty body', body: '' },
  { name: 'whitespace only', body: ' \n\t ' },
  { name: 'a text sequence of garbage', body: '\x1e{"type":"Feature"\n\x1enot json\n', type: 'application/geo+json-seq' },
  { name: 'plain text', body: 'hello', type: 'text/plain' },
  { name: 'XML', body: '<FeatureCollection/>', type: 'application/xml' },
  { name: 'a form', body: 'role=admin', type: 'application/x-www-form-urlencoded' },
  { name: 'multipart', body: '--x\r\n\r\n--x--', type: 'multipart/form-data; boundary=x' },
  { name: 'no content type', body: '{"role":"admin"}', type: '' },
  { name: 'a content type that is not one', body: '{}', type: ';;;/' },
  { name: 'a Content-Length of 1 GB', body: '{}', headers: { 'content-length': String(1024 ** 3) } },
  { name: 'a body over the JSON limit', body: `{"purpose": "${'x'.repeat(1_100_000)}"}` },
  { name: 'an unknown Content-Encoding', body: '{}', headers: { 'content-encoding': 'br' } }
];

describe('malformed requests at every route', () => {
  let t: TestApp;
  let digId = '';
  let batchId = '';
  let keyId = '';

  beforeAll(async () => {
    t = await testApp(dir.sub('corpus'), {
      config: { rateLimit: { max: 100_000 } },
      prepare: (engine) => engine.putNetwork('own-a', [cable('a1', [585000, 6139000], [585100, 6139000])], { crs: UTM })
    });
    const dig = await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } });
    digId = (dig.json() as { id: string }).id;
    const batch = await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/batches', payload: { areas: { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: rect(585040, 6138990, 585060, 6139010), properties: {} }] }, crs: UTM } });
    batchId = (batch.json() as { id: string }).id;
    keyId = ((await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/keys', payload: { role: 'planner' } })).json() as { id: string }).id;
  });
  afterAll(async () => t.close());

  const routes = (): { method: InjectOptions['method']; url: string; takesBody: boolean }[] => [
    { method: 'POST', url: '/v1/keys', takesBody: true },
    { method: 'GET', url: '/v1/keys', takesBody: false },
    { method: 'DELETE', url: `/v1/keys/${keyId}`, takesBody: false },
    { method: 'GET', url: '/v1/owners', takesBody: false },
    { method: 'GET', url: '/v1/owners/own-a/network', takesBody: false },
    { method: 'PUT', url: '/v1/owners/own-a/network', takesBody: true },
    { method: 'PUT', url: `/v1/owners/own-a/network?crs=${UTM}&invalid=skip`, takesBody: true },
    { method: 'PATCH', url: '/v1/owners/own-a/network', takesBody: true },
    { method: 'PUT', url: '/v1/owners/own-a/interest-areas', takesBody: true },
    { method: 'GET', url: '/v1/owners/own-a/interest-areas', takesBody: false },
    { method: 'PUT', url: '/v1/owners/own-a/profile', takesBody: true },
    { method: 'GET', url: '/v1/owners/own-a/profile', takesBody: false },
    { method: 'POST', url: '/v1/dig-requests', takesBody: true },
    { method: 'GET', url: `/v1/dig-requests/${digId}`, takesBody: false },
    { method: 'GET', url: `/v1/dig-requests/${digId}/package.geojson`, takesBody: false },
    { method: 'GET', url: `/v1/dig-requests/${digId}/map.svg`, takesBody: false },
    { method: 'GET', url: `/v1/dig-requests/${digId}/map.png`, takesBody: false },
    { method: 'POST', url: '/v1/batches', takesBody: true },
    { method: 'GET', url: `/v1/batches/${batchId}`, takesBody: false },
    { method: 'GET', url: `/v1/batches/${batchId}/results`, takesBody: false },
    { method: 'DELETE', url: `/v1/batches/${batchId}`, takesBody: false },
    { method: 'GET', url: '/v1/owners/own-a/network/features?bbox=10.34,55.39,10.35,55.395', takesBody: false },
    { method: 'GET', url: '/v1/me', takesBody: false },
    { method: 'GET', url: '/v1/map/config', takesBody: false },
    { method: 'GET', url: '/v1/map/reference.geojson', takesBody: false },
    { method: 'GET', url: '/v1/audit', takesBody: false },
    { method: 'GET', url: '/v1/rules', takesBody: false },
    { method: 'GET', url: '/healthz', takesBody: false },
    { method: 'GET', url: '/openapi.json', takesBody: false }
  ];

  it.each(CORPUS.map((c) => [c.name, c] as const))('%s: 4xx with a problem body, never 5xx', async (_name, item) => {
    const failures: string[] = [];
    for (const route of routes()) {
      const type = item.type ?? 'application/json';
      const res = await t.as(ADMIN_TOKEN, { method: route.method, url: route.url, payload: item.body, headers: { ...(type === '' ? {} : { 'content-type': type }), ...item.headers } });
      const where = `${route.method} ${route.url}: ${res.statusCode}`;
      if (res.statusCode >= 500) failures.push(`${where} ${res.body.slice(0, 200)}`);
      else if (route.takesBody && res.statusCode < 400) failures.push(`${where} took it`);
      else if (res.statusCode >= 400) {
        try {
          problemOf(res);
        } catch (error) {
          failures.push(`${where} ${(error as Error).message}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it.each([
    ['an owner id with a space', 'GET', '/v1/owners/own%20a/network'],
    ['an owner id with a NUL', 'GET', '/v1/owners/own%00a/profile'],
    ['a very long owner id', 'PUT', `/v1/owners/${'a'.repeat(500)}/profile`],
    ['a dig request id of 200 characters', 'GET', `/v1/dig-requests/${'f'.repeat(200)}`],
    ['a batch id with unicode', 'GET', '/v1/batches/%F0%9F%92%A3'],
    ['a bad percent-encoding', 'GET', '/v1/dig-requests/%E0%A4%A'],
    ['an unknown query parameter', 'PUT', '/v1/owners/own-a/network?evil=1'],
    ['an invalid query value', 'PUT', '/v1/owners/own-a/network?invalid=sometimes'],
    ['an audit limit that is not a number', 'GET', '/v1/audit?limit=all'],
    ['an unknown route', 'GET', '/v2/anything'],
    ['a method a route does not have', 'DELETE', '/v1/dig-requests']
  ] as const)('answers %s with 4xx', async (_name, method, url) => {
    const res = await t.as(ADMIN_TOKEN, { method, url, payload: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, res.body).toBeLessThan(500);
    problemOf(res);
  });

  it('still answers after all of it', async () => {
    expect((await t.as(null, { method: 'GET', url: '/healthz' })).json()).toMatchObject({ status: 'ok', owners: 1 });
    const res = await t.as(ADMIN_TOKEN, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585040, 6138990, 585060, 6139010), crs: UTM } });
    expect(res.statusCode).toBe(201);
    const metrics = (await t.as(ADMIN_TOKEN, { method: 'GET', url: '/metrics' })).body;
    expect(metrics).not.toMatch(/ler_http_requests_total\{[^}]*status="5\d\d"\}/);
  });
});
