/**
 * Building an owner's network from GeoJSON features in the LER 2.0 model: each feature read and
 * checked (src/input, src/rules), appended to columns, then laid out and indexed (src/index). The
 * streamed upload (upload.ts) builds through the same NetworkBuilder options.
 *
 * ```ts
 * const index = buildNetwork(featureCollection, { owner: 'dk-el' });
 * ```
 */
import { LerError } from '../errors.js';
import { declaredCrs, normaliseCrs, resolveExtent } from '../crs/index.js';
import { DEFAULT_COARSE_ACCURACY } from '../model/ler.js';
import { featuresOf } from '../input/collection.js';
import { resolvePropertyLimits, type PropertyLimits } from '../input/property-limits.js';
import { readFeature } from '../input/feature.js';
import { ColumnBuilder } from '../index/column-builder.js';
import { mergeColumns } from '../index/merge.js';
import { NetworkIndex } from '../index/network-index.js';
import { finishIndex, type FinishTask } from './finish.js';
import type { RuleReport } from '../rules/report.js';
import type { BuildOptions, CrsName, Extent, Feature, FeatureCollection } from '../types.js';

/**
 * Builds an index of an owner's GeoJSON features in the LER 2.0 model. Input is lon/lat
 * (RFC 7946) unless `crs` or the input's legacy `crs` member says EPSG:25832 or EPSG:7416.
 * Throws a LerError naming the first invalid feature.
 */
export function buildNetwork(input: FeatureCollection | Iterable<Feature> | unknown, opts: BuildOptions): NetworkIndex {
  const builder = new NetworkBuilder({ ...opts, crs: opts?.crs ?? declaredCrs(input) });
  for (const feature of featuresOf(input)) builder.add(feature);
  return builder.finish();
}

/**
 * An owner's network with a change set applied: features of `upsert` replace those with the
 * same id or are added, ids in `delete` are removed. Only the changed features are parsed; the
 * rest are copied from `base`'s columns. Throws a LerError (nothing changes) when an upserted
 * feature is invalid, a deleted id is unknown, an id is both upserted and deleted, or the change
 * set changes nothing (CHANGESET_EMPTY).
 */
export function applyChanges(base: NetworkIndex | null, changes: { upsert?: unknown; delete?: unknown }, opts: BuildOptions): NetworkIndex {
  return finishIndex(planChanges(base, changes, opts));
}

/**
 * A change set checked and read (as applyChanges), up to the step that lays the network out and
 * indexes it: what `finishIndex` (ingest/finish.ts) then does, inline or in a worker.
 */
export function planChanges(base: NetworkIndex | null, changes: { upsert?: unknown; delete?: unknown }, opts: BuildOptions): FinishTask {
  if (!changes || typeof changes !== 'object') throw new LerError('CHANGESET_INVALID');
  const owner = opts.owner;
  if (base !== null && (base.owners.length !== 1 || base.owners[0] !== owner)) {
    throw new LerError('OWNER_INVALID', {}, `The base network must be ${JSON.stringify(owner)}'s alone.`);
  }
  const deletes = changes.delete ?? [];
  if (!Array.isArray(deletes)) throw new LerError('CHANGESET_INVALID', { pointer: '/delete' }, 'delete must be an array of ids.');
  const added = changes.upsert === undefined ? null : buildNetwork(changes.upsert, opts);
  // A change set that changes nothing would make a new version like the last: that is no change.
  if ((added === null || added.featureCount === 0) && deletes.length === 0) throw new LerError('CHANGESET_EMPTY', {}, 'Give upsert features, delete ids, or both.');
  const index = new Map<string, number>();
  if (base !== null) for (let f = 0; f < base.featureCount; f++) index.set(base.featureKey(f), f);
  const keep = new Uint8Array(base?.featureCount ?? 0).fill(1);
  const upserted = new Set<string>();
  if (added !== null) {
    for (let f = 0; f < added.featureCount; f++) {
      const key = added.featureKey(f);
      upserted.add(key);
      const old = index.get(key);
      if (old !== undefined) keep[old] = 0;
    }
  }
  deletes.forEach((id, i) => {
    const ok = (typeof id === 'string' && id.length > 0) || (typeof id === 'number' && Number.isFinite(id));
    if (!ok) throw new LerError('CHANGESET_INVALID', { pointer: `/delete/${i}` }, `Got ${JSON.stringify(id) ?? String(id)}.`);
    const key = JSON.stringify(id);
    if (upserted.has(key)) throw new LerError('CHANGESET_INVALID', { pointer: `/delete/${i}`, featureId: id as string | number }, 'The id is both upserted and deleted.');
    const old = index.get(key);
    if (old === undefined) throw new LerError('FEATURE_ID_UNKNOWN', { pointer: `/delete/${i}`, featureId: id as string | number });
    keep[old] = 0;
  });
  const inputs = [...(base !== null ? [base.columns] : []), ...(added !== null ? [added.columns] : [])];
  const chunkSize = opts.chunkSize ?? base?.chunks.chunkSize;
  if (inputs.length === 0) return { columns: [new ColumnBuilder().finish([owner]).buffer], keep: [null], chunkSize };
  return { columns: inputs.map((c) => c.buffer), keep: base !== null ? [keep, null].slice(0, inputs.length) : [null], chunkSize };
}

