/**
 * LER 2.2 GML written from the engine's features: one `ler:Graveforespoergselssvar` (an owner's
 * answer: its header, then its traces, lines and components as members), or a
 * `gml:FeatureCollection` of several (a package of many owners). Valid against the official schema
 * (schemas/ler-2.2/2.2_ler.xsd): every feature's elements in the order the schema fixes
 * (gml-order.ts, generated from it), measures with LER's units, code lists checked, geometry in
 * EPSG:7416 with three numbers per position (Z -99 where unknown).
 *
 * A feature as the engine keeps it: GeoJSON with LER's attribute names in `properties`, values in
 * the model's units (mm for diameters and depths, m for a trace's bredde, kV, bar, Cel), null for
 * xsi:nil (its reason in `properties.nilReasons`), arrays for repeated elements, coordinates in
 * EPSG:25832 (or lon/lat, projected here). What is not an element of the feature's LER type
 * (featureType, nilReasons, an owner's own extras) is not written. The reader
 * (src/ingest/gml-reader.ts) reads the output back into the same features.
 *
 * Output is streamed in chunks of about 64 KiB: a network of millions of features is never one
 * string. Members come in the order the schema wants (traces, lines, components): given one pass
 * over the features, lines and components wait in memory until the traces are written; given a
 * function of the member kind (`FeatureSource`), each kind is a pass of its own and nothing waits.
 */
import { createHash } from 'node:crypto';
import { projectLonLat } from '../crs/index.js';
import type { Feature, Geometry, Position } from '../types.js';
import { COMPONENT_TYPES, TRACE_TYPES } from '../model/ler.js';
import { LER_CODE_LISTS, LER_TYPES, type LerElementSpec } from './gml-order.js';
import { STATUS, type OwnerStatus } from './types.js';

export const LER_NS = 'http://data.gov.dk/schemas/LER/2/gml';
export const GML_NS = 'http://www.opengis.net/gml/3.2';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';
/** ETRS89 / UTM 32N + DVR90 heights: LER's CRS for every geometry. */
export const SRS_7416 = 'http://www.opengis.net/def/crs/EPSG/0/7416';
/** DVR90 heights: the CRS of a component's koter. */
const SRS_5799 = 'http://www.opengis.net/def/crs/EPSG/0/5799';
/** The schema version a document declares. */
export const SCHEMA_VERSION = '2.2';
/** Z written where a position has none. */
export const UNKNOWN_Z = -99;

const NAMESPACES = `xmlns:ler="${LER_NS}" xmlns:gml="${GML_NS}" xmlns:xsi="${XSI_NS}" xmlns:xlink="${XLINK_NS}"`;

/** The three kinds of member an answer holds, in the schema's order. */
export const MEMBER_KINDS = ['ledningstraceMember', 'ledningMember', 'ledningskomponentMember'] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number];

export type WritableFeature = Feature<Geometry | null>;
type Many<T> = Iterable<T> | AsyncIterable<T>;
/** Features in one pass, or a pass per member kind (nothing then waits in memory). */
export type FeatureSource = Many<WritableFeature> | ((kind: MemberKind) => Many<WritableFeature>);

export interface Kontaktprofil {
  navn: string;
  telefonnummer?: string | null;
  mailadresse?: string | null;
}

/** A Graveforespoergselssvar's own elements (before its members). */
export interface AnswerHeader {
  /** A UUID (LER's idRestriktion); see answerUuid. */
  id: string;
  type: OwnerStatus;
  /** xs:dateTime; LER allows it with `udtaget til manuel behandling` only (dropped otherwise). */
  forventetAfleveringstidspunkt?: string | null;
  /** xs:date (a time is cut to its date). */
  gyldigTil?: string | null;
  /** Required by LER with `ledningsoplysninger udleveres ikke`. */
  typeSupplerendeInfo?: string | null;
  kontaktprofil?: Kontaktprofil | null;
}

export interface GmlWriteOptions {
  /** The CRS of the features' coordinates: EPSG:25832 or EPSG:7416 as they are, EPSG:4326 projected. Default EPSG:25832. */
  crs?: string;
  /** Put before every gml:id of the answer (unique ids for several answers in one document). */
  idPrefix?: string;
}

