import { LerError } from '../errors.js';
import { declaredCrs, normaliseCrs, resolveExtent } from '../crs/index.js';
import { DEFAULT_COARSE_ACCURACY, DRIFTSSTATUS, FAREKLASSE, FEATURE_TYPES, FORSYNINGSART, FORSYNINGSART_OTHER, valueOf } from '../model/ler.js';
import { featuresOf } from '../input/collection.js';
import { readFeature } from '../input/feature.js';
import { checkInfoZone, DigAreaReader } from '../query/dig-area.js';
import { ConflictSearch, REVEAL_SLACK, ZONE_DIG_AREA, type PairResult } from '../query/search.js';
import { deliverGeometry } from '../query/deliver.js';
import type { PreparedArea } from '../geometry/index.js';
import type { AreaGeometry, BuildOptions, Conflict, CrsName, Extent, Feature, FeatureCollection, QueryOptions } from '../types.js';
import { ColumnBuilder } from './builder.js';
import { columnBytes, columnsFrom, GeomType, type NetworkColumns } from './columns.js';
import { buildChunks, chunkBytes, chunksFrom, DEFAULT_CHUNK_SIZE, type ChunkTables } from './chunks.js';
import { mergeColumns } from './merge.js';
import type { RuleReport } from '../rules/report.js';

/** The buffers a snapshot lives in; `NetworkIndex.from` reopens them anywhere without copying. */
export interface SnapshotBuffers {
  columns: SharedArrayBuffer;
  chunks: SharedArrayBuffer;
  tree: SharedArrayBuffer;
}

export interface MemoryReport {
  /** Vertex coordinates and the part/feature offsets that give them shape. */
  coordinates: number;
  /** The packed R-tree over chunks. */
  index: number;
  /** Chunk tables: feature, first vertex and segment count of each chunk. */
  chunks: number;
  /** Per-feature attribute codes and margins. */
  features: number;
  /** Ids and full properties as JSON text. */
  attributes: number;
  total: number;
}

// Delivered geometry stops a hair inside m(F) + b + 1 m so that rounding never puts a cut point past it.
const REVEAL_EPSILON = 1e-6;

/**
 * An immutable, queryable snapshot of one or more owners' networks: columns, chunk tables and a
 * packed R-tree, all in SharedArrayBuffers.
 *
 * ```ts
 * const index = NetworkIndex.build(featureCollection, { owner: 'dk-el' });
 * const conflicts = index.query(digArea, { infoZone: 2 });
 * ```
 */
export class NetworkIndex {
  readonly columns: NetworkColumns;
  readonly chunks: ChunkTables;
  /** Largest margin m(F) of any feature, metres. */
  readonly maxMargin: number;
  private searcher: ConflictSearch | null = null;
  /** Dig areas are read into the same buffers query after query (queries run one at a time). */
  private readonly reader = new DigAreaReader();
  private segments: number | undefined;

  private constructor(columns: NetworkColumns, chunks: ChunkTables) {
    this.columns = columns;
    this.chunks = chunks;
    let max = 0;
    const margin = columns.margin;
    for (let i = 0; i < margin.length; i++) if (margin[i] > max) max = margin[i];
    this.maxMargin = max;
  }

  /**
   * Builds an index from an owner's GeoJSON features in the LER 2.0 model. Input is lon/lat
   * (RFC 7946) unless `crs` or the input's legacy `crs` member says EPSG:25832 or EPSG:7416.
   * Throws a LerError naming the first invalid feature.
   */
  static build(input: FeatureCollection | Iterable<Feature> | unknown, opts: BuildOptions): NetworkIndex {
    const builder = new NetworkBuilder({ ...opts, crs: opts?.crs ?? declaredCrs(input) });
    for (const feature of featuresOf(input)) builder.add(feature);
    return builder.finish();
  }

