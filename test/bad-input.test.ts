/**
 * Bad input to build and query is refused at the door with a LerError whose stable code says what
 * is wrong and, for a feature, which one: never a TypeError, RangeError or stack overflow from deep
 * inside the kernel, and never a silently wrong index.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, LerError, NetworkIndex, type ErrorCode } from '../src/library.js';
import type { Feature } from '../src/types.js';
import { buildNetwork, candidatesOf, pairsOfArea, queryArea } from './helpers/query.js';

const X = 575000;
const Y = 6135000;
const UTM = { crs: 'EPSG:25832' } as const;

function line(id: unknown, coordinates: unknown, props: Record<string, unknown> = {}): unknown {
  return { type: 'Feature', id, geometry: { type: 'LineString', coordinates }, properties: { featureType: 'Elledning', ...props } };
}

function good(id: string | number, dx = 0): Feature {
  return line(id, [[X + dx, Y], [X + dx + 10, Y + 5]]) as Feature;
}

const square = (x: number, y: number, s: number): number[][] => [[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]];

/** Run fn, expecting a LerError with the code (or, where two readings are fair, one of the codes). */
function expectLerError(fn: () => unknown, codes: ErrorCode | ErrorCode[]): LerError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error(`no error thrown, expected ${String(codes)}`);
  if (!(thrown instanceof LerError)) {
    throw new Error(`expected a LerError ${String(codes)}, got ${(thrown as Error)?.constructor?.name}: ${(thrown as Error)?.message}`);
  }
  const allowed = Array.isArray(codes) ? codes : [codes];
  expect(allowed, thrown.message).toContain(thrown.code);
  expect(thrown.status).toBe(ErrorCodes[thrown.code].status);
  expect(thrown.message).toContain(thrown.code);
  expect(() => JSON.stringify(thrown)).not.toThrow();
  // A JSON pointer (RFC 6901): "" is the whole value, anything else starts with a slash.
  if (thrown.pointer !== undefined) expect(thrown.pointer === '' || thrown.pointer.startsWith('/'), thrown.pointer).toBe(true);
  return thrown;
}

