/**
 * The package map (GET /v1/dig-requests/{id}/map.svg and map.png): an A4 landscape sheet. Checked
 * over real packages from the demo network and over packages built by hand (many owners, hostile
 * names, both CRSs, no information zone, a MultiPolygon with a hole): the SVG is well-formed XML,
 * every delivered line is drawn in its fareklasse's colour, the scale bar is exactly as long as
 * the map draws its metres, and the PNG is A4, legible and shows the same colours.
 */
import proj4 from 'proj4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DIG_AREA, loadDemo } from '../src/http/demo.js';
import { STATUS, type PackageConflict, type PackageOwner, type Package } from '../src/package/types.js';
import { FAREKLASSE_COLOURS, packagePng, packageSvg } from '../src/package/views.js';
import type { Geometry, Position } from '../src/types.js';
import { ADMIN_TOKEN, dataDir, problemOf, rect, testApp, type TestApp } from './helpers/http-app.js';
import { countColour, decodePng, inked, pngChunks, pngSize, type DecodedPng } from './helpers/png.js';

const dir = dataDir('map');
afterAll(() => dir.remove());

/** The colours the map page and the legend promise, written out here rather than imported. */
const COLOURS: Record<string, string> = { 'meget farlig': '#d7191c', farlig: '#f28e2b', 'ikke farlig': '#2c7bb6', ukendt: '#7f7f7f' };
const colourOf = (fareklasse: string | null): string => (fareklasse !== null && Object.hasOwn(COLOURS, fareklasse) ? COLOURS[fareklasse] : COLOURS.ukendt);
/** The viewBox of an A4 sheet at 4 px per mm, and 8 pt in its px. */
const SHEET_W = 1188;
const SHEET_H = 840;
const MIN_FONT = (8 * 25.4) / 72 * 4;
const UTM = '+proj=utm +zone=32 +ellps=GRS80 +units=m +no_defs';
const toUtm = proj4('EPSG:4326', UTM);

// --- A strict little XML reader: enough to prove the SVG well-formed and to query it. ---

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside, in order. */
  text: string;
}

const INVALID_CHAR = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const BAD_REFERENCE = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: '\'' };

function parseXml(source: string): XmlElement {
  if (INVALID_CHAR.test(source)) throw new Error(`A character XML does not allow at ${source.search(INVALID_CHAR)}.`);
  let i = 0;
  const fail = (message: string): never => {
    throw new Error(`${message} at ${i}: ${JSON.stringify(source.slice(i, i + 60))}`);
  };
  const space = (): boolean => {
    const start = i;
    while (i < source.length && ' \t\r\n'.includes(source[i])) i++;
    return i > start;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (m === null) return fail('A name expected');
    i = NAME.lastIndex;
    return m[0];
  };
  const decode = (raw: string): string => {
    if (BAD_REFERENCE.test(raw)) fail('A bare & or an unknown entity');
    return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (_, ref: string) => (ref.startsWith('#x') ? String.fromCodePoint(parseInt(ref.slice(2), 16)) : ref.startsWith('#') ? String.fromCodePoint(Number(ref.slice(1))) : ENTITIES[ref]));
  };
  const element = (): XmlElement => {
    if (source[i] !== '<') fail('< expected');
    i++;
    const el: XmlElement = { name: name(), attrs: {}, children: [], text: '' };
    for (;;) {
      const spaced = space();
      if (source.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      if (!spaced) fail('Space expected between attributes');
      const attr = name();
      space();
      if (source[i] !== '=') fail('= expected');
      i++;
      space();
      const quote = source[i];
      if (quote !== '"' && quote !== '\'') fail('A quoted value expected');
      const end = source.indexOf(quote, i + 1);
      if (end < 0) fail('An unterminated value');
      const raw = source.slice(i + 1, end);
      if (raw.includes('<')) fail('< in an attribute value');
      if (Object.hasOwn(el.attrs, attr)) fail(`Attribute ${attr} twice`);
      el.attrs[attr] = decode(raw);
      i = end + 1;
    }
    for (;;) {
      if (i >= source.length) fail(`<${el.name}> is never closed`);
      if (source.startsWith('</', i)) {
        i += 2;
        if (name() !== el.name) fail(`</${el.name}> expected`);
        space();
        if (source[i] !== '>') fail('> expected');
        i++;
        return el;
      }
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i + 4);
        if (end < 0 || source.slice(i + 4, end).includes('--')) fail('A bad comment');
        i = end + 3;
      } else if (source[i] === '<') {
        el.children.push(element());
      } else {
        const end = source.indexOf('<', i);
        const raw = source.slice(i, end < 0 ? source.length : end);
        if (raw.includes(']]>')) fail(']]> in character data');
        el.text += decode(raw);
        i += raw.length;
      }
    }
  };
  space();
  const root = element();
  space();
  if (i !== source.length) fail('Content after the root element');
  return root;
}

