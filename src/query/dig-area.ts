import { LerError } from '../errors.js';
import { normaliseCrs, resolveExtent } from '../crs/index.js';
import { PreparedArea } from '../geometry/index.js';
import { GeomType } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import type { CrsName, Extent } from '../types.js';

const AREA_TYPES = [GeomType.Polygon, GeomType.MultiPolygon] as const;

/** Collects rings as flat arrays for PreparedArea, in buffers that grow and are kept. */
class RingSink implements GeometrySink {
  xy = new Float64Array(256);
  starts = new Uint32Array(16);
  /** Numbers written to xy. */
  n = 0;
  /** Rings begun. */
  rings = 0;
  beginPart(): void {
    if (this.rings + 1 >= this.starts.length) {
      const next = new Uint32Array(this.starts.length * 2);
      next.set(this.starts);
      this.starts = next;
    }
    this.starts[this.rings++] = this.n >> 1;
  }
  vertex(x: number, y: number): void {
    if (this.n === this.xy.length) {
      const next = new Float64Array(this.xy.length * 2);
      next.set(this.xy);
      this.xy = next;
    }
    this.xy[this.n++] = x;
    this.xy[this.n++] = y;
  }
}

export interface DigAreaOptions {
  crs?: string;
  extent?: Extent | null;
}

/**
 * Reads dig areas one after another into the same buffers and the same PreparedArea, so that a
 * loop of queries allocates nothing for them. An area read stays valid until the next read.
 */
export class DigAreaReader {
  private readonly sink = new RingSink();
  private readonly prepared = new PreparedArea();

  /**
   * Checks a dig area (Polygon or MultiPolygon, holes allowed) and prepares it in EPSG:25832 for
   * repeated exact tests. Returns the prepared area and the CRS answers are to be given in.
   */
  read(geometry: unknown, opts: DigAreaOptions = {}): { area: PreparedArea; crs: CrsName } {
    const crs = normaliseCrs(opts.crs);
    const extent = resolveExtent(opts.extent);
    const type = (geometry as { type?: unknown } | null)?.type;
    if (!geometry || typeof geometry !== 'object' || (type !== 'Polygon' && type !== 'MultiPolygon')) {
      throw new LerError('DIG_AREA_TYPE', { pointer: '/type' }, `Got ${JSON.stringify(type ?? null)}.`);
    }
    const sink = this.sink;
    sink.n = 0;
    sink.rings = 0;
    readGeometry(geometry, AREA_TYPES, sink, { crs, extent, where: {}, pointer: '' });
    sink.starts[sink.rings] = sink.n >> 1;
    return { area: this.prepared.prepare(sink.xy, sink.starts, sink.rings), crs };
  }
}

/** {@link DigAreaReader.read} into buffers of its own: for a single call. */
export function prepareDigArea(geometry: unknown, opts: DigAreaOptions = {}): { area: PreparedArea; crs: CrsName } {
  return new DigAreaReader().read(geometry, opts);
}

/** Checks the information zone width b (metres). */
export function checkInfoZone(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `Got ${JSON.stringify(value) ?? String(value)}.`);
  }
  return value;
}
