import { LerError } from '../errors.js';

/** Geometry kinds as stored in `geomType`. */
export const GeomType = {
  Point: 1,
  MultiPoint: 2,
  LineString: 3,
  MultiLineString: 4,
  Polygon: 5,
  MultiPolygon: 6
} as const;
export type GeomTypeCode = (typeof GeomType)[keyof typeof GeomType];
export const GEOM_TYPE_NAMES = ['', 'Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'] as const;

/** `partFlags` bit: this ring is the exterior ring of a new polygon. */
export const PART_OUTER = 1;

/**
 * A network as flat columns, all views into one SharedArrayBuffer. Feature i owns parts
 * featureParts[i] .. featureParts[i+1]-1; part p owns vertices partVertices[p] .. partVertices[p+1]-1,
 * whose planar EPSG:25832 coordinates are xy[2v], xy[2v+1]. A point is a part of one vertex; a
 * polygon's rings are parts, the exterior flagged in partFlags. Attributes are small integer codes
 * (see src/model/ler.ts); ids and full properties are JSON text, decoded only for answers.
 */
export interface NetworkColumns {
  buffer: SharedArrayBuffer;
  owners: string[];
  featureCount: number;
  partCount: number;
  vertexCount: number;
  hasZ: boolean;
  featureOwner: Uint16Array;
  geomType: Uint8Array;
  featureType: Uint8Array;
  forsyningsart: Uint8Array;
  fareklasse: Uint8Array;
  driftsstatus: Uint8Array;
  margin: Float64Array;
  featureParts: Uint32Array;
  partVertices: Uint32Array;
  partFlags: Uint8Array;
  xy: Float64Array;
  /** Z per vertex (NaN where absent); empty when no input vertex had Z. */
  z: Float64Array;
  idOffsets: Uint32Array;
  idText: Uint8Array;
  propOffsets: Float64Array;
  propText: Uint8Array;
}

type ArrayCtor = Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor | Float64ArrayConstructor;
type Section = readonly [name: SectionName, ctor: ArrayCtor, length: (h: Header) => number];
type SectionName = Exclude<keyof NetworkColumns, 'buffer' | 'owners' | 'featureCount' | 'partCount' | 'vertexCount' | 'hasZ'>;

interface Header {
  version: number;
  owners: string[];
  featureCount: number;
  partCount: number;
  vertexCount: number;
  hasZ: boolean;
  idBytes: number;
  propBytes: number;
}

const MAGIC = 0x4c455231; // "LER1"
const VERSION = 1;

/** Order and size of every section in the buffer. Float64 sections first keeps alignment simple. */
const SECTIONS: readonly Section[] = [
  ['xy', Float64Array, (h) => 2 * h.vertexCount],
  ['z', Float64Array, (h) => (h.hasZ ? h.vertexCount : 0)],
  ['margin', Float64Array, (h) => h.featureCount],
  ['propOffsets', Float64Array, (h) => h.featureCount + 1],
  ['featureParts', Uint32Array, (h) => h.featureCount + 1],
  ['partVertices', Uint32Array, (h) => h.partCount + 1],
  ['idOffsets', Uint32Array, (h) => h.featureCount + 1],
  ['featureOwner', Uint16Array, (h) => h.featureCount],
  ['geomType', Uint8Array, (h) => h.featureCount],
  ['featureType', Uint8Array, (h) => h.featureCount],
  ['forsyningsart', Uint8Array, (h) => h.featureCount],
  ['fareklasse', Uint8Array, (h) => h.featureCount],
  ['driftsstatus', Uint8Array, (h) => h.featureCount],
  ['partFlags', Uint8Array, (h) => h.partCount],
  ['idText', Uint8Array, (h) => h.idBytes],
  ['propText', Uint8Array, (h) => h.propBytes]
];

const align8 = (n: number): number => (n + 7) & ~7;

/** Allocates columns of the given sizes in one SharedArrayBuffer, zero-filled. */
export function allocateColumns(h: Omit<Header, 'version'>): NetworkColumns {
  const header: Header = { version: VERSION, ...h };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const { offsets, end } = layout(header, headerBytes.length);
  const buffer = new SharedArrayBuffer(end);
  const head = new DataView(buffer);
  head.setUint32(0, MAGIC, true);
  head.setUint32(4, headerBytes.length, true);
  new Uint8Array(buffer, 8, headerBytes.length).set(headerBytes);
  return view(buffer, header, offsets);
}

/** Reopens columns from a buffer made by `allocateColumns`, without copying. */
export function columnsFrom(buffer: SharedArrayBuffer): NetworkColumns {
  if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < 8) throw new LerError('INDEX_BUFFER_INVALID');
  const head = new DataView(buffer);
  if (head.getUint32(0, true) !== MAGIC) throw new LerError('INDEX_BUFFER_INVALID');
  const length = head.getUint32(4, true);
  if (8 + length > buffer.byteLength) throw new LerError('INDEX_BUFFER_INVALID');
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, length).slice())) as Header;
  } catch {
    throw new LerError('INDEX_BUFFER_INVALID', {}, 'Its header is not readable.');
  }
  if (header.version !== VERSION) throw new LerError('INDEX_BUFFER_INVALID', {}, `Version ${header.version}, expected ${VERSION}.`);
  const { offsets, end } = layout(header, length);
  if (!Number.isSafeInteger(end) || end !== buffer.byteLength) throw new LerError('INDEX_BUFFER_INVALID', {}, 'Its sections do not fit the buffer.');
  return view(buffer, header, offsets);
}

/** Byte offset of every section after a header of `headerLength` bytes, and the end of the last. */
function layout(header: Header, headerLength: number): { offsets: number[]; end: number } {
  let offset = align8(8 + headerLength);
  const offsets: number[] = [];
  for (const [, ctor, length] of SECTIONS) {
    offsets.push(offset);
    offset = align8(offset + length(header) * ctor.BYTES_PER_ELEMENT);
  }
  return { offsets, end: offset };
}

function view(buffer: SharedArrayBuffer, h: Header, offsets: number[]): NetworkColumns {
  const columns: Record<string, unknown> = {
    buffer,
    owners: h.owners,
    featureCount: h.featureCount,
    partCount: h.partCount,
    vertexCount: h.vertexCount,
    hasZ: h.hasZ
  };
  SECTIONS.forEach(([name, ctor, length], i) => {
    const View = ctor as unknown as new (b: ArrayBufferLike, offset: number, length: number) => unknown;
    columns[name] = new View(buffer, offsets[i], length(h));
  });
  return columns as unknown as NetworkColumns;
}

/** Bytes used by each group of columns. */
export function columnBytes(c: NetworkColumns): { coordinates: number; features: number; attributes: number } {
  return {
    coordinates: c.xy.byteLength + c.z.byteLength + c.partVertices.byteLength + c.featureParts.byteLength + c.partFlags.byteLength,
    features: c.featureOwner.byteLength + c.geomType.byteLength + c.featureType.byteLength + c.forsyningsart.byteLength +
      c.fareklasse.byteLength + c.driftsstatus.byteLength + c.margin.byteLength,
    attributes: c.idOffsets.byteLength + c.idText.byteLength + c.propOffsets.byteLength + c.propText.byteLength
  };
}
