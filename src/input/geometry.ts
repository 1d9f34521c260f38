import { LerError, type ErrorCode, type ErrorLocation } from '../errors.js';
import { inExtent, projectLonLat } from '../crs/index.js';
import type { CrsName, Extent } from '../types.js';
import { GeomType, PART_OUTER, type GeomTypeCode } from '../index/columns.js';

/** Receives validated, projected geometry: parts (lines, rings, points) and their vertices. */
export interface GeometrySink {
  beginPart(flags: number): void;
  vertex(x: number, y: number, z: number): void;
}

export interface ReadContext {
  crs: CrsName;
  extent: Extent | null;
  /** Where the geometry sits, for error messages. */
  where: ErrorLocation;
  /** JSON pointer of the geometry object, e.g. `/geometry`. */
  pointer: string;
}

const projected = new Float64Array(2);

/**
 * Validates a GeoJSON geometry of one of the given types and streams it, projected to EPSG:25832,
 * into `sink`. Structure is checked before anything is written; the extent is checked while
 * writing, so a sink that outlives a failure must drop the partial feature. Returns the type code.
 */
export function readGeometry(geometry: unknown, allowed: readonly GeomTypeCode[], sink: GeometrySink, ctx: ReadContext): GeomTypeCode {
  if (geometry === null || geometry === undefined) fail('GEOMETRY_MISSING', ctx, ctx.pointer);
  if (typeof geometry !== 'object' || Array.isArray(geometry)) fail('GEOMETRY_TYPE_UNSUPPORTED', ctx, ctx.pointer, 'Geometry must be an object.');
  const { type, coordinates } = geometry as { type?: unknown; coordinates?: unknown };
  const code = typeof type === 'string' ? (GeomType as Record<string, GeomTypeCode>)[type] : undefined;
  if (code === undefined || !allowed.includes(code)) {
    fail('GEOMETRY_TYPE_UNSUPPORTED', ctx, `${ctx.pointer}/type`, `Got ${JSON.stringify(type)}; allowed here: ${allowed.map(typeName).join(', ')}.`);
  }
  const base = `${ctx.pointer}/coordinates`;
  switch (code) {
    case GeomType.Point:
      checkPosition(coordinates, base, ctx);
      sink.beginPart(0);
      emitPosition(coordinates as number[], sink, ctx);
      break;
    case GeomType.MultiPoint: {
      const points = array(coordinates, base, ctx, 'MULTI_EMPTY');
      for (let i = 0; i < points.length; i++) checkPosition(points[i], `${base}/${i}`, ctx);
      for (let i = 0; i < points.length; i++) {
        sink.beginPart(0);
        emitPosition(points[i] as number[], sink, ctx);
      }
      break;
    }
    case GeomType.LineString:
      checkLine(coordinates, base, ctx);
      emitPart(coordinates as number[][], 0, sink, ctx);
      break;
    case GeomType.MultiLineString: {
      const lines = array(coordinates, base, ctx, 'MULTI_EMPTY');
      for (let i = 0; i < lines.length; i++) checkLine(lines[i], `${base}/${i}`, ctx);
      for (let i = 0; i < lines.length; i++) emitPart(lines[i] as number[][], 0, sink, ctx);
      break;
    }
    case GeomType.Polygon:
      checkPolygon(coordinates, base, ctx);
      emitPolygon(coordinates as number[][][], sink, ctx);
      break;
    case GeomType.MultiPolygon: {
      const polygons = array(coordinates, base, ctx, 'MULTI_EMPTY');
      for (let i = 0; i < polygons.length; i++) checkPolygon(polygons[i], `${base}/${i}`, ctx);
      for (let i = 0; i < polygons.length; i++) emitPolygon(polygons[i] as number[][][], sink, ctx);
      break;
    }
  }
  return code as GeomTypeCode;
}

function typeName(code: GeomTypeCode): string {
  return Object.keys(GeomType).find((k) => (GeomType as Record<string, number>)[k] === code) ?? String(code);
}

function fail(code: ErrorCode, ctx: ReadContext, pointer: string, detail?: string): never {
  throw new LerError(code, { ...ctx.where, pointer }, detail);
}