/** A name-based UUID (version 5, SHA-1): the same name gives the same id. */
export function nameUuid(name: string): string {
  // RFC 4122's URL namespace.
  const namespace = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// Text

// Characters XML 1.0 cannot hold at all: dropped.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"\r\n\t\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function escapeText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeAttribute(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return escapeText(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

/** At most `max` characters (code points, as XSD counts them). */
function cut(value: string, max: number | undefined): string {
  if (max === undefined || value.length <= max) return value;
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join('');
}

// ---------------------------------------------------------------------------------------------
// gml:id

const PLAIN_ID = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/**
 * A feature's gml:id (an NCName, unique in the answer): the id itself when it is a plain NCName,
 * else `ler.` + its letters and digits + `.` + 8 hex digits of its hash. Ids the writer makes for
 * itself (the answer, contacts, geometries, pieces) start with `ler.` and end in a way no such id
 * does, so none collides.
 */
export function gmlIdOf(id: string | number, prefix = ''): string {
  const text = String(id);
  if (PLAIN_ID.test(text) && !text.startsWith('ler.')) return prefix + text;
  const hash = createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 8);
  const letters = text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 40);
  return `${prefix}ler.${letters}.${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Values

/** Units of the model (as the reader converts to) and the factor to LER's unit in GML. */
const MEASURES: Record<string, { uom: string; factor: number }> = {
  vejledendeDybde: { uom: 'mm', factor: 1 },
  udvendigDiameter: { uom: 'mm', factor: 1 },
  udvendigBredde: { uom: 'mm', factor: 1 },
  udvendigHoejde: { uom: 'mm', factor: 1 },
  bunddiameterbredde: { uom: 'mm', factor: 1 },
  bundlaengde: { uom: 'mm', factor: 1 },
  // The model keeps a trace's width in metres; LER wants it in mm (breddeMåleenhedsrestriktion).
  bredde: { uom: 'mm', factor: 1000 },
  spaendingsniveau: { uom: 'kV', factor: 1 },
  tryk: { uom: 'bar', factor: 1 },
  temperatur: { uom: 'Cel', factor: 1 }
};

/** XSD's \w: every character but punctuation, separators and others. */
const OTHER_VALUE = /^other: [\p{L}\p{M}\p{N}\p{S}]{2,}$/u;
const NOT_WORD = /[^\p{L}\p{M}\p{N}\p{S}]+/gu;

const DATE = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(Z|[+-]\d{2}:\d{2})?$/;
const YEAR_MONTH = /^-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d{2}:\d{2})?$/;
const YEAR = /^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const INDETERMINATE = new Set(['after', 'before', 'now', 'unknown']);

function number(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A number as xs:double text: the shortest that reads back the same. */
function numberText(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

function dateTimeText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (DATE_TIME.test(v)) return v;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function dateText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (DATE.test(v)) return v;
  const day = v.slice(0, 10);
  return DATE.test(day) && Number.isFinite(Date.parse(v)) ? day : null;
}

/** The text of a code-list value, or null when the list cannot hold it. */
function codeText(spec: LerElementSpec, value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const list = spec.type !== undefined ? LER_CODE_LISTS[spec.type] : undefined;
  if (list === undefined) return value;
  if (list.values.includes(value)) return value;
  if (!list.open) return null;
  if (OTHER_VALUE.test(value)) return value;
  // A kind of the owner's own: LER's open list takes it as `other: …`, one word.
  const word = value.replace(/^other:\s*/, '').replace(NOT_WORD, '');
  return word.length >= 2 ? `other: ${word}` : null;
}

/** What a required element the feature lacks is written as, when it cannot be nil. */
function fallback(spec: LerElementSpec): { text: string; attributes?: string } {
  if (spec.kind === 'time') return { text: '', attributes: ' indeterminatePosition="unknown"' };
  if (spec.kind === 'code') return { text: 'other: ukendt' };
  return { text: 'ukendt' };
}

// ---------------------------------------------------------------------------------------------
// Geometry

/** A position as GML's three numbers, in EPSG:25832 with Z -99 where it has none. */
type Project = (p: Position) => string;

function projector(crs: string | undefined): Project {
  const lonLat = crs !== undefined && /4326|CRS84/i.test(crs);
  const out = [0, 0];
  return (p) => {
    const z = p.length > 2 && Number.isFinite(p[2]) ? numberText(p[2]) : '-99';
    if (!lonLat) return `${numberText(p[0])} ${numberText(p[1])} ${z}`;
    projectLonLat(p[0], p[1], out, 0);
    // To the tenth of a millimetre: the lon/lat given are no finer.
    return `${numberText(Math.round(out[0] * 1e4) / 1e4)} ${numberText(Math.round(out[1] * 1e4) / 1e4)} ${z}`;
  };
}

function posList(positions: readonly Position[], project: Project): string {
  let s = '';
  for (let i = 0; i < positions.length; i++) s += i > 0 ? ` ${project(positions[i])}` : project(positions[i]);
  return `<gml:posList srsDimension="3">${s}</gml:posList>`;
}

function lineString(positions: readonly Position[], project: Project, id: string, srs: boolean): string {
  return `<gml:LineString gml:id="${id}"${srs ? ` srsName="${SRS_7416}" srsDimension="3"` : ''}>${posList(positions, project)}</gml:LineString>`;
}

function polygon(rings: readonly (readonly Position[])[], project: Project, id: string, srs: boolean): string {
  const [outer, ...inner] = rings;
  let s = `<gml:Polygon gml:id="${id}"${srs ? ` srsName="${SRS_7416}" srsDimension="3"` : ''}><gml:exterior><gml:LinearRing>${posList(outer ?? [], project)}</gml:LinearRing></gml:exterior>`;
  for (const ring of inner) s += `<gml:interior><gml:LinearRing>${posList(ring, project)}</gml:LinearRing></gml:interior>`;
  return `${s}</gml:Polygon>`;
}

/** The gml geometry inside `ler:geometri`, as the property's type allows (Curve: one line; MultiCurve; any). */
function geometryXml(geometry: Geometry, property: string | undefined, project: Project, id: string): string {
  const srs = ` srsName="${SRS_7416}" srsDimension="3"`;
  switch (geometry.type) {
    case 'LineString':
      if (property === 'MultiCurve') return `<gml:MultiCurve gml:id="${id}"${srs}><gml:curveMember>${lineString(geometry.coordinates, project, `${id}1`, false)}</gml:curveMember></gml:MultiCurve>`;
      return lineString(geometry.coordinates, project, id, true);
    case 'MultiLineString':
      // A Curve property holds one line: the caller writes one member per part.
      return `<gml:MultiCurve gml:id="${id}"${srs}>${geometry.coordinates.map((line, k) => `<gml:curveMember>${lineString(line, project, `${id}${k + 1}`, false)}</gml:curveMember>`).join('')}</gml:MultiCurve>`;
    case 'Point':
      return `<gml:Point gml:id="${id}"${srs}><gml:pos>${project(geometry.coordinates)}</gml:pos></gml:Point>`;
    case 'MultiPoint':
      return `<gml:MultiPoint gml:id="${id}"${srs}>${geometry.coordinates
        .map((p, k) => `<gml:pointMember><gml:Point gml:id="${id}${k + 1}"><gml:pos>${project(p)}</gml:pos></gml:Point></gml:pointMember>`)
        .join('')}</gml:MultiPoint>`;
    case 'Polygon':
      return polygon(geometry.coordinates, project, id, true);
    case 'MultiPolygon':
      return `<gml:MultiSurface gml:id="${id}"${srs}>${geometry.coordinates.map((rings, k) => `<gml:surfaceMember>${polygon(rings, project, `${id}${k + 1}`, false)}</gml:surfaceMember>`).join('')}</gml:MultiSurface>`;
  }
}

// ---------------------------------------------------------------------------------------------
// Features

/** The member that holds a feature of this type in an answer; null for a type LER's answers do not hold. */
export function memberKindOf(featureType: string): MemberKind | null {
  if (featureType in TRACE_TYPES) return 'ledningstraceMember';
  if (featureType in COMPONENT_TYPES) return 'ledningskomponentMember';
  const spec = LER_TYPES[featureType];
  if (spec === undefined || spec.abstract) return null;
  let group = spec.substitutionGroup;
  for (let i = 0; i < 8 && group !== '' && group !== 'Ledning'; i++) group = LER_TYPES[group]?.substitutionGroup ?? '';
  return group === 'Ledning' ? 'ledningMember' : null;
}

function contactXml(value: Kontaktprofil, id: string): string | null {
  const navn = typeof value.navn === 'string' && value.navn.trim() !== '' ? cut(value.navn.trim(), 100) : null;
  if (navn === null) return null;
  let s = `<ler:Kontaktprofil gml:id="${id}"><ler:navn>${escapeText(navn)}</ler:navn>`;
  if (typeof value.telefonnummer === 'string' && value.telefonnummer !== '') s += `<ler:telefonnummer>${escapeText(cut(value.telefonnummer, 15))}</ler:telefonnummer>`;
  if (typeof value.mailadresse === 'string' && value.mailadresse !== '') s += `<ler:mailadresse>${escapeText(cut(value.mailadresse, 254))}</ler:mailadresse>`;
  return `${s}</ler:Kontaktprofil>`;
}

/** A contact held by a feature: `{navn, telefonnummer, mailadresse}`, or that inside `Kontaktprofil`. */
function contactOf(value: unknown): Kontaktprofil | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const inner = v.Kontaktprofil !== null && typeof v.Kontaktprofil === 'object' ? (v.Kontaktprofil as Record<string, unknown>) : v;
  if (typeof inner.navn !== 'string') return null;
  const text = (x: unknown): string | null => (typeof x === 'string' ? x : null);
  return { navn: inner.navn, telefonnummer: text(inner.telefonnummer), mailadresse: text(inner.mailadresse) };
}

interface FeatureContext {
  project: Project;
  prefix: string;
}

/** The text of one simple value of an element, with its attributes; null when it cannot be written validly. */
function valueXml(spec: LerElementSpec, value: unknown, ctx: FeatureContext): { text: string; attributes: string } | null {
  switch (spec.kind) {
    case 'measure': {
      const n = number(value);
      const unit = MEASURES[spec.name] ?? { uom: 'mm', factor: 1 };
      if (n === null) return null;
      const scaled = unit.factor === 1 ? n : Number((n * unit.factor).toPrecision(12));
      return { text: numberText(scaled), attributes: ` uom="${unit.uom}"` };
    }
    case 'code': {
      const text = codeText(spec, value);
      return text === null ? null : { text: escapeText(text), attributes: '' };
    }
    case 'string':
      if (typeof value !== 'string' && typeof value !== 'number') return null;
      return { text: escapeText(cut(String(value), spec.maxLength)), attributes: '' };
    case 'boolean':
      if (value === true || value === 'true' || value === '1' || value === 1) return { text: 'true', attributes: '' };
      if (value === false || value === 'false' || value === '0' || value === 0) return { text: 'false', attributes: '' };
      return null;
    case 'integer': {
      const n = number(value);
      return n !== null && Number.isInteger(n) ? { text: String(n), attributes: '' } : null;
    }
    case 'decimal': {
      const n = number(value);
      if (n === null) return null;
      const pattern = spec.pattern === undefined ? null : new RegExp(`^(?:${spec.pattern})$`);
      const given = typeof value === 'string' ? value.trim() : '';
      // As given when the pattern takes it, else to the hundredth.
      const text = pattern !== null && pattern.test(given) ? given : String(Math.round(n * 100) / 100);
      return pattern === null || pattern.test(text) ? { text, attributes: '' } : null;
    }
    case 'date': {
      const text = dateText(value);
      return text === null ? null : { text, attributes: '' };
    }
    case 'dateTime': {
      const text = dateTimeText(value);
      return text === null ? null : { text, attributes: '' };
    }
    case 'position': {
      const parts = typeof value === 'number' ? [value] : typeof value === 'string' ? value.trim().split(/\s+/).map(Number) : Array.isArray(value) ? value.map(Number) : [];
      if (parts.length === 0 || parts.some((p) => !Number.isFinite(p))) return null;
      return { text: parts.map(numberText).join(' '), attributes: ` srsName="${SRS_5799}"` };
    }
    case 'reference': {
      if (typeof value !== 'string' || value === '') return null;
      const href = value.startsWith('#') ? `#${gmlIdOf(value.slice(1), ctx.prefix)}` : value;
      return { text: '', attributes: ` xlink:href="${escapeAttribute(href)}"` };
    }
    default:
      return null;
  }
}

