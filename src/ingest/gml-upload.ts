/**
 * An upload in LER 2.2 GML, turned as it streams into the GeoJSON text sequence the rest of the
 * upload reads (rules, columns, index). On the way every feature is checked in LER's layers: the
 * official schema (gml-schema.ts, in batches), then LER's restrictions by their names, and only
 * then, as GeoJSON, the engine's own rules and geometry checks.
 *
 * A line that a trace holds may have no geometry of its own (`ler:indeholdtLedning` on the trace
 * names it): it takes the trace's. Such a line waits, without its geometry, until its trace has
 * been read; one still waiting at the end has no geometry and is refused as such.
 *
 * Hard validation as LER does it: a feature with a schema or restriction error is not passed on,
 * and unless invalid features are to be skipped, the upload fails at its end with every problem
 * in the report. Memory is one schema batch and the features waiting for it, whatever the size.
 */
import { LerError, type ErrorCode } from '../errors.js';
import { LINE_TYPES } from '../model/ler.js';
import { GmlDocumentRestrictions } from '../rules/restriction-subject.js';
import type { RuleReport } from '../rules/report.js';
import type { Geometry } from '../types.js';
import { DEFAULT_GML_LIMITS, LerGmlReader, type GmlDocumentInfo, type GmlElement, type GmlLimits, type LerGmlFeature } from './gml-reader.js';
import { SchemaBatcher, validateAnswerHeader, type SchemaCheck } from './gml-schema.js';

export interface GmlUploadOptions {
  limits?: GmlLimits;
  report: RuleReport | null;
  invalid: 'reject' | 'skip';
  /** Check LER's restrictions (default true). */
  restrictions?: boolean;
  /** Check against the official schema (default true). */
  schema?: boolean;
  /** Where a batch is checked against the schema (a worker thread); default here. */
  schemaCheck?: SchemaCheck;
  /** Told the document's header once it is read whole. */
  onDocument?: (info: GmlDocumentInfo) => void;
}

const encoder = new TextEncoder();
const RS = '\u001e';
/** Bytes of sequence text handed on at a time. */
const CHUNK_CHARS = 64 * 1024;
/** Schema batches checked at once (elsewhere) before the reading waits. */
const MAX_SCHEMA_FLIGHTS = 2;

interface Pending {
  index: number;
  feature: LerGmlFeature;
  /** A line waiting for its trace's geometry (its gml:id), else null. */
  waitsFor: string | null;
}

/** A feature element's id as the reader takes it: its ler:id, else its gml:id. */
function elementId(element: GmlElement): string | null {
  const own = element.children.find((c) => c.local === 'id' && c.ns === element.ns)?.text.trim();
  return own !== undefined && own !== '' ? own : gmlId(element);
}

function gmlId(element: GmlElement): string | null {
  return element.attributes['http://www.opengis.net/gml/3.2#id'] ?? null;
}

const LINES = new Set(Object.keys(LINE_TYPES));

/** Whether `next` is a further part of the line `first` (the same type and id, both with a geometry). */
function isPartOf(first: LerGmlFeature, next: LerGmlFeature): boolean {
  const type = first.properties?.featureType;
  return first.id === next.id && LINES.has(String(type)) && next.properties?.featureType === type && first.geometry !== null && next.geometry !== null;
}

/** Two lines' geometries as one MultiLineString. */
function joinParts(a: Geometry, b: Geometry): Geometry {
  const lines = (g: Geometry): number[][][] => (g.type === 'LineString' ? [g.coordinates as number[][]] : g.type === 'MultiLineString' ? (g.coordinates as number[][][]) : []);
  return { type: 'MultiLineString', coordinates: [...lines(a), ...lines(b)] } as Geometry;
}

function hrefsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string' && v.startsWith('#')).map((v) => v.slice(1));
}

/**
 * The document's features as an RFC 8142 text sequence (UTF-8), read from `source` as it arrives.
 * `passed` records which document feature each one of the sequence is.
 */
