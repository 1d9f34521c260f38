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
      emitPart([coordinates as number[]], 0, sink, ctx);
      break;
    case GeomType.MultiPoint: {
      const points = array(coordinates, base, ctx, 'MULTI_EMPTY');
      points.forEach((p, i) => checkPosition(p, `${base}/${i}`, ctx));
      points.forEach((p) => emitPart([p as number[]], 0, sink, ctx));
      break;
    }
    case GeomType.LineString:
      checkLine(coordinates, base, ctx);
      emitPart(coordinates as number[][], 0, sink, ctx);
      break;
    case GeomType.MultiLineString: {
      const lines = array(coordinates, base, ctx, 'MULTI_EMPTY');
      lines.forEach((l, i) => checkLine(l, `${base}/${i}`, ctx));
      lines.forEach((l) => emitPart(l as number[][], 0, sink, ctx));
      break;
    }
    case GeomType.Polygon:
      checkPolygon(coordinates, base, ctx);
      emitPolygon(coordinates as number[][][], sink, ctx);
      break;
    case GeomType.MultiPolygon: {
      const polygons = array(coordinates, base, ctx, 'MULTI_EMPTY');
      polygons.forEach((p, i) => checkPolygon(p, `${base}/${i}`, ctx));
      polygons.forEach((p) => emitPolygon(p as number[][][], sink, ctx));
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

function checkLine(line: unknown, pointer: string, ctx: ReadContext): void {
  const positions = array(line, pointer, ctx, 'LINE_TOO_SHORT');
  positions.forEach((p, i) => checkPosition(p, `${pointer}/${i}`, ctx));
  if (distinctAtLeast(positions as number[][], 2) < 2) fail('LINE_TOO_SHORT', ctx, pointer);
}

function checkPolygon(polygon: unknown, pointer: string, ctx: ReadContext): void {
  const rings = array(polygon, pointer, ctx, 'POLYGON_EMPTY');
  rings.forEach((ring, r) => {
    const at = `${pointer}/${r}`;
    const positions = array(ring, at, ctx, 'RING_TOO_SHORT');
    positions.forEach((p, i) => checkPosition(p, `${at}/${i}`, ctx));
    const pts = positions as number[][];
    if (pts.length < 4) fail('RING_TOO_SHORT', ctx, at, `Got ${pts.length} positions.`);
    const first = pts[0];
    const last = pts[pts.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) fail('RING_NOT_CLOSED', ctx, at);
    if (distinctAtLeast(pts, 3) < 3) fail('RING_TOO_SHORT', ctx, at, 'Fewer than 3 distinct positions.');
  });
}

/** Counts distinct 2D positions, stopping once `enough` are found. */
function distinctAtLeast(positions: number[][], enough: number): number {
  const seen: number[][] = [];
  for (const p of positions) {
    if (!seen.some((s) => s[0] === p[0] && s[1] === p[1])) {
      seen.push(p);
      if (seen.length >= enough) break;
    }
  }
  return seen.length;
}

function emitPolygon(rings: number[][][], sink: GeometrySink, ctx: ReadContext): void {
  rings.forEach((ring, r) => emitPart(ring, r === 0 ? PART_OUTER : 0, sink, ctx));
}

function emitPart(positions: number[][], flags: number, sink: GeometrySink, ctx: ReadContext): void {
  // Projection and the extent check happen here, after every structural check has passed.
  const lonLat = ctx.crs === 'EPSG:4326';
  const extent = ctx.extent;
  sink.beginPart(flags);
  for (const p of positions) {
    let x = p[0];
    let y = p[1];
    if (lonLat) {
      projectLonLat(x, y, projected, 0);
      x = projected[0];
      y = projected[1];
    }
    if ((extent && !inExtent(extent, x, y)) || !Number.isFinite(x) || !Number.isFinite(y)) {
      fail('COORDINATE_OUT_OF_EXTENT', ctx, ctx.pointer, `Position [${p.join(', ')}] in ${ctx.crs}.`);
    }
    sink.vertex(x, y, p.length > 2 ? p[2] : Number.NaN);
  }
}