function deeplyNested(depth: number): unknown {
  let v: unknown = [X, Y];
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

// ---------------------------------------------------------------------------------------------
// Features. Each bad feature sits third in a collection after two good ones, with id "bad".

interface FeatureCase {
  name: string;
  feature: unknown;
  code: ErrorCode | ErrorCode[];
  /** JSON pointer prefix the error should carry. */
  pointer?: string;
  /** false when the bad part is the id itself, so no id can be named. */
  named?: boolean;
  opts?: Record<string, unknown>;
}

const withGeometry = (geometry: unknown, featureType = 'Elledning', props: Record<string, unknown> = {}): unknown => ({
  type: 'Feature',
  id: 'bad',
  geometry,
  properties: { featureType, ...props }
});

const FEATURE_CASES: FeatureCase[] = [
  // Numbers that are not finite.
  { name: 'NaN coordinate', feature: line('bad', [[X, Y], [NaN, Y]]), code: 'COORDINATE_NOT_FINITE', pointer: '/geometry' },
  { name: 'Infinity coordinate', feature: line('bad', [[X, Y], [X, Infinity]]), code: 'COORDINATE_NOT_FINITE', pointer: '/geometry' },
  { name: '-Infinity in a Point', feature: withGeometry({ type: 'Point', coordinates: [-Infinity, Y] }, 'Elkomponent'), code: 'COORDINATE_NOT_FINITE' },
  { name: 'NaN Z', feature: line('bad', [[X, Y, NaN], [X + 1, Y, 0]]), code: 'COORDINATE_NOT_FINITE' },
  { name: 'a coordinate as text', feature: line('bad', [[X, Y], [String(X + 1), Y]]), code: ['COORDINATE_NOT_FINITE', 'POSITION_INVALID'] },
  { name: 'a null coordinate', feature: line('bad', [[X, Y], [null, Y]]), code: ['COORDINATE_NOT_FINITE', 'POSITION_INVALID'] },
  { name: 'NaN in a hole', feature: withGeometry({ type: 'Polygon', coordinates: [square(X, Y, 10), [[X + 2, Y + 2], [X + 4, Y + 2], [X + 4, NaN], [X + 2, Y + 2]]] }, 'Elkomponent'), code: 'COORDINATE_NOT_FINITE' },
  // Positions of the wrong size.
  { name: 'position with 4 numbers', feature: line('bad', [[X, Y, 0, 1], [X + 1, Y]]), code: 'POSITION_INVALID', pointer: '/geometry' },
  { name: 'position with 1 number', feature: line('bad', [[X, Y], [X + 1]]), code: 'POSITION_INVALID' },
  { name: 'empty position', feature: line('bad', [[X, Y], []]), code: 'POSITION_INVALID' },
  // Rings.
  { name: 'empty ring', feature: withGeometry({ type: 'Polygon', coordinates: [[]] }, 'Elkomponent'), code: 'RING_TOO_SHORT', pointer: '/geometry' },
  { name: 'polygon without rings', feature: withGeometry({ type: 'Polygon', coordinates: [] }, 'Elkomponent'), code: 'POLYGON_EMPTY' },
  { name: 'ring of 3 positions', feature: withGeometry({ type: 'Polygon', coordinates: [[[X, Y], [X + 1, Y], [X, Y]]] }, 'Elkomponent'), code: 'RING_TOO_SHORT' },
  { name: 'ring of 4 positions, 2 distinct', feature: withGeometry({ type: 'Polygon', coordinates: [[[X, Y], [X + 1, Y], [X + 1, Y], [X, Y]]] }, 'Elkomponent'), code: 'RING_TOO_SHORT' },
  { name: 'unclosed ring', feature: withGeometry({ type: 'Polygon', coordinates: [square(X, Y, 10).slice(0, 4)] }, 'Elkomponent'), code: 'RING_NOT_CLOSED', pointer: '/geometry' },
  { name: 'unclosed hole', feature: withGeometry({ type: 'Polygon', coordinates: [square(X, Y, 10), square(X + 2, Y + 2, 3).slice(0, 4)] }, 'Elkomponent'), code: 'RING_NOT_CLOSED' },
  { name: 'unclosed ring in a MultiPolygon', feature: withGeometry({ type: 'MultiPolygon', coordinates: [[square(X, Y, 1)], [square(X + 5, Y, 1).slice(0, 4)]] }, 'Elkomponent'), code: 'RING_NOT_CLOSED' },
  // Lines.
  { name: 'one-point line', feature: line('bad', [[X, Y]]), code: 'LINE_TOO_SHORT', pointer: '/geometry' },
  { name: 'line of one repeated point', feature: line('bad', [[X, Y], [X, Y], [X, Y]]), code: 'LINE_TOO_SHORT' },
  { name: 'empty line', feature: line('bad', []), code: 'LINE_TOO_SHORT' },
  { name: 'one-point member of a MultiLineString', feature: withGeometry({ type: 'MultiLineString', coordinates: [[[X, Y], [X + 1, Y]], [[X, Y]]] }), code: 'LINE_TOO_SHORT' },
  { name: 'MultiLineString without members', feature: withGeometry({ type: 'MultiLineString', coordinates: [] }), code: 'MULTI_EMPTY' },
  { name: 'MultiPolygon without members', feature: withGeometry({ type: 'MultiPolygon', coordinates: [] }, 'Elkomponent'), code: 'MULTI_EMPTY' },
  { name: 'MultiPoint without members', feature: withGeometry({ type: 'MultiPoint', coordinates: [] }, 'Elkomponent'), code: 'MULTI_EMPTY' },
  // Coordinates that are not coordinates at all.
  { name: 'coordinates "abc"', feature: line('bad', 'abc'), code: 'GEOMETRY_COORDINATES_INVALID', pointer: '/geometry' },
  { name: 'coordinates null', feature: line('bad', null), code: 'GEOMETRY_COORDINATES_INVALID' },
  { name: 'coordinates an object', feature: line('bad', { 0: [X, Y] }), code: 'GEOMETRY_COORDINATES_INVALID' },
  { name: 'a LineString given one position', feature: line('bad', [X, Y]), code: ['GEOMETRY_COORDINATES_INVALID', 'POSITION_INVALID'] },
  { name: 'a Point given a list of positions', feature: withGeometry({ type: 'Point', coordinates: [[X, Y]] }, 'Elkomponent'), code: ['GEOMETRY_COORDINATES_INVALID', 'POSITION_INVALID'] },
  { name: 'a Polygon nested 100,000 deep', feature: withGeometry({ type: 'Polygon', coordinates: deeplyNested(100_000) }, 'Elkomponent'), code: ['GEOMETRY_COORDINATES_INVALID', 'POSITION_INVALID'] },
  { name: 'a LineString nested 100,000 deep', feature: line('bad', deeplyNested(100_000)), code: ['GEOMETRY_COORDINATES_INVALID', 'POSITION_INVALID'] },
  // Geometry missing or of a kind we do not take.
  { name: 'null geometry', feature: withGeometry(null), code: 'GEOMETRY_MISSING' },
  { name: 'no geometry member', feature: { type: 'Feature', id: 'bad', properties: { featureType: 'Elledning' } }, code: 'GEOMETRY_MISSING' },
  { name: 'GeometryCollection', feature: withGeometry({ type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [X, Y] }] }, 'Elkomponent'), code: 'GEOMETRY_TYPE_UNSUPPORTED' },
  { name: 'geometry type "Circle"', feature: withGeometry({ type: 'Circle', coordinates: [X, Y], radius: 3 }, 'Elkomponent'), code: 'GEOMETRY_TYPE_UNSUPPORTED' },
  // The LER model.
  { name: 'unknown featureType', feature: line('bad', [[X, Y], [X + 1, Y]], { featureType: 'Vandroer' }), code: 'FEATURE_TYPE_UNKNOWN', pointer: '/properties/featureType' },
  { name: 'featureType in the wrong case', feature: line('bad', [[X, Y], [X + 1, Y]], { featureType: 'elledning' }), code: 'FEATURE_TYPE_UNKNOWN' },
  { name: 'featureType a number', feature: line('bad', [[X, Y], [X + 1, Y]], { featureType: 3 }), code: 'FEATURE_TYPE_UNKNOWN' },
  { name: 'no featureType', feature: { type: 'Feature', id: 'bad', geometry: { type: 'Point', coordinates: [X, Y] }, properties: { fareklasse: 'farlig' } }, code: 'FEATURE_TYPE_MISSING' },
  { name: 'null properties', feature: { type: 'Feature', id: 'bad', geometry: { type: 'Point', coordinates: [X, Y] }, properties: null }, code: 'FEATURE_TYPE_MISSING' },
  { name: 'properties a string', feature: { type: 'Feature', id: 'bad', geometry: { type: 'Point', coordinates: [X, Y] }, properties: 'Elkomponent' }, code: 'PROPERTIES_INVALID' },
  { name: 'properties an array', feature: { type: 'Feature', id: 'bad', geometry: { type: 'Point', coordinates: [X, Y] }, properties: ['Elkomponent'] }, code: 'PROPERTIES_INVALID' },
  { name: 'a line type with a Point', feature: withGeometry({ type: 'Point', coordinates: [X, Y] }, 'Elledning'), code: 'FEATURE_TYPE_GEOMETRY_MISMATCH' },
  { name: 'a component with a LineString', feature: withGeometry({ type: 'LineString', coordinates: [[X, Y], [X + 1, Y]] }, 'Vandkomponent'), code: 'FEATURE_TYPE_GEOMETRY_MISMATCH' },
  { name: 'a trace with a Polygon', feature: withGeometry({ type: 'Polygon', coordinates: [square(X, Y, 2)] }, 'Ledningstrace', { bredde: 1 }), code: 'FEATURE_TYPE_GEOMETRY_MISMATCH' },
  { name: 'invalid fareklasse', feature: line('bad', [[X, Y], [X + 1, Y]], { fareklasse: 'dangerous' }), code: 'ATTRIBUTE_VALUE_INVALID', pointer: '/properties/fareklasse' },
  { name: 'fareklasse as a number', feature: line('bad', [[X, Y], [X + 1, Y]], { fareklasse: 2 }), code: 'ATTRIBUTE_VALUE_INVALID', pointer: '/properties/fareklasse' },
  { name: 'invalid driftsstatus', feature: line('bad', [[X, Y], [X + 1, Y]], { driftsstatus: 'aktiv' }), code: 'ATTRIBUTE_VALUE_INVALID', pointer: '/properties/driftsstatus' },
  { name: 'invalid noejagtighedsklasse', feature: line('bad', [[X, Y], [X + 1, Y]], { noejagtighedsklasse: '0.5 m' }), code: 'ATTRIBUTE_VALUE_INVALID', pointer: '/properties/noejagtighedsklasse' },
  { name: 'negative bredde', feature: withGeometry({ type: 'LineString', coordinates: [[X, Y], [X + 1, Y]] }, 'Ledningstrace', { bredde: -1 }), code: 'ATTRIBUTE_NOT_NUMBER', pointer: '/properties/bredde' },
  { name: 'NaN bredde', feature: withGeometry({ type: 'LineString', coordinates: [[X, Y], [X + 1, Y]] }, 'Ledningstrace', { bredde: NaN }), code: 'ATTRIBUTE_NOT_NUMBER', pointer: '/properties/bredde' },
  { name: 'udvendigDiameter as text', feature: line('bad', [[X, Y], [X + 1, Y]], { udvendigDiameter: '110' }), code: 'ATTRIBUTE_NOT_NUMBER', pointer: '/properties/udvendigDiameter' },
  { name: 'infinite udvendigDiameter', feature: line('bad', [[X, Y], [X + 1, Y]], { udvendigDiameter: Infinity }), code: 'ATTRIBUTE_NOT_NUMBER', pointer: '/properties/udvendigDiameter' },
  // Outside Denmark.
  { name: 'out-of-extent coordinate', feature: line('bad', [[X, Y], [0, 0]]), code: 'COORDINATE_OUT_OF_EXTENT', pointer: '/geometry' },
  { name: 'northing and easting swapped', feature: line('bad', [[Y, X], [Y + 1, X]]), code: 'COORDINATE_OUT_OF_EXTENT' },
  { name: 'lon/lat given as EPSG:25832', feature: line('bad', [[12.5, 55.7], [12.6, 55.7]]), code: 'COORDINATE_OUT_OF_EXTENT' },
  { name: 'lat/lon swapped in EPSG:4326', feature: line('bad', [[55.7, 12.5], [55.7, 12.6]]), code: 'COORDINATE_OUT_OF_EXTENT', opts: { crs: 'EPSG:4326' } },
  { name: 'latitude 1000 in EPSG:4326', feature: line('bad', [[12.5, 55.7], [12.5, 1000]]), code: 'COORDINATE_OUT_OF_EXTENT', opts: { crs: 'EPSG:4326' } },
  { name: 'outside a custom extent', feature: line('bad', [[X, Y], [X + 2000, Y]]), code: 'COORDINATE_OUT_OF_EXTENT', opts: { crs: 'EPSG:25832', extent: [X - 1000, Y - 1000, X + 1000, Y + 1000] } },
  // Ids.
  { name: 'missing id', feature: { type: 'Feature', geometry: { type: 'LineString', coordinates: [[X, Y], [X + 1, Y]] }, properties: { featureType: 'Elledning' } }, code: 'FEATURE_ID_MISSING', named: false },
  { name: 'empty string id', feature: line('', [[X, Y], [X + 1, Y]]), code: 'FEATURE_ID_INVALID', named: false },
  { name: 'object id', feature: line({ id: 3 }, [[X, Y], [X + 1, Y]]), code: 'FEATURE_ID_INVALID', named: false },
  { name: 'NaN id', feature: line(NaN, [[X, Y], [X + 1, Y]]), code: 'FEATURE_ID_INVALID', named: false },
  { name: 'boolean id', feature: line(true, [[X, Y], [X + 1, Y]]), code: 'FEATURE_ID_INVALID', named: false },
  { name: 'duplicate id', feature: line('first', [[X, Y], [X + 1, Y]]), code: 'FEATURE_ID_DUPLICATE', pointer: '/id', named: false },
  // Not a feature.
  { name: 'a number', feature: 42, code: 'FEATURE_NOT_OBJECT', named: false },
  { name: 'null', feature: null, code: 'FEATURE_NOT_OBJECT', named: false },
  { name: 'a bare geometry', feature: { type: 'LineString', coordinates: [[X, Y], [X + 1, Y]] }, code: 'FEATURE_NOT_OBJECT', named: false },
  { name: 'an array', feature: [line('bad', [[X, Y], [X + 1, Y]])], code: 'FEATURE_NOT_OBJECT', named: false }
];

