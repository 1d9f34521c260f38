/**
 * LER 2.2 GML read as a stream: members of a Graveforespoergselssvar and of a FeatureCollection
 * become features with LER's attribute names, measures in the model's units, nil values and
 * repeated elements kept, every geometry LER uses; hostile XML is refused with line and column.
 */
import { describe, expect, it } from 'vitest';
import { LerGmlReader, readLerGml } from '../src/ingest/gml-reader.js';

const HEAD = '<ler:Graveforespoergselssvar xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xlink="http://www.w3.org/1999/xlink" gml:id="g1" schemaVersion="2.2"><ler:id>8f0c2b3a-1d2e-4f5a-9b6c-7d8e9f0a1b2c</ler:id><ler:type>ledningsoplysninger udleveret</ler:type>';
const TAIL = '</ler:Graveforespoergselssvar>';
const SRS = 'srsName="http://www.opengis.net/def/crs/EPSG/0/7416"';

const elledning = (gmlId: string, inner: string, geometry = `<gml:LineString ${SRS}><gml:posList srsDimension="3">585000 6139000 -99 585100 6139000 -1.2</gml:posList></gml:LineString>`): string =>
  `<ler:ledningMember><ler:Elledning gml:id="${gmlId}"><ler:driftsstatus>i drift</ler:driftsstatus><ler:etableringstidspunkt>2022-01-01</ler:etableringstidspunkt><ler:fareklasse>farlig</ler:fareklasse>${inner}<ler:geometri>${geometry}</ler:geometri><ler:type>forsyningskabel</ler:type></ler:Elledning></ler:ledningMember>`;

