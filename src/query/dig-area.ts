import { LerError } from '../errors.js';
import { normaliseCrs, resolveExtent } from '../crs/index.js';
import { PreparedArea } from '../geometry/index.js';
import { GeomType } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import type { CrsName, Extent } from '../types.js';

const AREA_TYPES = [GeomType.Polygon, GeomType.MultiPolygon] as const;

/** Collects rings as flat arrays for PreparedArea. */
class RingSink implements GeometrySink {
  xy: Float64Array;
  starts: number[] = [];
  n = 0;
  constructor(capacity: number) {
    this.xy = new Float64Array(2 * capacity);
  }
  beginPart(): void {
    this.starts.push(this.n >> 1);
  }
  vertex(x: number, y: number): void {
    if (this.n === this.xy.length) {
      const next = new Float64Array(this.xy.length * 2 + 8);
      next.set(this.xy);
      this.xy = next;
    }
    this.xy[this.n++] = x;
    this.xy[this.n++] = y;
  }
}

/** Vertex count of a Polygon/MultiPolygon's coordinates, for sizing; 0 when malformed (checked later). */
function vertexCount(type: unknown, coordinates: unknown): number {
  if (!Array.isArray(coordinates)) return 0;
  const polygons = type === 'Polygon' ? [coordinates] : coordinates;
  let n = 0;
  for (const rings of polygons) if (Array.isArray(rings)) for (const ring of rings) if (Array.isArray(ring)) n += ring.length;
  return n;
}

export interface DigAreaOptions {
  crs?: string;
  extent?: Extent | null;
}

/**
 * Checks a dig area (Polygon or MultiPolygon, holes allowed) and prepares it in EPSG:25832 for
 * repeated exact tests. Returns the prepared area and the CRS answers are to be given in.
 */
export function prepareDigArea(geometry: unknown, opts: DigAreaOptions = {}): { area: PreparedArea; crs: CrsName } {
  const crs = normaliseCrs(opts.crs);
  const extent = resolveExtent(opts.extent);
  const type = (geometry as { type?: unknown } | null)?.type;
  if (!geometry || typeof geometry !== 'object' || (type !== 'Polygon' && type !== 'MultiPolygon')) {
    throw new LerError('DIG_AREA_TYPE', { pointer: '/type' }, `Got ${JSON.stringify(type ?? null)}.`);
  }
  const sink = new RingSink(vertexCount(type, (geometry as { coordinates?: unknown }).coordinates));
  readGeometry(geometry, AREA_TYPES, sink, { crs, extent, where: {}, pointer: '' });
  sink.starts.push(sink.n >> 1);
  const xy = sink.n === sink.xy.length ? sink.xy : sink.xy.subarray(0, sink.n);
  return { area: new PreparedArea(xy, Uint32Array.from(sink.starts)), crs };
}

/** Checks the information zone width b (metres). */
export function checkInfoZone(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `Got ${JSON.stringify(value) ?? String(value)}.`);
  }
  return value;
}