  /**
   * An owner's network with a change set applied: features of `upsert` replace those with the
   * same id or are added, ids in `delete` are removed. Only the changed features are parsed; the
   * rest are copied from `base`'s columns. Throws a LerError (nothing changes) when an upserted
   * feature is invalid, a deleted id is unknown, or an id is both upserted and deleted.
   */
  static applyChanges(base: NetworkIndex | null, changes: { upsert?: unknown; delete?: unknown }, opts: BuildOptions): NetworkIndex {
    if (!changes || typeof changes !== 'object') throw new LerError('CHANGESET_INVALID');
    const owner = opts.owner;
    if (base !== null && (base.owners.length !== 1 || base.owners[0] !== owner)) {
      throw new LerError('OWNER_INVALID', {}, `The base network must be ${JSON.stringify(owner)}'s alone.`);
    }
    const deletes = changes.delete ?? [];
    if (!Array.isArray(deletes)) throw new LerError('CHANGESET_INVALID', { pointer: '/delete' }, 'delete must be an array of ids.');
    const added = changes.upsert === undefined ? null : NetworkIndex.build(changes.upsert, opts);
    const index = new Map<string, number>();
    if (base !== null) for (let f = 0; f < base.featureCount; f++) index.set(text(base.columns.idText, base.columns.idOffsets[f], base.columns.idOffsets[f + 1]), f);
    const keep = new Uint8Array(base?.featureCount ?? 0).fill(1);
    const upserted = new Set<string>();
    if (added !== null) {
      for (let f = 0; f < added.featureCount; f++) {
        const key = text(added.columns.idText, added.columns.idOffsets[f], added.columns.idOffsets[f + 1]);
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
    if (inputs.length === 0) return NetworkIndex.build([], opts);
    const columns = mergeColumns(inputs, { keep: base !== null ? [keep, null] : [null], sharedOwners: true });
    return NetworkIndex.fromColumns(columns, { chunkSize: opts.chunkSize ?? base?.chunks.chunkSize });
  }

  /** Chunk tables and R-tree over existing columns. */
  static fromColumns(columns: NetworkColumns, opts: { chunkSize?: number; nodeSize?: number } = {}): NetworkIndex {
    return new NetworkIndex(columns, buildChunks(columns, opts.chunkSize ?? DEFAULT_CHUNK_SIZE, opts.nodeSize));
  }

  /** One index over several owners' networks, so that one query answers for all of them. */
  static merge(indexes: readonly NetworkIndex[], opts: { chunkSize?: number } = {}): NetworkIndex {
    if (!Array.isArray(indexes) || indexes.length === 0) throw new LerError('OPTION_INVALID', {}, 'merge needs at least one index.');
    return NetworkIndex.fromColumns(mergeColumns(indexes.map((x) => x.columns)), { chunkSize: opts.chunkSize ?? indexes[0].chunks.chunkSize });
  }

  /** Reopens a snapshot from its buffers (e.g. in a worker thread) without copying them. */
  static from(buffers: SnapshotBuffers): NetworkIndex {
    if (!buffers || typeof buffers !== 'object') throw new LerError('INDEX_BUFFER_INVALID');
    return new NetworkIndex(columnsFrom(buffers.columns), chunksFrom(buffers.chunks, buffers.tree));
  }

  get buffers(): SnapshotBuffers {
    return { columns: this.columns.buffer, chunks: this.chunks.buffer, tree: this.chunks.tree.data as SharedArrayBuffer };
  }

  get owners(): string[] {
    return this.columns.owners;
  }
  get featureCount(): number {
    return this.columns.featureCount;
  }
  get vertexCount(): number {
    return this.columns.vertexCount;
  }
  /** Line segments (polygon edges not counted). */
  get segmentCount(): number {
    this.segments ??= countSegments(this.columns);
    return this.segments;
  }
  get chunkCount(): number {
    return this.chunks.count;
  }

  /**
   * Every feature in the dig area or its information zone, by the conflict semantics of the
   * design: zone, distance, length inside and the geometry the package may reveal.
   */
  query(area: AreaGeometry | unknown, opts: QueryOptions = {}): Conflict[] {
    const b = checkInfoZone(opts?.infoZone);
    const { area: prepared, crs } = this.reader.read(area, opts);
    const withGeometry = opts.geometry !== false;
    const r = this.search().run(prepared, b, withGeometry);
    const conflicts: Conflict[] = [];
    for (let k = 0; k < r.count; k++) {
      const f = r.feature[k];
      const conflict = this.conflictOf(f, r, k);
      if (withGeometry) {
        const reach = this.columns.margin[f] + b + REVEAL_SLACK - REVEAL_EPSILON;
        const hits = r.hits.subarray(r.hitStart[k], r.hitStart[k + 1]);
        conflict.geometry = deliverGeometry(this.columns, this.chunks, prepared, f, hits, reach, crs);
      }
      conflicts.push(conflict);
    }
    return conflicts.sort(byOwnerZoneDistance);
  }

  /** The exact answer as typed arrays, without building objects; valid until the next call. */
  queryPairs(area: AreaGeometry | unknown, opts: QueryOptions = {}): PairResult {
    const b = checkInfoZone(opts?.infoZone);
    const { area: prepared } = this.reader.read(area, opts);
    return this.search().run(prepared, b, false);
  }

  /**
   * The exact pairs of an area already prepared in EPSG:25832 (batch tasks hand over flat rings,
   * not GeoJSON); b is checked by the caller. Valid until the next query on this index. With a
   * radius, the area is the corridor within that distance of the rings (a route's centreline
   * drawn as a ring along it and back): distances are to the corridor, lengths inside it.
   */
  pairsOf(area: PreparedArea, b: number, radius = 0): PairResult {
    return this.search().run(area, b, false, radius);
  }

  /** How many chunks a bbox-only search returns for this dig: the floor under the exact test. */
  countCandidates(area: AreaGeometry | unknown, opts: QueryOptions = {}): number {
    const b = checkInfoZone(opts?.infoZone);
    const { area: prepared } = this.reader.read(area, opts);
    return this.search().countCandidates(prepared, b);
  }

  featureId(f: number): string | number {
    return JSON.parse(text(this.columns.idText, this.columns.idOffsets[f], this.columns.idOffsets[f + 1])) as string | number;
  }

  featureOwner(f: number): string {
    return this.columns.owners[this.columns.featureOwner[f]];
  }

  featureProperties(f: number): Record<string, unknown> {
    return JSON.parse(text(this.columns.propText, this.columns.propOffsets[f], this.columns.propOffsets[f + 1])) as Record<string, unknown>;
  }

  memory(): MemoryReport {
    const c = columnBytes(this.columns);
    const k = chunkBytes(this.chunks);
    return { ...c, ...k, total: c.coordinates + c.features + c.attributes + k.chunks + k.index };
  }

  private search(): ConflictSearch {
    this.searcher ??= new ConflictSearch(this.columns, this.chunks, this.maxMargin);
    return this.searcher;
  }

  /** The conflict record (without geometry) of feature f, from pair k of an answer. */
  conflictOf(f: number, r: Pick<PairResult, 'zone' | 'distance' | 'lengthInside'>, k: number): Conflict {
    const c = this.columns;
    const properties = this.featureProperties(f);
    const supply = c.forsyningsart[f];
    return {
      featureId: this.featureId(f),
      owner: this.featureOwner(f),
      featureType: FEATURE_TYPES[c.featureType[f] - 1],
      forsyningsart: supply === FORSYNINGSART_OTHER ? String(properties.forsyningsart) : valueOf(FORSYNINGSART, supply) ?? null,
      fareklasse: valueOf(FAREKLASSE, c.fareklasse[f]) ?? null,
      driftsstatus: valueOf(DRIFTSSTATUS, c.driftsstatus[f]) ?? null,
      zone: r.zone[k] === ZONE_DIG_AREA ? 'digArea' : 'infoZone',
      distance: r.distance[k],
      margin: c.margin[f],
      lengthInside: r.lengthInside[k],
      properties
    };
  }
}

/** The options every build of an owner's network takes, checked, with their defaults. */
export function checkBuildOptions(opts: BuildOptions): { coarseAccuracy: number; report: RuleReport | null; invalid: 'reject' | 'skip' } {
  if (!opts || typeof opts.owner !== 'string' || opts.owner.trim() === '') throw new LerError('OWNER_INVALID');
  const coarseAccuracy = opts.coarseAccuracy ?? DEFAULT_COARSE_ACCURACY;
  if (typeof coarseAccuracy !== 'number' || !Number.isFinite(coarseAccuracy) || coarseAccuracy < 0) {
    throw new LerError('OPTION_INVALID', {}, 'coarseAccuracy must be a non-negative number of metres.');
  }
  const report = opts.report ?? null;
  const invalid = opts.invalid ?? 'reject';
  if (invalid !== 'reject' && invalid !== 'skip') throw new LerError('OPTION_INVALID', { pointer: '/invalid' }, 'invalid must be "reject" or "skip".');
  if (invalid === 'skip' && report === null) throw new LerError('OPTION_INVALID', { pointer: '/report' }, 'Skipping invalid features needs a report to list them in.');
  return { coarseAccuracy, report, invalid };
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
  private readonly read: { crs: CrsName; extent: Extent | null; coarseAccuracy: number; owner: number; warn: ((w: LerError) => void) | null };
  private count = 0;
  private first: LerError | null = null;
  readonly owner: string;
  private readonly chunkSize: number | undefined;

  constructor(opts: BuildOptions) {
    const { coarseAccuracy, report, invalid } = checkBuildOptions(opts);
    this.owner = opts.owner;
    this.chunkSize = opts.chunkSize;
    this.report = report;
    this.invalid = invalid;
    this.read = {
      crs: normaliseCrs(opts.crs),
      extent: resolveExtent(opts.extent),
      coarseAccuracy,
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

/** Answer order: by owner, the dig area's features before the information zone's, nearest first, then by id. */
export function byOwnerZoneDistance(a: Conflict, b: Conflict): number {
  if (a.owner !== b.owner) return a.owner < b.owner ? -1 : 1;
  if (a.zone !== b.zone) return a.zone === 'digArea' ? -1 : 1;
  if (a.distance !== b.distance) return a.distance - b.distance;
  const x = String(a.featureId);
  const y = String(b.featureId);
  return x < y ? -1 : x > y ? 1 : 0;
}

function countSegments({ featureCount, featureParts, partVertices, geomType }: NetworkColumns): number {
  let n = 0;
  for (let f = 0; f < featureCount; f++) {
    if (geomType[f] !== GeomType.LineString && geomType[f] !== GeomType.MultiLineString) continue;
    for (let p = featureParts[f]; p < featureParts[f + 1]; p++) n += partVertices[p + 1] - partVertices[p] - 1;
  }
  return n;
}

const decoder = new TextDecoder();

function text(bytes: Uint8Array, start: number, end: number): string {
  return decoder.decode(bytes.subarray(start, end));
}