describe('build refuses a bad feature and names it', () => {
  it.each(FEATURE_CASES)('$name', ({ feature, code, pointer, named, opts }) => {
    // The good features are in whatever CRS the case declares.
    const lonLat = opts?.crs === 'EPSG:4326';
    const ok = (id: string, dx: number): unknown => (lonLat ? line(id, [[12.5 + dx / 1e4, 55.7], [12.6, 55.71]]) : good(id, dx));
    const features = [ok('first', 0), ok('second', 20), feature];
    const err = expectLerError(() => buildNetwork({ type: 'FeatureCollection', features } as never, { owner: 'dk-el', ...UTM, ...opts }), code);
    expect(err.featureIndex, err.message).toBe(2);
    if (named !== false) expect(err.featureId, err.message).toBe('bad');
    if (pointer) expect(err.pointer ?? '', err.message).toMatch(new RegExp(`^${pointer.replace(/\//g, '\\/')}`));
  });

  it('names the feature also when the input is an iterable', () => {
    function* features(): Generator<unknown> {
      yield good(1);
      yield good(2, 20);
      yield good(3, 40);
      yield line(7, [[X, Y], [X, NaN]]);
    }
    const err = expectLerError(() => buildNetwork(features() as never, { owner: 'dk-el', ...UTM }), 'COORDINATE_NOT_FINITE');
    expect(err.featureIndex).toBe(3);
    expect(err.featureId).toBe(7);
  });

  it('numeric and string ids: the feature id is reported as given', () => {
    const err = expectLerError(
      () => buildNetwork([good(10), good(11, 20), line(12, [[X, Y]])] as never, { owner: 'dk-el', ...UTM }),
      'LINE_TOO_SHORT'
    );
    expect(err.featureId).toBe(12);
  });
});

