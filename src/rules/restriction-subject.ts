/**
 * The two ways a feature reaches LER's restrictions (src/rules/ler-restrictions.ts): as the GML
 * element tree the streaming reader keeps (`subjectFromGml`), or as a GeoJSON feature with LER's
 * attribute names (`subjectFromGeoJson`), so that both are held to the same restrictions.
 *
 * GeoJSON in LER's terms: a property present is the element present, `null` is xsi:nil (with
 * `nilReasons[name]` as its nilReason), an array is the element repeated, an object a record;
 * `<name>Position` ("before", "after") is the indeterminatePosition of `<name>`. Measures carry
 * the unit LER asks (mm, kV, bar, Cel): GeoJSON values are in the model's units, which a GML
 * writer turns into LER's (a trace's `bredde`, metres in the model, is written in mm). Heights
 * are the third numbers of 3-D positions (a 2-D geometry has none). A GeoJSON geometry is taken
 * to be written as LER wants it (LineString, MultiCurve of LineStrings, Point, Polygon...): its
 * GML encoding is the writer's, so the datatype restrictions hold for it.
 */
import { GML_NAMESPACE, XLINK_NAMESPACE, XSI_NAMESPACE, type GmlElement } from '../model/gml-element.js';
import { checkRestrictions, type GmlShape, type RestrictionContent, type RestrictionElement, type RestrictionSubject, type RestrictionViolation } from './ler-restrictions.js';

/** The unit LER asks of each measure (its Måleenhedsrestriktion). */
export const LER_UNITS: Readonly<Record<string, string>> = {
  vejledendeDybde: 'mm',
  udvendigDiameter: 'mm',
  udvendigBredde: 'mm',
  udvendigHoejde: 'mm',
  bredde: 'mm',
  bunddiameterbredde: 'mm',
  bundlaengde: 'mm',
  spaendingsniveau: 'kV',
  tryk: 'bar',
  temperatur: 'Cel'
};

const PREFIXES: Readonly<Record<string, string>> = { [XLINK_NAMESPACE]: 'xlink:', [XSI_NAMESPACE]: 'xsi:', [GML_NAMESPACE]: 'gml:' };
const XSI_NIL = `${XSI_NAMESPACE}#nil`;
const GML_ID = `${GML_NAMESPACE}#id`;
const XLINK_HREF = `${XLINK_NAMESPACE}#href`;

/** A JSON pointer's token. */
function token(name: string): string {
  return name.includes('~') || name.includes('/') ? name.replace(/~/g, '~0').replace(/\//g, '~1') : name;
}

// ---------------------------------------------------------------------------------------------
// GML

/** The XPath string value of an element: its text and its descendants'. */
function stringValue(node: GmlElement): string {
  return node.children.length === 0 ? node.text : node.text + node.children.map(stringValue).join('');
}

function shapeOf(node: GmlElement): GmlShape {
  const shape: GmlShape = { name: node.local, gml: node.ns === GML_NAMESPACE, children: node.children.map(shapeOf) };
  if (node.attributes.srsName !== undefined) shape.srsName = node.attributes.srsName;
  if (shape.gml && node.local === 'posList') shape.text = node.text;
  return shape;
}

function elementsOf(parent: GmlElement, base: string): RestrictionElement[] {
  const own = parent.children.filter((c) => c.ns !== GML_NAMESPACE);
  const counts = new Map<string, number>();
  for (const c of own) counts.set(c.local, (counts.get(c.local) ?? 0) + 1);
  const seen = new Map<string, number>();
  return own.map((node) => {
    const k = seen.get(node.local) ?? 0;
    seen.set(node.local, k + 1);
    const pointer = `${base}/${token(node.local)}${(counts.get(node.local) ?? 0) > 1 ? `/${k}` : ''}`;
    return elementOf(node, pointer);
  });
}

function elementOf(node: GmlElement, pointer: string): RestrictionElement {
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(node.attributes)) {
    const hash = key.lastIndexOf('#');
    attributes[hash < 0 ? key : `${PREFIXES[key.slice(0, hash)] ?? `{${key.slice(0, hash)}}`}${key.slice(hash + 1)}`] = value;
  }
  const element: RestrictionElement = {
    name: node.local,
    nil: node.attributes[XSI_NIL] === 'true',
    text: stringValue(node),
    attributes,
    children: elementsOf(node, pointer),
    shapes: node.children.filter((c) => c.ns === GML_NAMESPACE).map(shapeOf),
    pointer,
    line: node.line,
    column: node.column
  };
  if (node.attributes.nilReason !== undefined) element.nilReason = node.attributes.nilReason;
  if (node.attributes.uom !== undefined) element.uom = node.attributes.uom;
  return element;
}

