/**
 * The LER 2.2 GML writer (src/package/gml-writer.ts) and its element-order table: the table is
 * what the schema says (regenerated, it is the same file); every feature type written with every
 * element it has is valid against the schema (xmllint and libxml2-wasm), its elements in schema
 * order; the reader reads the output back into the same features (ids, attributes, coordinates
 * with Z); what LER requires and the feature lacks is written nil or as LER allows; gml:ids are
 * valid and unique whatever the ids; the answer's header keeps LER's restrictions.
 */
import { readFileSync } from 'node:fs';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { generateOrderTable, SCHEMA_FILE, TABLE_FILE } from '../scripts/ler-gml-order.js';
import { readLerGml, type LerGmlFeature } from '../src/ingest/gml-reader.js';
import { COMPONENT_TYPES, LINE_TYPES } from '../src/model/ler.js';
import { LER_CODE_LISTS, LER_TYPES, type LerElementSpec } from '../src/package/gml-order.js';
import { gmlIdOf, gmlText, nameUuid, writeAnswerCollection, writeGraveforespoergselssvar, type AnswerHeader, type MemberKind, type WritableFeature } from '../src/package/gml-writer.js';
import { answerHeaderOf, contactProfileOf } from '../src/package/package-gml.js';
import { STATUS, type Package, type PackageOwner } from '../src/package/types.js';
import { schemaErrors } from './helpers/xmllint.js';

const LER = 'http://data.gov.dk/schemas/LER/2/gml';
const GML = 'http://www.opengis.net/gml/3.2';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const HEADER: AnswerHeader = { id: nameUuid('test'), type: STATUS.delivered };

const write = (features: WritableFeature[] | ((kind: MemberKind) => WritableFeature[]), header: AnswerHeader = HEADER, crs?: string): Promise<string> =>
  gmlText(writeGraveforespoergselssvar(header, features, crs !== undefined ? { crs } : {}));

function elementsOf(parent: Element, ns?: string): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 1 && (ns === undefined || (n as Element).namespaceURI === ns)) out.push(n as Element);
  return out;
}

function parse(text: string): Element {
  return new DOMParser().parseFromString(text, 'text/xml').documentElement as unknown as Element;
}

/** Every feature element of an answer, by member. */
function features(root: Element): Element[] {
  return elementsOf(root, LER).filter((m) => (m.localName ?? '').endsWith('Member')).flatMap((m) => elementsOf(m, LER));
}

/** Measures the reader converts to the model's units (the others it gives as their text). */
const READ_MEASURES = new Set(['vejledendeDybde', 'udvendigDiameter', 'bredde', 'spaendingsniveau', 'tryk', 'temperatur']);

/** A value the reader gives back for an element of this kind: numbers for measures (in the model's unit), text for the rest. */
function sample(spec: LerElementSpec, type: string): unknown {
  switch (spec.kind) {
    case 'measure':
      if (!READ_MEASURES.has(spec.name)) return '125';
      return spec.name === 'bredde' ? 0.45 : spec.name === 'spaendingsniveau' ? 0.4 : 125;
    case 'code':
      return LER_CODE_LISTS[spec.type ?? '']?.values[spec.name === 'type' ? 0 : 1] ?? 'x';
    case 'string':
      return spec.name === 'type' ? 'pumpe' : `${spec.name} ${type} <&> "æøå"`.slice(0, spec.maxLength ?? 100);
    case 'boolean':
      return 'true';
    case 'integer':
      return '3';
    case 'decimal':
      return '0.5';
    case 'date':
      return '2021-03-04';
    case 'dateTime':
      return '2021-03-04T05:06:07Z';
    case 'position':
      return '12.5';
    case 'reference':
      return '#other-1';
    default:
      return undefined;
  }
}

