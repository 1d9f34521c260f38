/** Public types of the library API. Geometry follows RFC 7946 GeoJSON. */
import type { RuleReport } from './rules/report.js';
import type { PropertyLimits } from './input/property-limits.js';

export type Position = number[];
export interface Point { type: 'Point'; coordinates: Position }
export interface MultiPoint { type: 'MultiPoint'; coordinates: Position[] }
export interface LineString { type: 'LineString'; coordinates: Position[] }
export interface MultiLineString { type: 'MultiLineString'; coordinates: Position[][] }
export interface Polygon { type: 'Polygon'; coordinates: Position[][] }
export interface MultiPolygon { type: 'MultiPolygon'; coordinates: Position[][][] }
export type Geometry = Point | MultiPoint | LineString | MultiLineString | Polygon | MultiPolygon;
export type AreaGeometry = Polygon | MultiPolygon;

export interface Feature<G = Geometry> {
  type: 'Feature';
  id?: string | number;
  geometry: G;
  properties: Record<string, unknown> | null;
}

export interface FeatureCollection<G = Geometry> {
  type: 'FeatureCollection';
  features: Feature<G>[];
  /** Legacy GeoJSON 2008 CRS member, `{type: 'name', properties: {name: 'EPSG:25832'}}`. */
  crs?: { type: string; properties: { name: string } };
}

/** CRS names accepted at the edges. Inside, everything is EPSG:25832. */
export type CrsName = 'EPSG:4326' | 'EPSG:25832' | 'EPSG:7416';

/** Axis-aligned extent in EPSG:25832 metres: [minX, minY, maxX, maxY]. */
export type Extent = readonly [number, number, number, number];

export interface BuildOptions {
  /** The owner (ledningsejer) id this network belongs to. */
  owner: string;
  /** CRS of the input; default EPSG:4326 (RFC 7946 lon/lat), or the input's legacy `crs` member. */
  crs?: CrsName | string;
  /** Reject coordinates outside this EPSG:25832 extent; default Denmark's extent with a margin. `null` turns the check off (for planar test data). */
  extent?: Extent | null;
  /** Consecutive segments per index entry; default measured in bench (8). */
  chunkSize?: number;
  /** Horizontal accuracy in metres assumed for class `> 2.00 m`; default 5. */
  coarseAccuracy?: number;
  /**
   * Collects every problem (errors and warnings) instead of stopping at the first invalid
   * feature; with `invalid: 'reject'` (the default) the build then throws UPLOAD_REJECTED.
   */
  report?: RuleReport;
  /** 'reject' (default): any invalid feature rejects the whole network; 'skip': the valid ones are kept, the rest reported. */
  invalid?: 'reject' | 'skip';
  /** How large a feature's properties and each value in them may be; default 16 KiB and 4 KiB (DEFAULT_PROPERTY_LIMITS). */
  propertyLimits?: Partial<PropertyLimits>;
}

export interface QueryOptions {
  /** Width b of the information zone in metres, 0 to 100; default 0. */
  infoZone?: number;
  /** CRS of the dig area and of the geometry returned; default EPSG:4326. */
  crs?: CrsName | string;
  /** Deliver each conflict's clipped geometry; default true. */
  geometry?: boolean;
  /** As for build: `null` turns the extent check of the dig area off. */
  extent?: Extent | null;
}

export type Zone = 'digArea' | 'infoZone';

/** One feature in or near a dig area. */
export interface Conflict {
  featureId: string | number;
  owner: string;
  featureType: string;
  forsyningsart: string | null;
  fareklasse: string | null;
  driftsstatus: string | null;
  zone: Zone;
  /** Planar distance in metres between the feature and the dig area; 0 where they touch or cross. */
  distance: number;
  /** The feature's margin m(F): half its width plus its horizontal accuracy, metres. */
  margin: number;
  /** Length in metres of the feature inside the dig area (0 for points and polygons). */
  lengthInside: number;
  /** The feature clipped to what the package may reveal, in the query's CRS; absent when `geometry: false`. */
  geometry?: Geometry;
  /** All the feature's LER attributes as uploaded. */
  properties: Record<string, unknown>;
}
