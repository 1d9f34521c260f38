/**
 * The one reader of areas from outside: a dig request's area, an owner's interest area and each
 * area of a planner's batch are read here, with the same checks, into a PreparedArea in
 * EPSG:25832. Checked: the type (Polygon or MultiPolygon), every position (finite, in the CRS's
 * extent), closed rings, and, unless told otherwise, that rings do not cross, holes lie in their
 * shells and member polygons do not overlap (the kernel reads rings even-odd, so an overlap would
 * silently become a hole); then the limits given (vertices, area, box side).
 */
import { LerError, type ErrorCode, type ErrorLocation } from '../errors.js';
import { normaliseCrs, resolveExtent } from '../crs/index.js';
import { PreparedArea } from '../geometry/index.js';
import { GeomType, PART_OUTER } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import { findSelfIntersection } from '../rules/simple-polygon.js';
import type { CrsName, Extent } from '../types.js';

const AREA_TYPES = [GeomType.Polygon, GeomType.MultiPolygon] as const;

/** What an area may be at most; a limit left out is not checked. */
export interface AreaLimits {
  /** Vertices over all rings (a ring's closing position not counted again). */
  maxVertices?: number;
  /** Planar area, square metres. */
  maxAreaM2?: number;
  /** Largest side of the area's box, metres. */
  maxSide?: number;
}

/**
 * Whose area it is, for the codes of its problems: a dig request's area answers DIG_AREA_TYPE,
 * DIG_AREA_TOO_MANY_VERTICES and DIG_AREA_TOO_LARGE; an area in a collection (a batch's, an
 * interest area) answers GEOMETRY_TYPE_UNSUPPORTED and AREA_TOO_LARGE, with its feature index.
 */
export type AreaKind = 'dig' | 'member';

export interface AreaReadOptions {
  /** CRS of the coordinates; default EPSG:4326 (lon/lat). */
  crs?: string;
  /** Positions outside it are refused; default Denmark's; null: no check (planar test data). */
  extent?: Extent | null;
  limits?: AreaLimits;
  kind?: AreaKind;
  /** Check that rings do not cross, holes lie in shells and polygons do not overlap; default true. */
  validate?: boolean;
  /** JSON pointer of the geometry in the request, and the feature it belongs to, for problems. */
  pointer?: string;
  where?: Omit<ErrorLocation, 'pointer'>;
  /** The setting that raises each limit, named in the problem (e.g. LER_MAX_DIG_VERTICES). */
  settings?: Partial<Record<keyof AreaLimits, string>>;
}

/** An area read: valid until the reader that made it reads the next one. */
export interface ReadArea {
  crs: CrsName;
  prepared: PreparedArea;
  /** Planar area, square metres (holes subtracted). */
  areaM2: number;
  vertices: number;
  /** [minX, minY, maxX, maxY], EPSG:25832. */
  bbox: [number, number, number, number];
}

const CODES = {
  dig: { vertices: 'DIG_AREA_TOO_MANY_VERTICES', size: 'DIG_AREA_TOO_LARGE' },
  member: { vertices: 'AREA_TOO_LARGE', size: 'AREA_TOO_LARGE' }
} as const satisfies Record<AreaKind, { vertices: ErrorCode; size: ErrorCode }>;

/** Rings as flat arrays for PreparedArea, in buffers that grow and are kept; polygons by first ring. */
class RingSink implements GeometrySink {
  xy = new Float64Array(256);
  starts = new Uint32Array(16);
  /** Numbers written to xy. */
  n = 0;
  rings = 0;
  /** First ring of each polygon. */
  polygonStarts: number[] = [];
  reset(): this {
    this.n = 0;
    this.rings = 0;
    this.polygonStarts.length = 0;
    return this;
  }
  beginPart(flags: number): void {
    if (this.rings + 1 >= this.starts.length) {
      const next = new Uint32Array(this.starts.length * 2);
      next.set(this.starts);
      this.starts = next;
    }
    if ((flags & PART_OUTER) !== 0 || this.rings === 0) this.polygonStarts.push(this.rings);
    this.starts[this.rings++] = this.n >> 1;
  }
  vertex(x: number, y: number): void {
    if (this.n === this.xy.length) {
      const next = new Float64Array(this.xy.length * 2);
      next.set(this.xy);
      this.xy = next;
    }
    this.xy[this.n++] = x;
    this.xy[this.n++] = y;
  }
}

/**
 * Reads areas one after another into the same buffers and the same PreparedArea, so that a loop
 * of reads allocates nothing for them (beyond the validity checks). Not for two areas at once.
 */
export class AreaReader {
  private readonly sink = new RingSink();
  private readonly prepared = new PreparedArea();

