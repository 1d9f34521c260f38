/**
 * The package as LER GML (GET /v1/dig-requests/{id}/package.gml) and the ledningspakke zip
 * (GET /v1/dig-requests/{id}/package.zip), over the demo network: every GML document valid
 * against the official schema (xmllint and libxml2-wasm), one Graveforespoergselssvar per owner
 * with its status as ler:type and its contact, the delivered lines as in the GeoJSON package
 * (clipped the same, ids as ler:id), the zip's files the package's own; access as for the package.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { unzipSync, strFromU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectLonLat } from '../src/crs/index.js';
import { DEMO_DIG_AREA, loadDemo } from '../src/http/demo.js';
import { Engine } from '../src/engine.js';
import { readLerGml } from '../src/ingest/gml-reader.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { STATUS, type Package } from '../src/package/types.js';
import type { Position } from '../src/types.js';
import { runCli } from './helpers/cli-run.js';
import { listeningApp } from './helpers/cli-service.js';
import { ADMIN_TOKEN, dataDir, problemOf, testApp, type TestApp } from './helpers/http-app.js';
import { schemaErrors } from './helpers/xmllint.js';

const dir = dataDir('package-files');
afterAll(() => dir.remove());

const LER = 'http://data.gov.dk/schemas/LER/2/gml';
const GML = 'http://www.opengis.net/gml/3.2';

function children(parent: Element, ns: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    const e = n as Element;
    if (n.nodeType === 1 && e.namespaceURI === ns && (local === undefined || e.localName === local)) out.push(e);
  }
  return out;
}

const child = (parent: Element, local: string): Element | undefined => children(parent, LER, local)[0];
const parse = (text: string): Element => new DOMParser().parseFromString(text, 'text/xml').documentElement as unknown as Element;

/** An answer's header and its members' ler:ids, as written. */
function answerOf(svar: Element): { type: string; info: string | null; contact: Record<string, string> | null; expected: string | null; ids: string[] } {
  const profile = child(svar, 'kontaktprofilTilTekniskeSpoergsmaal');
  const contact = profile === undefined ? null : Object.fromEntries(children(children(profile, LER)[0], LER).map((e) => [e.localName, e.textContent ?? '']));
  const members = children(svar, LER).filter((e) => (e.localName ?? '').endsWith('Member')).flatMap((m) => children(m, LER));
  return {
    type: child(svar, 'type')?.textContent ?? '',
    info: child(svar, 'typeSupplerendeInfo')?.textContent ?? null,
    contact,
    expected: child(svar, 'forventetAfleveringstidspunkt')?.textContent ?? null,
    ids: members.map((m) => child(m, 'id')?.textContent ?? '')
  };
}

/** Every part of a line, as 2-D positions. */
function parts(g: { type: string; coordinates: unknown } | null): Position[][] {
  if (g === null) return [];
  if (g.type === 'LineString') return [g.coordinates as Position[]];
  if (g.type === 'MultiLineString') return g.coordinates as Position[][];
  return [];
}

const lonLatToUtm = (p: Position): Position => {
  const out = [0, 0];
  projectLonLat(p[0], p[1], out, 0);
  return out;
};