function array(value: unknown, pointer: string, ctx: ReadContext, emptyCode: ErrorCode): unknown[] {
  if (!Array.isArray(value)) fail('GEOMETRY_COORDINATES_INVALID', ctx, pointer);
  if (value.length === 0) fail(emptyCode, ctx, pointer);
  return value;
}

function checkPosition(p: unknown, pointer: string, ctx: ReadContext): void {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) fail('POSITION_INVALID', ctx, pointer, Array.isArray(p) ? `Got ${p.length} numbers.` : undefined);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) fail('COORDINATE_NOT_FINITE', ctx, `${pointer}/${i}`, `Got ${String(v)}.`);
  }
}

/** Checks every position of a line or ring; `part` >= 0 appends the part's index to the pointer, built only on error. */
function checkPositions(positions: unknown[], pointer: string, part: number, ctx: ReadContext): void {
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    // Fast path for the common well-formed position; the slow path builds the error.
    if (Array.isArray(p) && (p.length === 2 || p.length === 3) && Number.isFinite(p[0]) && Number.isFinite(p[1]) && (p.length === 2 || Number.isFinite(p[2]))) continue;
    checkPosition(p, `${part >= 0 ? `${pointer}/${part}` : pointer}/${i}`, ctx);
  }
}

function checkLine(line: unknown, pointer: string, ctx: ReadContext): void {
  const positions = array(line, pointer, ctx, 'LINE_TOO_SHORT');
  checkPositions(positions, pointer, -1, ctx);
  if (distinctCount(positions as number[][], 2) < 2) fail('LINE_TOO_SHORT', ctx, pointer);
}

function checkPolygon(polygon: unknown, pointer: string, ctx: ReadContext): void {
  const rings = array(polygon, pointer, ctx, 'POLYGON_EMPTY');
  for (let r = 0; r < rings.length; r++) {
    const ring = rings[r];
    if (!Array.isArray(ring) || ring.length === 0) array(ring, `${pointer}/${r}`, ctx, 'RING_TOO_SHORT');
    const pts = ring as number[][];
    checkPositions(pts, pointer, r, ctx);
    if (pts.length < 4) fail('RING_TOO_SHORT', ctx, `${pointer}/${r}`, `Got ${pts.length} positions.`);
    const first = pts[0];
    const last = pts[pts.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) fail('RING_NOT_CLOSED', ctx, `${pointer}/${r}`);
    if (distinctCount(pts, 3) < 3) fail('RING_TOO_SHORT', ctx, `${pointer}/${r}`, 'Fewer than 3 distinct positions.');
  }
}

/** Counts distinct 2D positions (up to 3), without allocating. */
function distinctCount(positions: number[][], enough: 2 | 3): number {
  const a = positions[0];
  let b: number[] | null = null;
  for (let i = 1; i < positions.length; i++) {
    const p = positions[i];
    if (p[0] === a[0] && p[1] === a[1]) continue;
    if (b === null) {
      b = p;
      if (enough === 2) return 2;
    } else if (p[0] !== b[0] || p[1] !== b[1]) {
      return 3;
    }
  }
  return b === null ? 1 : 2;
}

function emitPolygon(rings: number[][][], sink: GeometrySink, ctx: ReadContext): void {
  for (let r = 0; r < rings.length; r++) emitPart(rings[r], r === 0 ? PART_OUTER : 0, sink, ctx);
}

function emitPart(positions: number[][], flags: number, sink: GeometrySink, ctx: ReadContext): void {
  sink.beginPart(flags);
  for (let i = 0; i < positions.length; i++) emitPosition(positions[i], sink, ctx);
}

/** Projects one checked position, checks the extent, and hands it to the sink. */
function emitPosition(p: number[], sink: GeometrySink, ctx: ReadContext): void {
  let x = p[0];
  let y = p[1];
  if (ctx.crs === 'EPSG:4326') {
    projectLonLat(x, y, projected, 0);
    x = projected[0];
    y = projected[1];
  }
  const extent = ctx.extent;
  if ((extent !== null && !inExtent(extent, x, y)) || !Number.isFinite(x) || !Number.isFinite(y)) {
    fail('COORDINATE_OUT_OF_EXTENT', ctx, ctx.pointer, `Position [${p.join(', ')}] in ${ctx.crs}.`);
  }
  sink.vertex(x, y, p.length > 2 ? p[2] : Number.NaN);
}