/** `ler:etableringstidspunkt`: a date, year-month, year or time, with indeterminatePosition when the feature says so. */
function timeXml(properties: Record<string, unknown>, name: string): { text: string; attributes: string } | null {
  const raw = properties[name];
  let value: unknown = raw;
  let position: unknown = properties[`${name}Position`];
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>;
    value = r.value;
    position ??= r.indeterminatePosition;
  }
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isInteger(value) ? String(value) : '';
  const valid = DATE.test(text) || YEAR_MONTH.test(text) || YEAR.test(text) || DATE_TIME.test(text);
  const attributes = typeof position === 'string' && INDETERMINATE.has(position) ? ` indeterminatePosition="${position}"` : '';
  if (valid) return { text, attributes };
  const time = dateTimeText(text);
  if (time !== null) return { text: time, attributes };
  // A position alone (`unknown`, `now`) is a whole value; a bad value without one is none.
  return attributes !== '' ? { text: '', attributes } : null;
}

/**
 * One feature as its `ler:<Type>` element, in schema order. `part` names the piece of a line
 * written as several members (a Curve holds one line); the first piece keeps the feature's own gml:id.
 */
function featureXml(feature: WritableFeature, type: string, geometry: Geometry | null, part: number, ctx: FeatureContext): string {
  const spec = LER_TYPES[type];
  const properties = feature.properties ?? {};
  const nilReasons = (properties.nilReasons !== null && typeof properties.nilReasons === 'object' ? properties.nilReasons : {}) as Record<string, unknown>;
  const id = feature.id ?? '';
  const base = gmlIdOf(id);
  // The answer's prefix, then the feature's own id (or its piece's).
  const local = part === 0 ? base : `ler.${base}.p${part + 1}`;
  const gmlId = ctx.prefix + local;
  const hasGeometry = geometry !== null;
  const line = memberKindOf(type) === 'ledningMember';
  let s = `<ler:${type} gml:id="${gmlId}">`;

  for (const el of spec.elements) {
    const name = el.name;
    if (name === 'id') {
      const text = String(id);
      if (text !== '' && Array.from(text).length <= (el.maxLength ?? 36)) s += `<ler:id>${escapeText(text)}</ler:id>`;
      continue;
    }
    if (el.kind === 'geometry') {
      if (geometry !== null) s += `<ler:geometri>${geometryXml(geometry, el.type, ctx.project, `${ctx.prefix}ler.${local}.g`)}</ler:geometri>`;
      else if (el.min > 0) throw new Error(`${type} ${String(id)} has no geometry, which LER requires of it.`);
      continue;
    }
    if (el.kind === 'contact') {
      const contact = contactOf(properties[name]);
      const xml = contact === null ? null : contactXml(contact, `${ctx.prefix}ler.${local}.k`);
      if (xml !== null) s += `<ler:${name}>${xml}</ler:${name}>`;
      continue;
    }
    if (el.kind === 'member' || el.kind === 'other') continue;

    const raw = properties[name];
    const nil = (): string => {
      const reason = typeof nilReasons[name] === 'string' && nilReasons[name] !== '' ? (nilReasons[name] as string) : 'unknown';
      return `<ler:${name} xsi:nil="true" nilReason="${escapeAttribute(reason)}"/>`;
    };
    const written: string[] = [];
    if (el.kind === 'time') {
      const t = timeXml(properties, name);
      if (t !== null) written.push(`<ler:${name}${t.attributes}>${t.text}</ler:${name}>`);
    } else if (raw === null) {
      if (el.nillable) written.push(nil());
    } else if (raw !== undefined) {
      const values = Array.isArray(raw) ? raw : [raw];
      for (const v of values) {
        if (written.length >= el.max) break;
        if (v === null) {
          if (el.nillable) written.push(nil());
          continue;
        }
        const x = valueXml(el, v, ctx);
        if (x !== null) written.push(x.text === '' && el.kind === 'reference' ? `<ler:${name}${x.attributes}/>` : `<ler:${name}${x.attributes}>${x.text}</ler:${name}>`);
      }
    }
    // LER's nøjagtighedsklasse(Vertikal)Betingelse: a trace, and a line with a geometry, say how
    // accurate it is; a line without one does not.
    const accuracy = name === 'noejagtighedsklasse' || name === 'noejagtighedsklasseVertikal';
    if (accuracy && line && !hasGeometry) continue;
    // A pipe with a diameter is round (LER's udvendigDiameterMåIkkeAngives wants it said).
    if (written.length === 0 && raw === undefined && name === 'tvaersnitsform' && number(properties.udvendigDiameter) !== null) written.push(`<ler:${name}>cirkulær</ler:${name}>`);
    if (written.length === 0 && (el.min > 0 || (accuracy && (line || type in TRACE_TYPES)))) {
      if (el.nillable) written.push(nil());
      else {
        const f = fallback(el);
        written.push(`<ler:${name}${f.attributes ?? ''}>${escapeText(f.text)}</ler:${name}>`);
      }
    }
    s += written.join('');
  }
  return `${s}</ler:${type}>`;
}

