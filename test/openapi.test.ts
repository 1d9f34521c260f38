/**
 * The OpenAPI document against the service itself: every answer a round of real calls gets
 * (successes and problems, every route) has a status the document lists for its operation, a
 * media type it lists, and a body its schema takes; and the service's own types of what it sends
 * agree with the document's (the page's client types, web/src/openapi.d.ts, are generated from
 * it: `npm run openapi:lint` checks that they are up to date, and Redocly's rules).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { BatchView } from '../src/http/batches.js';
import type { AreaSummary } from '../src/batch/summary.js';
import type { ReportSummary } from '../src/rules/report.js';
import { STATUS, type Package } from '../src/package/types.js';
import type { Principal } from '../src/http/auth.js';
import type { OwnerProfile } from '../src/model/owner.js';
import type { AuditEvent } from '../src/store/store.js';
import type { NetworkView } from '../src/http/map-layers.js';
import type { paths } from '../web/src/openapi.js';
import { ADMIN_TOKEN, cable, dataDir, rect, testApp, type TestApp } from './helpers/http-app.js';

const dir = dataDir('openapi');
afterAll(() => dir.remove());

const UTM = 'EPSG:25832';

// --- The service's types and the document's agree (checked by `npm run typecheck`) ---

type Writable<T> = T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
/** Each is assignable to the other (readonly aside): the same members, required alike, of the same types. */
type Same<A, B> = [Writable<A>] extends [B] ? ([B] extends [Writable<A>] ? true : false) : false;
type Json<P extends keyof paths, M extends 'get' | 'post' | 'put', S extends number> = NonNullable<paths[P][M]> extends { responses: infer R } ? (S extends keyof R ? (R[S] extends { content: infer C } ? C[keyof C] : never) : never) : never;

type DocPackage = Json<'/v1/dig-requests/{id}', 'get', 200>;
type DocUpload = Json<'/v1/owners/{owner}/network', 'put', 200>;
const agree: Record<string, true> = {
  batchView: true satisfies Same<BatchView, Json<'/v1/batches/{id}', 'get', 200>>,
  batchCreated: true satisfies Same<BatchView, Json<'/v1/batches', 'post', 202>>,
  areaSummary: true satisfies Same<AreaSummary, Json<'/v1/batches/{id}/results', 'get', 200>>,
  ruleReport: true satisfies Same<ReportSummary, DocUpload['report']>,
  // The package as the service types it, but for its dig area (`unknown` there: as the request gave it).
  package: true satisfies Same<Omit<Package, 'digArea'>, Omit<DocPackage, 'digArea'>>,
  digArea: true satisfies (DocPackage['digArea'] extends Package['digArea'] ? true : false),
  me: true satisfies Same<Pick<Principal, 'id' | 'role' | 'owner' | 'name'>, Json<'/v1/me', 'get', 200>>,
  profile: true satisfies Same<OwnerProfile, Json<'/v1/owners/{owner}/profile', 'get', 200>>,
  audit: true satisfies Same<AuditEvent[], Json<'/v1/audit', 'get', 200>>,
  networkView: true satisfies (NetworkView extends Omit<Json<'/v1/owners/{owner}/network/features', 'get', 200>, 'features'> ? true : false)
};

// --- A small JSON Schema check: the keywords the route schemas use ---

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  oneOf?: Schema[];
  allOf?: Schema[];
}

interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Schema }> }> }>>;
  components: { schemas: Record<string, Schema> };
}

function typeOf(value: unknown): string[] {
  if (value === null) return ['null'];
  if (Array.isArray(value)) return ['array'];
  if (typeof value === 'number') return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  return [typeof value];
}

