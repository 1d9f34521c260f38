import proj4 from 'proj4';
import { LerError } from '../errors.js';
import type { CrsName, Extent } from '../types.js';

/**
 * Coordinate reference systems at the edges. Inside, everything is EPSG:25832 (ETRS89 / UTM 32N)
 * in metres. ETRS89 is taken as WGS84: the two differ by well under a metre in Denmark, below the
 * best accuracy class a utility can declare.
 */
proj4.defs('EPSG:25832', '+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs');

export const INTERNAL_CRS = 'EPSG:25832';

/** Denmark's extent in EPSG:25832 with a margin of about 20 km (Bornholm included). */
export const DENMARK_EXTENT: Extent = [420_000, 6_030_000, 920_000, 6_430_000];

const ALIASES: Record<string, CrsName> = {
  'EPSG:4326': 'EPSG:4326',
  'OGC:CRS84': 'EPSG:4326',
  CRS84: 'EPSG:4326',
  'URN:OGC:DEF:CRS:OGC:1.3:CRS84': 'EPSG:4326',
  'URN:OGC:DEF:CRS:OGC::CRS84': 'EPSG:4326',
  'URN:OGC:DEF:CRS:EPSG::4326': 'EPSG:4326',
  'EPSG:25832': 'EPSG:25832',
  'URN:OGC:DEF:CRS:EPSG::25832': 'EPSG:25832',
  'EPSG:7416': 'EPSG:7416',
  'URN:OGC:DEF:CRS:EPSG::7416': 'EPSG:7416'
};

/**
 * Normalises a CRS name (`EPSG:25832`, `urn:ogc:def:crs:EPSG::25832`, `CRS84`, ...).
 * EPSG:7416 is EPSG:25832 plus DVR90 heights: the same plane, Z kept as data.
 */
export function normaliseCrs(name: unknown): CrsName {
  if (name === undefined || name === null) return 'EPSG:4326';
  if (typeof name !== 'string') throw new LerError('CRS_UNSUPPORTED', {}, `Got ${JSON.stringify(name)}.`);
  const crs = ALIASES[name.trim().toUpperCase()];
  if (!crs) throw new LerError('CRS_UNSUPPORTED', {}, `Got ${JSON.stringify(name)}.`);
  return crs;
}

/** The CRS a GeoJSON object declares in a legacy `crs` member, if any. */
export function declaredCrs(object: unknown): string | undefined {
  if (!object || typeof object !== 'object') return undefined;
  const crs = (object as { crs?: { properties?: { name?: unknown } } }).crs;
  const name = crs?.properties?.name;
  return typeof name === 'string' ? name : undefined;
}

/** True when coordinates in this CRS are already planar EPSG:25832 metres. */
export function isInternal(crs: CrsName): boolean {
  return crs !== 'EPSG:4326';
}

const toUtm = proj4('EPSG:4326', 'EPSG:25832');
const scratch = [0, 0];

/**
 * Projects lon/lat to EPSG:25832 into `out` at `offset`. Latitudes beyond ±90 or longitudes beyond
 * ±180 give NaN, which the extent check then reports.
 */
export function projectLonLat(lon: number, lat: number, out: Float64Array | number[], offset: number): void {
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    out[offset] = Number.NaN;
    out[offset + 1] = Number.NaN;
    return;
  }
  scratch[0] = lon;
  scratch[1] = lat;
  const p = toUtm.forward(scratch);
  out[offset] = p[0];
  out[offset + 1] = p[1];
}

/** Inverse of `projectLonLat`, for geometry handed back in lon/lat. */
export function unprojectToLonLat(x: number, y: number): [number, number] {
  const p = toUtm.inverse([x, y]);
  return [round(p[0], 1e9), round(p[1], 1e9)];
}

/** GeoJSON positions, at any nesting, from EPSG:25832 metres to [lon, lat] (heights dropped). */
export type Positions = number | Positions[];
export function unprojectPositions(p: Positions): Positions {
  if (!Array.isArray(p)) return p;
  if (typeof p[0] === 'number') return unprojectToLonLat(p[0], p[1] as number);
  return p.map(unprojectPositions);
}

function round(v: number, scale: number): number {
  return Math.round(v * scale) / scale;
}

/** True when (x, y) lies inside the extent (closed). */
export function inExtent(extent: Extent, x: number, y: number): boolean {
  return x >= extent[0] && x <= extent[2] && y >= extent[1] && y <= extent[3];
}

/** The extent to check against: Denmark's by default, none for `null`; anything else must be [minX, minY, maxX, maxY]. */
export function resolveExtent(extent: unknown): Extent | null {
  if (extent === undefined) return DENMARK_EXTENT;
  if (extent === null) return null;
  if (
    !Array.isArray(extent) || extent.length !== 4 || !extent.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    extent[0] > extent[2] || extent[1] > extent[3]
  ) {
    throw new LerError('OPTION_INVALID', { pointer: '/extent' }, 'extent must be null or [minX, minY, maxX, maxY] in EPSG:25832 metres.');
  }
  return extent as unknown as Extent;
}