/** A feature's member elements: one, or one per part of a multi-part line (a Curve holds one line). */
function membersOf(feature: WritableFeature, kind: MemberKind, ctx: FeatureContext): string {
  const type = String(feature.properties?.featureType ?? '');
  const g = feature.geometry;
  if (kind === 'ledningMember' && g !== null && g.type === 'MultiLineString' && g.coordinates.length !== 1) {
    return g.coordinates.map((line, k) => `<ler:${kind}>${featureXml(feature, type, { type: 'LineString', coordinates: line }, k, ctx)}</ler:${kind}>`).join('');
  }
  const geometry = kind === 'ledningMember' && g !== null && g.type === 'MultiLineString' ? { type: 'LineString' as const, coordinates: g.coordinates[0] } : g;
  return `<ler:${kind}>${featureXml(feature, type, geometry, 0, ctx)}</ler:${kind}>`;
}

// ---------------------------------------------------------------------------------------------
// Documents

/** The header's elements, as LER's restrictions allow them for its type. */
function headerXml(header: AnswerHeader, prefix: string): string {
  let s = `<ler:id>${escapeText(header.id)}</ler:id><ler:type>${escapeText(header.type)}</ler:type>`;
  // forventetAfleveringstidspunktBetingelse: only with `udtaget til manuel behandling`.
  const expected = header.type === STATUS.manual ? dateTimeText(header.forventetAfleveringstidspunkt) : null;
  if (expected !== null) s += `<ler:forventetAfleveringstidspunkt>${expected}</ler:forventetAfleveringstidspunkt>`;
  const until = dateText(header.gyldigTil);
  if (until !== null) s += `<ler:gyldigTil>${until}</ler:gyldigTil>`;
  let info = typeof header.typeSupplerendeInfo === 'string' && header.typeSupplerendeInfo.trim() !== '' ? header.typeSupplerendeInfo : null;
  // typeSupplerendeInfoBetingelse: a refusal says why.
  if (info === null && header.type === STATUS.notDelivered) info = 'Ledningsejeren har ikke oplyst en begrundelse.';
  if (info !== null) s += `<ler:typeSupplerendeInfo>${escapeText(info)}</ler:typeSupplerendeInfo>`;
  const k = header.kontaktprofil;
  // mailadresseBetingelse / telefonnummerBetingelse: a contact has a phone number or an address.
  if (k !== null && k !== undefined && ((k.telefonnummer ?? '') !== '' || (k.mailadresse ?? '') !== '')) {
    const xml = contactXml(k, `${prefix}ler.kontakt`);
    if (xml !== null) s += `<ler:kontaktprofilTilTekniskeSpoergsmaal>${xml}</ler:kontaktprofilTilTekniskeSpoergsmaal>`;
  }
  return s;
}

