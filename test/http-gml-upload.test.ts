import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDir, problemOf, testApp, type TestApp } from './helpers/http-app.js';
import { answer, elledning, trace } from './helpers/ler-gml.js';

const dir = dataDir('gml-upload');
afterAll(() => dir.remove());

describe('LER 2.2 GML uploads', () => {
  let t: TestApp;
  let owner: string;
  let contractor: string;
  beforeAll(async () => {
    t = await testApp(dir.sub('gml'), { config: { limits: { maxRemovalPercent: 100, uploadBytes: 2 * 1024 ** 3 } } });
    owner = await t.key('owner', 'dk-el');
    contractor = await t.key('contractor');
  });
  afterAll(async () => t.close());

  const put = (payload: string | Buffer | Readable, type = 'application/gml+xml') => t.as(owner, { method: 'PUT', url: '/v1/owners/dk-el/network', headers: { 'content-type': type }, payload });
  const features = () => t.engine.snapshot?.networks.get('dk-el')?.features;

  it('takes a Graveforespoergselssvar: its traces, lines and the lines a trace holds', async () => {
    const doc = answer([
      trace('t1', [[585000, 6139000, 12.5], [585050, 6139000, 12.4]], ['held']),
      elledning('a', [[585000, 6139100, 11], [585040, 6139100, 11.2]]),
      elledning('held', null),
      elledning('b', [[585000, 6139200], [585040, 6139210]])
    ]);
    const res = await put(doc);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ owner: 'dk-el', version: 1, features: 4 });
    // The held line lies along its trace; Z is kept.
    const dig = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: { type: 'Polygon', coordinates: [[[585010, 6138990], [585020, 6138990], [585020, 6139010], [585010, 6139010], [585010, 6138990]]] }, crs: 'EPSG:25832', infoZone: 0 } });
    expect(dig.statusCode, dig.body).toBe(201);
    const ids = (dig.json() as { owners: { conflicts: { featureId: string }[] }[] }).owners.flatMap((o) => o.conflicts.map((c) => c.featureId)).sort();
    expect(ids).toEqual(['held', 't1']);
  });

  it('rejects a document that breaks the schema whole, naming the feature, and keeps the network', async () => {
    const wrongOrder = elledning('c', [[585000, 6139300], [585040, 6139300]]).replace('<ler:driftsstatus>i drift</ler:driftsstatus>', '').replace('<ler:type>', '<ler:driftsstatus>i drift</ler:driftsstatus><ler:type>');
    const res = await put(answer([elledning('ok', [[585000, 6139400], [585040, 6139400]]), wrongOrder]));
    expect(res.statusCode, res.body).toBe(422);
    const p = problemOf(res);
    expect(p.code).toBe('UPLOAD_REJECTED');
    const report = (res.json() as { report: { problems: { code: string; featureIndex: number; featureId: string; message: string }[] } }).report;
    expect(report.problems[0]).toMatchObject({ code: 'GML_SCHEMA_INVALID', featureIndex: 1, featureId: 'c' });
    expect(report.problems[0].message).toContain('ler:driftsstatus');
    expect(features()).toBe(4);
  });

  it('names the LER restrictions a document breaks, every one, and keeps the network', async () => {
    const cm = elledning('cm', [[585000, 6139500], [585040, 6139500]], '<ler:udvendigDiameter uom="cm">4</ler:udvendigDiameter>');
    const orientable = elledning('or', [[585000, 6139600], [585040, 6139600]]).replace(/<ler:geometri>.*<\/ler:geometri>/, '<ler:geometri><gml:OrientableCurve orientation="+"><gml:baseCurve><gml:LineString srsName="http://www.opengis.net/def/crs/EPSG/0/7416"><gml:posList srsDimension="3">585000 6139600 -99 585040 6139600 -99</gml:posList></gml:LineString></gml:baseCurve></gml:OrientableCurve></ler:geometri>');
    const crossing = elledning('x', [[585000, 6139700], [585010, 6139710], [585000, 6139710], [585010, 6139700]]);
    const res = await put(answer([elledning('ok', [[585000, 6139400], [585040, 6139400]]), cm, orientable, crossing]));
    expect(res.statusCode, res.body).toBe(422);
    const problems = (res.json() as { report: { problems: { code: string; featureIndex: number; featureId: string }[] } }).report.problems;
    const found = problems.map((p) => `${p.featureIndex}:${p.featureId}:${p.code}`);
    expect(found).toContain('1:cm:udvendigDiameterMåleenhedsrestriktion');
    expect(found).toContain('2:or:geometriDatatyperestriktion');
    expect(found).toContain('2:or:GML_FEATURE_INVALID');
    expect(found).toContain('3:x:LINE_SELF_INTERSECTS');
    expect(problems.some((p) => p.featureId === 'ok')).toBe(false);
    expect(features()).toBe(4);
  });

  it('refuses hostile XML with a 4xx and leaves the network as it was', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${answer([elledning('x', [[585000, 6139000], [585010, 6139000]], '').replace('lavspændingskabel', '&x;')]).replace(/^<\?xml[^>]*>\n/, '')}`;
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><ler:Graveforespoergselssvar xmlns:ler="http://data.gov.dk/schemas/LER/2/gml">&lol3;</ler:Graveforespoergselssvar>`;
    const deep = `<ler:Graveforespoergselssvar xmlns:ler="http://data.gov.dk/schemas/LER/2/gml">${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</ler:Graveforespoergselssvar>`;
    for (const [doc, status, code] of [
      [xxe, 400, 'GML_DOCTYPE_REFUSED'],
      [laughs, 400, 'GML_DOCTYPE_REFUSED'],
      [deep, 413, 'GML_LIMIT'],
      ['<ler:Graveforespoergselssvar xmlns:ler="http://data.gov.dk/schemas/LER/2/gml"><ler:id>', 400, 'GML_MALFORMED']
    ] as const) {
      const res = await put(doc);
      expect(res.statusCode, res.body).toBe(status);
      expect(problemOf(res).code).toBe(code);
      expect(problemOf(res).detail).toMatch(/line \d+, column \d+/);
    }
    expect(features()).toBe(4);
  });

  it('stops reading a 1 GB text node long before its end', async () => {
    let sent = 0;
    const total = 1024 ** 3;
    const block = Buffer.alloc(1 << 20, 'a');
    const body = new Readable({
      read() {
        if (sent === 0) this.push(Buffer.from('<ler:Graveforespoergselssvar xmlns:ler="http://data.gov.dk/schemas/LER/2/gml"><ler:id>'));
        if (sent >= total) return void this.push(null);
        sent += block.length;
        this.push(block);
      }
    });
    const res = await put(body);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(problemOf(res).code).toBe('GML_LIMIT');
    expect(sent).toBeLessThan(total / 4);
    expect(features()).toBe(4);
  });
});
