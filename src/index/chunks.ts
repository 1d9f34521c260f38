import Flatbush from 'flatbush';
import { LerError } from '../errors.js';
import { GeomType, type NetworkColumns } from './columns.js';
import { packTree } from './pack.js';

/** `chunkCount` of a point chunk (one vertex). */
export const CHUNK_POINT = 0;
/** `chunkCount` of a chunk that is a whole polygon feature (all its rings). */
export const CHUNK_POLYGON = 255;
export const DEFAULT_CHUNK_SIZE = 8;
export const DEFAULT_NODE_SIZE = 16;

/**
 * The index entries: runs of up to K consecutive segments of one line part, single points, and
 * whole polygon features. Long lines get many small boxes instead of one huge one, so a dig over
 * a long cable fetches only the stretch near it. Entry i is box i of the Flatbush in `tree`.
 */
export interface ChunkTables {
  buffer: SharedArrayBuffer;
  chunkSize: number;
  count: number;
  /** Owning feature of each chunk. */
  feature: Uint32Array;
  /** First vertex of each chunk. */
  start: Uint32Array;
  /** Segments in the chunk (1..K), or CHUNK_POINT, or CHUNK_POLYGON. */
  segments: Uint8Array;
  /**
   * Length of each line chunk in metres (0 for points and polygons): a chunk wholly inside a dig
   * adds its whole length without reading its coordinates.
   */
  length: Float64Array;
  tree: Flatbush;
}

/** Builds chunk tables and their packed Hilbert R-tree from network columns. */
export function buildChunks(c: NetworkColumns, chunkSize = DEFAULT_CHUNK_SIZE, nodeSize = DEFAULT_NODE_SIZE): ChunkTables {
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > 64) {
    throw new LerError('OPTION_INVALID', {}, `chunkSize must be an integer from 1 to 64, got ${chunkSize}.`);
  }
  const { featureCount, geomType, featureParts, partVertices, xy } = c;

  let count = 0;
  for (let f = 0; f < featureCount; f++) {
    const t = geomType[f];
    if (t === GeomType.Polygon || t === GeomType.MultiPolygon) {
      count++;
      continue;
    }
    for (let p = featureParts[f], pe = featureParts[f + 1]; p < pe; p++) {
      const segments = partVertices[p + 1] - partVertices[p] - 1;
      count += segments <= 0 ? 1 : Math.ceil(segments / chunkSize);
    }
  }

  const layout = tablesLayout(count);
  const buffer = new SharedArrayBuffer(layout.bytes);
  new Uint32Array(buffer, 0, 2).set([count, chunkSize]);
  const tables = viewTables(buffer, count, chunkSize);
  const { feature, start, segments, length } = tables;
  // Chunk boxes in chunk order, then the tree over them (see pack.ts).
  const boxes = new Float64Array(4 * count);

  let i = 0;
  for (let f = 0; f < featureCount; f++) {
    const t = geomType[f];
    const p0 = featureParts[f];
    const p1 = featureParts[f + 1];
    if (t === GeomType.Polygon || t === GeomType.MultiPolygon) {
      const v0 = partVertices[p0];
      const v1 = partVertices[p1];
      feature[i] = f;
      start[i] = v0;
      segments[i] = CHUNK_POLYGON;
      boxOf(boxes, i, xy, v0, v1);
      i++;
      continue;
    }
    for (let p = p0; p < p1; p++) {
      const v0 = partVertices[p];
      const last = partVertices[p + 1] - 1;
      if (last === v0) {
        feature[i] = f;
        start[i] = v0;
        segments[i] = CHUNK_POINT;
        boxOf(boxes, i, xy, v0, v0 + 1);
        i++;
        continue;
      }
      for (let v = v0; v < last; v += chunkSize) {
        const n = Math.min(chunkSize, last - v);
        feature[i] = f;
        start[i] = v;
        segments[i] = n;
        length[i] = boxOf(boxes, i, xy, v, v + n + 1);
        i++;
      }
    }
  }
  tables.tree = packTree(boxes, count, nodeSize);
  return tables;
}

/** Writes the box of vertices v0..v1-1 as chunk i's; returns the length of the path through them. */
function boxOf(boxes: Float64Array, i: number, xy: Float64Array, v0: number, v1: number): number {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let length = 0;
  for (let v = v0; v < v1; v++) {
    const x = xy[2 * v];
    const y = xy[2 * v + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
    if (v > v0) {
      const dx = x - xy[2 * v - 2];
      const dy = y - xy[2 * v - 1];
      length += Math.sqrt(dx * dx + dy * dy);
    }
  }
  boxes[4 * i] = minX;
  boxes[4 * i + 1] = minY;
  boxes[4 * i + 2] = maxX;
  boxes[4 * i + 3] = maxY;
  return length;
}

function tablesLayout(count: number): { bytes: number; length: number; feature: number; start: number; segments: number } {
  const length = 16;
  const feature = length + count * 8;
  const start = feature + count * 4;
  const segments = start + count * 4;
  return { bytes: segments + count, length, feature, start, segments };
}

function viewTables(buffer: SharedArrayBuffer, count: number, chunkSize: number): ChunkTables {
  const layout = tablesLayout(count);
  return {
    buffer,
    chunkSize,
    count,
    feature: new Uint32Array(buffer, layout.feature, count),
    start: new Uint32Array(buffer, layout.start, count),
    segments: new Uint8Array(buffer, layout.segments, count),
    length: new Float64Array(buffer, layout.length, count),
    tree: undefined as unknown as Flatbush
  };
}

/** Reopens chunk tables and their tree from their buffers, without copying. */
export function chunksFrom(buffer: SharedArrayBuffer, treeBuffer: SharedArrayBuffer): ChunkTables {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 16) throw new LerError('INDEX_BUFFER_INVALID');
  const [count, chunkSize] = new Uint32Array(buffer, 0, 2);
  if (tablesLayout(count).bytes !== buffer.byteLength) throw new LerError('INDEX_BUFFER_INVALID');
  const tables = viewTables(buffer, count, chunkSize);
  try {
    tables.tree = Flatbush.from(treeBuffer);
  } catch (error) {
    throw new LerError('INDEX_BUFFER_INVALID', {}, (error as Error).message);
  }
  if (tables.tree.numItems !== Math.max(count, 1)) throw new LerError('INDEX_BUFFER_INVALID', {}, 'Tree and chunk tables disagree.');
  return tables;
}

export function chunkBytes(t: ChunkTables): { chunks: number; index: number } {
  return { chunks: t.buffer.byteLength, index: t.tree.data.byteLength };
}
