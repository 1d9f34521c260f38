import { LerError } from '../errors.js';
import { DRIFTSSTATUS, FAREKLASSE, FEATURE_TYPES, FORSYNINGSART, FORSYNINGSART_OTHER, valueOf } from '../model/ler.js';
import { ConflictSearch, REVEAL_SLACK, ZONE_DIG_AREA, type PairResult } from './search.js';
import { deliverGeometry } from './deliver.js';
import type { PreparedArea } from '../geometry/index.js';
import type { Conflict, CrsName } from '../types.js';
import { columnBytes, columnsFrom, GeomType, type NetworkColumns } from './columns.js';
import { buildChunks, chunkBytes, chunksFrom, DEFAULT_CHUNK_SIZE, type ChunkTables } from './chunks.js';
import { mergeColumns } from './merge.js';

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
 * packed R-tree, all in SharedArrayBuffers. Built from GeoJSON by src/ingest (`buildNetwork`);
 * asked with areas that src/query has read and prepared.
 *
 * ```ts
 * const index = buildNetwork(featureCollection, { owner: 'dk-el' });
 * const conflicts = index.query(readArea(digArea).prepared, { infoZone: 2 });
 * ```
 */
export class NetworkIndex {
  readonly columns: NetworkColumns;
  readonly chunks: ChunkTables;
  /** Largest margin m(F) of any feature, metres. */
  readonly maxMargin: number;
  private searcher: ConflictSearch | null = null;
  private segments: number | undefined;

  private constructor(columns: NetworkColumns, chunks: ChunkTables) {
    this.columns = columns;
    this.chunks = chunks;
    let max = 0;
    const margin = columns.margin;
    for (let i = 0; i < margin.length; i++) if (margin[i] > max) max = margin[i];
    this.maxMargin = max;
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
   * Every feature in the prepared dig area (EPSG:25832) or its information zone of width b, by the
   * conflict semantics of the design: zone, distance, length inside and, unless `geometry` is
   * false, the geometry the package may reveal, in `crs`. Read areas with src/query's AreaReader.
   */
  query(area: PreparedArea, opts: { infoZone?: number; crs?: CrsName; geometry?: boolean } = {}): Conflict[] {
    const b = zoneWidth(opts.infoZone);
    const crs = opts.crs ?? 'EPSG:4326';
    const withGeometry = opts.geometry !== false;
    const r = this.search().run(area, b, withGeometry);
    const conflicts: Conflict[] = [];
    for (let k = 0; k < r.count; k++) {
      const f = r.feature[k];
      const conflict = this.conflictOf(f, r, k);
      if (withGeometry) {
        const reach = this.columns.margin[f] + b + REVEAL_SLACK - REVEAL_EPSILON;
        const hits = r.hits.subarray(r.hitStart[k], r.hitStart[k + 1]);
        conflict.geometry = deliverGeometry(this.columns, this.chunks, area, f, hits, reach, crs);
      }
      conflicts.push(conflict);
    }
    return conflicts.sort(byOwnerZoneDistance);
  }

  /**
   * The exact pairs of a prepared area as typed arrays, without building objects; valid until the
   * next query on this index. With a radius, the area is the corridor within that distance of the
   * rings (a route's centreline drawn as a ring along it and back): distances are to the
   * corridor, lengths inside it.
   */
  pairsOf(area: PreparedArea, b = 0, radius = 0): PairResult {
    return this.search().run(area, zoneWidth(b), false, radius);
  }

  /** How many chunks a bbox-only search returns for this dig: the floor under the exact test. */
  countCandidates(area: PreparedArea, b = 0): number {
    return this.search().countCandidates(area, zoneWidth(b));
  }

  featureId(f: number): string | number {
    return JSON.parse(this.featureKey(f)) as string | number;
  }

  /** Feature f's id as JSON text: the same for the same id, whatever its type. */
  featureKey(f: number): string {
    return text(this.columns.idText, this.columns.idOffsets[f], this.columns.idOffsets[f + 1]);
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

/** The information zone's width as the search takes it: a guard, not the user-facing check (src/query). */
function zoneWidth(b: number | undefined): number {
  if (b === undefined) return 0;
  if (typeof b !== 'number' || !(b >= 0 && b <= 100)) throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `Got ${String(b)}.`);
  return b;
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