/** The options every build of an owner's network takes, checked, with their defaults. */
export function checkBuildOptions(opts: BuildOptions): { coarseAccuracy: number; report: RuleReport | null; invalid: 'reject' | 'skip'; propertyLimits: PropertyLimits } {
  if (!opts || typeof opts.owner !== 'string' || opts.owner.trim() === '') throw new LerError('OWNER_INVALID');
  const coarseAccuracy = opts.coarseAccuracy ?? DEFAULT_COARSE_ACCURACY;
  if (typeof coarseAccuracy !== 'number' || !Number.isFinite(coarseAccuracy) || coarseAccuracy < 0) {
    throw new LerError('OPTION_INVALID', {}, 'coarseAccuracy must be a non-negative number of metres.');
  }
  const report = opts.report ?? null;
  const invalid = opts.invalid ?? 'reject';
  if (invalid !== 'reject' && invalid !== 'skip') throw new LerError('OPTION_INVALID', { pointer: '/invalid' }, 'invalid must be "reject" or "skip".');
  if (invalid === 'skip' && report === null) throw new LerError('OPTION_INVALID', { pointer: '/report' }, 'Skipping invalid features needs a report to list them in.');
  return { coarseAccuracy, report, invalid, propertyLimits: resolvePropertyLimits(opts.propertyLimits) };
}

/**
 * Builds an owner's network feature by feature (from an array, or from a stream as the features
 * arrive): each is checked and appended to the columns; `finish` lays them out and indexes them.
 * Without a report the first invalid feature throws; with one every problem is collected, and
 * `finish` throws UPLOAD_REJECTED unless invalid features are to be skipped.
 */
export class NetworkBuilder {
  private readonly builder = new ColumnBuilder();
  private readonly seen = new Set<string>();
  private readonly report: RuleReport | null;
  private readonly invalid: 'reject' | 'skip';
  private readonly read: { crs: CrsName; extent: Extent | null; coarseAccuracy: number; propertyLimits: PropertyLimits; owner: number; warn: ((w: LerError) => void) | null };
  private count = 0;
  private first: LerError | null = null;
  readonly owner: string;
  private readonly chunkSize: number | undefined;

  constructor(opts: BuildOptions) {
    const { coarseAccuracy, report, invalid, propertyLimits } = checkBuildOptions(opts);
    this.owner = opts.owner;
    this.chunkSize = opts.chunkSize;
    this.report = report;
    this.invalid = invalid;
    this.read = {
      crs: normaliseCrs(opts.crs),
      extent: resolveExtent(opts.extent),
      coarseAccuracy,
      propertyLimits,
      owner: 0,
      warn: report === null ? null : (w: LerError): void => report.add(w, 'warning')
    };
  }

  /** The CRS features are read in. */
  get crs(): CrsName {
    return this.read.crs;
  }

  /** Features added so far. */
  get features(): number {
    return this.count;
  }

  /** Checks one feature and appends it (or records its problem when there is a report). */
  add(feature: unknown): void {
    const index = this.count++;
    if (this.report === null) {
      readFeature(feature, index, this.builder, this.seen, this.read);
      return;
    }
    this.report.features++;
    try {
      readFeature(feature, index, this.builder, this.seen, this.read);
    } catch (error) {
      if (!(error instanceof LerError)) throw error;
      this.report.add(error, 'error');
      this.first ??= error;
    }
  }

  /** Records a problem found outside the feature's own checks (e.g. its text is not JSON). */
  fail(error: LerError): void {
    this.count++;
    if (this.report === null) throw error;
    this.report.features++;
    this.report.add(error, 'error');
    this.first ??= error;
  }

  finish(): NetworkIndex {
    if (this.first !== null && this.invalid === 'reject') {
      throw new LerError('UPLOAD_REJECTED', {}, `${this.report?.invalidFeatures ?? 1} of ${this.count} features are invalid; the first: ${this.first.message}`);
    }
    if (this.first !== null && this.builder.featureCount === 0) {
      // Skipping every feature would replace the network with an empty one: that is no upload.
      throw new LerError('UPLOAD_REJECTED', {}, `None of the ${this.count} features is valid; the first: ${this.first.message}`);
    }
    // Laid out along a Hilbert curve, as a merge would: a dig's features lie together in memory.
    return NetworkIndex.fromColumns(mergeColumns([this.builder.finish([this.owner])]), { chunkSize: this.chunkSize });
  }
}