const CHUNK = 64 * 1024;

function isIterable<T>(x: unknown): x is Iterable<T> {
  return typeof (x as Iterable<T>)[Symbol.iterator] === 'function';
}

async function* each<T>(source: Many<T>): AsyncGenerator<T> {
  if (isIterable<T>(source)) yield* source;
  else yield* source;
}

/** The members of an answer, in the schema's order, as text pieces. */
async function* membersXml(features: FeatureSource, ctx: FeatureContext): AsyncGenerator<string> {
  if (typeof features === 'function') {
    for (const kind of MEMBER_KINDS) {
      for await (const f of each(features(kind))) {
        if (memberKindOf(String(f.properties?.featureType ?? '')) === kind) yield membersOf(f, kind, ctx);
      }
    }
    return;
  }
  // One pass: traces at once, lines and components after them.
  const later: Record<MemberKind, string[]> = { ledningstraceMember: [], ledningMember: [], ledningskomponentMember: [] };
  for await (const f of each(features)) {
    const kind = memberKindOf(String(f.properties?.featureType ?? ''));
    if (kind === null) throw new Error(`Feature ${String(f.id)}: ${JSON.stringify(f.properties?.featureType)} is not a LER feature type an answer holds.`);
    if (kind === 'ledningstraceMember') yield membersOf(f, kind, ctx);
    else later[kind].push(membersOf(f, kind, ctx));
  }
  yield* later.ledningMember;
  yield* later.ledningskomponentMember;
}