/** A feature of the type with every element it can have, as the reader gives it. */
function fullFeature(type: string, id: string): LerGmlFeature {
  const properties: Record<string, unknown> = { featureType: type };
  for (const spec of LER_TYPES[type].elements) {
    if (spec.name === 'id' || spec.kind === 'geometry' || spec.kind === 'contact') continue;
    if (spec.name === 'etableringstidspunkt') {
      properties.etableringstidspunkt = '1990';
      properties.etableringstidspunktPosition = 'before';
      continue;
    }
    const value = sample(spec, type);
    if (value === undefined) continue;
    properties[spec.name] = spec.max > 1 ? [value, spec.kind === 'reference' ? '#other-2' : value] : value;
  }
  const geometry = type === 'Ledningstrace'
    ? { type: 'MultiLineString' as const, coordinates: [[[585000, 6139000, 10.5], [585010.25, 6139010.125]], [[585020, 6139000], [585030, 6139005, 11]]] }
    : type in COMPONENT_TYPES
      ? { type: 'Point' as const, coordinates: [585001.5, 6139002.25, 9.75] }
      : { type: 'LineString' as const, coordinates: [[585000, 6139000, 10.5], [585010.25, 6139010.125], [585020, 6139000, 11]] };
  return { type: 'Feature', id, geometry, properties };
}