describe('build refuses bad collections and options', () => {
  const fc = { type: 'FeatureCollection', features: [good(1)] };
  it.each([
    // Either code is a fair reading for input that is no object at all.
    ['null input', null, ['INPUT_NOT_OBJECT', 'FEATURE_COLLECTION_INVALID']],
    ['a string', 'features', ['INPUT_NOT_OBJECT', 'FEATURE_COLLECTION_INVALID']],
    ['a number', 42, ['INPUT_NOT_OBJECT', 'FEATURE_COLLECTION_INVALID']],
    ['an object of another type', { type: 'Topology', objects: {} }, 'FEATURE_COLLECTION_INVALID'],
    ['a collection without features', { type: 'FeatureCollection' }, 'FEATURE_COLLECTION_INVALID'],
    ['a collection whose features are not a list', { type: 'FeatureCollection', features: 'abc' }, 'FEATURE_COLLECTION_INVALID'],
    ['a collection whose features are an object', { type: 'FeatureCollection', features: { 0: good(1) } }, 'FEATURE_COLLECTION_INVALID']
  ] as [string, unknown, ErrorCode | ErrorCode[]][])('%s', (_name, input, code) => {
    expectLerError(() => buildNetwork(input as never, { owner: 'dk-el', ...UTM }), code);
  });

  it.each([
    ['no owner', { ...UTM }, 'OWNER_INVALID'],
    ['empty owner', { owner: '', ...UTM }, 'OWNER_INVALID'],
    ['owner a number', { owner: 7, ...UTM }, 'OWNER_INVALID'],
    ['unknown crs', { owner: 'o', crs: 'EPSG:3857' }, 'CRS_UNSUPPORTED'],
    ['crs a number', { owner: 'o', crs: 25832 }, 'CRS_UNSUPPORTED'],
    ['chunkSize 0', { owner: 'o', ...UTM, chunkSize: 0 }, 'OPTION_INVALID'],
    ['chunkSize -8', { owner: 'o', ...UTM, chunkSize: -8 }, 'OPTION_INVALID'],
    ['chunkSize 2.5', { owner: 'o', ...UTM, chunkSize: 2.5 }, 'OPTION_INVALID'],
    ['chunkSize NaN', { owner: 'o', ...UTM, chunkSize: NaN }, 'OPTION_INVALID'],
    ['coarseAccuracy -1', { owner: 'o', ...UTM, coarseAccuracy: -1 }, 'OPTION_INVALID'],
    ['coarseAccuracy NaN', { owner: 'o', ...UTM, coarseAccuracy: NaN }, 'OPTION_INVALID'],
    ['extent of two numbers', { owner: 'o', ...UTM, extent: [1, 2] }, 'OPTION_INVALID'],
    ['extent with NaN', { owner: 'o', ...UTM, extent: [0, 0, NaN, 1] }, 'OPTION_INVALID']
  ] as const)('%s', (_name, opts, code) => {
    expectLerError(() => buildNetwork(fc as never, opts as never), code as ErrorCode);
  });

  it('an unsupported legacy crs member', () => {
    const input = { ...fc, crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } } };
    expectLerError(() => buildNetwork(input as never, { owner: 'o' }), 'CRS_UNSUPPORTED');
  });

  it('merging the same owner twice', () => {
    const a = buildNetwork(fc as never, { owner: 'o', ...UTM });
    const b = buildNetwork({ type: 'FeatureCollection', features: [good(2, 30)] } as never, { owner: 'o', ...UTM });
    expectLerError(() => NetworkIndex.merge([a, b]), 'OWNER_CONFLICT');
  });

  it('merging nothing', () => {
    expectLerError(() => NetworkIndex.merge([]), 'OPTION_INVALID');
  });

  it('reopening a buffer that is not a snapshot', () => {
    const junk = new SharedArrayBuffer(256);
    new Uint8Array(junk).fill(7);
    expectLerError(() => NetworkIndex.from(junk as never), 'INDEX_BUFFER_INVALID');
    expectLerError(() => NetworkIndex.from({ columns: junk, chunks: junk, tree: junk } as never), 'INDEX_BUFFER_INVALID');
    expectLerError(() => NetworkIndex.from(null as never), 'INDEX_BUFFER_INVALID');
  });
});

