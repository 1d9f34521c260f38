/**
 * One batch of an upload's features, parsed and checked into columns of their own: the same code
 * runs inline and in a worker thread, so an upload's batches can be parsed side by side. Ids are
 * not checked against each other here (the batch does not see the rest of the upload): the
 * caller does that over the batches in order.
 */
import { LerError } from '../errors.js';
import { ColumnBuilder } from '../index/column-builder.js';
import { readFeature, type FeatureReadOptions } from '../input/feature.js';
import type { PropertyLimits } from '../input/property-limits.js';
import { problemOf, type Problem } from '../rules/report.js';
import type { CrsName, Extent } from '../types.js';
import type { FeatureBatch } from './split.js';

/** How a batch's features are read: as the upload's options say, CRS settled. */
export interface ParseSettings {
  owner: string;
  crs: CrsName;
  extent: Extent | null;
  coarseAccuracy: number;
  propertyLimits: PropertyLimits;
  /** Collect warnings (only when there is a report to put them in). */
  warnings: boolean;
  /** Check LER's restrictions on each feature (default true; false for GML, checked on the document). */
  restrictions?: boolean;
  /** Refuse self-crossing lines (default false; true for GML, as LER refuses them). */
  simpleLines?: boolean;
}

export interface ParseTask {
  batch: FeatureBatch;
  settings: ParseSettings;
}

export interface ParsedBatch {
  first: number;
  count: number;
  /** The valid features' columns (reopen with `columnsFrom`), in input order. */
  columns: SharedArrayBuffer;
  /** Input position of each feature in the columns. */
  kept: Uint32Array;
  /** Errors and warnings, in input order. */
  problems: Problem[];
  /** Bytes that are not UTF-8 end the whole upload, as the splitter would: the batch stops there. */
  fatal: Problem | null;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseFeatureBatch({ batch, settings }: ParseTask): ParsedBatch {
  const builder = new ColumnBuilder();
  const problems: Problem[] = [];
  const kept: number[] = [];
  const read: FeatureReadOptions = {
    crs: settings.crs,
    extent: settings.extent,
    coarseAccuracy: settings.coarseAccuracy,
    propertyLimits: settings.propertyLimits,
    owner: 0,
    ...(settings.restrictions === false ? { restrictions: false } : {}),
    ...(settings.simpleLines === true ? { simpleLines: true } : {}),
    warn: settings.warnings ? (w: LerError): void => void problems.push(problemOf(w, 'warning')) : null
  };
  const { bytes, ends, offsets, first } = batch;
  let fatal: Problem | null = null;
  for (let k = 0; k < batch.count; k++) {
    const index = first + k;
    let text: string;
    try {
      text = decoder.decode(bytes.subarray(ends[k], ends[k + 1]));
    } catch {
      const where = batch.collection ? { featureIndex: index, pointer: `/features/${index}` } : { featureIndex: index };
      fatal = problemOf(new LerError('INPUT_NOT_UTF8', where, `The feature starting at byte ${offsets[k]} holds bytes that are not UTF-8.`), 'error');
      break;
    }
    let feature: unknown;
    try {
      feature = JSON.parse(text);
    } catch (error) {
      problems.push(problemOf(new LerError('INPUT_SYNTAX', { featureIndex: index, pointer: `/features/${index}` }, (error as Error).message), 'error'));
      continue;
    }
    try {
      const raw = propertiesSpan(bytes, ends[k], ends[k + 1]) ? bytes.subarray(span.start, span.end) : null;
      readFeature(feature, index, builder, null, read, raw);
      kept.push(index);
    } catch (error) {
      if (!(error instanceof LerError)) throw error;
      problems.push(problemOf(error, 'error'));
    }
  }
  return { first, count: batch.count, columns: builder.finish([settings.owner]).buffer, kept: Uint32Array.from(kept), problems, fatal };
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, COMMA = 0x2c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;
const PROPERTIES = new TextEncoder().encode('"properties"');

/** Where the last found `properties` value lies (set by propertiesSpan). */
const span = { start: 0, end: 0 };

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Finds the text of the feature object's own `properties` member in its bytes (well-formed JSON,
 * as JSON.parse has just found): the last such member, as JSON.parse keeps the last. False when
 * there is none written plainly (e.g. a name with escapes); the caller then writes it out again.
 */
function propertiesSpan(b: Uint8Array, from: number, to: number): boolean {
  let depth = 0;
  let value = -1;
  let found = false;
  let i = from;
  while (i < to) {
    const c = b[i];
    if (c === QUOTE) {
      const q = i++;
      while (b[i] !== QUOTE) i += b[i] === BACKSLASH ? 2 : 1;
      i++;
      if (depth === 1 && value < 0 && i - q === PROPERTIES.length && sameBytes(b, q, PROPERTIES)) {
        let j = i;
        while (isSpace(b[j])) j++;
        if (b[j] === COLON) {
          j++;
          while (isSpace(b[j])) j++;
          value = j;
          i = j;
        }
      }
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (--depth === 0) {
        if (value >= 0) found = end(b, value, i);
        break;
      }
    } else if (c === COMMA && depth === 1 && value >= 0) {
      found = end(b, value, i);
      value = -1;
    }
    i++;
  }
  return found;
}

/** Sets the span from `start` to `stop` less trailing whitespace. */
function end(b: Uint8Array, start: number, stop: number): true {
  let e = stop;
  while (e > start && isSpace(b[e - 1])) e--;
  span.start = start;
  span.end = e;
  return true;
}

function sameBytes(b: Uint8Array, at: number, what: Uint8Array): boolean {
  for (let k = 0; k < what.length; k++) if (b[at + k] !== what[k]) return false;
  return true;
}