/** A feature with every value as its text (a number, a boolean as written), for comparing across the reader's typing. */
function asText(f: LerGmlFeature): LerGmlFeature {
  const text = (v: unknown): unknown => (Array.isArray(v) ? v.map(text) : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
  return { ...f, properties: Object.fromEntries(Object.entries(f.properties ?? {}).map(([k, v]) => [k, k === 'nilReasons' ? v : text(v)])) };
}

const ALL_TYPES = ['Ledningstrace', ...Object.keys(LINE_TYPES), ...Object.keys(COMPONENT_TYPES)];

describe('the element order table', () => {
  it('is what the schema says: regenerated from schemas/ler-2.2/2.2_ler.xsd, it is the same file', () => {
    expect(generateOrderTable(readFileSync(SCHEMA_FILE, 'utf8'))).toBe(readFileSync(TABLE_FILE, 'utf8'));
  });

  it('lists a type\'s elements after its base types\', with their kinds, occurrences and nil', () => {
    const names = (type: string): string[] => LER_TYPES[type].elements.map((e) => e.name);
    // LedningEllerLedningstrace, then Ledning, then Elledning's own.
    expect(names('Elledning').slice(0, 3)).toEqual(['driftsstatus', 'ejerskabsforhold', 'etableringstidspunkt']);
    expect(names('Elledning').indexOf('geometri')).toBeGreaterThan(names('Elledning').indexOf('kontaktprofilTilTekniskeSpoergsmaal'));
    expect(names('Elledning').slice(-5)).toEqual(['type', 'afdaekning', 'antalKabler', 'kabeltype', 'spaendingsniveau']);
    // Roerledning's between Ledning's and Vandledning's (none of its own).
    expect(names('Vandledning').slice(-4)).toEqual(['tvaersnitsform', 'udnyttelsesgrad', 'udvendigBredde', 'udvendigHoejde']);
    const get = (type: string, name: string): LerElementSpec | undefined => LER_TYPES[type].elements.find((e) => e.name === name);
    expect(get('Ledningstrace', 'geometri')).toMatchObject({ kind: 'geometry', type: 'MultiCurve', min: 1 });
    expect(get('Elledning', 'geometri')).toMatchObject({ kind: 'geometry', type: 'Curve', min: 0 });
    expect(get('Ledningstrace', 'forsyningsart')).toMatchObject({ kind: 'code', min: 1, max: Infinity, nillable: true, type: 'Forsyningsart' });
    expect(get('Elledning', 'etableringstidspunkt')).toMatchObject({ kind: 'time', min: 1, nillable: false });
    expect(get('Elledning', 'vejledendeDybde')).toMatchObject({ kind: 'measure', nillable: true });
    expect(get('Elledning', 'startkomponent')).toMatchObject({ kind: 'reference' });
    expect(get('Elledning', 'antalKabler')).toMatchObject({ kind: 'integer' });
    expect(get('Graveforespoergselssvar', 'kontaktprofilTilTekniskeSpoergsmaal')).toMatchObject({ kind: 'contact', type: 'Kontaktprofil' });
    expect(LER_CODE_LISTS.Forsyningsart).toEqual({ open: true, values: ['afløb', 'el', 'fjernvarme/fjernkøling', 'gas', 'olie', 'telekommunikation', 'vand'] });
    expect(LER_CODE_LISTS.Graveforespoergselssvartype.values).toEqual(Object.values(STATUS).sort((a, b) => LER_CODE_LISTS.Graveforespoergselssvartype.values.indexOf(a) - LER_CODE_LISTS.Graveforespoergselssvartype.values.indexOf(b)));
    expect([...LER_CODE_LISTS.Graveforespoergselssvartype.values].sort()).toEqual(Object.values(STATUS).sort());
  });
});

describe('the GML writer', () => {
  it('writes every feature type with every element it has: valid against the schema, in schema order, and read back the same', async () => {
    const input = ALL_TYPES.map((type, k) => fullFeature(type, `f${k}-${type}`));
    // Properties in reverse order: the writer follows the schema, not the feature.
    const shuffled = input.map((f) => ({ ...f, properties: Object.fromEntries(Object.entries(f.properties ?? {}).reverse()) }));
    const text = await write(shuffled);
    expect(schemaErrors(text)).toBe('');
    const root = parse(text);
    const written = features(root);
    expect(written.map((e) => e.localName)).toEqual(ALL_TYPES);
    for (const e of written) {
      const type = e.localName ?? '';
      const order = LER_TYPES[type].elements.map((s) => s.name);
      const got = elementsOf(e, LER).map((c) => c.localName ?? '');
      const positions = got.map((n) => order.indexOf(n));
      expect(positions.every((p) => p >= 0), `${type}: ${got.join(', ')}`).toBe(true);
      expect(positions, type).toEqual([...positions].sort((a, b) => a - b));
    }
    // Read back: the same features (the reader may type a value the sample gives as text), and
    // written and read again, exactly the same.
    const back = (await readLerGml(text)).features;
    expect(back.map(asText)).toEqual(input.map(asText));
    const again = (await readLerGml(await write(back))).features;
    expect(again).toEqual(back);
  });

  it('keeps Z, writes -99 where a position has none, and writes three numbers per position in EPSG:7416', async () => {
    const text = await write([{ type: 'Feature', id: 'z', geometry: { type: 'LineString', coordinates: [[585000, 6139000], [585001, 6139001, 12.25], [585002, 6139002, Number.NaN]] }, properties: { featureType: 'Elledning', driftsstatus: 'i drift', fareklasse: 'farlig', etableringstidspunkt: '2020-01-01', noejagtighedsklasse: '<= 0.50 m', type: 'forsyningskabel' } }]);
    expect(schemaErrors(text)).toBe('');
    expect(text).toContain('srsName="http://www.opengis.net/def/crs/EPSG/0/7416" srsDimension="3"><gml:posList srsDimension="3">585000 6139000 -99 585001 6139001 12.25 585002 6139002 -99</gml:posList>');
    const back = await readLerGml(text);
    expect(back.features[0].geometry).toEqual({ type: 'LineString', coordinates: [[585000, 6139000], [585001, 6139001, 12.25], [585002, 6139002]] });
  });

  it('writes a multi-part line as one member per part, each a LineString with the line\'s ler:id', async () => {
    const line: WritableFeature = { type: 'Feature', id: 'm1', geometry: { type: 'MultiLineString', coordinates: [[[0, 0, 1], [1, 1, 2]], [[5, 5], [6, 6]], [[8, 8], [9, 9]]] }, properties: { featureType: 'Vandledning', driftsstatus: 'i drift', fareklasse: 'ikke farlig', etableringstidspunkt: '2001', noejagtighedsklasse: '<= 1.00 m', tvaersnitsform: 'cirkulær' } };
    const text = await write([line]);
    expect(schemaErrors(text)).toBe('');
    const written = features(parse(text));
    expect(written.map((e) => e.getAttributeNS(GML, 'id'))).toEqual(['m1', 'ler.m1.p2', 'ler.m1.p3']);
    const back = await readLerGml(text);
    expect(back.features.map((f) => [f.id, f.geometry])).toEqual([
      ['m1', { type: 'LineString', coordinates: [[0, 0, 1], [1, 1, 2]] }],
      ['m1', { type: 'LineString', coordinates: [[5, 5], [6, 6]] }],
      ['m1', { type: 'LineString', coordinates: [[8, 8], [9, 9]] }]
    ]);
  });

  it('writes components as Point, MultiPoint, Polygon (with holes) and MultiSurface', async () => {
    const base = { featureType: 'Vandkomponent', type: 'brandhane' };
    const ring = [[0, 0, 1], [10, 0, 1], [10, 10, 1], [0, 10, 1], [0, 0, 1]];
    const hole = [[2, 2], [4, 2], [4, 4], [2, 2]];
    const input: WritableFeature[] = [
      { type: 'Feature', id: 'p', geometry: { type: 'Point', coordinates: [1, 2, 3] }, properties: base },
      { type: 'Feature', id: 'mp', geometry: { type: 'MultiPoint', coordinates: [[1, 2], [3, 4]] }, properties: base },
      { type: 'Feature', id: 'pg', geometry: { type: 'Polygon', coordinates: [ring, hole] }, properties: base },
      { type: 'Feature', id: 'ms', geometry: { type: 'MultiPolygon', coordinates: [[ring], [hole]] }, properties: base }
    ];
    const text = await write(input);
    expect(schemaErrors(text)).toBe('');
    const shapes = features(parse(text)).map((e) => elementsOf(elementsOf(e, LER).find((c) => c.localName === 'geometri') as Element)[0].localName);
    expect(shapes).toEqual(['Point', 'MultiPoint', 'Polygon', 'MultiSurface']);
    const back = await readLerGml(text.replace(/<ler:ledningskomponentMember><ler:Vandkomponent gml:id="mp">.*?<\/ler:ledningskomponentMember>/, ''));
    expect(back.features.map((f) => f.geometry)).toEqual([
      { type: 'Point', coordinates: [1, 2, 3] },
      { type: 'Polygon', coordinates: [ring, hole] },
      { type: 'MultiPolygon', coordinates: [[ring], [hole]] }
    ]);
  });

  it('writes what LER requires and the feature lacks as nil (unknown), or as LER allows where it cannot be nil', async () => {
    const text = await write([
      { type: 'Feature', id: 'bare-line', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'AndenLedning' } },
      { type: 'Feature', id: 'bare-trace', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'Ledningstrace' } },
      { type: 'Feature', id: 'bare-comp', geometry: { type: 'Point', coordinates: [0, 0] }, properties: { featureType: 'AndenKomponent' } },
      { type: 'Feature', id: 'bare-el', geometry: { type: 'Point', coordinates: [0, 0] }, properties: { featureType: 'Elkomponent' } }
    ]);
    expect(schemaErrors(text)).toBe('');
    const [trace, line, comp, el] = features(parse(text)).map((e) => Object.fromEntries(elementsOf(e, LER).map((c) => [c.localName, c.getAttributeNS(XSI, 'nil') === 'true' ? `nil:${c.getAttribute('nilReason')}` : c.getAttribute('indeterminatePosition') ? `position:${c.getAttribute('indeterminatePosition')}` : c.textContent])));
    expect(line).toMatchObject({ driftsstatus: 'nil:unknown', etableringstidspunkt: 'position:unknown', fareklasse: 'nil:unknown', noejagtighedsklasse: 'nil:unknown', noejagtighedsklasseVertikal: 'nil:unknown', forsyningsart: 'other: ukendt', tvaersnitsform: 'nil:unknown' });
    expect(trace).toMatchObject({ driftsstatus: 'nil:unknown', etableringstidspunkt: 'position:unknown', fareklasse: 'nil:unknown', forsyningsart: 'nil:unknown', noejagtighedsklasse: 'nil:unknown' });
    expect(comp).toMatchObject({ forsyningsart: 'other: ukendt', type: 'ukendt' });
    expect(comp.etableringstidspunkt).toBeUndefined();
    expect(el).toMatchObject({ type: 'other: ukendt' });
    // A pipe with a diameter and no cross-section is round (udvendigDiameterMåIkkeAngives).
    const pipe = await write([{ type: 'Feature', id: 'pipe', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'Vandledning', udvendigDiameter: 110 } }]);
    expect(schemaErrors(pipe)).toBe('');
    expect(pipe).toContain('<ler:tvaersnitsform>cirkulær</ler:tvaersnitsform>');
    // A line with no geometry of its own (in a trace) says nothing of its accuracy (nøjagtighedsklasseBetingelse).
    const inTrace = await write([{ type: 'Feature', id: 'held', geometry: null, properties: { featureType: 'Elledning', noejagtighedsklasse: '<= 0.50 m' } }]);
    expect(schemaErrors(inTrace)).toBe('');
    expect(inTrace).not.toContain('noejagtighedsklasse');
    expect(inTrace).not.toContain('geometri');
  });

  it('writes only LER elements of the type: not featureType, nilReasons or an owner\'s own extras', async () => {
    const text = await write([{ type: 'Feature', id: 'x', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'Elledning', forsyningsart: 'el', ejerNote: 'privat', nilReasons: { fareklasse: 'unknown' }, fareklasse: null, driftsstatus: 'i drift', etableringstidspunkt: '2020-01-01', noejagtighedsklasse: '<= 0.50 m', type: 'forsyningskabel', bredde: 3 } }]);
    expect(schemaErrors(text)).toBe('');
    for (const name of ['featureType', 'forsyningsart', 'ejerNote', 'nilReasons', 'bredde']) expect(text).not.toContain(`ler:${name}`);
    expect(text).toContain('<ler:fareklasse xsi:nil="true" nilReason="unknown"/>');
  });

  it('keeps open code lists\' `other: …` values verbatim and writes an owner\'s own kind as one', async () => {
    const comp = (id: string, forsyningsart: string): WritableFeature => ({ type: 'Feature', id, geometry: { type: 'Point', coordinates: [0, 0] }, properties: { featureType: 'AndenKomponent', forsyningsart, type: 'skab' } });
    const text = await write([comp('a', 'other: trykluft'), comp('b', 'trykluft anlæg'), comp('c', 'vand')]);
    expect(schemaErrors(text)).toBe('');
    const back = await readLerGml(text);
    expect(back.features.map((f) => f.properties?.forsyningsart)).toEqual(['other: trykluft', 'other: trykluftanlæg', 'vand']);
    // A closed list takes no other value: a nillable element is nil, another is left out.
    const closed = await write([{ type: 'Feature', id: 'd', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'Elledning', driftsstatus: 'kaput', niveau: 'i luften', etableringstidspunkt: '2020', fareklasse: 'farlig', noejagtighedsklasse: '<= 0.50 m', type: 'forsyningskabel' } }]);
    expect(schemaErrors(closed)).toBe('');
    expect(closed).toContain('<ler:driftsstatus xsi:nil="true" nilReason="unknown"/>');
    expect(closed).not.toContain('ler:niveau');
  });

  it('writes measures in LER\'s units: a trace\'s bredde in mm, read back in metres', async () => {
    const text = await write([{ type: 'Feature', id: 't', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'Ledningstrace', bredde: 1.1, forsyningsart: ['el', 'gas'], noejagtighedsklasse: '<= 0.25 m', noejagtighedsklasseVertikal: '<= 0.25 m', driftsstatus: 'i drift', fareklasse: 'farlig', etableringstidspunkt: '2020-01-01', vejledendeDybde: 600 } }]);
    expect(schemaErrors(text)).toBe('');
    expect(text).toContain('<ler:bredde uom="mm">1100</ler:bredde>');
    expect(text).toContain('<ler:vejledendeDybde uom="mm">600</ler:vejledendeDybde>');
    const back = await readLerGml(text);
    expect(back.features[0].properties).toMatchObject({ bredde: 1.1, forsyningsart: ['el', 'gas'], vejledendeDybde: 600 });
  });

  it('gives every feature a valid, unique, deterministic gml:id whatever its id, and ler:id as given (up to LER\'s 36 characters)', async () => {
    const ids = ['plain-1', '1starts-with-digit', 'has space', 'ler.looks-like-ours', 'ler.looks-like-ours.p2', 'æøå/ÆØÅ', 'a'.repeat(37), 42, 'x:y', 'has_space', 'ler.has_space.p2'];
    // In two parts each, but the long id: its second part would be known by its own gml:id.
    const input: WritableFeature[] = ids.map((id) => ({ type: 'Feature', id, geometry: String(id).length > 36 ? { type: 'LineString', coordinates: [[0, 0], [1, 1]] } : { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] }, properties: { featureType: 'Elledning', driftsstatus: 'i drift', fareklasse: 'farlig', etableringstidspunkt: '2020', noejagtighedsklasse: '<= 0.50 m', type: 'forsyningskabel' } }));
    const text = await write(input);
    // xmllint checks gml:id as xs:ID: NCNames, unique in the document.
    expect(schemaErrors(text)).toBe('');
    expect(await write(input)).toBe(text);
    const all = [...text.matchAll(/gml:id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(all).size).toBe(all.length);
    expect(gmlIdOf('plain-1')).toBe('plain-1');
    expect(gmlIdOf('plain-1', 'o2.')).toBe('o2.plain-1');
    expect(gmlIdOf('has space')).toMatch(/^ler\.has_space\.[0-9a-f]{8}$/);
    const back = await readLerGml(text);
    // Each line in two parts: two members with the same id; an id past 36 characters is its gml:id.
    expect(back.features.map((f) => f.id)).toEqual(ids.flatMap((id) => (String(id).length > 36 ? [String(id)] : [String(id), String(id)])));
  });

  it('streams: a pass per member kind gives the same document as one pass, in chunks of about 64 KiB', async () => {
    const many: WritableFeature[] = [];
    for (let i = 0; i < 3000; i++) {
      const type = ['Elledning', 'Ledningstrace', 'Elkomponent'][i % 3];
      const geometry = type === 'Elkomponent' ? { type: 'Point' as const, coordinates: [i, i] } : { type: 'LineString' as const, coordinates: [[i, 0], [i, 1]] };
      many.push({ type: 'Feature', id: `s${i}`, geometry, properties: { featureType: type, driftsstatus: 'i drift', fareklasse: 'farlig', etableringstidspunkt: '2020', noejagtighedsklasse: '<= 0.50 m', forsyningsart: 'el', type: type === 'Elkomponent' ? 'kabelskab' : 'forsyningskabel' } });
    }
    const one = await write(many);
    const passes: MemberKind[] = [];
    const perKind = await write((kind) => {
      passes.push(kind);
      return many;
    });
    expect(perKind).toBe(one);
    expect(passes).toEqual(['ledningstraceMember', 'ledningMember', 'ledningskomponentMember']);
    expect(schemaErrors(one)).toBe('');
    const order = features(parse(one)).map((e) => e.localName);
    expect(order.lastIndexOf('Ledningstrace')).toBeLessThan(order.indexOf('Elledning'));
    expect(order.lastIndexOf('Elledning')).toBeLessThan(order.indexOf('Elkomponent'));
    const sizes: number[] = [];
    async function* source(): AsyncGenerator<WritableFeature> {
      yield* many;
    }
    for await (const chunk of writeGraveforespoergselssvar(HEADER, source())) sizes.push(chunk.length);
    expect(sizes.length).toBeGreaterThan(3);
    expect(Math.max(...sizes)).toBeLessThan(64 * 1024 + 4096);
  });

  it('projects lon/lat to EPSG:25832 when told the coordinates are lon/lat', async () => {
    const text = await write([{ type: 'Feature', id: 'll', geometry: { type: 'Point', coordinates: [10.3449, 55.3937, 4] }, properties: { featureType: 'Elkomponent', type: 'kabelskab' } }], HEADER, 'EPSG:4326');
    expect(schemaErrors(text)).toBe('');
    const back = await readLerGml(text);
    const [x, y, z] = (back.features[0].geometry as { coordinates: number[] }).coordinates;
    expect(x).toBeGreaterThan(585100);
    expect(x).toBeLessThan(585300);
    expect(y).toBeGreaterThan(6139300);
    expect(y).toBeLessThan(6139500);
    expect(z).toBe(4);
  });
});