describe('the package as LER GML and as a zip', () => {
  let t: TestApp;
  let contractor: string;
  let other: string;
  let vandOwner: string;
  /** The demo dig in lon/lat, and the same area asked in EPSG:25832, then answered by demo-vand (revision 2). */
  let lonLat: Package;
  let utm: Package;

  beforeAll(async () => {
    t = await testApp(dir.sub('demo'), { prepare: (engine, store) => loadDemo(engine, store) });
    contractor = await t.key('contractor');
    other = await t.key('contractor');
    vandOwner = await t.key('owner', 'demo-vand');
    const a = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: DEMO_DIG_AREA, infoZone: 2 } });
    expect(a.statusCode, a.body).toBe(201);
    lonLat = a.json() as Package;
    const area = { type: 'Polygon', coordinates: DEMO_DIG_AREA.coordinates.map((ring) => ring.map(lonLatToUtm)) };
    const b = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: area, crs: 'EPSG:25832', infoZone: 2 } });
    expect(b.statusCode, b.body).toBe(201);
    const answered = await t.as(vandOwner, { method: 'POST', url: `/v1/dig-requests/${(b.json() as Package).id}/owners/demo-vand/answer`, payload: { status: STATUS.notDelivered, reason: 'Ledningerne er under omlægning.' } });
    expect(answered.statusCode, answered.body).toBe(200);
    const got = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${(b.json() as Package).id}` });
    utm = got.json() as Package;
    expect(utm.revision).toBe(2);
  });
  afterAll(async () => t.close());

  it('package.gml: one Graveforespoergselssvar per owner in a gml:FeatureCollection, valid against the schema, each owner\'s status as ler:type', async () => {
    for (const pkg of [lonLat, utm]) {
      const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${pkg.id}/package.gml` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/gml\+xml/);
      expect(schemaErrors(res.body)).toBe('');
      const root = parse(res.body);
      expect([root.namespaceURI, root.localName]).toEqual([GML, 'FeatureCollection']);
      const answers = children(root, GML, 'featureMember').map((m) => answerOf(children(m, LER, 'Graveforespoergselssvar')[0]));
      expect(answers.map((a) => a.type)).toEqual(pkg.owners.map((o) => o.status));
      pkg.owners.forEach((o, k) => {
        const a = answers[k];
        const delivered = o.status === STATUS.delivered || o.status === STATUS.marking;
        // Delivered lines with their ids as ler:id (a line cut in two is two members of one id); the others' header only.
        expect(new Set(a.ids), o.owner).toEqual(new Set(delivered ? o.conflicts.map((c) => String(c.featureId)) : []));
        expect(a.contact, o.owner).toMatchObject({ navn: o.name });
        expect(o.contact ?? '', o.owner).toContain(a.contact?.mailadresse ?? a.contact?.telefonnummer ?? '?');
        expect(a.expected !== null, o.owner).toBe(o.status === STATUS.manual);
      });
    }
    const statuses = new Set([...lonLat.owners, ...utm.owners].map((o) => o.status));
    expect(statuses).toEqual(new Set([STATUS.delivered, STATUS.marking, STATUS.manual, STATUS.notDelivered]));
    // The owner's reason for not delivering, as typeSupplerendeInfo.
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${utm.id}/package.gml?owner=demo-vand` });
    expect(answerOf(parse(res.body))).toMatchObject({ type: STATUS.notDelivered, info: 'Ledningerne er under omlægning.', ids: [] });
  });

  it('delivers each line cut as in the GeoJSON package, in EPSG:7416 with Z -99 where unknown', async () => {
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${utm.id}/package.gml` });
    const { features, info } = await readLerGml(res.body);
    expect(info.crs).toBe('EPSG:7416');
    // Three numbers per position, the unknown heights -99.
    const posLists = [...res.body.matchAll(/<gml:posList srsDimension="3">([^<]*)</g)].map((m) => m[1].trim().split(/\s+/));
    expect(posLists.length).toBeGreaterThan(3);
    for (const numbers of posLists) {
      expect(numbers.length % 3).toBe(0);
      for (let i = 2; i < numbers.length; i += 3) expect(numbers[i]).toBe('-99');
    }
    const geo = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${utm.id}/package.geojson` });
    const expected = new Map<string, Position[][]>();
    for (const f of (geo.json() as { features: { properties: { kind: string; owner: string; status: string; featureId: string }; geometry: { type: string; coordinates: unknown } }[] }).features) {
      if (f.properties.kind !== 'conflict' || (f.properties.status !== STATUS.delivered && f.properties.status !== STATUS.marking)) continue;
      expected.set(`${f.properties.owner}:${f.properties.featureId}`, parts(f.geometry));
    }
    expect(expected.size).toBeGreaterThan(3);
    const got = new Map<string, Position[][]>();
    const ownerOf = new Map(utm.owners.flatMap((o) => o.conflicts.map((c) => [String(c.featureId), o.owner])));
    for (const f of features) {
      const key = `${ownerOf.get(String(f.id))}:${String(f.id)}`;
      got.set(key, [...(got.get(key) ?? []), ...parts(f.geometry)]);
    }
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, lines] of expected) {
      const written = got.get(key) ?? [];
      expect(written.map((l) => l.map((p) => [p[0], p[1]])), key).toEqual(lines.map((l) => l.map((p) => [p[0], p[1]])));
      // Heights unknown: written -99, which the reader takes as no height.
      for (const l of written) for (const p of l) expect(p[2], key).toBeUndefined();
    }
    // The same lines asked in lon/lat: projected back, within a millimetre.
    const ll = await readLerGml((await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${lonLat.id}/package.gml` })).body);
    const byId = new Map<string, Position[][]>();
    for (const f of features) byId.set(String(f.id), [...(byId.get(String(f.id)) ?? []), ...parts(f.geometry)]);
    let compared = 0;
    for (const f of ll.features) {
      const mine = parts(f.geometry);
      const theirs = byId.get(String(f.id));
      if (theirs === undefined || f.properties?.featureType === 'Vandledning') continue;
      expect(mine.length).toBe(theirs.length);
      mine.forEach((line, i) => line.forEach((p, j) => {
        expect(Math.abs(p[0] - theirs[i][j][0])).toBeLessThan(1e-3);
        expect(Math.abs(p[1] - theirs[i][j][1])).toBeLessThan(1e-3);
        compared++;
      }));
    }
    expect(compared).toBeGreaterThan(10);
  });

  it('package.gml?owner= is that owner\'s answer alone, a document of its own; an owner the package does not name is 404', async () => {
    for (const o of lonLat.owners) {
      const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${lonLat.id}/package.gml?owner=${o.owner}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(schemaErrors(res.body), o.owner).toBe('');
      const root = parse(res.body);
      expect(root.localName).toBe('Graveforespoergselssvar');
      expect(answerOf(root).type).toBe(o.status);
    }
    const none = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${lonLat.id}/package.gml?owner=nobody` });
    expect(none.statusCode).toBe(404);
    expect(problemOf(none).code).toBe('DIG_REQUEST_OWNER_UNKNOWN');
  });

  it('package.zip: the GML per owner and together, the GeoJSON, the JSON, the map as PNG and SVG and the status list, each as the service gives it', async () => {
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${utm.id}/package.zip` });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="ledningspakke-${utm.id}.zip"`);
    const files = unzipSync(new Uint8Array(res.rawPayload));
    expect(Object.keys(files)).toEqual(['package.json', 'package.geojson', 'package.gml', ...utm.owners.map((o) => `gml/${o.owner}.gml`), 'map.svg', 'map.png', 'status.txt', 'status.html']);
    for (const name of Object.keys(files).filter((n) => n.endsWith('.gml'))) expect(schemaErrors(files[name]), name).toBe('');
    const text = (name: string): string => strFromU8(files[name]);
    expect(JSON.parse(text('package.json'))).toEqual(utm);
    const get = async (path: string) => t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${utm.id}/${path}` });
    expect(JSON.parse(text('package.geojson'))).toEqual((await get('package.geojson')).json());
    expect(text('package.gml')).toBe((await get('package.gml')).body);
    for (const o of utm.owners) expect(text(`gml/${o.owner}.gml`)).toBe((await get(`package.gml?owner=${o.owner}`)).body);
    expect(Buffer.from(files['map.png']).equals((await get('map.png')).rawPayload)).toBe(true);
    expect(text('map.svg')).toBe((await get('map.svg')).body);
    for (const o of utm.owners) {
      expect(text('status.txt')).toContain(`(${o.owner})\nStatus:`);
      expect(text('status.txt')).toContain(o.status);
      expect(text('status.html')).toContain(`(${o.owner})`);
    }
    expect(text('status.txt')).toContain('Ledningerne er under omlægning.');
    expect(text('status.html')).toContain('<!DOCTYPE html>');
    // The same package gives the same zip.
    const again = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${utm.id}/package.zip` });
    expect(again.rawPayload.equals(res.rawPayload)).toBe(true);
  });

  it('draws the zip\'s maps one at a time: a key let draw one map at once (LER_RENDERS_PER_KEY=1) gets its zip', async () => {
    const one = await testApp(dir.sub('one-render'), { prepare: (engine, store) => loadDemo(engine, store), config: { limits: { rendersPerKey: 1 } } });
    try {
      const key = await one.key('contractor');
      const made = await one.as(key, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: DEMO_DIG_AREA, infoZone: 2 } });
      const res = await one.as(key, { method: 'GET', url: `/v1/dig-requests/${(made.json() as Package).id}/package.zip` });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
      expect(Object.keys(unzipSync(new Uint8Array(res.rawPayload)))).toContain('map.png');
    } finally {
      await one.close();
    }
  });

  it('goes to the package\'s requester and admins only: 401 without a key, 403 for an owner key, 404 for another contractor or an unknown id', async () => {
    for (const path of ['package.gml', 'package.zip']) {
      const url = `/v1/dig-requests/${lonLat.id}/${path}`;
      expect((await t.as(null, { method: 'GET', url })).statusCode, path).toBe(401);
      expect((await t.as(vandOwner, { method: 'GET', url })).statusCode, path).toBe(403);
      const stranger = await t.as(other, { method: 'GET', url });
      expect(stranger.statusCode, path).toBe(404);
      expect(problemOf(stranger).code).toBe('DIG_REQUEST_UNKNOWN');
      const unknown = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/no-such-request/${path}` });
      expect(unknown.statusCode, path).toBe(404);
      expect(problemOf(unknown).code).toBe('DIG_REQUEST_UNKNOWN');
      expect((await t.as(ADMIN_TOKEN, { method: 'GET', url })).statusCode, path).toBe(200);
    }
  });
});