  /** Reads and checks an area; throws a LerError naming what is wrong and where. */
  read(geometry: unknown, opts: AreaReadOptions = {}): ReadArea {
    const crs = normaliseCrs(opts.crs);
    const extent = resolveExtent(opts.extent);
    const pointer = opts.pointer ?? '';
    const where = opts.where ?? NOWHERE;
    const limits = opts.limits;
    if ((opts.kind ?? 'dig') === 'dig') checkDigType(geometry, where, pointer);
    if (limits?.maxVertices !== undefined) checkVertexCount(geometry, limits.maxVertices, opts, pointer);
    const sink = this.sink.reset();
    readGeometry(geometry, AREA_TYPES, sink, { crs, extent, where, pointer });
    const rings = sink.rings;
    sink.starts[rings] = sink.n >> 1;
    if (opts.validate !== false) checkShape(sink, (geometry as { type?: unknown }).type === 'MultiPolygon', opts, pointer);
    const prepared = this.prepared.prepare(sink.xy, sink.starts, rings);
    const areaM2 = planarArea(sink);
    if (limits !== undefined) checkSize(prepared, areaM2, limits, opts, pointer);
    return { crs, prepared, areaM2, vertices: (sink.n >> 1) - rings, bbox: [prepared.minX, prepared.minY, prepared.maxX, prepared.maxY] };
  }

  /** The vertices and ring starts of the last area read (views into the reader's buffers). */
  get rings(): { xy: Float64Array; ringStarts: Uint32Array } {
    const s = this.sink;
    return { xy: s.xy.subarray(0, s.n), ringStarts: s.starts.subarray(0, s.rings + 1) };
  }
}

/** {@link AreaReader.read} into buffers of its own: for a single call, or an area to keep. */
export function readArea(geometry: unknown, opts: AreaReadOptions = {}): ReadArea {
  return new AreaReader().read(geometry, opts);
}

const NOWHERE: Omit<ErrorLocation, 'pointer'> = {};

function problem(code: ErrorCode, opts: AreaReadOptions, pointer: string, detail: string): LerError {
  return new LerError(code, { ...opts.where, pointer }, detail);
}

/** The setting that raises a limit, for the problem's text. */
function setting(opts: AreaReadOptions, name: keyof AreaLimits): string {
  const named = opts.settings?.[name];
  return named !== undefined ? ` (${named})` : '';
}

function checkDigType(geometry: unknown, where: Omit<ErrorLocation, 'pointer'>, pointer: string): void {
  const type = (geometry as { type?: unknown } | null)?.type;
  if (geometry === null || typeof geometry !== 'object' || Array.isArray(geometry) || (type !== 'Polygon' && type !== 'MultiPolygon')) {
    throw new LerError('DIG_AREA_TYPE', { ...where, pointer: `${pointer}/type` }, `Got ${JSON.stringify(type ?? null)}.`);
  }
}

/** Counted before anything is read, so that a huge area costs no more than this walk. */
function checkVertexCount(geometry: unknown, max: number, opts: AreaReadOptions, pointer: string): void {
  if (geometry === null || typeof geometry !== 'object') return;
  const g = geometry as { type?: unknown; coordinates?: unknown };
  const counted = countPositions(g.coordinates, g.type === 'MultiPolygon' ? 3 : 2);
  if (counted > max) {
    throw problem(CODES[opts.kind ?? 'dig'].vertices, opts, `${pointer}/coordinates`, `It has ${counted} vertices; at most ${max} are allowed${setting(opts, 'maxVertices')}.`);
  }
}

function checkSize(prepared: PreparedArea, areaM2: number, limits: AreaLimits, opts: AreaReadOptions, pointer: string): void {
  const code = CODES[opts.kind ?? 'dig'].size;
  if (limits.maxAreaM2 !== undefined && areaM2 > limits.maxAreaM2) {
    throw problem(code, opts, `${pointer}/coordinates`, `It covers ${Math.round(areaM2)} m²; at most ${limits.maxAreaM2} m² are allowed${setting(opts, 'maxAreaM2')}.`);
  }
  if (limits.maxSide !== undefined) {
    const side = Math.max(prepared.maxX - prepared.minX, prepared.maxY - prepared.minY);
    if (side > limits.maxSide) throw problem(code, opts, pointer, `The area's box is ${side.toFixed(0)} m across; at most ${limits.maxSide} m${setting(opts, 'maxSide')}.`);
  }
}

/** Planar area of the rings read, square metres: each polygon's shell less its holes. */
function planarArea(sink: RingSink): number {
  const { xy, starts, polygonStarts } = sink;
  let total = 0;
  let p = 0;
  for (let r = 0; r < sink.rings; r++) {
    let a = 0;
    for (let v = starts[r]; v + 1 < starts[r + 1]; v++) a += xy[2 * v] * xy[2 * v + 3] - xy[2 * v + 2] * xy[2 * v + 1];
    const shell = p < polygonStarts.length && polygonStarts[p] === r;
    if (shell) p++;
    total += shell ? Math.abs(a / 2) : -Math.abs(a / 2);
  }
  return total;
}