function* walk(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const c of el.children) yield* walk(c);
}

function byId(root: XmlElement, id: string): XmlElement {
  for (const el of walk(root)) if (el.attrs.id === id) return el;
  throw new Error(`No element with id ${id}.`);
}

function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}

/** The text of every <text> under el, one entry each. */
function textsOf(el: XmlElement): string[] {
  return [...walk(el)].filter((e) => e.name === 'text').map(textOf);
}

/** The x,y pairs of a path's data. */
function pathPoints(d: string): [number, number][] {
  return [...d.matchAll(/(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

function bboxOf(points: readonly (readonly number[])[]): [number, number, number, number] {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** The dig area's vertices in EPSG:25832 metres, projected here with proj4 itself. */
function digAreaMetres(pkg: Package): number[][] {
  const g = pkg.digArea as { type: string; coordinates: number[][][] | number[][][][] };
  const rings = g.type === 'Polygon' ? (g.coordinates as number[][][]) : (g.coordinates as number[][][][]).flat();
  return rings.flat().map((p) => (pkg.crs === 'EPSG:4326' ? toUtm.forward([p[0], p[1]]) : p));
}

interface Sheet {
  svg: string;
  root: XmlElement;
  /** Sheet px per metre of ground, from the dig area's drawn extent and its extent in metres. */
  pxPerMetre: number;
  /** Metres (EPSG:25832) to sheet px, from the same two extents. */
  toPx: (x: number, y: number) => [number, number];
  frame: { x: number; y: number; width: number; height: number };
}

/** Reads a sheet and checks what every package map must show. */
function checkSheet(svg: string, pkg: Package): Sheet {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  // A4 landscape, on a pixel grid of the same proportions.
  expect(root.attrs).toMatchObject({ width: '297mm', height: '210mm', viewBox: `0 0 ${SHEET_W} ${SHEET_H}` });
  expect(SHEET_W / SHEET_H).toBeCloseTo(297 / 210, 3);

  // No text below 8 pt when printed.
  const sizes = [...walk(root)].filter((e) => e.attrs['font-size'] !== undefined).map((e) => Number(e.attrs['font-size']));
  expect(sizes.length).toBeGreaterThan(20);
  expect(Math.min(...sizes)).toBeGreaterThanOrEqual(MIN_FONT);

  // The map's scale, found independently: the dig area's drawn extent over its extent in metres.
  const dig = byId(root, 'dig-area');
  const drawn = bboxOf(dig.children.flatMap((p) => pathPoints(p.attrs.d)));
  const metres = bboxOf(digAreaMetres(pkg));
  const sx = (drawn[2] - drawn[0]) / (metres[2] - metres[0]);
  const sy = (drawn[3] - drawn[1]) / (metres[3] - metres[1]);
  expect(sx / sy).toBeCloseTo(1, 3);
  const pxPerMetre = (sx + sy) / 2;
  const toPx = (x: number, y: number): [number, number] => [drawn[0] + (x - metres[0]) * pxPerMetre, drawn[3] - (y - metres[1]) * pxPerMetre];

  // 1:N on A4 (4 px per mm) is N = 4000 / (px per metre), a usual round scale.
  const scaleText = textOf(byId(root, 'map-scale'));
  const n = Number(/^Scale 1:([\d,]+)$/.exec(scaleText)?.[1].replace(/,/g, ''));
  expect((4000 / n) / pxPerMetre).toBeCloseTo(1, 3);
  expect([1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5].some((m) => n / m >= 100 && Number.isInteger(Math.log10(n / m)))).toBe(true);
  expect(textOf(byId(root, 'fact-map-scale'))).toContain(`1:${n.toLocaleString('en-GB')} on A4`);

  // The scale bar: a round number of metres, drawn exactly that long.
  const bar = byId(root, 'scale-bar');
  const barMetres = Number(bar.attrs['data-metres']);
  expect(Number.isInteger(barMetres)).toBe(true);
  expect([1, 2, 5].some((m) => Number.isInteger(Math.log10(barMetres / m)))).toBe(true);
  const barPx = Number(byId(root, 'scale-bar-length').attrs.width);
  expect(Math.abs(barPx - barMetres * pxPerMetre)).toBeLessThan(0.02 + 1e-4 * barPx);
  expect(barPx).toBeGreaterThan(60);
  expect(barPx).toBeLessThanOrEqual(220.01);
  expect(textsOf(bar)).toContain(`${barMetres} m`);

  // North arrow, grid north said so.
  const north = textsOf(byId(root, 'north-arrow'));
  expect(north).toContain('N');
  expect(north).toContain('Grid north (EPSG:25832)');

  // Legend: the four fareklasse colours, dig area, information zone, dashed = information zone only.
  const legend = byId(root, 'legend');
  for (const [name, colour] of Object.entries(COLOURS)) {
    expect([...walk(legend)].some((e) => e.attrs['data-fareklasse'] === name && e.attrs.stroke === colour)).toBe(true);
  }
  const legendTexts = textsOf(legend);
  expect(legendTexts).toEqual(expect.arrayContaining(['meget farlig', 'farlig', 'ikke farlig', 'Dig area (graveområde)', 'Dashed: info zone only']));
  expect(textOf(byId(root, 'legend-info-zone'))).toBe(pkg.infoZone > 0 ? `Information zone, ${pkg.infoZone} m` : 'No information zone (0 m)');
  expect([...walk(legend)].some((e) => e.attrs['stroke-dasharray'] !== undefined)).toBe(true);

  // The request: id, dates, work type, CRS.
  expect(textOf(byId(root, 'fact-request'))).toBe(pkg.id);
  expect(textOf(byId(root, 'fact-created'))).toBe(`${pkg.createdAt.slice(0, 10)} ${pkg.createdAt.slice(11, 16)} UTC`);
  expect(textOf(byId(root, 'fact-valid-until'))).toBe(`${pkg.validUntil.slice(0, 10)} ${pkg.validUntil.slice(11, 16)} UTC`);
  expect(textOf(byId(root, 'fact-work-type'))).toBe(pkg.workType);
  expect(textOf(byId(root, 'fact-crs'))).toContain(pkg.crs);

  // Every delivered feature drawn once, in its fareklasse's colour, dashed when only in the information zone, inside the frame.
  const frameEl = byId(root, 'map-frame');
  const frame = { x: Number(frameEl.attrs.x), y: Number(frameEl.attrs.y), width: Number(frameEl.attrs.width), height: Number(frameEl.attrs.height) };
  const drawnConflicts = byId(root, 'conflicts').children;
  const expected = pkg.owners.flatMap((o) => o.conflicts.filter((c) => c.geometry !== null).map((c) => ({ o, c })));
  expect(drawnConflicts).toHaveLength(expected.length);
  for (const { o, c } of expected) {
    const el = drawnConflicts.filter((e) => e.attrs['data-owner'] === o.owner && e.attrs['data-feature'] === String(c.featureId));
    expect(el, `${o.owner} ${String(c.featureId)}`).toHaveLength(1);
    const colour = colourOf(c.fareklasse);
    const type = c.geometry?.type ?? '';
    if (type.includes('Point')) {
      expect(c.zone === 'infoZone' ? el[0].attrs.stroke : el[0].attrs.fill).toBe(colour);
      expect(el[0].children.filter((e) => e.name === 'circle')).toHaveLength(type === 'Point' ? 1 : (c.geometry?.coordinates as unknown[]).length);
    } else {
      expect(el[0].attrs.stroke).toBe(colour);
      expect(el[0].attrs['stroke-dasharray'] !== undefined).toBe(c.zone === 'infoZone');
      for (const [x, y] of pathPoints(el[0].attrs.d)) {
        expect(x).toBeGreaterThanOrEqual(frame.x - 0.01);
        expect(x).toBeLessThanOrEqual(frame.x + frame.width + 0.01);
        expect(y).toBeGreaterThanOrEqual(frame.y - 0.01);
        expect(y).toBeLessThanOrEqual(frame.y + frame.height + 0.01);
      }
    }
  }
  return { svg, root, pxPerMetre, toPx, frame };
}

/** Owners listed on the sheet, and the "and N more" line if any. */
function ownerRows(root: XmlElement): { rows: { owner: string; texts: string[] }[]; more: string | null } {
  const group = byId(root, 'owners');
  const rows = group.children.filter((e) => e.attrs.class === 'owner').map((e) => ({ owner: e.attrs['data-owner'], texts: textsOf(e) }));
  const more = [...walk(group)].find((e) => e.attrs.id === 'owners-more');
  return { rows, more: more === undefined ? null : textOf(more) };
}

function lineCount(o: PackageOwner): string {
  const n = o.conflicts.length;
  return n === 0 ? 'no lines' : `${n} line${n === 1 ? '' : 's'}`;
}

/** A rendered sheet's PNG: A4 proportions, declared 150 dpi, blank margins. */
function checkPng(png: Buffer): DecodedPng {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  const { width, height } = pngSize(png);
  expect(Math.abs(width / height - 297 / 210)).toBeLessThan(1 / height);
  expect(width).toBeGreaterThanOrEqual(1700);
  expect(pngChunks(png).map((c) => c.type).slice(0, 2)).toEqual(['IHDR', 'pHYs']);
  const image = decodePng(png);
  expect(image.pxPerMetre).toBe(5906);
  expect(image.width * 25.4 / 150).toBeCloseTo(297, 0);
  // Nothing runs into the outer 5 mm, nor below the sheet's content.
  const k = image.width / SHEET_W;
  const margin = Math.ceil(20 * k);
  const blank = [
    { x0: 0, y0: 0, x1: image.width, y1: margin },
    { x0: 0, y0: image.height - margin, x1: image.width, y1: image.height },
    { x0: 0, y0: 0, x1: margin, y1: image.height },
    { x0: image.width - margin, y0: 0, x1: image.width, y1: image.height },
    // Between the map frame and the panel, and right of the panel.
    { x0: Math.ceil(722 * k), y0: 0, x1: Math.floor(747 * k), y1: image.height },
    { x0: Math.ceil(1149 * k), y0: 0, x1: image.width, y1: image.height },
    { x0: 0, y0: Math.ceil(806 * k), x1: image.width, y1: image.height }
  ];
  for (const region of blank) expect(inked(image, region), JSON.stringify(region)).toBe(0);
  return image;
}

// --- Packages built by hand. ---

const X0 = 585_000;
const Y0 = 6_139_300;
const FAREKLASSER = ['meget farlig', 'farlig', 'ikke farlig', null, 'constructor'];

/** A seeded generator: the same packages every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function conflict(id: string | number, geometry: Geometry, fareklasse: string | null, zone: 'digArea' | 'infoZone'): PackageConflict {
  return { featureId: id, featureType: geometry.type.includes('Line') ? 'Elledning' : 'Elkomponent', forsyningsart: 'el', fareklasse, driftsstatus: 'i drift', zone, distance: zone === 'digArea' ? 0 : 1, margin: 0.5, lengthInside: 1, precautions: [], geometry, properties: {} };
}

interface Synthetic {
  owners: number;
  linesPerOwner: number;
  infoZone?: number;
  digArea?: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown };
  /** Lines stay inside these EPSG:25832 boxes (default: around the dig area). */
  lineBox?: [number, number, number, number];
  name?: (i: number) => string;
  ownerId?: (i: number) => string;
  featureId?: (i: number, k: number) => string | number;
}

/** A package in EPSG:25832 with straight lines, a point and a polygon component per owner. */
function synthetic(opts: Synthetic): Package {
  const next = random(opts.owners * 1000 + opts.linesPerOwner);
  const box = opts.lineBox ?? [X0 - 5, Y0 - 5, X0 + 85, Y0 + 65];
  const at = (): Position => [Math.round((box[0] + next() * (box[2] - box[0])) * 100) / 100, Math.round((box[1] + next() * (box[3] - box[1])) * 100) / 100];
  const statuses = [STATUS.delivered, STATUS.marking, STATUS.manual, STATUS.none];
  const owners: PackageOwner[] = [];
  for (let i = 0; i < opts.owners; i++) {
    const conflicts: PackageConflict[] = [];
    const status = statuses[i % statuses.length];
    if (status === STATUS.delivered || status === STATUS.marking) {
      for (let k = 0; k < opts.linesPerOwner; k++) {
        const id = opts.featureId?.(i, k) ?? `L${i}-${k}`;
        conflicts.push(conflict(id, { type: 'LineString', coordinates: [at(), at(), at()] }, FAREKLASSER[(i + k) % FAREKLASSER.length], k % 3 === 2 ? 'infoZone' : 'digArea'));
      }
      const [px, py] = at();
      conflicts.push(conflict(`P${i}`, { type: 'Point', coordinates: [px, py] }, 'farlig', i % 2 === 0 ? 'digArea' : 'infoZone'));
      conflicts.push(conflict(`Q${i}`, { type: 'Polygon', coordinates: [[[px, py], [px + 2, py], [px + 2, py + 2], [px, py + 2], [px, py]]] }, 'meget farlig', 'digArea'));
    }
    owners.push({
      owner: opts.ownerId?.(i) ?? `owner-${i}`,
      name: opts.name?.(i) ?? `Forsyning ${i} A/S`,
      status,
      contact: `vagt@owner${i}.invalid, +45 70 00 ${String(i).padStart(2, '0')} 00`,
      networkVersion: status === STATUS.manual ? null : 1,
      message: '',
      conflicts
    });
  }
  return {
    id: '6f1c2a9e-0d4b-4c1e-9a57-2f3b8c1d0e42',
    type: 'dig',
    reason: null,
    revision: 1,
    revisedAt: '2026-05-04T07:08:09.000Z',
    renewalOf: null,
    answerDeadline: '2026-05-04T09:08:09.000Z',
    notice: null,
    createdAt: '2026-05-04T07:08:09.000Z',
    validUntil: '2026-06-03T07:08:09.000Z',
    digArea: opts.digArea ?? rect(X0, Y0, X0 + 80, Y0 + 60),
    crs: 'EPSG:25832',
    infoZone: opts.infoZone ?? 5,
    areaM2: 4800,
    workType: 'excavation',
    purpose: 'fibre to the home',
    period: null,
    snapshotVersion: 1,
    networkVersions: {},
    owners
  };
}

/** The same package with every position in lon/lat. */
function toLonLat(pkg: Package): Package {
  const map = (c: unknown): unknown => (typeof (c as unknown[])[0] === 'number' ? toUtm.inverse(c as [number, number]) : (c as unknown[]).map(map));
  const area = pkg.digArea as { type: string; coordinates: unknown };
  return {
    ...pkg,
    crs: 'EPSG:4326',
    digArea: { type: area.type, coordinates: map(area.coordinates) },
    owners: pkg.owners.map((o) => ({ ...o, conflicts: o.conflicts.map((c) => ({ ...c, geometry: c.geometry === null ? null : ({ type: c.geometry.type, coordinates: map(c.geometry.coordinates) } as Geometry) })) }))
  };
}

describe('the strict XML reader these tests use', () => {
  it.each([
    ['a bare ampersand', '<a>&</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['< in an attribute', '<a b="<"/>'],
    ['crossed tags', '<a><b></a></b>'],
    ['two roots', '<a/><b/>'],
    ['a repeated attribute', '<a x="1" x="2"/>'],
    ['a control character', '<a>\u0001</a>'],
    ['an unclosed element', '<a><b/>'],
    ['an unquoted attribute', '<a x=1/>']
  ])('rejects %s', (_, xml) => {
    expect(() => parseXml(xml)).toThrow();
  });

  it('reads attributes and text with their entities', () => {
    const root = parseXml('<a x="&quot;&lt;&amp;" y=\'1\'>t&#233;&#x41;<b/>u</a>\n');
    expect(root.attrs).toEqual({ x: '"<&', y: '1' });
    expect(textOf(root)).toBe('téAu');
  });
});

describe('the package map over the demo network', () => {
  let t: TestApp;
  let contractor: string;
  let other: string;
  let small: Package;
  let large: Package;

  beforeAll(async () => {
    t = await testApp(dir.sub('demo'), { prepare: (engine, store) => loadDemo(engine, store) });
    contractor = await t.key('contractor');
    other = await t.key('contractor');
    const a = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: DEMO_DIG_AREA, infoZone: 2 } });
    expect(a.statusCode, a.body).toBe(201);
    small = a.json() as Package;
    const b = await t.as(contractor, { method: 'POST', url: '/v1/dig-requests', payload: { geometry: rect(585000, 6139250, 585400, 6139600), crs: 'EPSG:25832', infoZone: 10, workType: 'excavation' } });
    expect(b.statusCode, b.body).toBe(201);
    large = b.json() as Package;
  });
  afterAll(async () => t.close());

  it('keeps the four fareklasse colours the map page uses', () => {
    expect(FAREKLASSE_COLOURS).toEqual(COLOURS);
  });

  it('draws the demo dig area on an A4 sheet: conflicts by fareklasse, scale, north, legend, owners, id and dates', async () => {
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${small.id}/map.svg` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(res.headers['content-disposition']).toBe(`inline; filename="dig-request-${small.id}.svg"`);
    const sheet = checkSheet(res.body, small);
    expect(small.owners.flatMap((o) => o.conflicts).length).toBeGreaterThanOrEqual(6);
    // The zone: the outline stroked 2b wide, so it reaches exactly b beyond the area.
    const zone = byId(sheet.root, 'info-zone').children;
    expect(zone).toHaveLength(2);
    expect(Number(zone[0].attrs['stroke-width']) / 2 - 0.75).toBeCloseTo(2 * sheet.pxPerMetre, 1);
    expect(zone[0].attrs['stroke-linejoin'] ?? byId(sheet.root, 'info-zone').attrs['stroke-linejoin']).toBe('round');
    // Every owner with its status, contact and number of lines.
    const { rows, more } = ownerRows(sheet.root);
    expect(more).toBeNull();
    expect(rows.map((r) => r.owner).sort()).toEqual(small.owners.map((o) => o.owner).sort());
    for (const o of small.owners) {
      const row = rows.find((r) => r.owner === o.owner);
      expect(row?.texts).toEqual([o.name, lineCount(o), o.status, o.contact]);
    }
    // Those who must act come first: the owner who shows lines on site, then the one to contact.
    expect(rows.slice(0, 2).map((r) => r.texts[2])).toEqual([STATUS.marking, STATUS.manual]);
    expect(textOf(byId(sheet.root, 'fact-crs'))).toBe('EPSG:4326 (lon/lat), drawn in EPSG:25832');
  });

  it('renders the same sheet as a PNG, with the conflicts\' colours, for the requester and admins only', async () => {
    const res = await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${small.id}/map.png` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toBe(`inline; filename="dig-request-${small.id}.png"`);
    const image = checkPng(res.rawPayload);
    const k = image.width / SHEET_W;
    const map = { x0: Math.ceil(41 * k), y0: Math.ceil(41 * k), x1: Math.floor(719 * k), y1: Math.floor(719 * k) };
    for (const f of new Set(small.owners.flatMap((o) => o.conflicts.map((c) => colourOf(c.fareklasse))))) {
      expect(countColour(image, f, map), f).toBeGreaterThan(100);
    }
    expect(res.rawPayload.equals(packagePng(small))).toBe(true);
    expect((await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/dig-requests/${small.id}/map.png` })).statusCode).toBe(200);
    expect(problemOf(await t.as(other, { method: 'GET', url: `/v1/dig-requests/${small.id}/map.png` })).code).toBe('DIG_REQUEST_UNKNOWN');
    expect(problemOf(await t.as(other, { method: 'GET', url: `/v1/dig-requests/${small.id}/map.svg` })).code).toBe('DIG_REQUEST_UNKNOWN');
    expect((await t.as(null, { method: 'GET', url: `/v1/dig-requests/${small.id}/map.png` })).statusCode).toBe(401);
    expect(problemOf(await t.as(contractor, { method: 'GET', url: '/v1/dig-requests/00000000-0000-0000-0000-000000000000/map.png' })).code).toBe('DIG_REQUEST_UNKNOWN');
  });

  it('documents map.png in the OpenAPI description', async () => {
    const doc = (await t.as(null, { method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, { get?: { tags?: string[]; summary?: string } }> };
    const op = doc.paths['/v1/dig-requests/{id}/map.png']?.get;
    expect(op?.tags).toEqual(['dig requests']);
    expect(op?.summary).toMatch(/PNG/);
  });

  it('keeps a large dig area with many lines tidy', async () => {
    const lines = large.owners.reduce((n, o) => n + o.conflicts.length, 0);
    expect(lines).toBeGreaterThan(100);
    const res = await t.as(ADMIN_TOKEN, { method: 'GET', url: `/v1/dig-requests/${large.id}/map.svg` });
    expect(res.statusCode).toBe(200);
    const sheet = checkSheet(res.body, large);
    expect(textOf(byId(sheet.root, 'fact-crs'))).toBe('EPSG:25832 (ETRS89 / UTM 32N)');
    // The dig area's corners land where the scale says.
    const [x, y] = sheet.toPx(585000, 6139250);
    expect(pathPoints(byId(sheet.root, 'dig-area').children[0].attrs.d)[0].map((v) => Math.round(v))).toEqual([Math.round(x), Math.round(y)]);
    const image = checkPng((await t.as(contractor, { method: 'GET', url: `/v1/dig-requests/${large.id}/map.png` })).rawPayload);
    expect(countColour(image, COLOURS['meget farlig'])).toBeGreaterThan(100);
  });
});

describe('the package map over packages built by hand', () => {
  it('lists dozens of owners up to the sheet\'s end and says how many more there are', () => {
    const pkg = synthetic({ owners: 40, linesPerOwner: 20 });
    expect(pkg.owners.reduce((n, o) => n + o.conflicts.length, 0)).toBeGreaterThan(300);
    const sheet = checkSheet(packageSvg(pkg), pkg);
    const { rows, more } = ownerRows(sheet.root);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.length).toBeLessThan(40);
    const rest = pkg.owners.length - rows.length;
    expect(more).toMatch(new RegExp(`^and ${rest} more owners \\(\\d+ lines\\): see the package$`));
    // Every owner row and the last line stay on the sheet, above its bottom margin.
    const ys = [...walk(byId(sheet.root, 'owners'))].filter((e) => e.name === 'text').map((e) => Number(e.attrs.y));
    expect(Math.max(...ys)).toBeLessThanOrEqual(800);
    checkPng(packagePng(pkg));
  });

  it('escapes names and ids that users wrote, and cuts long ones', () => {
    const hostile = 'A&B <Kabel> "Net" \u0001\u202e ApS';
    const long = `Meget Lang Forsyningsselskab ${'Ø'.repeat(80)} A/S`;
    const pkg = synthetic({
      owners: 6,
      linesPerOwner: 3,
      name: (i) => (i === 0 ? hostile : i === 1 ? long : `</text></svg><script>alert(${i})</script>`),
      ownerId: (i) => `o"<&>${i}`,
      featureId: (i, k) => (k === 0 ? `f"<'&>${i}` : i * 100 + k)
    });
    pkg.purpose = ']]> <!-- & -->';
    const svg = packageSvg(pkg);
    expect(svg).not.toContain('<script');
    const sheet = checkSheet(svg, pkg);
    const { rows } = ownerRows(sheet.root);
    expect(rows.map((r) => r.owner)).toEqual(expect.arrayContaining(pkg.owners.map((o) => o.owner)));
    const names = rows.map((r) => r.texts[0]);
    expect(names).toContain('A&B <Kabel> "Net" ApS');
    const cut = names.find((n) => n.startsWith('Meget Lang'));
    expect(cut?.endsWith('…')).toBe(true);
    expect(cut?.length).toBeLessThan(long.length);
    expect(names).toContain('</text></svg><script>alert(2)</script>');
    expect(textOf(byId(sheet.root, 'fact-purpose'))).toBe(']]> <!-- & -->');
    // An unknown fareklasse (even one named like an object's property) is drawn as unknown.
    const odd = byId(sheet.root, 'conflicts').children.filter((e) => e.attrs.stroke === COLOURS.ukendt);
    expect(odd.length).toBeGreaterThan(0);
    checkPng(packagePng(pkg));
  });

  it('draws a lon/lat package exactly as the same package in EPSG:25832', () => {
    const utm = synthetic({ owners: 3, linesPerOwner: 4 });
    const lonLat = toLonLat(utm);
    const a = checkSheet(packageSvg(utm), utm);
    const b = checkSheet(packageSvg(lonLat), lonLat);
    expect(b.pxPerMetre).toBeCloseTo(a.pxPerMetre, 6);
    expect(byId(b.root, 'scale-bar').attrs['data-metres']).toBe(byId(a.root, 'scale-bar').attrs['data-metres']);
    const points = (s: Sheet): number[] => byId(s.root, 'conflicts').children.flatMap((e) => (e.attrs.d === undefined ? e.children.filter((c) => c.name === 'circle').flatMap((c) => [Number(c.attrs.cx), Number(c.attrs.cy)]) : pathPoints(e.attrs.d).flat()));
    const pa = points(a);
    const pb = points(b);
    expect(pb).toHaveLength(pa.length);
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(0.02);
    // Each drawn vertex is where the scale puts its metres.
    const line = utm.owners[0].conflicts[0];
    const drawn = byId(a.root, 'conflicts').children.find((e) => e.attrs['data-owner'] === 'owner-0' && e.attrs['data-feature'] === String(line.featureId));
    const vertices = pathPoints(drawn?.attrs.d ?? '');
    (line.geometry?.coordinates as number[][]).forEach(([mx, my], i) => {
      const [x, y] = a.toPx(mx, my);
      expect(Math.abs(vertices[i][0] - x)).toBeLessThan(0.05);
      expect(Math.abs(vertices[i][1] - y)).toBeLessThan(0.05);
    });
  });

  it('says so when no owner is concerned', () => {
    const pkg = synthetic({ owners: 0, linesPerOwner: 0 });
    const sheet = checkSheet(packageSvg(pkg), pkg);
    expect(ownerRows(sheet.root)).toEqual({ rows: [], more: null });
    expect(textOf(byId(sheet.root, 'owners-none'))).toBe('No owner has lines or an interest area here.');
  });

  it('draws no zone for a zero information zone', () => {
    const pkg = synthetic({ owners: 2, linesPerOwner: 2, infoZone: 0 });
    const sheet = checkSheet(packageSvg(pkg), pkg);
    expect(byId(sheet.root, 'info-zone').children).toHaveLength(0);
    const image = checkPng(packagePng(pkg));
    const k = image.width / SHEET_W;
    expect(countColour(image, '#fff1b8', { x0: 0, y0: 0, x1: Math.floor(730 * k), y1: image.height })).toBe(0);
    expect(countColour(image, '#fff1b8')).toBeGreaterThan(0); // the legend's swatch
  });

  it('draws a MultiPolygon with a hole: the hole is neither dig area nor zone where it is farther than b from the area', () => {
    const outer = [[X0, Y0], [X0 + 80, Y0], [X0 + 80, Y0 + 60], [X0, Y0 + 60], [X0, Y0]];
    const hole = [[X0 + 20, Y0 + 15], [X0 + 20, Y0 + 45], [X0 + 55, Y0 + 45], [X0 + 55, Y0 + 15], [X0 + 20, Y0 + 15]];
    const second = [[X0 + 100, Y0], [X0 + 130, Y0], [X0 + 130, Y0 + 25], [X0 + 100, Y0 + 25], [X0 + 100, Y0]];
    const pkg = synthetic({ owners: 2, linesPerOwner: 3, infoZone: 3, digArea: { type: 'MultiPolygon', coordinates: [[outer, hole], [second]] }, lineBox: [X0 + 2, Y0 + 50, X0 + 78, Y0 + 58] });
    const sheet = checkSheet(packageSvg(pkg), pkg);
    const dig = byId(sheet.root, 'dig-area').children[0];
    expect(dig.attrs['fill-rule']).toBe('evenodd');
    expect(dig.attrs.d.match(/M/g)).toHaveLength(3);
    for (const p of byId(sheet.root, 'info-zone').children) expect(p.attrs.d.match(/M/g)).toHaveLength(3);
    const image = checkPng(packagePng(pkg));
    const k = image.width / SHEET_W;
    const pixel = (x: number, y: number): string => {
      const [px, py] = sheet.toPx(x, y).map((v) => Math.round(v * k));
      const i = (py * image.width + px) * 4;
      return `#${[0, 1, 2].map((c) => image.rgba[i + c].toString(16).padStart(2, '0')).join('')}`;
    };
    // Off the grid lines: grid steps are whole metres.
    expect(pixel(X0 + 37.5, Y0 + 30.5)).toBe('#ffffff'); // the hole's middle, 15 m from its edge
    expect(pixel(X0 + 21.5, Y0 + 30.5)).toBe('#fff1b8'); // 1.5 m inside the hole: the zone
    expect(pixel(X0 + 10.5, Y0 + 30.5)).toBe('#e4e4e4'); // the dig area
    expect(pixel(X0 + 90.5, Y0 + 10.5)).toBe('#ffffff'); // between the polygons, 9.5 m or more from each
    expect(pixel(X0 + 131.5, Y0 + 10.5)).toBe('#fff1b8'); // 1.5 m beyond the second
  });
});
