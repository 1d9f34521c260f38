/**
 * The one catalogue of error codes the engine raises. Every code is stable: clients branch on it,
 * and the docs list it. HTTP status is the one a service should answer with.
 */
import { LER_RESTRICTION_ERRORS } from './model/ler-restrictions.js';

export const ErrorCodes = {
  INPUT_NOT_OBJECT: { status: 400, message: 'Input must be a JSON object.' },
  FEATURE_COLLECTION_INVALID: { status: 400, message: 'Input must be a GeoJSON FeatureCollection or an array of Features.' },
  INPUT_EMPTY: { status: 400, message: 'Input is empty: send a GeoJSON FeatureCollection or a GeoJSON text sequence (RFC 8142).' },
  INPUT_SYNTAX: { status: 400, message: 'Input is not well-formed JSON.' },
  INPUT_NOT_UTF8: { status: 400, message: 'Input must be UTF-8 text.' },
  INPUT_TRUNCATED: { status: 400, message: 'Input ends inside a string, array or object: the upload was cut short.' },
  INPUT_TRAILING_DATA: { status: 400, message: 'Only whitespace may follow the FeatureCollection (or the Feature of a text sequence record).' },
  INPUT_TOO_DEEP: { status: 400, message: 'Arrays and objects are nested deeper than the limit.' },
  INPUT_TOO_LARGE: { status: 413, message: 'Input is larger than the upload limit.' },
  FEATURE_TOO_LARGE: { status: 413, message: 'A single feature is larger than the limit.' },
  FEATURE_NOT_OBJECT: { status: 422, message: 'Feature must be a GeoJSON Feature object.' },
  GEOJSON_INVALID: { status: 422, message: 'Feature breaks the GeoJSON format (RFC 7946), as the shallow geojson-validation pass finds:' },
  FEATURE_ID_MISSING: { status: 422, message: 'Feature has no id: give every feature an id (string or number) unique within its owner.' },
  FEATURE_ID_INVALID: { status: 422, message: 'Feature id must be a non-empty string or a finite number.' },
  FEATURE_ID_DUPLICATE: { status: 422, message: 'Feature id is used twice within the same owner.' },
  FEATURE_TYPE_MISSING: { status: 422, message: 'properties.featureType is missing: name the LER element (e.g. Elledning).' },
  FEATURE_TYPE_UNKNOWN: { status: 422, message: 'properties.featureType is not a LER 2.0 line, trace or component element.' },
  FEATURE_TYPE_GEOMETRY_MISMATCH: { status: 422, message: 'Geometry type does not fit the LER element (lines need LineString, components Point or Polygon).' },
  ATTRIBUTE_VALUE_INVALID: { status: 422, message: 'Attribute value is not one of the values the LER 2.0 model allows.' },
  ATTRIBUTE_NOT_NUMBER: { status: 422, message: 'Attribute must be a finite, non-negative number.' },
  PROPERTIES_INVALID: { status: 422, message: 'properties must be an object.' },
  GEOMETRY_MISSING: { status: 422, message: 'Feature has no geometry.' },
  GEOMETRY_TYPE_UNSUPPORTED: { status: 422, message: 'Geometry type is not supported here.' },
  GEOMETRY_COORDINATES_INVALID: { status: 422, message: 'coordinates have the wrong nesting for the geometry type.' },
  POSITION_INVALID: { status: 422, message: 'A position must be an array of 2 or 3 numbers.' },
  COORDINATE_NOT_FINITE: { status: 422, message: 'A coordinate is NaN, Infinity or not a number.' },
  LINE_TOO_SHORT: { status: 422, message: 'A line needs at least 2 distinct positions.' },
  RING_TOO_SHORT: { status: 422, message: 'A polygon ring needs at least 4 positions and 3 distinct ones.' },
  RING_NOT_CLOSED: { status: 422, message: 'A polygon ring must end where it starts.' },
  POLYGON_EMPTY: { status: 422, message: 'A polygon needs at least one ring.' },
  MULTI_EMPTY: { status: 422, message: 'A multi-geometry needs at least one member.' },
  COORDINATE_OUT_OF_EXTENT: { status: 422, message: "Coordinate lies outside Denmark's extent: check the CRS and the axis order (lon/lat by default)." },
  CRS_UNSUPPORTED: { status: 400, message: 'CRS not supported: use EPSG:4326 (lon/lat, the default), EPSG:25832 or EPSG:7416.' },
  OWNER_INVALID: { status: 400, message: 'owner must be a non-empty string.' },
  OPTION_INVALID: { status: 400, message: 'An option has a value out of its range.' },
  DIG_AREA_TYPE: { status: 422, message: 'The dig area must be a Polygon or MultiPolygon.' },
  INFO_ZONE_OUT_OF_RANGE: { status: 422, message: 'infoZone must be a number of metres from 0 to 100.' },
  INDEX_BUFFER_INVALID: { status: 500, message: 'Buffer is not a ler-engine network snapshot of this version.' },
  OWNER_CONFLICT: { status: 400, message: 'The same owner appears in more than one of the indexes to merge.' },
  AREA_TOO_LARGE: { status: 422, message: 'The dig area is too large for a batch check: split it.' },
  ROUTE_INVALID: { status: 422, message: 'The route needs a LineString and a corridor width.' },
  BATCH_INVALID: { status: 400, message: 'The batch options are invalid.' },
  WORKER_FAILED: { status: 500, message: 'The worker checking this area failed; the area was not checked. Submit it again.' },
  ENGINE_CLOSED: { status: 503, message: 'The engine is closed.' },
  NETWORK_EMPTY: { status: 503, message: 'No network is loaded yet.' },
  STORE_CORRUPT: { status: 500, message: 'The store holds a version whose snapshot cannot be read.' },
  VERSION_TAKEN: { status: 409, message: 'Another replica stored this version number of the owner\'s network at the same moment: number the version again and retry.' },
  STORE_UNAVAILABLE: { status: 503, message: 'The database is unreachable: the write was not made (answers from memory go on). Try again shortly.' },
  FAREKLASSE_NOT_ALLOWED: { status: 422, message: 'This LER element may not have this fareklasse (Vandledning and Telekommunikationsledning may not be "meget farlig").' },
  ATTRIBUTE_OUT_OF_RANGE: { status: 422, message: 'Attribute value lies outside the range the LER 2.0 model allows.' },
  ATTRIBUTE_DATE_INVALID: { status: 422, message: 'etableringstidspunkt must be a date (YYYY-MM-DD, or a full ISO 8601 time).' },
  ATTRIBUTE_REQUIRED: { status: 422, message: 'Attribute is required for this LER element (lines laid after 2023-07-01 carry more attributes).' },
  POLYGON_SELF_INTERSECTS: { status: 422, message: 'A polygon ring crosses itself or another ring of the same polygon.' },
  ATTRIBUTE_RECOMMENDED: { status: 200, message: 'Attribute is missing: the feature is accepted, but the answer to a dig request is less precise without it.' },
  CRS_DECLARED_LATE: { status: 400, message: 'The legacy crs member came after the features and says another CRS than they were read in.' },
  DIG_REQUEST_UNKNOWN: { status: 404, message: 'No dig request has this id (dig requests are kept for the retention period, LER_RETENTION_DAYS, then removed).' },
  REQUEST_TYPE_UNKNOWN: { status: 422, message: 'A dig request\'s type is dig, planning or emergency.' },
  REASON_REQUIRED: { status: 422, message: 'An emergency request (uopsætteligt reparationsarbejde) says why the work cannot wait, in at most 1,000 characters.' },
  DIG_REQUEST_OWNER_UNKNOWN: { status: 404, message: 'The package of this dig request does not name this owner: only an owner it names answers it.' },
  DIG_REQUEST_EXPIRED: { status: 409, message: 'The package is no longer valid (validUntil has passed): it cannot be answered or renewed; make a new dig request.' },
  ANSWER_INVALID: { status: 422, message: 'The answer is not one LER allows: a status of the six, with the fields that status needs.' },
  REVISION_UNKNOWN: { status: 404, message: 'The package has no such revision.' },
  REVISION_CONFLICT: { status: 409, message: 'The package changed while the answer was being made; send it again.' },
  WEBHOOK_UNKNOWN: { status: 404, message: 'No webhook of yours has this id.' },
  WEBHOOK_EVENTS_INVALID: { status: 422, message: 'A webhook takes events its key may hear of: an owner\'s key dig-request.created and dig-request.overdue, a contractor\'s dig-request.answered, an admin\'s any.' },
  QUOTA_WEBHOOKS: { status: 429, message: 'This key has as many webhooks as it may have (LER_WEBHOOKS_PER_KEY): delete one first.' },
  CURSOR_INVALID: { status: 400, message: 'The cursor is not one this service gave (use the `next` of the previous page).' },
  WEBHOOK_URL_INVALID: { status: 422, message: 'A webhook URL must be https and reach a public address (LER_WEBHOOK_ALLOW_PRIVATE=1 allows http and private addresses, for tests and closed networks).' },
  VERSION_GONE: { status: 410, message: 'A network version asked for (to build a package again, or to roll back to) is no longer kept (see the store\'s history length).' },
  FEATURE_ID_UNKNOWN: { status: 422, message: 'The change set deletes an id the network does not hold.' },
  PROPERTIES_TOO_LARGE: { status: 422, message: 'The feature\'s properties, as JSON, are larger than the service takes (LER_MAX_FEATURE_PROPERTIES_BYTES, default 16 KiB): keep documents elsewhere and link to them.' },
  PROPERTY_VALUE_TOO_LARGE: { status: 422, message: 'A property value is larger than the service takes (LER_MAX_PROPERTY_VALUE_BYTES, default 4 KiB; a string by its UTF-8 bytes, another value by its JSON).' },
  CONTACT_INVALID: { status: 422, message: 'contact must be a non-empty string of at most 500 characters (as in the owner\'s profile).' },
  UPLOAD_EMPTY_NETWORK: { status: 409, message: 'The upload holds no features: it would empty the owner\'s network. Nothing was changed; send allowRemoval=true if that is meant.' },
  REMOVAL_TOO_LARGE: { status: 409, message: 'The upload or change set would remove a larger share of the owner\'s features than the service allows at once (LER_MAX_REMOVAL_PERCENT). Nothing was changed; send allowRemoval=true if that is meant.' },
  CHANGESET_EMPTY: { status: 400, message: 'The change set neither upserts nor deletes a feature: no new version is made.' },
  VERSION_UNKNOWN: { status: 404, message: 'The owner\'s network has never had this version.' },
  OWNER_ID_CASE_CONFLICT: { status: 409, message: 'An owner whose id differs from this one only in case exists: an owner is one owner whatever the case, so use its spelling.' },
  CHANGESET_INVALID: { status: 400, message: 'A change set is {upsert: FeatureCollection, delete: [id, ...]}, with no id both upserted and deleted.' },
  UPLOAD_REJECTED: { status: 422, message: 'The upload was rejected: it holds invalid features (see the report). Nothing was changed.' },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required: send the header Authorization: Bearer <token>.' },
  FORBIDDEN: { status: 403, message: 'This API key may not do this: its role, or the owner it is bound to, does not allow it.' },
  ROUTE_UNKNOWN: { status: 404, message: 'No route has this method and path (see /openapi.json).' },
  REQUEST_INVALID: { status: 400, message: 'The request does not match the route\'s schema (see pointer and /openapi.json).' },
  CONTENT_TYPE_UNSUPPORTED: { status: 415, message: 'This Content-Type (or Content-Encoding) is not accepted here.' },
  GML_MALFORMED: { status: 400, message: 'The document is not well-formed XML.' },
  GML_DOCTYPE_REFUSED: { status: 400, message: 'A document type declaration (DOCTYPE) is refused: LER GML needs none, and its entities could read files or expand without bound.' },
  GML_LIMIT: { status: 413, message: 'The document goes past a limit of the GML reader (nesting depth, text length, attributes per element).' },
  GML_SCHEMA_INVALID: { status: 422, message: "The document breaks LER 2.2's XML schema (LER: 00-300, \"Det indsendte data er ikke validt\"): an element out of order, missing, unknown, or a value of the wrong type." },
  GML_FEATURE_INVALID: { status: 422, message: 'A feature of the LER GML document cannot be read: see the detail for what and where.' },
  // LER 2.2's feature-catalogue restrictions, by LER's own names (src/model/ler-restrictions.ts).
  ...LER_RESTRICTION_ERRORS,
  LINE_SELF_INTERSECTS: { status: 422, message: 'A line crosses itself (or runs back over itself): LER refuses such lines in GML.' },
  INPUT_NOT_GZIP: { status: 400, message: 'The body says Content-Encoding: gzip but is not a whole gzip stream.' },
  PROTOCOL_ERROR: { status: 400, message: 'The request is not well-formed HTTP/1.1 (its request line, headers or framing); the connection is closed.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request\'s headers are larger than the service takes.' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive whole in time; the connection is closed.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests for this API key (or, without a valid key, from this address): wait as long as Retry-After says.' },
  QUOTA_DIG_REQUESTS: { status: 429, message: 'This key has made as many dig requests today (UTC) as its daily quota allows: wait as long as Retry-After says (the next day).' },
  RENDER_LIMITED: { status: 429, message: 'This key already has as many package maps being drawn as it may: wait for them (Retry-After), then ask again; a map once drawn is served at once.' },
  OVERLOADED: { status: 503, message: 'The service is overloaded or unhealthy: retry after as long as Retry-After says.' },
  INTERNAL_ERROR: { status: 500, message: 'An unexpected error occurred; it has been logged.' },
  DIG_AREA_TOO_LARGE: { status: 422, message: 'The dig area is larger than a request of its type may be: split it, ask for orientation (type planning, larger areas), or check it as a planner\'s batch.' },
  DIG_AREA_TOO_MANY_VERTICES: { status: 422, message: 'The dig area has more vertices than a dig request may have: simplify it.' },
  DIG_AREA_INVALID: { status: 422, message: 'The dig area is not a valid polygon: its member polygons overlap, or a hole lies outside its shell.' },
  PERIOD_INVALID: { status: 422, message: 'period is {from, to}: dates (YYYY-MM-DD), from no later than to, not over yet, and no longer than the service allows.' },
  WORK_TYPE_UNKNOWN: { status: 422, message: 'workType is not a kind of work the precaution matrix knows.' },
  OWNER_UNKNOWN: { status: 404, message: 'This owner has no network here.' },
  BATCH_UNKNOWN: { status: 404, message: 'No batch has this id that this key may see: it never existed, is another planner\'s, or was deleted or expired (see LER_BATCH_TTL_S).' },
  BATCH_QUEUE_FULL: { status: 503, message: 'Too many batches are running or waiting: retry after as long as Retry-After says.' },
  BATCH_TOO_LARGE: { status: 413, message: 'The batch has more areas (or route stretches) than the service keeps results for: split it.' },
  BATCH_CANCELLED: { status: 409, message: 'The batch was cancelled by its requester (or an admin) before it ended.' },
  BATCH_FAILED: { status: 409, message: 'The batch failed before its first result, for a reason of the service\'s (its error says which): submit it again.' },
  QUOTA_BATCHES_QUEUED: { status: 429, message: 'This planner has as many batches waiting as it may (LER_MAX_BATCHES_QUEUED_PER_PLANNER): retry after as long as Retry-After says.' },
  QUOTA_BATCHES_KEPT: { status: 429, message: 'This planner keeps as many batches as it may (LER_BATCHES_KEPT_PER_PLANNER): delete ended ones (DELETE /v1/batches/{id}) or wait until they expire.' },
  QUOTA_BATCH_RESULT_BYTES: { status: 429, message: 'This planner\'s stored batch results have reached its quota of bytes (LER_BATCH_RESULT_BYTES_PER_PLANNER): delete ended batches (DELETE /v1/batches/{id}) or wait until they expire.' },
  KEY_UNKNOWN: { status: 404, message: 'No API key has this id.' },
  WEB_NOT_BUILT: { status: 503, message: 'The map page has not been built: run `npm run build` (it writes dist/web), or set LER_WEB_DIR to where it was built.' },
  MAP_REFERENCE_UNSET: { status: 404, message: 'No reference layer is configured: set LER_MAP_REFERENCE to a GeoJSON file of lines (e.g. roads).' },
  MAP_VIEW_TOO_LARGE: { status: 422, message: 'The map view is too large to draw the network in: zoom in.' }
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

/** Where in the input a problem lies. */
export interface ErrorLocation {
  /** Zero-based position of the feature in the input. */
  featureIndex?: number;
  /** The feature's own `id`, when it has one. */
  featureId?: string | number;
  /** JSON pointer into the feature, e.g. `/properties/fareklasse` or `/geometry/coordinates/0/3`. */
  pointer?: string;
}

/** An error with a stable code that says what was wrong and where. */
export class LerError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly featureIndex?: number;
  readonly featureId?: string | number;
  readonly pointer?: string;

  constructor(code: ErrorCode, where: ErrorLocation = {}, detail?: string) {
    const base = ErrorCodes[code].message;
    const place = describe(where);
    super(`${code}: ${base}${detail ? ` ${detail}` : ''}${place ? ` (${place})` : ''}`);
    this.name = 'LerError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    if (where.featureIndex !== undefined) this.featureIndex = where.featureIndex;
    if (where.featureId !== undefined) this.featureId = where.featureId;
    if (where.pointer !== undefined) this.pointer = where.pointer;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      featureIndex: this.featureIndex,
      featureId: this.featureId,
      pointer: this.pointer
    };
  }
}

function describe(where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.featureIndex !== undefined) parts.push(`feature #${where.featureIndex}`);
  if (where.featureId !== undefined) parts.push(`id ${JSON.stringify(where.featureId)}`);
  if (where.pointer) parts.push(`at ${where.pointer}`);
  return parts.join(', ');
}
