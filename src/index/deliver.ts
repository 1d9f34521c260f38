import type { PreparedArea } from '../geometry/index.js';
import { unprojectToLonLat } from '../crs/index.js';
import { GeomType, PART_OUTER, type NetworkColumns } from './columns.js';
import { CHUNK_POINT, type ChunkTables } from './chunks.js';
import type { CrsName, Geometry, Position } from '../types.js';

/**
 * Cuts the geometry a package may deliver for one feature: the parts of it within `reach`
 * (m(F) + b + 1 m, slightly less to stay clear of rounding) of the dig area, from the chunks the
 * search found within that distance. Lines are cut exactly where they leave the reach, points
 * outside it are dropped, polygons are intersected with an inner approximation of the area's
 * buffer. Coordinates are handed back in `crs`.
 */
export function deliverGeometry(
  columns: NetworkColumns,
  chunks: ChunkTables,
  area: PreparedArea,
  feature: number,
  hits: Uint32Array,
  reach: number,
  crs: CrsName
): Geometry {
  const type = columns.geomType[feature];
  const out = crs === 'EPSG:4326' ? toLonLat : toPlanar;
  if (type === GeomType.Polygon || type === GeomType.MultiPolygon) return polygons(columns, area, feature, reach, out);
  if (type === GeomType.Point || type === GeomType.MultiPoint) return points(columns, chunks, area, hits, reach, type, out);
  return lines(columns, chunks, area, hits, reach, out);
}

type Emit = (x: number, y: number, z: number) => Position;

function toPlanar(x: number, y: number, z: number): Position {
  return Number.isNaN(z) ? [x, y] : [x, y, z];
}

function toLonLat(x: number, y: number, z: number): Position {
  const p: Position = unprojectToLonLat(x, y);
  if (!Number.isNaN(z)) p.push(z);
  return p;
}

function zAt(columns: NetworkColumns, v: number): number {
  return columns.hasZ ? columns.z[v] : Number.NaN;
}

function lines(columns: NetworkColumns, chunks: ChunkTables, area: PreparedArea, hits: Uint32Array, reach: number, emit: Emit): Geometry {
  const { xy } = columns;
  const pieces: Position[][] = [];
  let current: Position[] | null = null;
  // The vertex the open piece ends at, when it ends exactly on a vertex; -1 otherwise.
  let openEnd = -1;
  for (let h = 0; h < hits.length; h++) {
    const c = hits[h];
    const v0 = chunks.start[c];
    const n = chunks.segments[c];
    for (let s = 0; s < n; s++) {
      const a = v0 + s;
      const ax = xy[2 * a];
      const ay = xy[2 * a + 1];
      const bx = xy[2 * a + 2];
      const by = xy[2 * a + 3];
      const k = area.segmentWithin(ax, ay, bx, by, reach);
      const t = area.intervals;
      for (let i = 0; i < k; i++) {
        const t0 = t[2 * i];
        const t1 = t[2 * i + 1];
        if (!(current && openEnd === a && t0 === 0)) {
          current = [t0 === 0 ? emit(ax, ay, zAt(columns, a)) : interpolate(columns, a, t0, emit)];
          pieces.push(current);
        }
        current.push(t1 === 1 ? emit(bx, by, zAt(columns, a + 1)) : interpolate(columns, a, t1, emit));
        openEnd = t1 === 1 ? a + 1 : -1;
      }
      if (k === 0) openEnd = -1;
    }
  }
  const kept = pieces.filter((p) => p.length > 1 && !allSame(p));
  const result = kept.length > 0 ? kept : pieces.slice(0, 1);
  return result.length === 1 ? { type: 'LineString', coordinates: result[0] } : { type: 'MultiLineString', coordinates: result };
}

function interpolate(columns: NetworkColumns, a: number, t: number, emit: Emit): Position {
  const { xy } = columns;
  const x = xy[2 * a] + t * (xy[2 * a + 2] - xy[2 * a]);
  const y = xy[2 * a + 1] + t * (xy[2 * a + 3] - xy[2 * a + 1]);
  const z = columns.hasZ ? columns.z[a] + t * (columns.z[a + 1] - columns.z[a]) : Number.NaN;
  return emit(x, y, z);
}

function allSame(p: Position[]): boolean {
  return p.every((q) => q[0] === p[0][0] && q[1] === p[0][1]);
}

function points(columns: NetworkColumns, chunks: ChunkTables, area: PreparedArea, hits: Uint32Array, reach: number, type: number, emit: Emit): Geometry {
  const { xy } = columns;
  const kept: Position[] = [];
  for (let h = 0; h < hits.length; h++) {
    const c = hits[h];
    if (chunks.segments[c] !== CHUNK_POINT) continue;
    const v = chunks.start[c];
    if (area.pointDistance(xy[2 * v], xy[2 * v + 1], reach) <= reach) kept.push(emit(xy[2 * v], xy[2 * v + 1], zAt(columns, v)));
  }
  return type === GeomType.Point ? { type: 'Point', coordinates: kept[0] } : { type: 'MultiPoint', coordinates: kept };
}

function polygons(columns: NetworkColumns, area: PreparedArea, f: number, reach: number, emit: Emit): Geometry {
  const { xy, partVertices, partFlags, featureParts } = columns;
  const polys: number[][][][] = [];
  let inside = true;
  for (let p = featureParts[f]; p < featureParts[f + 1]; p++) {
    if (partFlags[p] & PART_OUTER || polys.length === 0) polys.push([]);
    const ring: number[][] = [];
    for (let v = partVertices[p]; v < partVertices[p + 1]; v++) {
      ring.push([xy[2 * v], xy[2 * v + 1], v]);
      if (inside && area.pointDistance(xy[2 * v], xy[2 * v + 1], reach) > reach) inside = false;
    }
    polys[polys.length - 1].push(ring);
  }
  let result: number[][][][];
  if (inside) {
    result = polys.map((rings) => rings.map((ring) => ring.map(([x, y, v]) => emit(x, y, zAt(columns, v)))));
  } else {
    result = [];
    for (const rings of polys) {
      const planar = rings.map((ring) => ring.map(([x, y]) => [x, y]));
      for (const clipped of area.clipPolygon(planar, reach)) {
        result.push(clipped.map((ring) => ring.map(([x, y]) => emit(x, y, Number.NaN))));
      }
    }
  }
  return result.length === 1 && columns.geomType[f] === GeomType.Polygon
    ? { type: 'Polygon', coordinates: result[0] }
    : { type: 'MultiPolygon', coordinates: result };
}