/** `tokenize(normalize-space($pl), '\s+')[position() mod 3 = 0]` of every posList under the shapes. */
function thirdNumbers(shapes: readonly GmlShape[], out: string[]): string[] {
  for (const s of shapes) {
    if (s.gml && s.name === 'posList' && s.text !== undefined) {
      const numbers = s.text.split(/[ \t\n\r]+/);
      // Leading and trailing whitespace leave an empty first or last token: not a number.
      let k = 0;
      for (const n of numbers) {
        if (n === '') continue;
        if (++k % 3 === 0) out.push(n);
      }
    }
    thirdNumbers(s.children, out);
  }
  return out;
}

export interface GmlSubjectContext {
  /** A trace of the document holds this line (`indeholdtLedning xlink:href="#<its gml:id>"`). */
  contained?: boolean;
  /** For an answer's root: what its members hold (see `addContent`). */
  content?: RestrictionContent;
}

/** A feature (or an answer's root) of a LER GML document, as the restrictions read it. */
export function subjectFromGml(element: GmlElement, context: GmlSubjectContext = {}): RestrictionSubject {
  const elements = elementsOf(element, '/properties');
  const subject: RestrictionSubject = {
    type: element.local,
    elements,
    zValues: () => thirdNumbers(elements.filter((e) => e.name === 'geometri').flatMap((e) => e.shapes ?? []), []),
    line: element.line,
    column: element.column
  };
  const gmlId = element.attributes[GML_ID];
  if (gmlId !== undefined) subject.gmlId = gmlId;
  if (context.contained !== undefined) subject.contained = context.contained;
  if (context.content !== undefined) subject.content = context.content;
  return subject;
}

export function emptyContent(): RestrictionContent {
  return { srsNames: new Set(), koteSrsNames: new Set(), nilReasons: new Set() };
}

/** Adds what an element and its descendants hold (srsNames, heights' srsNames, nilReasons) to `content`. */
export function addContent(content: RestrictionContent, node: GmlElement): RestrictionContent {
  const srs = node.attributes.srsName;
  if (srs !== undefined) {
    content.srsNames.add(srs);
    if (node.local.endsWith('kote')) content.koteSrsNames.add(srs);
  }
  const reason = node.attributes.nilReason;
  if (reason !== undefined && node.attributes[XSI_NIL] === 'true') content.nilReasons.add(reason);
  for (const c of node.children) addContent(content, c);
  return content;
}

/** The `#gml:id`s a Ledningstrace holds by `indeholdtLedning`. */
export function heldLines(element: GmlElement): string[] {
  if (element.local !== 'Ledningstrace' && element.local !== 'Ledning') return [];
  return element.children.filter((c) => c.local === 'indeholdtLedning' && c.ns !== GML_NAMESPACE).map((c) => c.attributes[XLINK_HREF]).filter((h): h is string => h !== undefined);
}

/**
 * LER's restrictions over a whole document read feature by feature. A line without geometry is
 * kept from `geometriBetingelse` when a trace of the document holds it: traces come before lines
 * in a Graveforespoergselssvar (the schema's order), so one read earlier is known at once; for
 * one read later, `finish()` gives the lines still held by none. The answer's own restrictions
 * (its id, type, and the srsNames and nilReasons of everything in it) are checked by `root`.
 */
export class GmlDocumentRestrictions {
  private readonly held = new Set<string>();
  private readonly waiting = new Map<string, { key: number; violation: RestrictionViolation }[]>();
  readonly content = emptyContent();

