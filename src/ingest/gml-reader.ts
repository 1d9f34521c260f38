/**
 * LER 2.2 GML read as a stream: a `ler:Graveforespoergselssvar` (its trace, line and component
 * members are the network) or a WFS/GML FeatureCollection of `ler:*` features, turned feature by
 * feature into the engine's GeoJSON model with LER's attribute names, so the rest of an upload
 * (rules, building) is the same as for GeoJSON.
 *
 * Hostile XML is refused, never expanded: a document type declaration (and with it every entity
 * it could declare: XXE, billion laughs) is refused at once; nesting deeper than `maxDepth`, a
 * text node longer than `maxTextChars` and more than `maxAttributes` on one element stop the read
 * with the line and column. Memory stays that of one feature whatever the document's size.
 */
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { LerError } from '../errors.js';
import type { Feature, Geometry } from '../types.js';

export const LER_NS = 'http://data.gov.dk/schemas/LER/2/gml';
export const GML_NS = 'http://www.opengis.net/gml/3.2';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';

export interface GmlLimits {
  /** Deepest element nesting. */
  maxDepth: number;
  /** Longest text node, characters (a long line's posList is the longest). */
  maxTextChars: number;
  /** Most attributes on one element. */
  maxAttributes: number;
}

export const DEFAULT_GML_LIMITS: GmlLimits = { maxDepth: 64, maxTextChars: 64 * 1024 * 1024, maxAttributes: 32 };

/** A feature as read: its geometry null when it has none of its own (a line a trace holds). */
export type LerGmlFeature = Feature<Geometry | null>;

/** What the document says of itself besides its features (a Graveforespoergselssvar's header). */
export interface GmlDocumentInfo {
  root: string;
  /** The CRS of the geometries read so far (EPSG:7416 or EPSG:25832); null before the first. */
  crs: string | null;
  /** The answer's `ler:id` and `ler:type`, when the root is a Graveforespoergselssvar. */
  answerId: string | null;
  answerType: string | null;
  /** The root element with its header (the elements that are not members; at most MAX_HEADER_ELEMENTS), for the schema check. */
  header: GmlElement | null;
}

/** Elements of a document's header kept (a Graveforespoergselssvar has a handful). */
const MAX_HEADER_ELEMENTS = 256;

/** Members whose child is a feature of the network. */
const MEMBERS = new Set(['ledningstraceMember', 'ledningMember', 'ledningskomponentMember', 'featureMember', 'featureMembers', 'member']);

/** Measures converted to the units the LER 2.0 attribute model uses here (mm, m, kV, bar, degrees Celsius). */
const UNITS: Record<string, { unit: string; factors: Record<string, number> }> = {
  vejledendeDybde: { unit: 'mm', factors: { mm: 1, cm: 10, m: 1000 } },
  udvendigDiameter: { unit: 'mm', factors: { mm: 1, cm: 10, m: 1000 } },
  bredde: { unit: 'm', factors: { m: 1, cm: 0.01, mm: 0.001 } },
  spaendingsniveau: { unit: 'kV', factors: { kV: 1, V: 0.001 } },
  tryk: { unit: 'bar', factors: { bar: 1, mbar: 0.001, kPa: 0.01, Pa: 0.00001 } },
  temperatur: { unit: 'Cel', factors: { Cel: 1 } },
  udvendigBredde: { unit: 'mm', factors: { mm: 1, cm: 10, m: 1000 } },
  udvendigHoejde: { unit: 'mm', factors: { mm: 1, cm: 10, m: 1000 } },
  bunddiameterbredde: { unit: 'mm', factors: { mm: 1, cm: 10, m: 1000 } },
  bundlaengde: { unit: 'mm', factors: { mm: 1, cm: 10, m: 1000 } }
};

/** LER's height for "unknown". */
const UNKNOWN_HEIGHT = -99;

/** The schema's elements of a simple type other than text (besides the measures above). */
const SIMPLE_TYPES: Record<string, 'integer' | 'boolean'> = { antalKabler: 'integer', liggerILedning: 'boolean' };

const EPSG_7416 = /^(?:http:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/7416|urn:ogc:def:crs:EPSG::7416|EPSG:7416)$/;
type Node = GmlElement;

const EPSG_25832 = /^(?:http:\/\/www\.opengis\.net\/def\/crs\/EPSG\/0\/25832|urn:ogc:def:crs:EPSG::25832|EPSG:25832)$/;