describe('the answer\'s header', () => {
  const texts = (root: Element): Record<string, string> => Object.fromEntries(elementsOf(root, LER).filter((e) => !(e.localName ?? '').endsWith('Member')).map((e) => [e.localName ?? '', e.textContent ?? '']));

  it('keeps LER\'s restrictions for every status: a UUID id, forventetAfleveringstidspunkt only with manual handling, a reason with a refusal, a contact with a number or an address', async () => {
    for (const type of Object.values(STATUS)) {
      const text = await write([], { id: nameUuid(type), type, forventetAfleveringstidspunkt: '2030-01-02T09:00:00+01:00', gyldigTil: '2030-02-01T22:59:59.999Z', kontaktprofil: { navn: 'Demo El A/S', telefonnummer: '+45 70 00 00 01', mailadresse: null } });
      expect(schemaErrors(text), type).toBe('');
      const root = parse(text);
      const h = texts(root);
      expect(h.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(h.type).toBe(type);
      expect('forventetAfleveringstidspunkt' in h, type).toBe(type === STATUS.manual);
      expect(h.gyldigTil).toBe('2030-02-01');
      if (type === STATUS.notDelivered) expect(h.typeSupplerendeInfo).not.toBe('');
      expect(root.getAttribute('schemaVersion')).toBe('2.2');
    }
    // A contact without a number or an address is left out (mailadresseBetingelse).
    const none = await write([], { ...HEADER, kontaktprofil: { navn: 'X' } });
    expect(none).not.toContain('Kontaktprofil');
  });

  it('derives the header from a package owner: status, deadline, validity, contact parsed from the owner\'s contact', () => {
    expect(contactProfileOf('Demo El A/S', 'vagt@el.demo.invalid, +45 70 00 00 01')).toEqual({ navn: 'Demo El A/S', telefonnummer: '+45 70 00 00 01', mailadresse: 'vagt@el.demo.invalid' });
    expect(contactProfileOf('X', 'ring +45 (70) 00-00-00-01 døgnet rundt')).toMatchObject({ telefonnummer: '+457000000001', mailadresse: null });
    expect(contactProfileOf('X', 'spørg på kontoret')).toBeNull();
    const pkg = { id: 'req-1', validUntil: '2030-05-31T23:59:59.999Z', answerDeadline: '2030-05-02T07:00:00.000Z' } as Package;
    const owner: PackageOwner = { owner: 'o', name: 'O A/S', status: STATUS.manual, contact: 'spørg på kontoret', networkVersion: null, message: 'Contact it.', conflicts: [] };
    const h = answerHeaderOf(pkg, owner);
    expect(h).toMatchObject({ type: STATUS.manual, forventetAfleveringstidspunkt: pkg.answerDeadline, gyldigTil: pkg.validUntil, kontaktprofil: null, typeSupplerendeInfo: 'Contact it. Kontakt: spørg på kontoret' });
    expect(answerHeaderOf(pkg, owner).id).toBe(h.id);
    const answered = answerHeaderOf(pkg, { ...owner, status: STATUS.notDelivered, answer: { at: '2030-05-01T10:00:00Z', by: 'k', reason: 'Sikkerhed', expectedAt: null, validUntil: '2030-05-20', note: null } });
    expect(answered).toMatchObject({ typeSupplerendeInfo: 'Sikkerhed Kontakt: spørg på kontoret', gyldigTil: '2030-05-20', forventetAfleveringstidspunkt: null });
    expect(answered.id).not.toBe(h.id);
  });

  it('puts several answers in one gml:FeatureCollection, their gml:ids kept apart', async () => {
    const f: WritableFeature = { type: 'Feature', id: 'same', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: { featureType: 'Elledning', driftsstatus: 'i drift', fareklasse: 'farlig', etableringstidspunkt: '2020', noejagtighedsklasse: '<= 0.50 m', type: 'forsyningskabel', indeholdtLedning: '#same' } };
    const text = await gmlText(writeAnswerCollection([
      { header: { id: nameUuid('a'), type: STATUS.delivered }, features: [f] },
      { header: { id: nameUuid('b'), type: STATUS.delivered }, features: [f] },
      { header: { id: nameUuid('c'), type: STATUS.none }, features: [] }
    ]));
    expect(schemaErrors(text)).toBe('');
    const root = parse(text);
    expect(root.localName).toBe('FeatureCollection');
    const answers = elementsOf(root, GML).map((m) => elementsOf(m, LER)[0]);
    expect(answers.map((a) => a.getAttributeNS(GML, 'id'))).toEqual(['o1.ler.svar', 'o2.ler.svar', 'o3.ler.svar']);
    expect(text).toContain('<ler:indeholdtLedning xlink:href="#o2.same"/>');
    const back = await readLerGml(text);
    expect(back.features.map((x) => x.id)).toEqual(['same', 'same']);
  });
});