/** Joins small pieces into chunks of about 64 KiB. */
async function* chunked(pieces: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= CHUNK) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}

async function* answerPieces(header: AnswerHeader, features: FeatureSource, opts: GmlWriteOptions, declarations: boolean): AsyncGenerator<string> {
  const prefix = opts.idPrefix ?? '';
  const ctx: FeatureContext = { project: projector(opts.crs), prefix };
  yield `<ler:Graveforespoergselssvar${declarations ? ` ${NAMESPACES}` : ''} gml:id="${prefix}ler.svar" schemaVersion="${SCHEMA_VERSION}">`;
  yield headerXml(header, prefix);
  yield* membersXml(features, ctx);
  yield '</ler:Graveforespoergselssvar>';
}

/** One owner's answer as a whole LER GML document, streamed. */
export function writeGraveforespoergselssvar(header: AnswerHeader, features: FeatureSource, opts: GmlWriteOptions = {}): AsyncIterable<string> {
  async function* pieces(): AsyncGenerator<string> {
    yield '<?xml version="1.0" encoding="UTF-8"?>\n';
    yield* answerPieces(header, features, opts, true);
    yield '\n';
  }
  return chunked(pieces());
}

/** One answer of a collection: its header and features, with the coordinates' CRS. */
export interface CollectionAnswer {
  header: AnswerHeader;
  features: FeatureSource;
  crs?: string;
}

/**
 * Several owners' answers in one document: a `gml:FeatureCollection` (GML 3.2's own, which the
 * vendored schemas define) with one `gml:featureMember` per answer. Each answer's gml:ids get
 * their own prefix (`o1.`, `o2.`, ...) so they stay unique.
 */
export function writeAnswerCollection(answers: Many<CollectionAnswer>): AsyncIterable<string> {
  async function* pieces(): AsyncGenerator<string> {
    yield `<?xml version="1.0" encoding="UTF-8"?>\n<gml:FeatureCollection ${NAMESPACES} gml:id="ler.pakke">`;
    let k = 0;
    for await (const answer of each(answers)) {
      k++;
      yield '<gml:featureMember>';
      yield* answerPieces(answer.header, answer.features, { idPrefix: `o${k}.`, ...(answer.crs !== undefined ? { crs: answer.crs } : {}) }, false);
      yield '</gml:featureMember>';
    }
    yield '</gml:FeatureCollection>\n';
  }
  return chunked(pieces());
}

/** Collects a streamed document (tests, small documents). */
export async function gmlText(chunks: AsyncIterable<string>): Promise<string> {
  let s = '';
  for await (const c of chunks) s += c;
  return s;
}