import type { GmlElement } from '../model/gml-element.js';
export type { GmlElement } from '../model/gml-element.js';

function gmlError(code: 'GML_MALFORMED' | 'GML_DOCTYPE_REFUSED' | 'GML_LIMIT' | 'GML_FEATURE_INVALID', detail: string, where: { line: number; column: number }): LerError {
  return new LerError(code, { pointer: `/line/${where.line}/column/${where.column}` }, `${detail} (line ${where.line}, column ${where.column})`);
}

/**
 * Reads a document's text, chunk by chunk; each whole feature goes to `onFeature` as soon as its
 * closing tag is read. Throws a LerError (with line and column) at the first fault.
 */
export class LerGmlReader {
  readonly info: GmlDocumentInfo = { root: '', crs: null, answerId: null, answerType: null, header: null };
  private readonly parser: SaxesParser<{ xmlns: true; position: true }>;
  private readonly stack: Node[] = [];
  /** The feature being read (its element and below), or null between features. */
  private feature: Node | null = null;
  private featureDepth = -1;
  private index = 0;
  private failure: LerError | null = null;
  /** Where the last tag ended (characters from the start): the parser keeps a text node whole until the next tag, so its length is watched here. */
  private lastTag = 0;
  /** How deep the reader is inside the header's elements (0: outside), and how many it has kept. */
  private headerDepth = 0;
  private headerElements = 0;

  constructor(
    private readonly onFeature: (feature: LerGmlFeature, index: number, element: GmlElement) => void,
    private readonly limits: GmlLimits = DEFAULT_GML_LIMITS,
    /** Told of a feature that cannot be read into the model (the read goes on); without it, such a feature stops the read. */
    private readonly onInvalid: ((element: GmlElement, index: number, error: LerError) => void) | null = null
  ) {
    this.parser = new SaxesParser({ xmlns: true, position: true });
    const where = (): { line: number; column: number } => ({ line: this.parser.line, column: this.parser.column });
    this.parser.on('doctype', () => this.fail(gmlError('GML_DOCTYPE_REFUSED', 'A document type declaration (DOCTYPE) is refused: LER GML needs none, and its entities could read files or expand without bound.', where())));
    this.parser.on('error', (error) => this.fail(gmlError('GML_MALFORMED', `Not well-formed XML: ${error.message.replace(/^\d+:\d+: /, '')}`, where())));
    this.parser.on('opentag', (tag) => {
      this.lastTag = this.parser.position;
      this.open(tag, where());
    });
    this.parser.on('closetag', () => {
      this.lastTag = this.parser.position;
      this.close();
    });
    this.parser.on('text', (text) => this.text(text, where()));
    this.parser.on('cdata', (text) => this.text(text, where()));
  }

  /** Reads the next piece of the document's text. */
  write(chunk: string): void {
    this.check();
    this.parser.write(chunk);
    this.check();
    if (this.parser.position - this.lastTag > this.limits.maxTextChars) {
      this.fail(gmlError('GML_LIMIT', `A text longer than ${this.limits.maxTextChars} characters.`, { line: this.parser.line, column: this.parser.column }));
      this.check();
    }
  }

  /** Ends the document: throws when it is not whole. */
  end(): GmlDocumentInfo {
    this.check();
    this.parser.close();
    this.check();
    if (this.info.root === '') throw gmlError('GML_MALFORMED', 'The document is empty.', { line: 1, column: 0 });
    return this.info;
  }