export async function* gmlFeatureSequence(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, opts: GmlUploadOptions, passed: number[]): AsyncGenerator<Uint8Array> {
  const { report, invalid } = opts;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const found: { feature: LerGmlFeature; index: number; element: GmlElement }[] = [];
  const unreadable: { element: GmlElement; index: number; error: LerError }[] = [];
  const reader = new LerGmlReader((feature, index, element) => found.push({ feature, index, element }), opts.limits ?? DEFAULT_GML_LIMITS, (element, index, error) => unreadable.push({ element, index, error }));
  const restrictions = opts.restrictions === false ? null : new GmlDocumentRestrictions();
  /** Features in document order, waiting for their schema batch (and lines for their trace). */
  const queue: Pending[] = [];
  const bad = new Set<number>();
  let errors = 0;
  let firstError: LerError | null = null;
  const problem = (index: number | null, id: string | number | null, code: string, pointer: string | null, message: string): void => {
    errors++;
    if (index !== null) bad.add(partOf.get(index) ?? index);
    const p = { featureIndex: index, featureId: id, pointer, code, severity: 'error' as const, message };
    const error = new LerError(code as ErrorCode, { ...(index !== null ? { featureIndex: index } : {}), ...(id !== null ? { featureId: id } : {}), ...(pointer !== null ? { pointer } : {}) }, message);
    if (report === null) throw error;
    report.addProblem(p);
    firstError ??= error;
  };
  const ids = new Map<number, string | number>();
  /** A line's later parts (the document's index) -> the index of its first part, which carries them all. */
  const partOf = new Map<number, number>();
  const schema = opts.schema === false ? null : new SchemaBatcher((index, message) => problem(index, ids.get(index) ?? null, 'GML_SCHEMA_INVALID', null, message), opts.schemaCheck);
  /** gml:id of a line -> the geometry of the trace that holds it. */
  const traceGeometry = new Map<string, Geometry>();
  /** gml:id of a line waiting for its trace -> its place in the queue. */
  const waiting = new Map<string, Pending>();
  /** Every feature up to this index has been through the schema check. */
  let checked = -1;
  let lastTaken = -1;
  let text = '';

  const take = (item: { feature: LerGmlFeature; index: number; element: GmlElement }): void => {
    const { feature, index, element } = item;
    ids.set(index, feature.id as string);
    for (const r of restrictions?.feature(element, index) ?? []) problem(index, feature.id as string, r.name, r.pointer, r.message);
    if (schema !== null) schema.add(element, index);
    lastTaken = index;
    // A line in parts (it has gaps): consecutive members with one id; the first carries every part.
    const previous = queue[queue.length - 1];
    if (previous !== undefined && isPartOf(previous.feature, feature)) {
      previous.feature.geometry = joinParts(previous.feature.geometry as Geometry, feature.geometry as Geometry);
      partOf.set(index, previous.index);
      if (bad.has(index)) bad.add(previous.index);
      return;
    }
    const pending: Pending = { index, feature, waitsFor: null };
    if (feature.properties?.featureType === 'Ledningstrace' && feature.geometry !== null) {
      for (const held of hrefsOf(feature.properties.indeholdtLedning)) {
        traceGeometry.set(held, feature.geometry);
        const line = waiting.get(held);
        if (line !== undefined) {
          line.feature.geometry = feature.geometry;
          line.waitsFor = null;
          waiting.delete(held);
        }
      }
    }
    if (feature.geometry === null) {
      const own = gmlId(element);
      const geometry = own === null ? undefined : traceGeometry.get(own);
      if (geometry !== undefined) feature.geometry = geometry;
      else if (own !== null) {
        pending.waitsFor = own;
        waiting.set(own, pending);
      }
    }
    queue.push(pending);
  };

  /** Moves checked features at the front of the queue into the sequence's text. */
  const release = (final: boolean): void => {
    // The last feature waits for the next: it may be a part of it.
    while (queue.length > (final ? 0 : 1)) {
      const head = queue[0];
      if (head.index > checked) break;
      if (head.waitsFor !== null && !final) break;
      queue.shift();
      if (head.waitsFor !== null) waiting.delete(head.waitsFor);
      if (bad.has(head.index)) {
        ids.delete(head.index);
        if (report !== null) report.features++;
        continue;
      }
      ids.delete(head.index);
      passed.push(head.index);
      text += `${RS}${JSON.stringify(head.feature)}\n`;
    }
  };

  const feed = (chunk: string): void => {
    reader.write(chunk);
    for (const item of found) take(item);
    found.length = 0;
    // A feature the reader could not turn into the model (a geometry LER does not use, a unit it
    // does not know): its restrictions and the reason, and it goes no further.
    for (const { element, index, error } of unreadable) {
      const id = elementId(element);
      for (const r of restrictions?.feature(element, index) ?? []) problem(index, id, r.name, r.pointer, r.message);
      problem(index, id, error.code, error.pointer ?? null, error.message);
    }
    unreadable.length = 0;
    checked = schema === null ? lastTaken : schema.checkedThrough(lastTaken);
    release(false);
  };

  const chunks = source instanceof Uint8Array ? [source] : source;
  for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
    let decoded: string;
    try {
      decoded = decoder.decode(chunk, { stream: true });
    } catch {
      throw new LerError('INPUT_NOT_UTF8', {}, 'LER GML is read as UTF-8.');
    }
    feed(decoded);
    if (schema !== null) {
      // Batches being checked elsewhere: at most a few at once, then what they cleared goes on.
      await schema.drain(MAX_SCHEMA_FLIGHTS);
      checked = schema.checkedThrough(lastTaken);
      release(false);
    }
    if (text.length >= CHUNK_CHARS) {
      yield encoder.encode(text);
      text = '';
    }
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw new LerError('INPUT_NOT_UTF8', {}, 'LER GML is read as UTF-8.');
  }
  feed(tail);
  const info = reader.end();
  if (restrictions !== null) {
    // Lines without a geometry that no trace held, and the answer's own restrictions.
    for (const { key, violation } of restrictions.finish()) problem(key, ids.get(key) ?? null, violation.name, violation.pointer, violation.message);
    if (info.header !== null) for (const v of restrictions.root(info.header)) problem(null, null, v.name, v.pointer, v.message);
  }
  if (schema !== null) {
    await schema.finish();
    if (info.root === 'Graveforespoergselssvar' && info.header !== null) {
      for (const fault of validateAnswerHeader(info.header)) problem(null, null, 'GML_SCHEMA_INVALID', null, fault.message);
    }
  }
  checked = Number.MAX_SAFE_INTEGER;
  release(true);
  opts.onDocument?.(info);
  if (text.length > 0) yield encoder.encode(text);
  if (errors > 0 && (invalid === 'reject' || passed.length === 0)) {
    throw new LerError('UPLOAD_REJECTED', {}, `${bad.size > 0 ? `${bad.size} features break` : 'The document breaks'} LER's schema or restrictions; the first: ${(firstError as LerError | null)?.message ?? ''}`);
  }
}