/** What is wrong with `value` by `schema`, as JSON pointers with a word each; empty: it is taken. */
function check(doc: Doc, schema: Schema, value: unknown, at = ''): string[] {
  if (schema.$ref !== undefined) return check(doc, doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')], value, at);
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!typeOf(value).some((t) => types.includes(t))) return [`${at}: ${JSON.stringify(value)?.slice(0, 80)} is not ${types.join(' or ')}`];
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} is none of ${JSON.stringify(schema.enum)}`);
  for (const part of schema.allOf ?? []) errors.push(...check(doc, part, value, at));
  if (schema.oneOf !== undefined) {
    const fits = schema.oneOf.filter((s) => check(doc, s, value, at).length === 0).length;
    if (fits !== 1) errors.push(`${at}: fits ${fits} of the oneOf`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) errors.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined) value.forEach((v, i) => errors.push(...check(doc, schema.items as Schema, v, `${at}/${i}`)));
  } else if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) errors.push(`${at}/${name}: missing`);
    for (const [name, v] of Object.entries(object)) {
      const member = schema.properties?.[name];
      if (member !== undefined) errors.push(...check(doc, member, v, `${at}/${name}`));
      else if (schema.additionalProperties === false) errors.push(`${at}/${name}: not a member the schema has`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...check(doc, schema.additionalProperties, v, `${at}/${name}`));
    }
  }
  return errors;
}

/** The document's operation for a request: its path template matched against the URL's path. */
function operationOf(doc: Doc, method: string, url: string): { name: string; responses: Doc['paths'][string][string]['responses'] } {
  const path = url.split('?')[0];
  for (const [template, ops] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    const op = ops[method.toLowerCase()];
    if (pattern.test(path) && op !== undefined) return { name: `${method} ${template}`, responses: op.responses };
  }
  throw new Error(`The document has no operation for ${method} ${path}.`);
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: Doc;
  const tokens: Record<string, string> = {};
  const seen = new Map<string, Set<string>>();
  const fc = (features: unknown[]) => ({ type: 'FeatureCollection', features });

  beforeAll(async () => {
    // A reference layer of one road, lon/lat.
    const reference = join(dir.path, 'roads.geojson');
    writeFileSync(reference, JSON.stringify(fc([{ type: 'Feature', geometry: { type: 'LineString', coordinates: [[10.34, 55.39], [10.35, 55.395]] }, properties: { name: 'A road' } }])));
    t = await testApp(dir.sub('openapi'), { config: { mapReference: reference }, prepare: (engine) => engine.putNetwork('own-a', [cable('a1', [585000, 6139000], [585100, 6139000])], { crs: UTM }) });
    doc = (await t.as(null, { method: 'GET', url: '/openapi.json' })).json() as Doc;
    tokens.admin = ADMIN_TOKEN;
    tokens.owner = await t.key('owner', 'own-a');
    tokens.contractor = await t.key('contractor');
    tokens.planner = await t.key('planner');
  });
  afterAll(async () => t.close());

  /** Sends the request and checks its answer against the document; returns the answer. */
  async function call(who: string | null, request: InjectOptions & { method: string; url: string }): Promise<LightMyRequestResponse> {
    const res = await t.as(who === null ? null : tokens[who], request);
    const op = operationOf(doc, request.method, request.url);
    const where = `${op.name} ${res.statusCode}`;
    const response = op.responses[String(res.statusCode)];
    expect(response, `${where}: the status is not in the document`).toBeDefined();
    seen.set(op.name, (seen.get(op.name) ?? new Set()).add(String(res.statusCode)));
    if (res.statusCode === 204) return res;
    const type = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    const media = response.content?.[type];
    expect(media, `${where}: ${type} is not a media type the document gives (${Object.keys(response.content ?? {}).join(', ')})`).toBeDefined();
    const schema = media?.schema;
    if (schema === undefined || ['text/plain', 'image/svg+xml', 'image/png', 'application/gml+xml', 'application/zip'].includes(type)) return res;
    const bodies = type === 'application/x-ndjson' ? res.body.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown) : [res.json() as unknown];
    for (const body of bodies) expect(check(doc, schema, body), where).toEqual([]);
    return res;
  }

  it('matches what every route answers, successes and problems', async () => {
    const polygon = rect(585040, 6138990, 585060, 6139010);
    const area = { type: 'Feature', id: 'area-1', geometry: polygon, properties: {} };
    // The service's own routes and the map page's.
    await call('admin', { method: 'GET', url: '/metrics' });
    await call(null, { method: 'GET', url: '/metrics' });
    for (const url of ['/healthz', '/openapi.json', '/v1/rules', '/v1/errors', '/v1/errors/UNAUTHORIZED', '/v1/errors/NO_SUCH_CODE', '/v1/map/config', '/v1/map/reference.geojson']) await call(null, { method: 'GET', url });
    await call(null, { method: 'GET', url: '/healthz', headers: { 'content-encoding': 'br' } });
    for (const who of ['admin', 'owner', 'contractor', 'planner']) await call(who, { method: 'GET', url: '/v1/me' });
    await call(null, { method: 'GET', url: '/v1/me' });
    // Keys.
    const key = (await call('admin', { method: 'POST', url: '/v1/keys', payload: { role: 'contractor', name: 'to revoke' } })).json() as { id: string };
    await call('admin', { method: 'POST', url: '/v1/keys', payload: { role: 'owner' } });
    await call('admin', { method: 'GET', url: '/v1/keys' });
    await call('admin', { method: 'DELETE', url: `/v1/keys/${key.id}` });
    await call('admin', { method: 'DELETE', url: `/v1/keys/${key.id}` });
    await call('contractor', { method: 'GET', url: '/v1/keys' });
    // Owners: profile, interest areas, the network (whole, a change set, a rejected one), a view of it.
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/profile' });
    await call('owner', { method: 'PUT', url: '/v1/owners/own-a/profile', payload: { name: 'Own A', contact: 'a@example.invalid', requiresMarking: true } });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/profile' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/interest-areas' });
    await call('owner', { method: 'PUT', url: `/v1/owners/own-a/interest-areas?crs=${UTM}`, payload: fc([{ type: 'Feature', geometry: rect(584900, 6138900, 585200, 6139100), properties: { forsyningsart: 'el', contact: 'a@example.invalid' } }]) });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/interest-areas' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/network' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/network.gml' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-b/network' });
    await call('owner', { method: 'PUT', url: `/v1/owners/own-a/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: JSON.stringify(fc([cable('a1', [585000, 6139000], [585100, 6139000]), cable('a2', [585000, 6139010], [585100, 6139010], { fareklasse: 'meget farlig' })])) });
    await call('owner', { method: 'PUT', url: `/v1/owners/own-a/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: JSON.stringify(fc([cable('a1', [585000, 6139000], [585100, 6139000], { fareklasse: 'harmless' })])) });
    await call('owner', { method: 'PUT', url: `/v1/owners/own-a/network?crs=${UTM}`, headers: { 'content-type': 'text/csv' }, payload: 'a,b' });
    await call('owner', { method: 'PATCH', url: `/v1/owners/own-a/network?crs=${UTM}`, payload: { upsert: fc([cable('a3', [585000, 6139020], [585100, 6139020])]), delete: ['a2'] } });
    await call('owner', { method: 'PATCH', url: `/v1/owners/own-a/network?crs=${UTM}`, payload: { upsert: fc([cable('a4', [585000, 6139020], [585100, 6139020], { fareklasse: 'harmless' })]) } });
    await call('owner', { method: 'PUT', url: `/v1/owners/own-a/network?crs=${UTM}`, headers: { 'content-type': 'application/geo+json' }, payload: JSON.stringify(fc([])) });
    await call('owner', { method: 'POST', url: '/v1/owners/own-a/network/rollback', payload: { version: 1 } });
    await call('owner', { method: 'POST', url: '/v1/owners/own-a/network/rollback', payload: { version: 99 } });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/network/features?bbox=10.34,55.39,10.35,55.395' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/network/features?bbox=9,55,11,57' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/network/features?bbox=east' });
    await call('admin', { method: 'GET', url: '/v1/owners' });
    await call('owner', { method: 'GET', url: '/v1/owners' });
    // Dig requests: the package, its views, and refusals.
    const day = (d: number): string => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    const pkg = (await call('contractor', { method: 'POST', url: '/v1/dig-requests', payload: { geometry: polygon, crs: UTM, infoZone: 20, purpose: 'A test', period: { from: day(1), to: day(14) } } })).json() as { id: string; owners: { conflicts: unknown[] }[] };
    expect(pkg.owners.flatMap((o) => o.conflicts).length).toBeGreaterThan(0);
    await call('contractor', { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(5, 5, 6, 6) } });
    await call('contractor', { method: 'POST', url: '/v1/dig-requests', payload: { geometry: polygon, crs: UTM, extra: 1 } });
    for (const suffix of ['', '/package.geojson', '/map.svg', '/map.png', '/package.gml', '/package.gml?owner=own-a', '/package.gml?owner=nobody', '/package.zip']) await call('contractor', { method: 'GET', url: `/v1/dig-requests/${pkg.id}${suffix}` });
    await call('contractor', { method: 'GET', url: '/v1/dig-requests/00000000-0000-0000-0000-000000000000' });
    await call('planner', { method: 'GET', url: `/v1/dig-requests/${pkg.id}` });
    // The owners' side: the inbox, an answer (with lines), a marking, a renewal, older revisions, webhooks.
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/dig-requests?limit=5&status=answered&overdue=false' });
    await call('owner', { method: 'GET', url: '/v1/owners/own-a/dig-requests?after=nonsense' });
    await call('owner', { method: 'POST', url: `/v1/dig-requests/${pkg.id}/owners/own-a/answer?crs=${UTM}`, payload: { status: STATUS.delivered, lines: fc([cable('ans-1', [585000, 6139000], [585100, 6139000])]), note: 'Checked' } });
    await call('owner', { method: 'POST', url: `/v1/dig-requests/${pkg.id}/owners/own-a/answer`, payload: { status: STATUS.notDelivered } });
    await call('owner', { method: 'POST', url: `/v1/dig-requests/${pkg.id}/owners/own-a/marking`, payload: { by: 'A. Jensen', note: 'Painted' } });
    await call('owner', { method: 'POST', url: `/v1/dig-requests/${pkg.id}/owners/own-b/marking`, payload: { by: 'A. Jensen' } });
    await call('contractor', { method: 'GET', url: `/v1/dig-requests/${pkg.id}?revision=1` });
    await call('contractor', { method: 'GET', url: `/v1/dig-requests/${pkg.id}?revision=99` });
    await call('contractor', { method: 'POST', url: `/v1/dig-requests/${pkg.id}/renew` });
    await call('contractor', { method: 'POST', url: '/v1/dig-requests/00000000-0000-0000-0000-000000000000/renew' });
    const hook = (await call('owner', { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://example.org/hook', events: ['dig-request.created'] } })).json() as { id: string };
    await call('owner', { method: 'POST', url: '/v1/webhooks', payload: { url: 'http://127.0.0.1/hook', events: ['dig-request.created'] } });
    await call('contractor', { method: 'POST', url: '/v1/webhooks', payload: { url: 'https://example.org/hook', events: ['dig-request.created'] } });
    await call('owner', { method: 'GET', url: '/v1/webhooks' });
    await call('owner', { method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries?limit=10` });
    await call('contractor', { method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries` });
    await call('owner', { method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
    await call('owner', { method: 'DELETE', url: `/v1/webhooks/${hook.id}` });
    // Batches: areas with conflicts listed, a route, a cancelled one; their results.
    const batch = (await call('planner', { method: 'POST', url: '/v1/batches', payload: { areas: fc([area, { ...area, id: 'outside', geometry: rect(5, 5, 6, 6) }]), crs: UTM, infoZone: 5, conflicts: true } })).json() as { id: string };
    const route = (await call('planner', { method: 'POST', url: '/v1/batches', payload: { route: { type: 'LineString', coordinates: [[584990, 6138950], [585050, 6139050]] }, corridorWidth: 10, crs: UTM } })).json() as { id: string };
    for (const id of [batch.id, route.id]) {
      let status = 'queued';
      while (status === 'queued' || status === 'running') status = ((await call('planner', { method: 'GET', url: `/v1/batches/${id}` })).json() as { status: string }).status;
      await call('planner', { method: 'GET', url: `/v1/batches/${id}/results` });
    }
    await call('planner', { method: 'DELETE', url: `/v1/batches/${batch.id}` });
    await call('planner', { method: 'POST', url: '/v1/batches', payload: { areas: fc([area]), route: { type: 'LineString', coordinates: [] } } });
    await call('planner', { method: 'GET', url: '/v1/batches/no-such-batch' });
    // The audit log.
    await call('admin', { method: 'GET', url: '/v1/audit?limit=50' });
    await call('admin', { method: 'GET', url: '/v1/audit?limit=all' });

    // Every operation was called (and so checked).
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.filter((name) => !seen.has(name))).toEqual([]);
  });

  it('has the service\'s own types agree with it', () => {
    expect(Object.values(agree).every((v) => v)).toBe(true);
  });
});