  private fail(error: LerError): void {
    this.failure ??= error;
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private open(tag: SaxesTagNS, at: { line: number; column: number }): void {
    if (this.failure !== null) return;
    if (this.stack.length >= this.limits.maxDepth) return this.fail(gmlError('GML_LIMIT', `Elements nest deeper than ${this.limits.maxDepth}.`, at));
    const names = Object.keys(tag.attributes);
    if (names.length > this.limits.maxAttributes) return this.fail(gmlError('GML_LIMIT', `More than ${this.limits.maxAttributes} attributes on one element.`, at));
    const attributes: Record<string, string> = {};
    for (const name of names) {
      const a = tag.attributes[name];
      attributes[a.uri === '' ? a.local : `${a.uri}#${a.local}`] = a.value;
    }
    const node: Node = { ns: tag.uri, local: tag.local, attributes, children: [], text: '', line: at.line, column: at.column };
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      this.info.root = tag.local;
      this.info.header = node;
      // A document of one feature.
      if (node.ns === LER_NS && /^[A-Z]/.test(node.local) && node.local !== 'Graveforespoergselssvar') {
        this.feature = node;
        this.featureDepth = 0;
      }
    } else if (this.feature !== null) {
      parent.children.push(node);
    } else if (this.headerDepth > 0 || (this.stack.length === 1 && !MEMBERS.has(node.local) && parent.local === 'Graveforespoergselssvar')) {
      // The answer's own elements (id, type, Kontaktprofil, ...), kept whole for the schema check.
      if (++this.headerElements > MAX_HEADER_ELEMENTS) return this.fail(gmlError('GML_LIMIT', `More than ${MAX_HEADER_ELEMENTS} elements in the document's header.`, at));
      parent.children.push(node);
      this.headerDepth++;
    } else if (node.ns === LER_NS && parent.ns !== GML_NS && MEMBERS.has(parent.local)) {
      this.feature = node;
      this.featureDepth = this.stack.length;
    } else if (node.ns === LER_NS && (parent.local === 'FeatureCollection' || parent.local === 'featureMembers' || parent.local === 'featureMember') && /^[A-Z]/.test(node.local) && node.local !== 'Graveforespoergselssvar') {
      this.feature = node;
      this.featureDepth = this.stack.length;
    }
    this.stack.push(node);
  }

  private text(text: string, at: { line: number; column: number }): void {
    if (this.failure !== null) return;
    const node = this.stack[this.stack.length - 1];
    if (node === undefined) return;
    if (node.text.length + text.length > this.limits.maxTextChars) return this.fail(gmlError('GML_LIMIT', `A text longer than ${this.limits.maxTextChars} characters.`, at));
    // Text between features is the header's (or whitespace): kept only where it is read.
    if (this.feature !== null || this.headerDepth > 0) node.text += text;
  }

  private close(): void {
    if (this.failure !== null) return;
    const node = this.stack.pop();
    if (node === undefined) return;
    if (this.headerDepth > 0) this.headerDepth--;
    if (this.feature === null && this.stack.length === 1 && node.ns === LER_NS) {
      if (node.local === 'id') this.info.answerId = node.text.trim();
      if (node.local === 'type') this.info.answerType = node.text.trim();
    }
    if (this.feature !== null && this.stack.length === this.featureDepth) {
      const element = this.feature;
      this.feature = null;
      this.featureDepth = -1;
      let feature: LerGmlFeature | null = null;
      try {
        feature = this.toFeature(element);
      } catch (error) {
        const e = error instanceof LerError ? error : gmlError('GML_FEATURE_INVALID', String(error), element);
        if (this.onInvalid === null) this.fail(e);
        else this.onInvalid(element, this.index, e);
      }
      if (feature !== null) {
        try {
          this.onFeature(feature, this.index, element);
        } catch (error) {
          this.fail(error instanceof LerError ? error : gmlError('GML_FEATURE_INVALID', String(error), element));
        }
      }
      this.index++;
    }
  }

  /** One LER feature element as a GeoJSON Feature with LER's attribute names. */
  private toFeature(element: Node): LerGmlFeature {
    const properties: Record<string, unknown> = { featureType: element.local };
    const nilReasons: Record<string, string> = {};
    let geometry: Geometry | null = null;
    let lerId: string | null = null;
    for (const child of element.children) {
      if (child.ns !== LER_NS) continue;
      const name = child.local;
      if (name === 'geometri') {
        const shape = child.children.find((c) => c.ns === GML_NS);
        if (shape === undefined) throw gmlError('GML_FEATURE_INVALID', `${element.local}: geometri holds no GML geometry.`, child);
        geometry = this.geometryOf(shape);
        continue;
      }
      if (name === 'id') {
        lerId = child.text.trim();
        continue;
      }
      if (child.attributes[`${XSI_NS}#nil`] === 'true') {
        properties[name] = null;
        nilReasons[name] = child.attributes.nilReason ?? 'unknown';
        continue;
      }
      // "Before 1990" and the like: the date, and the position as a property of its own.
      const position = child.attributes.indeterminatePosition;
      if (position !== undefined) {
        properties[`${name}Position`] = position;
        // "Unknown" with no time at all: the position alone.
        if (child.text.trim() === '') continue;
      }
      const href = child.attributes[`${XLINK_NS}#href`];
      const value: unknown = href !== undefined ? href : this.valueOf(name, child);
      const was = properties[name];
      // A repeated element (a trace's forsyningsart 1..n) becomes a list.
      properties[name] = was === undefined ? value : Array.isArray(was) ? [...(was as unknown[]), value] : [was, value];
    }
    if (Object.keys(nilReasons).length > 0) properties.nilReasons = nilReasons;
    const gmlId = element.attributes[`${GML_NS}#id`];
    const id = lerId !== null && lerId !== '' ? lerId : gmlId;
    if (id === undefined || id === '') throw gmlError('GML_FEATURE_INVALID', `${element.local} has neither ler:id nor gml:id.`, element);
    // A line held by a trace may have no geometry of its own (the trace's is its): null here, for the caller to place.
    return { type: 'Feature', id, geometry, properties };
  }