  /** The restrictions one feature breaks (but a `geometriBetingelse` a later trace may lift); `key` names it in `finish()`. */
  feature(element: GmlElement, key = 0): RestrictionViolation[] {
    for (const href of heldLines(element)) {
      this.held.add(href);
      this.waiting.delete(href);
    }
    addContent(this.content, element);
    const subject = subjectFromGml(element);
    const ref = `#${subject.gmlId ?? ''}`;
    subject.contained = this.held.has(ref);
    const out: RestrictionViolation[] = [];
    for (const v of checkRestrictions(subject)) {
      if (v.name === 'geometriBetingelse' && !subject.elements.some((e) => e.name === 'geometri')) {
        const list = this.waiting.get(ref) ?? [];
        list.push({ key, violation: v });
        this.waiting.set(ref, list);
      } else out.push(v);
    }
    return out;
  }

  /** The lines without geometry that no trace of the document held, by the key they were given. */
  finish(): { key: number; violation: RestrictionViolation }[] {
    return [...this.waiting.values()].flat().sort((a, b) => a.key - b.key);
  }

  /** The restrictions of an answer's root (`GmlDocumentInfo.header`), over what the features held. */
  root(header: GmlElement): RestrictionViolation[] {
    if (header.local !== 'Graveforespoergselssvar') return [];
    return checkRestrictions(subjectFromGml(header, { content: this.content }));
  }
}

// ---------------------------------------------------------------------------------------------
// GeoJSON

const POS_LIST: GmlShape = { name: 'posList', gml: true, children: [] };
const LINE_STRING: GmlShape = { name: 'LineString', gml: true, children: [POS_LIST] };
const POINT: GmlShape = { name: 'Point', gml: true, children: [{ name: 'pos', gml: true, children: [] }] };
const POLYGON: GmlShape = { name: 'Polygon', gml: true, children: [{ name: 'exterior', gml: true, children: [{ name: 'LinearRing', gml: true, children: [POS_LIST] }] }] };
/** How a GML writer encodes each GeoJSON geometry (null: a line's MultiLineString, the writer's choice). */
const SHAPES: Readonly<Record<string, readonly GmlShape[]>> = {
  LineString: [LINE_STRING],
  MultiLineString: [{ name: 'MultiCurve', gml: true, children: [{ name: 'curveMember', gml: true, children: [LINE_STRING] }] }],
  Point: [POINT],
  MultiPoint: [{ name: 'MultiPoint', gml: true, children: [{ name: 'pointMember', gml: true, children: [POINT] }] }],
  Polygon: [POLYGON],
  MultiPolygon: [{ name: 'MultiSurface', gml: true, children: [{ name: 'surfaceMember', gml: true, children: [POLYGON] }] }]
};

/** Keys of `properties` that are not LER elements. */
const NOT_ELEMENTS = new Set(['featureType', 'nilReasons']);

function geoJsonText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

function geoJsonElement(name: string, value: unknown, pointer: string, nilReasons: Readonly<Record<string, unknown>>, position: unknown): RestrictionElement {
  const element: RestrictionElement = { name, nil: value === null, text: '', attributes: {}, children: [], shapes: null, pointer };
  const uom = LER_UNITS[name];
  if (uom !== undefined) element.uom = uom;
  if (value === null) {
    const reason = nilReasons[name];
    if (typeof reason === 'string') element.nilReason = reason;
    return element;
  }
  if (typeof position === 'string') element.attributes = { indeterminatePosition: position };
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    // An indeterminate date as an older reader gave it: {value, indeterminatePosition}.
    if (typeof record.value === 'string' && typeof record.indeterminatePosition === 'string') {
      element.text = record.value;
      element.attributes = { indeterminatePosition: record.indeterminatePosition };
      return element;
    }
    element.children = Object.entries(record).flatMap(([k, v]) => geoJsonElements(k, v, `${pointer}/${token(k)}`, {}, undefined));
    element.text = element.children.map((c) => c.text).join('');
    return element;
  }
  element.text = geoJsonText(value);
  return element;
}

function geoJsonElements(name: string, value: unknown, pointer: string, nilReasons: Readonly<Record<string, unknown>>, position: unknown): RestrictionElement[] {
  if (Array.isArray(value)) return value.map((v, i) => geoJsonElement(name, v, `${pointer}/${i}`, nilReasons, position));
  return [geoJsonElement(name, value, pointer, nilReasons, position)];
}