// ---------------------------------------------------------------------------------------------
// Dig areas.

describe('query refuses a bad dig area', () => {
  const index = buildNetwork({ type: 'FeatureCollection', features: [good(1), good(2, 20)] }, { owner: 'dk-el', ...UTM });
  const poly = (coordinates: unknown): unknown => ({ type: 'Polygon', coordinates });

  const AREA_CASES: [string, unknown, ErrorCode | ErrorCode[], Record<string, unknown>?][] = [
    ['NaN coordinate', poly([[[X, Y], [X + 10, Y], [X + 10, NaN], [X, Y]]]), 'COORDINATE_NOT_FINITE'],
    ['Infinity coordinate', poly([[[X, Y], [Infinity, Y], [X + 10, Y + 10], [X, Y]]]), 'COORDINATE_NOT_FINITE'],
    ['a coordinate as text', poly([[[X, Y], [X + 10, Y], [X + 10, String(Y + 10)], [X, Y]]]), ['COORDINATE_NOT_FINITE', 'POSITION_INVALID']],
    ['empty ring', poly([[]]), 'RING_TOO_SHORT'],
    ['polygon without rings', poly([]), 'POLYGON_EMPTY'],
    ['ring of 3 positions', poly([[[X, Y], [X + 1, Y], [X, Y]]]), 'RING_TOO_SHORT'],
    ['ring with 2 distinct positions', poly([[[X, Y], [X + 1, Y], [X, Y], [X, Y]]]), 'RING_TOO_SHORT'],
    ['unclosed ring', poly([square(X, Y, 10).slice(0, 4)]), 'RING_NOT_CLOSED'],
    ['unclosed hole', poly([square(X, Y, 10), square(X + 2, Y + 2, 3).slice(0, 4)]), 'RING_NOT_CLOSED'],
    ['MultiPolygon without members', { type: 'MultiPolygon', coordinates: [] }, 'MULTI_EMPTY'],
    ['MultiPolygon with an unclosed ring', { type: 'MultiPolygon', coordinates: [[square(X, Y, 4)], [square(X + 9, Y, 4).slice(0, 4)]] }, 'RING_NOT_CLOSED'],
    ['position with 4 numbers', poly([[[X, Y, 0, 0], [X + 10, Y], [X + 10, Y + 10], [X, Y, 0, 0]]]), 'POSITION_INVALID'],
    ['coordinates "abc"', poly('abc'), 'GEOMETRY_COORDINATES_INVALID'],
    ['coordinates null', poly(null), 'GEOMETRY_COORDINATES_INVALID'],
    ['nested 100,000 deep', poly(deeplyNested(100_000)), ['GEOMETRY_COORDINATES_INVALID', 'POSITION_INVALID']],
    ['out of extent', poly([square(0, 0, 10)]), 'COORDINATE_OUT_OF_EXTENT'],
    ['axes swapped', poly([square(Y, X, 10)]), 'COORDINATE_OUT_OF_EXTENT'],
    ['lat/lon swapped in EPSG:4326', poly([[[55.7, 12.5], [55.8, 12.5], [55.8, 12.6], [55.7, 12.5]]]), 'COORDINATE_OUT_OF_EXTENT', { crs: 'EPSG:4326' }],
    ['a LineString', { type: 'LineString', coordinates: [[X, Y], [X + 10, Y]] }, 'DIG_AREA_TYPE'],
    ['a Point', { type: 'Point', coordinates: [X, Y] }, 'DIG_AREA_TYPE'],
    ['a GeometryCollection', { type: 'GeometryCollection', geometries: [poly([square(X, Y, 10)])] }, 'DIG_AREA_TYPE'],
    ['null', null, 'DIG_AREA_TYPE'],
    ['a string', 'POLYGON((0 0, 1 0, 1 1, 0 0))', 'DIG_AREA_TYPE'],
    ['no type', { coordinates: [square(X, Y, 10)] }, 'DIG_AREA_TYPE']
  ];

  // The index takes prepared areas: what it is asked with is read by the one reader first.
  const ASK = { query: queryArea, queryPairs: pairsOfArea, countCandidates: candidatesOf } as const;
  const METHODS = Object.keys(ASK) as (keyof typeof ASK)[];
  describe.each(METHODS)('%s', (method) => {
    it.each(AREA_CASES)('%s', (_name, area, code, opts) => {
      const err = expectLerError(() => ASK[method](index, area, { ...UTM, ...opts }), code);
      expect(err.featureIndex).toBeUndefined();
    });
  });

  const OPTION_CASES: [string, Record<string, unknown>, ErrorCode][] = [
    ['infoZone -1', { infoZone: -1 }, 'INFO_ZONE_OUT_OF_RANGE'],
    ['infoZone 101', { infoZone: 101 }, 'INFO_ZONE_OUT_OF_RANGE'],
    ['infoZone NaN', { infoZone: NaN }, 'INFO_ZONE_OUT_OF_RANGE'],
    ['infoZone Infinity', { infoZone: Infinity }, 'INFO_ZONE_OUT_OF_RANGE'],
    ['infoZone "5"', { infoZone: '5' }, 'INFO_ZONE_OUT_OF_RANGE'],
    ['unknown crs', { crs: 'EPSG:3857' }, 'CRS_UNSUPPORTED'],
    ['extent of two numbers', { extent: [1, 2] }, 'OPTION_INVALID']
  ];
  describe.each(METHODS)('%s options', (method) => {
    it.each(OPTION_CASES)('%s', (_name, opts, code) => {
      expectLerError(() => ASK[method](index, poly([square(X, Y, 10)]), { ...UTM, ...opts }), code);
    });
  });

  it('the edges of the info zone range are accepted', () => {
    const area = poly([square(X, Y, 10)]) as never;
    expect(() => queryArea(index, area, { ...UTM, infoZone: 0 })).not.toThrow();
    expect(() => queryArea(index, area, { ...UTM, infoZone: 100 })).not.toThrow();
  });

  it('after a refused query the index still answers', () => {
    expectLerError(() => queryArea(index, poly([[[X, Y], [X + 1, Y], [NaN, Y], [X, Y]]]) as never, UTM), 'COORDINATE_NOT_FINITE');
    expect(queryArea(index, poly([square(X - 1, Y - 1, 3)]) as never, UTM).map((c) => c.featureId)).toEqual([1]);
  });
});
