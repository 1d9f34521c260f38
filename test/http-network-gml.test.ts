/**
 * An owner's network downloaded as LER GML (GET /v1/owners/{owner}/network.gml): valid against the
 * official schema (xmllint and libxml2 in Node), and a round trip: GML in, GML out, read again,
 * the same features with the same attributes, geometry and heights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLerGml } from '../src/ingest/gml-reader.js';
import { dataDir, problemOf, testApp, type TestApp } from './helpers/http-app.js';
import { answer, elledning, trace } from './helpers/ler-gml.js';
import { schemaErrors } from './helpers/xmllint.js';

const dir = dataDir('network-gml');
afterAll(() => dir.remove());

const component = '<ler:ledningskomponentMember><ler:Elkomponent gml:id="k1"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2019-05</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse><ler:noejagtighedsklasse>&lt;= 0.25 m</ler:noejagtighedsklasse><ler:geometri><gml:Point srsName="http://www.opengis.net/def/crs/EPSG/0/7416"><gml:pos srsDimension="3">585020 6139030 10.5</gml:pos></gml:Point></ler:geometri><ler:type>kabelskab</ler:type></ler:Elkomponent></ler:ledningskomponentMember>';

describe('a network as LER GML, out and back in', () => {
  let t: TestApp;
  let owner: string;
  let original: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('net'));
    owner = await t.key('owner', 'dk-el');
    original = answer([
      trace('t1', [[585000, 6139000, 12.5], [585050, 6139000, 12.4]], ['held']),
      elledning('a', [[585000, 6139100, 11], [585040, 6139100, 11.25]], '<ler:udvendigDiameter uom="mm">40</ler:udvendigDiameter>'),
      elledning('held', null),
      elledning('b', [[585000, 6139200], [585040, 6139210]], '', '1990'),
      component
    ]);
    const put = await t.as(owner, { method: 'PUT', url: '/v1/owners/dk-el/network', headers: { 'content-type': 'application/gml+xml' }, payload: original });
    expect(put.statusCode, put.body).toBe(200);
  });
  afterAll(async () => t.close());

  it('downloads a document valid against the official schema, and reads it back the same', async () => {
    const res = await t.as(owner, { method: 'GET', url: '/v1/owners/dk-el/network.gml' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('application/gml+xml');
    expect(res.headers['x-network-version']).toBe('1');
    expect(schemaErrors(res.body)).toBe('');
    const before = (await readLerGml(original)).features;
    const after = (await readLerGml(res.body)).features;
    const byId = (fs: typeof before) => new Map(fs.map((f) => [String(f.id), f]));
    const a = byId(before);
    const b = byId(after);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [id, f] of a) {
      const g = b.get(id);
      // Attributes as read (the writer adds nil placeholders for elements the schema requires: those are unknown, null).
      for (const [name, value] of Object.entries(f.properties ?? {})) {
        if (name === 'nilReasons' || name === 'indeholdtLedning') continue;
        expect(g?.properties?.[name], `${id}.${name}`).toEqual(value);
      }
      // A line held by its trace comes back with the trace's geometry, as it was served.
      if (f.geometry !== null) expect(g?.geometry, id).toEqual(f.geometry);
      else expect(['LineString', 'MultiLineString'], id).toContain(g?.geometry?.type);
    }
    expect(b.get('a')?.properties?.udvendigDiameter).toBe(40);
    expect(res.body).toContain('<ler:udvendigDiameter uom="mm">40</ler:udvendigDiameter>');
    // A position without a height is written with -99 (unknown), and read back without one.
    expect(res.body).toMatch(/585040 6139210 -99/);
  });

  it('uploads the downloaded document again: the same network', async () => {
    const res = await t.as(owner, { method: 'GET', url: '/v1/owners/dk-el/network.gml' });
    const again = await t.as(owner, { method: 'PUT', url: '/v1/owners/dk-el/network', headers: { 'content-type': 'application/gml+xml' }, payload: res.body });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ version: 2, features: 5 });
    const second = await t.as(owner, { method: 'GET', url: '/v1/owners/dk-el/network.gml' });
    // The same document but for its version-derived answer id.
    const strip = (s: string) => s.replace(/<ler:id>[0-9a-f-]{36}<\/ler:id>/, '');
    expect(strip(second.body)).toBe(strip(res.body));
  });

  it('is the owner\'s own: another owner\'s key gets 403, an unknown owner 404', async () => {
    const other = await t.key('owner', 'dk-gas');
    expect(problemOf(await t.as(other, { method: 'GET', url: '/v1/owners/dk-el/network.gml' })).status).toBe(403);
    expect(problemOf(await t.as(other, { method: 'GET', url: '/v1/owners/dk-gas/network.gml' })).status).toBe(404);
  });
});
