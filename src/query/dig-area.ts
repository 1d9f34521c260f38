import { LerError } from '../errors.js';
import { normaliseCrs, resolveExtent } from '../crs/index.js';
import { PreparedArea } from '../geometry/index.js';
import { GeomType } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import type { CrsName, Extent } from '../types.js';

const AREA_TYPES = [GeomType.Polygon, GeomType.MultiPolygon] as const;

/** Collects rings as flat arrays for PreparedArea. */
class RingSink implements GeometrySink {
  xy: number[] = [];
  starts: number[] = [];
  beginPart(): void {
    this.starts.push(this.xy.length >> 1);
  }
  vertex(x: number, y: number): void {
    this.xy.push(x, y);
  }
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
  const sink = new RingSink();
  readGeometry(geometry, AREA_TYPES, sink, { crs, extent, where: {}, pointer: '' });
  sink.starts.push(sink.xy.length >> 1);
  return { area: new PreparedArea(Float64Array.from(sink.xy), Uint32Array.from(sink.starts)), crs };
}

/** Checks the information zone width b (metres). */
export function checkInfoZone(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `Got ${JSON.stringify(value) ?? String(value)}.`);
  }
  return value;
}
