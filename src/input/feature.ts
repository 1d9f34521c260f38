import { LerError, type ErrorLocation } from '../errors.js';
import {
  DRIFTSSTATUS,
  ENUMERATED_ATTRIBUTES,
  FAREKLASSE,
  FEATURE_TYPES,
  FORSYNINGSART,
  FORSYNINGSART_OTHER,
  NON_NEGATIVE_ATTRIBUTES,
  codeOf,
  geometryKindOf,
  impliedForsyningsart,
  type FeatureType
} from '../model/ler.js';
import { marginOf } from '../model/margin.js';
import { GeomType, type GeomTypeCode } from '../index/columns.js';
import type { ColumnBuilder } from '../index/column-builder.js';
import { readGeometry } from './geometry.js';
import { checkPropertySizes, DEFAULT_PROPERTY_LIMITS, type PropertyLimits } from './property-limits.js';
import { shallowProblems } from './shallow.js';
import { checkLerRules } from '../rules/ler-rules.js';
import { checkRestrictions } from '../rules/ler-restrictions.js';
import { subjectFromGeoJson } from '../rules/restriction-subject.js';
import { findSelfIntersection } from '../rules/simple-polygon.js';
import type { CrsName, Extent } from '../types.js';

const LINE_GEOMETRIES: readonly GeomTypeCode[] = [GeomType.LineString, GeomType.MultiLineString];
const COMPONENT_GEOMETRIES: readonly GeomTypeCode[] = [GeomType.Point, GeomType.MultiPoint, GeomType.Polygon, GeomType.MultiPolygon];

export interface FeatureReadOptions {
  crs: CrsName;
  extent: Extent | null;
  coarseAccuracy: number;
  owner: number;
  /** How large properties and their values may be; default DEFAULT_PROPERTY_LIMITS. */
  propertyLimits?: PropertyLimits;
  /** Receives warnings (problems that do not reject the feature); null ignores them. */
  warn?: ((warning: LerError) => void) | null;
  /**
   * Check LER 2.2's restrictions (src/rules/ler-restrictions.ts) on the feature's attributes;
   * default true. False where they were checked before, on the document the feature came from (GML).
   */
  restrictions?: boolean;
  /** Refuse lines that cross themselves (LINE_SELF_INTERSECTS), as LER does; default false (GML sets it). */
  simpleLines?: boolean;
}

/**
 * Reads one GeoJSON Feature in the LER 2.0 model, checks it, and appends it to the builder.
 * Throws a LerError naming the feature (index and id) and the attribute; on error nothing of the
 * feature stays in the builder. `seenIds` catches duplicate ids within the owner; with null the
 * caller checks them (a batch parsed apart from the rest of its upload). `rawProperties`, when
 * given, is the exact JSON text (UTF-8) the feature's `properties` object was parsed from: it is
 * kept as it is instead of being written out again.
 */
export function readFeature(input: unknown, index: number, builder: ColumnBuilder, seenIds: Set<string> | null, opts: FeatureReadOptions, rawProperties: Uint8Array | null = null): void {
  const where: ErrorLocation = { featureIndex: index };
  if (!input || typeof input !== 'object' || Array.isArray(input) || (input as { type?: unknown }).type !== 'Feature') {
    throw new LerError('FEATURE_NOT_OBJECT', where);
  }
  // The shallow GeoJSON pass first; what it finds is raised only if the precise checks below pass.
  const shallow = shallowProblems(input);
  const feature = input as { id?: unknown; geometry?: unknown; properties?: unknown };
  const properties = feature.properties;
  const propertiesOk = properties === null || properties === undefined || (typeof properties === 'object' && !Array.isArray(properties));
  const props = (propertiesOk ? properties ?? {} : {}) as Record<string, unknown>;

  const id = feature.id ?? props.id;
  const idOk = (typeof id === 'string' && id.length > 0) || (typeof id === 'number' && Number.isFinite(id));
  if (idOk) where.featureId = id;
  if (!propertiesOk) throw new LerError('PROPERTIES_INVALID', { ...where, pointer: '/properties' });
  if (id === undefined || id === null) throw new LerError('FEATURE_ID_MISSING', { ...where, pointer: '/id' });
  if (!idOk) throw new LerError('FEATURE_ID_INVALID', { ...where, pointer: '/id' }, `Got ${JSON.stringify(id) ?? String(id)}.`);
  const key = String(id);
  if (seenIds?.has(key) === true) throw new LerError('FEATURE_ID_DUPLICATE', { ...where, pointer: '/id' });
  // Sized as they are stored (and sent in every package that meets the feature): the upload's own
  // text when there is one, else the text written here once, and stored below.
  const text = rawProperties !== null && properties !== null && properties !== undefined ? rawProperties : JSON.stringify(props);
  checkPropertySizes(props, text, opts.propertyLimits ?? DEFAULT_PROPERTY_LIMITS, where);

  const type = props.featureType;
  if (type === undefined || type === null) throw new LerError('FEATURE_TYPE_MISSING', { ...where, pointer: '/properties/featureType' });
  const featureType = codeOf(FEATURE_TYPES, type);
  if (featureType < 0) {
    throw new LerError('FEATURE_TYPE_UNKNOWN', { ...where, pointer: '/properties/featureType' }, `Got ${JSON.stringify(type)}.`);
  }
  checkAttributes(props, where);
  checkLerRules(props, type as FeatureType, where, opts.warn ?? null);

  const kind = geometryKindOf(type as FeatureType);
  const allowed = kind === 'line' ? LINE_GEOMETRIES : COMPONENT_GEOMETRIES;
  const geometryType = (feature.geometry as { type?: unknown } | null | undefined)?.type;
  if (typeof geometryType === 'string' && geometryType in GeomType && !allowed.includes(GeomType[geometryType as keyof typeof GeomType])) {
    throw new LerError('FEATURE_TYPE_GEOMETRY_MISMATCH', { ...where, pointer: '/geometry/type' }, `${String(type)} cannot be a ${geometryType}.`);
  }

  builder.beginFeature({
    owner: opts.owner,
    geomType: GeomType.Point,
    featureType,
    forsyningsart: forsyningsartCode(props.forsyningsart, type as FeatureType),
    fareklasse: codeOf(FAREKLASSE, props.fareklasse),
    driftsstatus: codeOf(DRIFTSSTATUS, props.driftsstatus),
    margin: marginOf(props, opts.coarseAccuracy)
  });
  try {
    const geomType = readGeometry(feature.geometry, allowed, builder, { crs: opts.crs, extent: opts.extent, where, pointer: '/geometry' });
    if (geomType === GeomType.Polygon || geomType === GeomType.MultiPolygon) checkSimple(feature.geometry as { coordinates: unknown }, geomType, where);
    if (opts.simpleLines === true && (geomType === GeomType.LineString || geomType === GeomType.MultiLineString)) checkSimpleLine(feature.geometry as { coordinates: unknown }, geomType, where);
    builder.setGeomType(geomType);
    if (shallow.length > 0) throw new LerError('GEOJSON_INVALID', where, `${shallow.join('; ')}.`);
    // LER's restrictions, once the geometry is known good; a feature is refused at its first.
    if (opts.restrictions !== false) {
      const [broken] = checkRestrictions(subjectFromGeoJson(props, feature.geometry));
      if (broken !== undefined) throw new LerError(broken.name, { ...where, pointer: broken.pointer }, broken.message);
    }
  } catch (error) {
    builder.rollback();
    throw error;
  }
  seenIds?.add(key);
  builder.endFeature(JSON.stringify(id), text);
}

