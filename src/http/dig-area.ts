/**
 * A contractor's dig area, checked as a dig request needs it: a Polygon or MultiPolygon whose
 * rings do not cross, whose holes lie in their shells and whose member polygons do not overlap
 * (the engine reads rings even-odd, so an overlap would silently become a hole), within the
 * service's limits of vertices and area. Measured in EPSG:25832 metres.
 */
import { DENMARK_EXTENT, normaliseCrs } from '../crs/index.js';
import { LerError } from '../errors.js';
import { PreparedArea } from '../geometry/index.js';
import { GeomType, PART_OUTER } from '../index/columns.js';
import { readGeometry, type GeometrySink } from '../input/geometry.js';
import { findSelfIntersection } from '../rules/simple-polygon.js';
import type { CrsName } from '../types.js';

export interface DigAreaLimits {
  maxDigAreaM2: number;
  maxDigVertices: number;
}

export interface CheckedDigArea {
  crs: CrsName;
  /** Polygons of rings of [x, y] in EPSG:25832, as given (rings closed). */
  polygons: number[][][][];
  /** Planar area, square metres. */
  areaM2: number;
  vertices: number;
  /** [minX, minY, maxX, maxY], EPSG:25832. */
  bbox: [number, number, number, number];
  /** The area prepared for exact distance tests. */
  prepared: PreparedArea;
}

/** Collects projected rings, grouped into polygons by the exterior-ring flag. */
class PolygonSink implements GeometrySink {
  readonly polygons: number[][][][] = [];
  private ring: number[][] = [];
  beginPart(flags: number): void {
    this.ring = [];
    if ((flags & PART_OUTER) !== 0 || this.polygons.length === 0) this.polygons.push([this.ring]);
    else this.polygons[this.polygons.length - 1].push(this.ring);
  }
  vertex(x: number, y: number): void {
    this.ring.push([x, y]);
  }
}

const POINTER = '/geometry';

/** Checks and measures a dig area; throws a LerError (422 for the area itself) with a pointer into the request. */
export function checkDigArea(geometry: unknown, crsName: unknown, limits: DigAreaLimits): CheckedDigArea {
  let crs: CrsName;
  try {
    crs = normaliseCrs(crsName);
  } catch {
    throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, `Got ${JSON.stringify(crsName)}.`);
  }
  const type = (geometry as { type?: unknown } | null)?.type;
  if (geometry === null || typeof geometry !== 'object' || Array.isArray(geometry) || (type !== 'Polygon' && type !== 'MultiPolygon')) {
    throw new LerError('DIG_AREA_TYPE', { pointer: `${POINTER}/type` }, `Got ${JSON.stringify(type ?? null)}.`);
  }
  // Counted before anything is read, so a huge area costs no more than this walk.
  const vertices = countPositions((geometry as { coordinates?: unknown }).coordinates, type === 'Polygon' ? 2 : 3);
  if (vertices > limits.maxDigVertices) {
    throw new LerError('DIG_AREA_TOO_MANY_VERTICES', { pointer: `${POINTER}/coordinates` }, `It has ${vertices}; at most ${limits.maxDigVertices} are allowed (LER_MAX_DIG_VERTICES).`);
  }
  const sink = new PolygonSink();
  readGeometry(geometry, [GeomType.Polygon, GeomType.MultiPolygon], sink, { crs, extent: DENMARK_EXTENT, where: {}, pointer: POINTER });
  const { polygons } = sink;
  const multi = type === 'MultiPolygon';
  const at = (p: number, r: number, rest = ''): string => `${POINTER}/coordinates${multi ? `/${p}` : ''}/${r}${rest}`;

  polygons.forEach((rings, p) => {
    const crossing = findSelfIntersection(rings);
    if (crossing) {
      throw new LerError('POLYGON_SELF_INTERSECTS', { pointer: at(p, crossing.ring, `/${crossing.edge}`) }, `Edge ${crossing.edge} of ring ${crossing.ring} meets edge ${crossing.otherEdge} of ring ${crossing.otherRing}.`);
    }
    const shell = prepare([rings[0]]);
    for (let r = 1; r < rings.length; r++) {
      if (side(shell, rings[r]) !== 1) throw new LerError('DIG_AREA_INVALID', { pointer: at(p, r) }, `Hole ${r} does not lie inside the shell.`);
      for (let h = 1; h < rings.length; h++) {
        if (h !== r && side(prepare([rings[h]]), rings[r]) === 1) throw new LerError('DIG_AREA_INVALID', { pointer: at(p, r) }, `Hole ${r} lies inside hole ${h}.`);
      }
    }
  });
  if (polygons.length > 1) {
    const all = polygons.flat();
    const crossing = findSelfIntersection(all);
    if (crossing) {
      const [p, r] = locateRing(polygons, crossing.ring);
      throw new LerError('DIG_AREA_INVALID', { pointer: at(p, r, `/${crossing.edge}`) }, 'Member polygons cross each other.');
    }
    const whole = polygons.map((rings) => prepare(rings));
    for (let p = 0; p < polygons.length; p++) {
      for (let q = 0; q < polygons.length; q++) {
        if (p !== q && side(whole[q], polygons[p][0]) === 1) throw new LerError('DIG_AREA_INVALID', { pointer: at(p, 0) }, `Polygon ${p} overlaps polygon ${q}.`);
      }
    }
  }

  let areaM2 = 0;
  for (const rings of polygons) {
    areaM2 += Math.abs(ringArea(rings[0]));
    for (let r = 1; r < rings.length; r++) areaM2 -= Math.abs(ringArea(rings[r]));
  }
  if (areaM2 > limits.maxDigAreaM2) {
    throw new LerError('DIG_AREA_TOO_LARGE', { pointer: `${POINTER}/coordinates` }, `It covers ${Math.round(areaM2)} m²; at most ${limits.maxDigAreaM2} m² are allowed (LER_MAX_DIG_AREA_M2).`);
  }
  const prepared = prepare(polygons.flat());
  return { crs, polygons, areaM2, vertices, bbox: [prepared.minX, prepared.minY, prepared.maxX, prepared.maxY], prepared };
}

/** A PreparedArea over the given rings (even-odd). */
export function prepare(rings: readonly number[][][]): PreparedArea {
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

/** Signed shoelace area of a closed ring. */
export function ringArea(ring: readonly number[][]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a / 2;
}

/** Vertices in nested coordinate arrays `depth` levels above the rings (2: Polygon, 3: MultiPolygon), a ring's closing position not counted again; malformed parts count 0. */
function countPositions(value: unknown, depth: number): number {
  if (!Array.isArray(value)) return 0;
  if (depth === 1) return Math.max(0, value.length - 1);
  let n = 0;
  for (const v of value) n += countPositions(v, depth - 1);
  return n;
}
