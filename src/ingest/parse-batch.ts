/**
 * One batch of an upload's features, parsed and checked into columns of their own: the same code
 * runs inline and in a worker thread, so an upload's batches can be parsed side by side. Ids are
 * not checked against each other here (the batch does not see the rest of the upload): the
 * caller does that over the batches in order.
 */
import { LerError } from '../errors.js';
import { ColumnBuilder } from '../index/builder.js';
import { readFeature, type FeatureReadOptions } from '../input/feature.js';
import type { Problem } from '../rules/report.js';
import type { CrsName, Extent } from '../types.js';
import type { FeatureBatch } from './split.js';

/** How a batch's features are read: as the upload's options say, CRS settled. */
export interface ParseSettings {
  owner: string;
  crs: CrsName;
  extent: Extent | null;
  coarseAccuracy: number;
  /** Collect warnings (only when there is a report to put them in). */
  warnings: boolean;
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

function problemOf(error: LerError, severity: Problem['severity']): Problem {
  return {
    featureIndex: error.featureIndex ?? null,
    featureId: error.featureId ?? null,
    pointer: error.pointer ?? null,
    code: error.code,
    severity,
    message: error.message
  };
}

export function parseFeatureBatch({ batch, settings }: ParseTask): ParsedBatch {
  const builder = new ColumnBuilder();
  const problems: Problem[] = [];
  const kept: number[] = [];
  const read: FeatureReadOptions = {
    crs: settings.crs,
    extent: settings.extent,
    coarseAccuracy: settings.coarseAccuracy,
    owner: 0,
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
      readFeature(feature, index, builder, null, read);
      kept.push(index);
    } catch (error) {
      if (!(error instanceof LerError)) throw error;
      problems.push(problemOf(error, 'error'));
    }
  }
  return { first, count: batch.count, columns: builder.finish([settings.owner]).buffer, kept: Uint32Array.from(kept), problems, fatal };
}
