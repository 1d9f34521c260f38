/**
 * JSON Schemas of what several routes answer, for the OpenAPI document (GET /openapi.json): GeoJSON
 * as the service sends it and the rule report of an upload. Answers are never reshaped by them
 * (the app serialises with JSON.stringify); the page's client types are generated from them
 * (web/src/openapi.d.ts), so they say what is really sent, with every member that always is
 * `required`.
 */

const POSITION = { type: 'array', items: { type: 'number' }, description: '[x, y] or [x, y, z]' } as const;

function geometryOf<T extends string, C>(type: T, coordinates: C) {
  return { type: 'object', required: ['type', 'coordinates'], properties: { type: { type: 'string', enum: [type] }, coordinates } } as const;
}

/** A GeoJSON geometry (RFC 7946) of the kinds the service keeps; no GeometryCollection. */
export const GEOMETRY_SCHEMA = {
  description: 'A GeoJSON geometry (RFC 7946)',
  oneOf: [
    geometryOf('Point', POSITION),
    geometryOf('MultiPoint', { type: 'array', items: POSITION }),
    geometryOf('LineString', { type: 'array', items: POSITION }),
    geometryOf('MultiLineString', { type: 'array', items: { type: 'array', items: POSITION } }),
    geometryOf('Polygon', { type: 'array', items: { type: 'array', items: POSITION } }),
    geometryOf('MultiPolygon', { type: 'array', items: { type: 'array', items: { type: 'array', items: POSITION } } })
  ]
} as const;

/** A dig area or a batch's area: a Polygon or a MultiPolygon. */
export const AREA_GEOMETRY_SCHEMA = {
  description: 'A GeoJSON Polygon or MultiPolygon',
  oneOf: [GEOMETRY_SCHEMA.oneOf[4], GEOMETRY_SCHEMA.oneOf[5]]
} as const;

/** Any member a JSON object may have, as uploaded (LER attributes, audit details). */
export const FREE_OBJECT = { type: 'object', additionalProperties: true } as const;

export const FEATURE_SCHEMA = {
  type: 'object',
  required: ['type', 'geometry', 'properties'],
  properties: {
    type: { type: 'string', enum: ['Feature'] },
    id: { type: ['string', 'number'] },
    geometry: { oneOf: [...GEOMETRY_SCHEMA.oneOf, { type: 'null' }] },
    properties: { type: ['object', 'null'], additionalProperties: true }
  }
} as const;

export const FEATURE_COLLECTION_SCHEMA = {
  type: 'object',
  description: 'A GeoJSON FeatureCollection',
  required: ['type', 'features'],
  properties: {
    type: { type: 'string', enum: ['FeatureCollection'] },
    features: { type: 'array', items: FEATURE_SCHEMA }
  }
} as const;

/** One problem an upload's check found (src/rules/report.ts). */
const REPORT_PROBLEM = {
  type: 'object',
  required: ['featureIndex', 'featureId', 'pointer', 'code', 'severity', 'message'],
  properties: {
    featureIndex: { type: ['integer', 'null'], description: 'Position of the feature in the upload (0-based); null: the upload as a whole' },
    featureId: { type: ['string', 'number', 'null'] },
    pointer: { type: ['string', 'null'], description: 'JSON pointer into the feature' },
    code: { type: 'string', description: 'The rule\'s code (GET /v1/rules)' },
    severity: { type: 'string', enum: ['error', 'warning'] },
    message: { type: 'string' }
  }
} as const;

/**
 * The rule report of an upload or change set (src/rules/report.ts, ReportSummary). A response that
 * holds it is given in the `content` form ({ description, content: { type: { schema } } }):
 * @fastify/swagger (9.9) walks a plain response schema's additionalProperties as if it were a map
 * of schemas, and would drop the member named `examples` of `byCode` as if it were the keyword.
 */
export const RULE_REPORT_SCHEMA = {
  type: 'object',
  description: 'The rule report: every problem the published rules (GET /v1/rules) found, by feature and by code',
  required: ['features', 'errors', 'warnings', 'invalidFeatures', 'byCode', 'problems', 'unlisted'],
  properties: {
    features: { type: 'integer', description: 'Features read' },
    errors: { type: 'integer' },
    warnings: { type: 'integer' },
    invalidFeatures: { type: 'integer', description: 'Features with at least one error' },
    byCode: {
      type: 'object',
      description: 'Problems counted by code, with the first examples of each',
      additionalProperties: {
        type: 'object',
        required: ['severity', 'count', 'examples'],
        properties: { severity: { type: 'string', enum: ['error', 'warning'] }, count: { type: 'integer' }, examples: { type: 'array', items: REPORT_PROBLEM } }
      }
    },
    problems: { type: 'array', items: REPORT_PROBLEM, description: 'The problems in full, up to a limit' },
    unlisted: { type: 'integer', description: 'Problems counted but not listed in `problems` (they are in `byCode`)' }
  }
} as const;