  /** A simple value: a measure in the model's unit, a number, or text. */
  private valueOf(name: string, node: Node): unknown {
    const text = node.text.trim();
    const unit = UNITS[name];
    if (unit !== undefined) {
      const uom = node.attributes.uom ?? unit.unit;
      const factor = unit.factors[uom];
      const value = Number(text);
      if (factor === undefined) throw gmlError('GML_FEATURE_INVALID', `${name} in ${JSON.stringify(uom)}: give it in ${Object.keys(unit.factors).join(', ')}.`, node);
      if (text === '' || !Number.isFinite(value)) throw gmlError('GML_FEATURE_INVALID', `${name} is not a number: ${JSON.stringify(text.slice(0, 40))}.`, node);
      return value * factor;
    }
    if (node.attributes.uom !== undefined && node.children.length === 0) {
      // Another measure: its number, in the unit given.
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) throw gmlError('GML_FEATURE_INVALID', `${name} is not a number: ${JSON.stringify(text.slice(0, 40))}.`, node);
      return value;
    }
    const simple = SIMPLE_TYPES[name];
    if (simple === 'integer') {
      if (!/^[+-]?\d+$/.test(text)) throw gmlError('GML_FEATURE_INVALID', `${name} is not a whole number: ${JSON.stringify(text.slice(0, 40))}.`, node);
      return Number(text);
    }
    if (simple === 'boolean') {
      if (text !== 'true' && text !== 'false' && text !== '1' && text !== '0') throw gmlError('GML_FEATURE_INVALID', `${name} is not true or false: ${JSON.stringify(text.slice(0, 40))}.`, node);
      return text === 'true' || text === '1';
    }
    if (node.children.length > 0) {
      // A nested record (e.g. an indeterminate date): its text parts by name.
      const out: Record<string, unknown> = {};
      for (const c of node.children) out[c.local] = c.text.trim();
      return out;
    }
    return text;
  }

  private crsOf(node: Node): void {
    const srs = node.attributes.srsName;
    if (srs === undefined) return;
    const crs = EPSG_7416.test(srs) ? 'EPSG:7416' : EPSG_25832.test(srs) ? 'EPSG:25832' : null;
    if (crs === null) throw gmlError('GML_FEATURE_INVALID', `srsName ${JSON.stringify(srs)}: LER GML is in EPSG:7416 (http://www.opengis.net/def/crs/EPSG/0/7416) or EPSG:25832.`, node);
    if (this.info.crs !== null && this.info.crs !== crs) throw gmlError('GML_FEATURE_INVALID', `The document mixes ${this.info.crs} and ${crs}.`, node);
    this.info.crs = crs;
  }

  /** Positions of a posList / pos / coordinates element, with their dimension (2 or 3). */
  private positions(node: Node, dimension: number): number[][] {
    const numbers = node.text.trim().split(/\s+/).filter((t) => t !== '').map(Number);
    if (numbers.some((n) => !Number.isFinite(n))) throw gmlError('GML_FEATURE_INVALID', `${node.local} holds something that is not a number.`, node);
    if (numbers.length % dimension !== 0) throw gmlError('GML_FEATURE_INVALID', `${node.local} holds ${numbers.length} numbers, not a multiple of its dimension ${dimension}.`, node);
    const out: number[][] = [];
    // A height of -99 is LER's "unknown": the position is kept without one (and written with -99 again).
    for (let i = 0; i < numbers.length; i += dimension) out.push(dimension === 3 && numbers[i + 2] === UNKNOWN_HEIGHT ? numbers.slice(i, i + 2) : numbers.slice(i, i + dimension));
    return out;
  }

  private dimensionOf(node: Node, inherited: number): number {
    const d = node.attributes.srsDimension;
    if (d === undefined) return inherited;
    if (d !== '2' && d !== '3') throw gmlError('GML_FEATURE_INVALID', `srsDimension ${JSON.stringify(d)}: 2 or 3.`, node);
    return Number(d);
  }

  private line(node: Node, dimension: number): number[][] {
    this.crsOf(node);
    const dim = this.dimensionOf(node, dimension);
    const out: number[][] = [];
    for (const c of node.children) {
      if (c.local === 'posList') out.push(...this.positions(c, this.dimensionOf(c, dim)));
      else if (c.local === 'pos') out.push(...this.positions(c, this.dimensionOf(c, dim)));
      else if (c.local === 'segments') for (const s of c.children) out.push(...this.line(s, dim).slice(out.length > 0 ? 1 : 0));
    }
    return out;
  }

  private ring(node: Node, dimension: number): number[][] {
    const ring = node.children.find((c) => c.local === 'LinearRing');
    if (ring === undefined) throw gmlError('GML_FEATURE_INVALID', `${node.local} holds no LinearRing.`, node);
    return this.line(ring, dimension);
  }

  private polygon(node: Node, dimension: number): number[][][] {
    this.crsOf(node);
    const dim = this.dimensionOf(node, dimension);
    const exterior = node.children.find((c) => c.local === 'exterior');
    if (exterior === undefined) throw gmlError('GML_FEATURE_INVALID', 'A Polygon without its exterior.', node);
    return [this.ring(exterior, dim), ...node.children.filter((c) => c.local === 'interior').map((c) => this.ring(c, dim))];
  }

  private geometryOf(node: Node): Geometry {
    this.crsOf(node);
    const dim = this.dimensionOf(node, 3);
    switch (node.local) {
      case 'Point': {
        const pos = node.children.find((c) => c.local === 'pos');
        if (pos === undefined) throw gmlError('GML_FEATURE_INVALID', 'A Point without its pos.', node);
        const [p] = this.positions(pos, this.dimensionOf(pos, dim));
        return { type: 'Point', coordinates: p } as Geometry;
      }
      case 'MultiPoint': {
        const points = node.children.filter((c) => c.local === 'pointMember' || c.local === 'pointMembers').flatMap((m) => m.children.filter((c) => c.local === 'Point'));
        return { type: 'MultiPoint', coordinates: points.map((p) => (this.geometryOf(p) as { coordinates: number[] }).coordinates) } as Geometry;
      }
      case 'LineString':
      case 'Curve':
        return { type: 'LineString', coordinates: this.line(node, dim) } as Geometry;
      case 'CompositeCurve': {
        const parts = node.children.filter((c) => c.local === 'curveMember').flatMap((m) => m.children.map((c) => this.line(c, dim)));
        const joined: number[][] = [];
        for (const part of parts) joined.push(...part.slice(joined.length > 0 ? 1 : 0));
        return { type: 'LineString', coordinates: joined } as Geometry;
      }
      case 'MultiCurve':
        return { type: 'MultiLineString', coordinates: node.children.filter((c) => c.local === 'curveMember' || c.local === 'curveMembers').flatMap((m) => m.children.map((c) => this.line(c, dim))) } as Geometry;
      case 'Polygon':
      case 'Surface':
        return { type: 'Polygon', coordinates: this.polygon(node.local === 'Surface' ? (node.children.find((c) => c.local === 'patches')?.children[0] ?? node) : node, dim) } as Geometry;
      case 'MultiSurface':
        return { type: 'MultiPolygon', coordinates: node.children.filter((c) => c.local === 'surfaceMember').flatMap((m) => m.children.map((c) => this.polygon(c, dim))) } as Geometry;
      default:
        throw gmlError('GML_FEATURE_INVALID', `gml:${node.local} is not a geometry LER uses (LineString, Curve, CompositeCurve, MultiCurve, Point, MultiPoint, Polygon, MultiSurface).`, node);
    }
  }
}

/** Reads a whole document (text or UTF-8 chunks) into features; for tests and small files. */
export async function readLerGml(source: string | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, limits: GmlLimits = DEFAULT_GML_LIMITS): Promise<{ features: LerGmlFeature[]; info: GmlDocumentInfo }> {
  const features: LerGmlFeature[] = [];
  const reader = new LerGmlReader((f) => features.push(f), limits);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  if (typeof source === 'string') reader.write(source);
  else for await (const chunk of source as AsyncIterable<Uint8Array | string>) reader.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  if (typeof source !== 'string') reader.write(decoder.decode());
  return { features, info: reader.end() };
}