/** The third numbers of a GeoJSON geometry's 3-D positions, as text. */
function geoJsonHeights(geometry: { type?: unknown; coordinates?: unknown }): string[] {
  const out: string[] = [];
  // As GML writes them: points in gml:pos, which LER's heights do not read.
  if (geometry.type === 'Point' || geometry.type === 'MultiPoint') return out;
  const walk = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number') {
      // A position without a height is written with -99: unknown, as LER reads it.
      out.push(c.length >= 3 ? String(c[2]) : '-99');
      return;
    }
    for (const x of c) walk(x);
  };
  walk(geometry.coordinates);
  return out;
}

const PIPE_TYPES = new Set(['Vandledning', 'Afloebsledning', 'Gasledning', 'TermiskLedning', 'Olieledning', 'Foeringsroer', 'AndenLedning']);
const LINE_OR_TRACE = new Set([...PIPE_TYPES, 'Elledning', 'Telekommunikationsledning', 'LedningUkendtForsyningsart', 'Ledningstrace']);

/**
 * What LER's encoding must carry and GeoJSON leaves out, as a GML writer states it: the
 * attributes a line must have (driftsstatus, fareklasse; noejagtighedsklasse and
 * noejagtighedsklasseVertikal beside a geometry, always on a trace) void, as unknown; a pipe's
 * cross-section "cirkulær", as the model knows pipes by their diameter (void when it gives a
 * width or height instead).
 */
function unstated(type: string, properties: Readonly<Record<string, unknown>>, hasGeometry: boolean): RestrictionElement[] {
  if (!LINE_OR_TRACE.has(type)) return [];
  const out: RestrictionElement[] = [];
  const missing = (name: string): boolean => !(name in properties) || properties[name] === undefined;
  const add = (name: string, nil: boolean, text = ''): void => {
    const e: RestrictionElement = { name, nil, text, attributes: {}, children: [], shapes: null, pointer: `/properties/${name}`, implied: true };
    if (nil) e.nilReason = 'unknown';
    out.push(e);
  };
  for (const name of ['driftsstatus', 'fareklasse']) if (missing(name)) add(name, true);
  if (hasGeometry || type === 'Ledningstrace') for (const name of ['noejagtighedsklasse', 'noejagtighedsklasseVertikal']) if (missing(name)) add(name, true);
  if (PIPE_TYPES.has(type) && missing('tvaersnitsform')) {
    const sized = !missing('udvendigBredde') || !missing('udvendigHoejde');
    add('tvaersnitsform', sized, sized ? '' : 'cirkulær');
  }
  return out;
}

export interface GeoJsonSubjectOptions {
  /** A trace holds this line (its geometry is the trace's). */
  contained?: boolean;
}

/** A GeoJSON feature with LER attribute names, as the restrictions read it. */
export function subjectFromGeoJson(properties: Readonly<Record<string, unknown>>, geometry: unknown, options: GeoJsonSubjectOptions = {}): RestrictionSubject {
  const nilReasons = typeof properties.nilReasons === 'object' && properties.nilReasons !== null ? (properties.nilReasons as Record<string, unknown>) : {};
  const elements: RestrictionElement[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (NOT_ELEMENTS.has(name) || value === undefined) continue;
    // `<name>Position` is an attribute of `<name>`, not an element.
    if (name.endsWith('Position') && name.length > 8 && properties[name.slice(0, -8)] !== undefined) continue;
    elements.push(...geoJsonElements(name, value, `/properties/${token(name)}`, nilReasons, properties[`${name}Position`]));
  }
  const shape = geometry !== null && typeof geometry === 'object' ? (geometry as { type?: unknown; coordinates?: unknown }) : null;
  const type = typeof properties.featureType === 'string' ? properties.featureType : '';
  if (shape !== null) {
    // A line's MultiLineString has no one encoding LER takes (a Ledning's geometri is one curve): the writer's choice.
    const multiLine = shape.type === 'MultiLineString' && type !== 'Ledningstrace';
    const shapes = multiLine ? null : SHAPES[String(shape.type)] ?? null;
    elements.push({ name: 'geometri', nil: false, text: '', attributes: {}, children: [], shapes, pointer: '/geometry' });
  }
  elements.push(...unstated(type, properties, shape !== null));
  const subject: RestrictionSubject = { type, elements, zValues: () => (shape === null ? [] : geoJsonHeights(shape)) };
  if (options.contained !== undefined) subject.contained = options.contained;
  return subject;
}