/** A line that crosses itself (each part of a MultiLineString on its own), as LER refuses it. */
function checkSimpleLine(geometry: { coordinates: unknown }, type: GeomTypeCode, where: ErrorLocation): void {
  const parts = (type === GeomType.LineString ? [geometry.coordinates] : geometry.coordinates) as number[][][];
  for (let p = 0; p < parts.length; p++) {
    const found = findSelfIntersection([parts[p]]);
    if (found !== null) {
      const base = type === GeomType.LineString ? '/geometry/coordinates' : `/geometry/coordinates/${p}`;
      throw new LerError('LINE_SELF_INTERSECTS', { ...where, pointer: `${base}/${found.edge}` }, `Edge ${found.edge} crosses edge ${found.otherEdge}.`);
    }
  }
}

/** A component polygon whose rings cross is rejected (its inside would be ill-defined). */
function checkSimple(geometry: { coordinates: unknown }, type: GeomTypeCode, where: ErrorLocation): void {
  const polygons = (type === GeomType.Polygon ? [geometry.coordinates] : geometry.coordinates) as number[][][][];
  for (let p = 0; p < polygons.length; p++) {
    const found = findSelfIntersection(polygons[p]);
    if (found !== null) {
      const base = type === GeomType.Polygon ? '/geometry/coordinates' : `/geometry/coordinates/${p}`;
      throw new LerError('POLYGON_SELF_INTERSECTS', { ...where, pointer: `${base}/${found.ring}/${found.edge}` }, `Edge ${found.edge} of ring ${found.ring} crosses edge ${found.otherEdge} of ring ${found.otherRing}.`);
    }
  }
}

const ENUMERATED = Object.entries(ENUMERATED_ATTRIBUTES) as [string, readonly string[]][];

function checkAttributes(props: Record<string, unknown>, where: ErrorLocation): void {
  for (const [name, values] of ENUMERATED) {
    const value = props[name];
    if (value !== undefined && value !== null && codeOf(values, value) < 0) {
      throw new LerError('ATTRIBUTE_VALUE_INVALID', { ...where, pointer: `/properties/${name}` }, `Got ${JSON.stringify(value)}; allowed: ${values.map((v) => JSON.stringify(v)).join(', ')}.`);
    }
  }
  for (const name of NON_NEGATIVE_ATTRIBUTES) {
    const value = props[name];
    if (value !== undefined && value !== null && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new LerError('ATTRIBUTE_NOT_NUMBER', { ...where, pointer: `/properties/${name}` }, `Got ${JSON.stringify(value) ?? String(value)}.`);
    }
  }
  const kind = props.forsyningsart;
  if (kind !== undefined && kind !== null && (typeof kind !== 'string' || kind.trim() === '')) {
    throw new LerError('ATTRIBUTE_VALUE_INVALID', { ...where, pointer: '/properties/forsyningsart' }, 'forsyningsart must be a non-empty string.');
  }
}

function forsyningsartCode(value: unknown, type: FeatureType): number {
  const name = typeof value === 'string' ? value : impliedForsyningsart(type);
  if (name === null) return 0;
  const code = codeOf(FORSYNINGSART, name);
  return code > 0 ? code : FORSYNINGSART_OTHER;
}