describe('the LER GML reader', () => {
  it('reads the members of an answer, with ids, measures in the model\'s units, nil values, links and repeated elements', async () => {
    const doc = HEAD
      + elledning('e-1', '<ler:id>EL-0001</ler:id><ler:noejagtighedsklasse>&lt;= 0.25 m</ler:noejagtighedsklasse><ler:vejledendeDybde uom="m">0.6</ler:vejledendeDybde><ler:udvendigDiameter uom="mm">42</ler:udvendigDiameter><ler:spaendingsniveau uom="V">400</ler:spaendingsniveau>')
      + elledning('e-2', '<ler:noejagtighedsklasseVertikal xsi:nil="true" nilReason="unknown"/>')
      + `<ler:ledningstraceMember><ler:Ledningstrace gml:id="t-1"><ler:driftsstatus>i drift</ler:driftsstatus><ler:fareklasse>ikke farlig</ler:fareklasse><ler:geometri><gml:MultiCurve ${SRS}><gml:curveMember><gml:LineString><gml:posList>585000 6139010 -99 585050 6139010 -99</gml:posList></gml:LineString></gml:curveMember><gml:curveMember><gml:Curve><gml:segments><gml:LineStringSegment><gml:posList>585050 6139010 -99 585060 6139020 -99</gml:posList></gml:LineStringSegment><gml:LineStringSegment><gml:posList>585060 6139020 -99 585070 6139020 -99</gml:posList></gml:LineStringSegment></gml:segments></gml:Curve></gml:curveMember></gml:MultiCurve></ler:geometri><ler:bredde uom="cm">80</ler:bredde><ler:forsyningsart>el</ler:forsyningsart><ler:forsyningsart>telekommunikation</ler:forsyningsart><ler:indeholdtLedning xlink:href="#e-2"/></ler:Ledningstrace></ler:ledningstraceMember>`
      + `<ler:ledningskomponentMember><ler:Elkomponent gml:id="k-1"><ler:driftsstatus>i drift</ler:driftsstatus><ler:geometri><gml:Point ${SRS}><gml:pos>585010 6139005 -99</gml:pos></gml:Point></ler:geometri><ler:type>kabelskab</ler:type></ler:Elkomponent></ler:ledningskomponentMember>`
      + `<ler:ledningskomponentMember><ler:Elkomponent gml:id="k-2"><ler:geometri><gml:Polygon ${SRS}><gml:exterior><gml:LinearRing><gml:posList>0 0 -99 2 0 -99 2 2 -99 0 0 -99</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon></ler:geometri></ler:Elkomponent></ler:ledningskomponentMember>`
      + TAIL;
    const { features, info } = await readLerGml(doc);
    expect(info).toMatchObject({ root: 'Graveforespoergselssvar', crs: 'EPSG:7416', answerId: '8f0c2b3a-1d2e-4f5a-9b6c-7d8e9f0a1b2c', answerType: 'ledningsoplysninger udleveret' });
    // The header is kept whole for the schema check: the answer's own elements, not its members.
    expect(info.header?.children.map((c) => c.local)).toEqual(['id', 'type']);
    expect(features.map((f) => f.id)).toEqual(['EL-0001', 'e-2', 't-1', 'k-1', 'k-2']);
    expect(features[0]).toEqual({
      type: 'Feature',
      id: 'EL-0001',
      geometry: { type: 'LineString', coordinates: [[585000, 6139000], [585100, 6139000, -1.2]] },
      properties: { featureType: 'Elledning', driftsstatus: 'i drift', etableringstidspunkt: '2022-01-01', fareklasse: 'farlig', noejagtighedsklasse: '<= 0.25 m', vejledendeDybde: 600, udvendigDiameter: 42, spaendingsniveau: 0.4, type: 'forsyningskabel' }
    });
    expect(features[1].properties).toMatchObject({ noejagtighedsklasseVertikal: null, nilReasons: { noejagtighedsklasseVertikal: 'unknown' } });
    expect(features[2]).toMatchObject({
      geometry: { type: 'MultiLineString', coordinates: [[[585000, 6139010], [585050, 6139010]], [[585050, 6139010], [585060, 6139020], [585070, 6139020]]] },
      properties: { featureType: 'Ledningstrace', bredde: 0.8, forsyningsart: ['el', 'telekommunikation'], indeholdtLedning: '#e-2' }
    });
    expect(features[3].geometry).toEqual({ type: 'Point', coordinates: [585010, 6139005] });
    expect(features[4].geometry).toEqual({ type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 2], [0, 0]]] });
  });

  it('reads a document in pieces of any size, features as they close', async () => {
    const doc = HEAD + Array.from({ length: 50 }, (_, i) => elledning(`e-${i}`, '')).join('') + TAIL;
    const whole = (await readLerGml(doc)).features;
    for (const size of [1, 7, 64, 1000]) {
      const seen: number[] = [];
      const reader = new LerGmlReader((_f, i) => seen.push(i));
      for (let at = 0; at < doc.length; at += size) reader.write(doc.slice(at, at + size));
      reader.end();
      expect(seen).toEqual(whole.map((_f, i) => i));
    }
    // UTF-8 bytes split inside a character.
    const bytes = Buffer.from(doc.replace('forsyningskabel', 'forsyningskabel æøå'));
    const pieces = Array.from({ length: Math.ceil(bytes.length / 3) }, (_, i) => bytes.subarray(i * 3, i * 3 + 3));
    const read = await readLerGml(pieces);
    expect(read.features[0].properties?.type).toBe('forsyningskabel æøå');
  });

  it('reads a WFS/GML FeatureCollection of ler features, and EPSG:25832 with two numbers per position', async () => {
    const doc = `<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0" xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2"><wfs:member><ler:Vandledning gml:id="v-1"><ler:geometri><gml:LineString srsName="EPSG:25832" srsDimension="2"><gml:posList>1 2 3 4</gml:posList></gml:LineString></ler:geometri></ler:Vandledning></wfs:member></wfs:FeatureCollection>`;
    const { features, info } = await readLerGml(doc);
    expect(info.crs).toBe('EPSG:25832');
    expect(features).toEqual([{ type: 'Feature', id: 'v-1', geometry: { type: 'LineString', coordinates: [[1, 2], [3, 4]] }, properties: { featureType: 'Vandledning' } }]);
  });

  it('refuses hostile XML with line and column: DOCTYPE (XXE, billion laughs), deep nesting, a huge text node, too many attributes', async () => {
    const xxe = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>';
    await expect(readLerGml(xxe)).rejects.toMatchObject({ code: 'GML_DOCTYPE_REFUSED', status: 400 });
    const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]><lolz>&lol9;</lolz>`;
    await expect(readLerGml(laughs)).rejects.toMatchObject({ code: 'GML_DOCTYPE_REFUSED' });
    // An entity nobody declared is not well-formed.
    await expect(readLerGml('<x>&lol;</x>')).rejects.toMatchObject({ code: 'GML_MALFORMED', message: expect.stringMatching(/line 1, column/) });
    await expect(readLerGml(`${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}`)).rejects.toMatchObject({ code: 'GML_LIMIT', message: expect.stringMatching(/deeper than 64/) });
    // A huge text node, fed in pieces: stopped at the limit, long before the end.
    const reader = new LerGmlReader(() => {}, { maxDepth: 64, maxTextChars: 1000, maxAttributes: 32 });
    reader.write(`${HEAD}<ler:ledningMember><ler:Elledning gml:id="x"><ler:type>`);
    let written = 0;
    expect(() => {
      for (; written < 1_000_000; written += 100) reader.write('a'.repeat(100));
    }).toThrow(/longer than 1000/);
    expect(written).toBeLessThan(2000);
    const attributes = Array.from({ length: 40 }, (_, i) => `a${i}="1"`).join(' ');
    await expect(readLerGml(`<x ${attributes}/>`)).rejects.toMatchObject({ code: 'GML_LIMIT' });
    await expect(readLerGml('<x><y></x>')).rejects.toMatchObject({ code: 'GML_MALFORMED' });
    await expect(readLerGml('')).rejects.toMatchObject({ code: 'GML_MALFORMED' });
  });

  it('says which feature cannot be read, and why', async () => {
    await expect(readLerGml(HEAD + elledning('e-1', '<ler:udvendigDiameter uom="inch">2</ler:udvendigDiameter>') + TAIL)).rejects.toMatchObject({ code: 'GML_FEATURE_INVALID', message: expect.stringMatching(/udvendigDiameter in "inch"/) });
    await expect(readLerGml(HEAD + elledning('e-1', '', `<gml:LineString srsName="EPSG:4326"><gml:posList>1 2 3 4 5 6</gml:posList></gml:LineString>`) + TAIL)).rejects.toMatchObject({ message: expect.stringMatching(/EPSG:7416/) });
    await expect(readLerGml(HEAD + elledning('e-1', '', `<gml:LineString ${SRS}><gml:posList>1 2 3 4</gml:posList></gml:LineString>`) + TAIL)).rejects.toMatchObject({ message: expect.stringMatching(/not a multiple of its dimension 3/) });
    await expect(readLerGml(HEAD + elledning('e-1', '', `<gml:OrientableCurve ${SRS}/>`) + TAIL)).rejects.toMatchObject({ message: expect.stringMatching(/not a geometry LER uses/) });
    await expect(readLerGml(`${HEAD}<ler:ledningMember><ler:Elledning><ler:type>x</ler:type></ler:Elledning></ler:ledningMember>${TAIL}`)).rejects.toMatchObject({ message: expect.stringMatching(/neither ler:id nor gml:id/) });
  });
});

describe('the LER GML reader, times', () => {
  it('keeps an indeterminate position, and reads a time that is only "unknown" as no time', async () => {
    const doc = `<ler:Elledning xmlns:ler="http://data.gov.dk/schemas/LER/2/gml" xmlns:gml="http://www.opengis.net/gml/3.2" gml:id="x"><ler:etableringstidspunkt indeterminatePosition="unknown"/><ler:geometri><gml:LineString srsName="EPSG:25832"><gml:posList srsDimension="3">700000 6200000 -99 700010 6200010 -99</gml:posList></gml:LineString></ler:geometri></ler:Elledning>`;
    const { features } = await readLerGml(doc);
    expect(features[0].properties).toMatchObject({ etableringstidspunktPosition: 'unknown' });
    expect(features[0].properties).not.toHaveProperty('etableringstidspunkt');
    const before = await readLerGml(doc.replace('indeterminatePosition="unknown"/>', 'indeterminatePosition="before">1990</ler:etableringstidspunkt>'));
    expect(before.features[0].properties).toMatchObject({ etableringstidspunkt: '1990', etableringstidspunktPosition: 'before' });
  });
});
