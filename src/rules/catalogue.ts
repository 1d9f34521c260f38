/**
 * The published rule catalogue: every check an upload goes through, with its stable code, its
 * severity, what it applies to and why. `docs/rules.md` is generated from it
 * (`npm run rules:docs`), and a test keeps both in step with the codes the code raises.
 */
import { ErrorCodes, type ErrorCode } from '../errors.js';
import { NOT_VERY_DANGEROUS, RANGES, RECOMMENDED, REQUIRED_FROM, REQUIRED_SINCE } from './ler-rules.js';
import { LER_RESTRICTIONS, type LerRestriction } from '../model/ler-restrictions.js';

export type Severity = 'error' | 'warning';

export interface Rule {
  code: ErrorCode;
  severity: Severity;
  /** What the rule looks at. */
  appliesTo: 'upload' | 'feature' | 'id' | 'properties' | 'geometry' | 'crs';
  /** Why the rule exists and how to fix what it finds. */
  explanation: string;
}

const ranges = Object.entries(RANGES)
  .map(([name, r]) => `\`${name}\` <= ${r.max} ${r.unit}${r.integer ? ' (whole)' : ''}`)
  .join(', ');
const required = Object.entries(REQUIRED_SINCE)
  .map(([type, names]) => `${type === 'all' ? 'every line' : `\`${type}\``}: ${names.map((n) => `\`${n}\``).join(', ')}`)
  .join('; ');

export const RULES: readonly Rule[] = [
  { code: 'FEATURE_COLLECTION_INVALID', severity: 'error', appliesTo: 'upload', explanation: 'The upload is a GeoJSON FeatureCollection (or an RFC 8142 text sequence of Features).' },
  { code: 'INPUT_EMPTY', severity: 'error', appliesTo: 'upload', explanation: 'An upload holds a FeatureCollection or a GeoJSON text sequence; it is not empty.' },
  { code: 'INPUT_NOT_OBJECT', severity: 'error', appliesTo: 'upload', explanation: 'A FeatureCollection upload is one JSON object.' },
  { code: 'INPUT_SYNTAX', severity: 'error', appliesTo: 'upload', explanation: 'The upload is well-formed JSON (checked as it streams in, with the byte offset of the first fault).' },
  { code: 'INPUT_NOT_UTF8', severity: 'error', appliesTo: 'upload', explanation: 'The upload is UTF-8 text.' },
  { code: 'INPUT_TRUNCATED', severity: 'error', appliesTo: 'upload', explanation: 'The upload does not end inside a string, array or object: it arrived whole.' },
  { code: 'INPUT_TRAILING_DATA', severity: 'error', appliesTo: 'upload', explanation: 'Only whitespace follows the FeatureCollection.' },
  { code: 'INPUT_TOO_DEEP', severity: 'error', appliesTo: 'upload', explanation: 'Arrays and objects nest at most 64 deep: deeper is no geometry, and hostile.' },
  { code: 'INPUT_TOO_LARGE', severity: 'error', appliesTo: 'upload', explanation: 'An upload stays within the service\'s size limit.' },
  { code: 'FEATURE_TOO_LARGE', severity: 'error', appliesTo: 'feature', explanation: 'One feature\'s JSON text stays within 64 MiB: split larger ones.' },
  { code: 'CRS_DECLARED_LATE', severity: 'error', appliesTo: 'crs', explanation: 'A legacy `crs` member that comes after `features` must agree with the CRS the features were read in; put it first, or give the `crs` parameter.' },
  { code: 'FEATURE_NOT_OBJECT', severity: 'error', appliesTo: 'feature', explanation: 'Every member of `features` is a GeoJSON Feature object with `"type": "Feature"`.' },
  { code: 'GEOJSON_INVALID', severity: 'error', appliesTo: 'feature', explanation: 'The first, shallow pass (geojson-validation) finds the feature well-formed GeoJSON: a `properties` member (an object or null), a `bbox` of 2n numbers, geometry members of the right shape. The checks below then look closer (NaN, Infinity, 2 or 3 numbers per position, rings, nesting, sizes) and name the exact position.' },
  { code: 'PROPERTIES_INVALID', severity: 'error', appliesTo: 'properties', explanation: '`properties` is an object (or null).' },
  { code: 'PROPERTY_VALUE_TOO_LARGE', severity: 'error', appliesTo: 'properties', explanation: 'One property value is at most 4 KiB (a string by its UTF-8 bytes, another value by its JSON; the service\'s LER_MAX_PROPERTY_VALUE_BYTES): every package that meets the feature carries it.' },
  { code: 'PROPERTIES_TOO_LARGE', severity: 'error', appliesTo: 'properties', explanation: 'A feature\'s `properties` are at most 16 KiB as JSON (the service\'s LER_MAX_FEATURE_PROPERTIES_BYTES): a package stays in proportion to the lines in its area. Keep documents elsewhere and link to them.' },
  { code: 'FEATURE_ID_MISSING', severity: 'error', appliesTo: 'id', explanation: 'Every feature has an `id` (the Feature\'s own, or `properties.id`): change sets and dig-request answers refer to it.' },
  { code: 'FEATURE_ID_INVALID', severity: 'error', appliesTo: 'id', explanation: 'An id is a non-empty string or a finite number.' },
  { code: 'FEATURE_ID_DUPLICATE', severity: 'error', appliesTo: 'id', explanation: 'Ids are unique within one owner\'s network.' },
  { code: 'FEATURE_ID_UNKNOWN', severity: 'error', appliesTo: 'id', explanation: 'A change set deletes only ids the network holds.' },
  { code: 'CHANGESET_INVALID', severity: 'error', appliesTo: 'upload', explanation: 'A change set is `{upsert: FeatureCollection, delete: [id, ...]}`; no id is both upserted and deleted.' },
  { code: 'CHANGESET_EMPTY', severity: 'error', appliesTo: 'upload', explanation: 'A change set upserts or deletes at least one feature: one that changes nothing makes no new version.' },
  { code: 'UPLOAD_EMPTY_NETWORK', severity: 'error', appliesTo: 'upload', explanation: 'A whole-network upload to the service holds at least one feature (an empty one would tell every contractor there is nothing here); `allowRemoval=true` says it is meant.' },
  { code: 'REMOVAL_TOO_LARGE', severity: 'error', appliesTo: 'upload', explanation: 'An upload or change set to the service removes at most LER_MAX_REMOVAL_PERCENT (default 50 %) of the owner\'s features at once (ids in the current version missing from the new one); `allowRemoval=true` says more is meant.' },
  { code: 'FEATURE_TYPE_MISSING', severity: 'error', appliesTo: 'properties', explanation: '`properties.featureType` names the LER 2.0 element, e.g. `Elledning` or `Vandkomponent`.' },
  { code: 'FEATURE_TYPE_UNKNOWN', severity: 'error', appliesTo: 'properties', explanation: '`featureType` is one of the LER 2.0 line, trace or component elements, spelt as in the model.' },
  { code: 'FEATURE_TYPE_GEOMETRY_MISMATCH', severity: 'error', appliesTo: 'geometry', explanation: 'Lines and traces are LineString or MultiLineString; components are Point, MultiPoint, Polygon or MultiPolygon.' },
  { code: 'ATTRIBUTE_VALUE_INVALID', severity: 'error', appliesTo: 'properties', explanation: 'Enumerated attributes (`fareklasse`, `driftsstatus`, `noejagtighedsklasse`, `indtegningsmetode`, `niveau`, `ejerskabsforhold`) take one of the model\'s values exactly; `forsyningsart` is a non-empty string.' },
  { code: 'ATTRIBUTE_NOT_NUMBER', severity: 'error', appliesTo: 'properties', explanation: 'Numeric attributes (`bredde`, `udvendigDiameter`, `vejledendeDybde`, `antalKabler`) are finite, non-negative numbers.' },
  { code: 'ATTRIBUTE_OUT_OF_RANGE', severity: 'error', appliesTo: 'properties', explanation: `Numeric attributes stay within the model's ranges: ${ranges}. A value beyond is almost always a unit mistake (metres for millimetres).` },
  { code: 'FAREKLASSE_NOT_ALLOWED', severity: 'error', appliesTo: 'properties', explanation: `${NOT_VERY_DANGEROUS.map((t) => `\`${t}\``).join(' and ')} may not be \`meget farlig\`.` },
  { code: 'ATTRIBUTE_DATE_INVALID', severity: 'error', appliesTo: 'properties', explanation: '`etableringstidspunkt` is a date `YYYY-MM-DD`, a month `YYYY-MM`, a year `YYYY` (as LER GML allows) or a full ISO 8601 time.' },
  { code: 'ATTRIBUTE_REQUIRED', severity: 'error', appliesTo: 'properties', explanation: `Lines laid on or after ${REQUIRED_FROM} (by \`etableringstidspunkt\`) carry more attributes: ${required}.` },
  { code: 'ATTRIBUTE_RECOMMENDED', severity: 'warning', appliesTo: 'properties', explanation: `A line without ${RECOMMENDED.map((n) => `\`${n}\``).join(' or ')} is accepted, but its danger or its margin is then unknown (margin 0), which makes every answer about it less precise.` },
  { code: 'GEOMETRY_MISSING', severity: 'error', appliesTo: 'geometry', explanation: 'Every feature has a geometry.' },
  { code: 'GEOMETRY_TYPE_UNSUPPORTED', severity: 'error', appliesTo: 'geometry', explanation: 'Geometry is a GeoJSON object of a type the element takes (no GeometryCollection).' },
  { code: 'GEOMETRY_COORDINATES_INVALID', severity: 'error', appliesTo: 'geometry', explanation: '`coordinates` are nested as the geometry type says (positions, lines, rings, polygons).' },
  { code: 'POSITION_INVALID', severity: 'error', appliesTo: 'geometry', explanation: 'A position is an array of 2 or 3 numbers (x, y and an optional height).' },
  { code: 'COORDINATE_NOT_FINITE', severity: 'error', appliesTo: 'geometry', explanation: 'Coordinates are finite numbers: no NaN, Infinity, strings or nulls.' },
  { code: 'LINE_TOO_SHORT', severity: 'error', appliesTo: 'geometry', explanation: 'A line has at least 2 distinct positions.' },
  { code: 'RING_TOO_SHORT', severity: 'error', appliesTo: 'geometry', explanation: 'A polygon ring has at least 4 positions, 3 of them distinct.' },
  { code: 'RING_NOT_CLOSED', severity: 'error', appliesTo: 'geometry', explanation: 'A polygon ring ends where it starts.' },
  { code: 'POLYGON_EMPTY', severity: 'error', appliesTo: 'geometry', explanation: 'A polygon has at least one ring.' },
  { code: 'MULTI_EMPTY', severity: 'error', appliesTo: 'geometry', explanation: 'A Multi* geometry has at least one member.' },
  { code: 'POLYGON_SELF_INTERSECTS', severity: 'error', appliesTo: 'geometry', explanation: 'A component polygon\'s rings do not cross themselves or each other, nor overlap along an edge (touching at a point is allowed).' },
  { code: 'CRS_UNSUPPORTED', severity: 'error', appliesTo: 'crs', explanation: 'Coordinates are RFC 7946 lon/lat (the default), or EPSG:25832 or EPSG:7416 as declared by the `crs` parameter or the legacy `crs` member.' },
  { code: 'COORDINATE_OUT_OF_EXTENT', severity: 'error', appliesTo: 'geometry', explanation: "Coordinates lie within Denmark's extent (with 20 km to spare). Outside it are almost always swapped axes (lat/lon for lon/lat) or a CRS other than the one declared." },
  { code: 'GML_MALFORMED', severity: 'error', appliesTo: 'upload', explanation: 'A LER GML upload is well-formed XML (UTF-8), named with its line and column.' },
  { code: 'GML_DOCTYPE_REFUSED', severity: 'error', appliesTo: 'upload', explanation: 'A LER GML upload has no document type declaration: no DTD, so no entity can read a file (XXE) or expand without bound (billion laughs).' },
  { code: 'GML_LIMIT', severity: 'error', appliesTo: 'upload', explanation: 'A LER GML upload nests at most 64 elements deep, has no text node over 64 Mi characters and at most 32 attributes on an element; its header (the answer\'s own elements) at most 256 elements.' },
  { code: 'GML_SCHEMA_INVALID', severity: 'error', appliesTo: 'feature', explanation: 'A LER GML upload is valid against LER 2.2\'s official XML schema (schemas/ler-2.2): elements in the schema\'s order, the required ones present, values of their types and code lists. Checked per feature; the answer\'s own header too.' },
  { code: 'GML_FEATURE_INVALID', severity: 'error', appliesTo: 'feature', explanation: 'A LER GML feature can be read into the model: it has a ler:id or gml:id, its geometry is one LER uses (LineString, Curve of LineStringSegments, CompositeCurve, MultiCurve, Point, MultiPoint, Polygon, MultiSurface) in EPSG:7416 or EPSG:25832, its posList holds whole positions, its measures known units.' },
  { code: 'LINE_SELF_INTERSECTS', severity: 'error', appliesTo: 'geometry', explanation: 'A line of a LER GML upload does not cross itself nor run back over itself (each part of a multi-part line on its own; touching at a point is allowed), as LER refuses it. GeoJSON uploads are not held to it.' },
  ...(Object.entries(LER_RESTRICTIONS) as [keyof typeof LER_RESTRICTIONS, LerRestriction][]).map(([code, r]): Rule => ({
    code,
    severity: 'error',
    appliesTo: r.concerns,
    explanation: `LER 2.2's restriction on ${r.types.map((t) => `\`${t}\``).join(', ')} (and its subtypes), by LER's name${r.parts === undefined ? '' : `, in parts: ${Object.entries(r.parts).map(([part, text]) => `\`${part}\` ("${text}")`).join('; ')}`}. Checked on LER GML uploads, and on GeoJSON as the GML written from it would be.`
  }))
];

/** Codes that are about a request or the system rather than an uploaded feature: not rules. */
export const NOT_RULES: readonly ErrorCode[] = (Object.keys(ErrorCodes) as ErrorCode[]).filter((c) => !RULES.some((r) => r.code === c));

export function ruleOf(code: string): Rule | undefined {
  return RULES.find((r) => r.code === code);
}

/** The catalogue as Markdown, for docs/rules.md. */
export function rulesMarkdown(): string {
  const out = [
    '# Upload rules',
    '',
    'Every check an upload goes through. Problems are reported with the feature index, its `id`, a JSON pointer to the attribute or position, the code and the message; an upload with errors is rejected whole unless invalid features are to be skipped, warnings never reject. Generated from `src/rules/catalogue.ts` by `npm run rules:docs`.',
    '',
    '| code | severity | applies to | message | rule |',
    '|---|---|---|---|---|'
  ];
  for (const r of RULES) out.push(`| \`${r.code}\` | ${r.severity} | ${r.appliesTo} | ${ErrorCodes[r.code].message.replace(/\|/g, '\\|')} | ${r.explanation.replace(/\|/g, '\\|')} |`);
  out.push('');
  return out.join('\n');
}