/** Checks the information zone width b (metres). */
export function checkInfoZone(value: unknown, max = 100): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new LerError('INFO_ZONE_OUT_OF_RANGE', { pointer: '/infoZone' }, `Got ${JSON.stringify(value) ?? String(value)}; at most ${max} m are allowed here.`);
  }
  return value;
}

/** Rings that do not cross, holes inside their shell and not in each other, polygons apart. */
function checkShape(sink: RingSink, multi: boolean, opts: AreaReadOptions, pointer: string): void {
  const { xy, starts, polygonStarts } = sink;
  const ringCount = sink.rings;
  const fail = (p: number, r: number, rest: string, code: ErrorCode, detail: string): LerError => problem(code, opts, `${pointer}/coordinates${multi ? `/${p}` : ''}/${r}${rest}`, detail);
  const ringOf = (r: number): number[][] => {
    const ring: number[][] = [];
    for (let v = starts[r]; v < starts[r + 1]; v++) ring.push([xy[2 * v], xy[2 * v + 1]]);
    return ring;
  };
  const polygons: number[][][][] = polygonStarts.map((first, p) => {
    const end = p + 1 < polygonStarts.length ? polygonStarts[p + 1] : ringCount;
    const rings: number[][][] = [];
    for (let r = first; r < end; r++) rings.push(ringOf(r));
    return rings;
  });
  polygons.forEach((rings, p) => {
    const crossing = findSelfIntersection(rings);
    if (crossing) {
      throw fail(p, crossing.ring, `/${crossing.edge}`, 'POLYGON_SELF_INTERSECTS', `Edge ${crossing.edge} of ring ${crossing.ring} meets edge ${crossing.otherEdge} of ring ${crossing.otherRing}.`);
    }
    if (rings.length === 1) return;
    const shell = prepareRings([rings[0]]);
    for (let r = 1; r < rings.length; r++) {
      if (side(shell, rings[r]) !== 1) throw fail(p, r, '', 'DIG_AREA_INVALID', `Hole ${r} does not lie inside the shell.`);
      for (let h = 1; h < rings.length; h++) {
        if (h !== r && side(prepareRings([rings[h]]), rings[r]) === 1) throw fail(p, r, '', 'DIG_AREA_INVALID', `Hole ${r} lies inside hole ${h}.`);
      }
    }
  });
  if (polygons.length > 1) {
    const crossing = findSelfIntersection(polygons.flat());
    if (crossing) {
      const [p, r] = locateRing(polygons, crossing.ring);
      throw fail(p, r, `/${crossing.edge}`, 'DIG_AREA_INVALID', 'Member polygons cross each other.');
    }
    const whole = polygons.map((rings) => prepareRings(rings));
    for (let p = 0; p < polygons.length; p++) {
      for (let q = 0; q < polygons.length; q++) {
        if (p !== q && side(whole[q], polygons[p][0]) === 1) throw fail(p, 0, '', 'DIG_AREA_INVALID', `Polygon ${p} overlaps polygon ${q}.`);
      }
    }
  }
}

/** A PreparedArea over the given rings (even-odd). */
function prepareRings(rings: readonly number[][][]): PreparedArea {
  let n = 0;
  for (const ring of rings) n += ring.length;
  const xy = new Float64Array(2 * n);
  const starts = new Uint32Array(rings.length + 1);
  let v = 0;
  rings.forEach((ring, r) => {
    starts[r] = v;
    for (const [x, y] of ring) {
      xy[2 * v] = x;
      xy[2 * v + 1] = y;
      v++;
    }
  });
  starts[rings.length] = v;
  return new PreparedArea(xy, starts);
}

/** 1 when a ring that crosses no edge of `area` lies inside it, -1 outside, 0 when all its vertices are on the boundary. */
function side(area: PreparedArea, ring: readonly number[][]): 1 | 0 | -1 {
  for (const [x, y] of ring) {
    const s = area.locatePoint(x, y);
    if (s !== 0) return s;
  }
  return 0;
}

function locateRing(polygons: number[][][][], flatIndex: number): [number, number] {
  let k = flatIndex;
  for (let p = 0; p < polygons.length; p++) {
    if (k < polygons[p].length) return [p, k];
    k -= polygons[p].length;
  }
  return [0, 0];
}

/** Vertices in nested coordinate arrays `depth` levels above the rings (2: Polygon, 3: MultiPolygon), a ring's closing position not counted again; malformed parts count 0. */
function countPositions(value: unknown, depth: number): number {
  if (!Array.isArray(value)) return 0;
  if (depth === 1) return Math.max(0, value.length - 1);
  let n = 0;
  for (const v of value) n += countPositions(v, depth - 1);
  return n;
}