/** Every file under a folder, by its path relative to it. */
function filesUnder(root: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = new Uint8Array(readFileSync(path));
    }
  };
  walk(root);
  return out;
}

describe('ler dig --out-dir and --zip: the files of package.zip', () => {
  it('at a service: the service\'s package.zip as it is, and its files in the folder', async () => {
    const service = await listeningApp(dir.sub('cli-remote'), { prepare: (engine, store) => loadDemo(engine, store) });
    try {
      const token = await service.key('contractor');
      const area = join(dir.path, 'area-remote.geojson');
      writeFileSync(area, JSON.stringify(DEMO_DIG_AREA));
      const out = join(dir.path, 'remote-pkg');
      const zip = join(dir.path, 'remote.zip');
      const r = await runCli(['dig', area, '--info-zone', '2', '--url', service.url, '--token', token, '--out-dir', out, '--zip', zip]);
      expect(r.code, r.stderr).toBe(0);
      const pkg = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as Package;
      const served = await service.as(token, { method: 'GET', url: `/v1/dig-requests/${pkg.id}/package.zip` });
      expect(readFileSync(zip).equals(served.rawPayload)).toBe(true);
      expect(filesUnder(out)).toEqual(unzipSync(new Uint8Array(served.rawPayload)));
      expect(r.stderr).toContain(join(out, 'gml', 'demo-el.gml'));
    } finally {
      await service.close();
    }
  });

  it('on the local store: the same files, valid GML, and the zip holding them', async () => {
    const data = dir.sub('cli-local');
    const store = new SqliteStore({ dataDir: data });
    const engine = await Engine.open({ store, workers: 0 });
    await loadDemo(engine, store);
    await engine.close();
    await store.close();
    const area = join(dir.path, 'area-local.geojson');
    writeFileSync(area, JSON.stringify(DEMO_DIG_AREA));
    const out = join(dir.path, 'local-pkg');
    const zip = join(dir.path, 'local', 'ledningspakke.zip');
    const r = await runCli(['dig', area, '--info-zone', '2', '--data-dir', data, '--out-dir', out, '--zip', zip]);
    expect(r.code, r.stderr).toBe(0);
    const files = filesUnder(out);
    const pkg = JSON.parse(strFromU8(files['package.json'])) as Package;
    expect(Object.keys(unzipSync(new Uint8Array(readFileSync(zip))))).toEqual(['package.json', 'package.geojson', 'package.gml', ...pkg.owners.map((o) => `gml/${o.owner}.gml`), 'map.svg', 'map.png', 'status.txt', 'status.html']);
    expect(unzipSync(new Uint8Array(readFileSync(zip)))).toEqual(files);
    for (const name of Object.keys(files).filter((n) => n.endsWith('.gml'))) expect(schemaErrors(files[name]), name).toBe('');
    expect(existsSync(join(out, 'map.png'))).toBe(true);
  });
});
