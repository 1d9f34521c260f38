/**
 * GeoJSON files the person chooses: read them (a FeatureCollection, a Feature, a geometry, or a
 * GeoJSON text sequence), tell their CRS from the legacy `crs` member, and bring their geometry to
 * lon/lat for the map. The service takes the file in its own CRS; only the drawing converts.
 */
import proj4 from 'proj4';
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from 'geojson';

export type FileCrs = 'EPSG:4326' | 'EPSG:25832' | 'EPSG:7416';

// ETRS89 / UTM 32N, with ETRS89 taken as WGS84 as the service does.
proj4.defs('EPSG:25832', '+proj=utm +zone=32 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs +type=crs');
const utm = proj4('EPSG:4326', 'EPSG:25832');

export interface GeoFile {
  name: string;
  crs: FileCrs;
  /** The parsed file (for a text sequence: a FeatureCollection of its records). */
  data: unknown;
  /** Its features in file order (a bare geometry counts as one). */
  features: Feature[];
}

/** The CRS a `crs` member names; lon/lat when there is none. */
export function crsOf(data: unknown): FileCrs {
  const name = (data as { crs?: { properties?: { name?: unknown } } } | null)?.crs?.properties?.name;
  if (typeof name !== 'string') return 'EPSG:4326';
  if (/25832/.test(name)) return 'EPSG:25832';
  if (/7416/.test(name)) return 'EPSG:7416';
  return 'EPSG:4326';
}

export function parseGeoText(name: string, text: string): GeoFile {
  const trimmed = text.trim();
  let data: unknown;
  if (trimmed.startsWith(RS) || (/\n\s*\{/.test(trimmed) && !trimmed.startsWith('{"type":"FeatureCollection"') && isSequence(trimmed))) {
    const features = records(trimmed).map((l) => JSON.parse(l) as Feature);
    data = { type: 'FeatureCollection', features };
  } else {
    try {
      data = JSON.parse(trimmed);
    } catch {
      throw new Error(`${name} is not GeoJSON: it is not well-formed JSON.`);
    }
  }
  return { name, crs: crsOf(data), data, features: featuresOf(data) };
}

/** The record separator of a GeoJSON text sequence (RFC 8142). */
const RS = String.fromCharCode(0x1e);

/** The non-empty records of a text sequence (or of newline-delimited JSON). */
function records(text: string): string[] {
  return text.split(RS).join('\n').split('\n').filter((l) => l.trim() !== '');
}

/** True when every non-empty line is a JSON object on its own (newline-delimited records). */
function isSequence(text: string): boolean {
  const lines = records(text);
  if (lines.length < 2) return false;
  try {
    for (const l of lines) JSON.parse(l);
    return true;
  } catch {
    return false;
  }
}

export async function readGeoFile(file: File): Promise<GeoFile> {
  return parseGeoText(file.name, await file.text());
}

function featuresOf(data: unknown): Feature[] {
  const d = data as { type?: unknown; features?: unknown; geometry?: unknown } | null;
  if (d === null || typeof d !== 'object') return [];
  if (d.type === 'FeatureCollection' && Array.isArray(d.features)) return d.features as Feature[];
  if (Array.isArray(data)) return data as Feature[];
  if (d.type === 'Feature') return [data as Feature];
  if (typeof d.type === 'string') return [{ type: 'Feature', geometry: data as Geometry, properties: {} }];
  return [];
}

/** A position in lon/lat (heights dropped). */
export function positionToLonLat(p: Position, crs: FileCrs): Position {
  if (crs === 'EPSG:4326') return [p[0], p[1]];
  const [lon, lat] = utm.inverse([p[0], p[1]]);
  return [lon, lat];
}

type Nested = Position | Nested[];

function mapPositions(c: Nested, crs: FileCrs): Nested {
  if (typeof c[0] === 'number') return positionToLonLat(c as Position, crs);
  return (c as Nested[]).map((x) => mapPositions(x, crs));
}

/** A geometry in lon/lat for the map; null when it cannot be read (the report says why). */
export function geometryToLonLat(g: Geometry | null | undefined, crs: FileCrs): Geometry | null {
  if (g === null || g === undefined || typeof g !== 'object') return null;
  try {
    if (g.type === 'GeometryCollection') return { type: 'GeometryCollection', geometries: g.geometries.map((x) => geometryToLonLat(x, crs)).filter((x): x is Geometry => x !== null) };
    if (!Array.isArray(g.coordinates)) return null;
    const coordinates = mapPositions(g.coordinates as Nested, crs);
    return { type: g.type, coordinates } as Geometry;
  } catch {
    return null;
  }
}

/** The first position of a geometry, lon/lat (where to put a marker for it). */
export function firstPosition(g: Geometry | null): Position | null {
  if (g === null) return null;
  let c: unknown = g.type === 'GeometryCollection' ? null : g.coordinates;
  while (Array.isArray(c) && Array.isArray(c[0])) c = c[0];
  return Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number' && Number.isFinite(c[0]) && Number.isFinite(c[1]) ? (c as Position) : null;
}

/** The dig area in a file: its first Polygon or MultiPolygon. */
export function digAreaOf(file: GeoFile): Polygon | MultiPolygon | null {
  for (const f of file.features) {
    const g = f?.geometry;
    if (g && (g.type === 'Polygon' || g.type === 'MultiPolygon')) return g;
  }
  return null;
}
