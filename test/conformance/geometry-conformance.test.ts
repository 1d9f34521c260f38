/**
 * The geometry kernel against the JTS, GEOS and Turf conformance cases in the corpus's
 * conformance/ folder (see corpus.ts): intersects (closed sets, touching counts), within-distance and
 * distance. Polygons go through PreparedArea, the other side as points, segments or rings.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PreparedArea, geometryDistance } from '../../src/geometry/index.js';
import type { Geometry, Position } from '../../src/types.js';
import { readCorpusJson } from './corpus.js';

interface Collection { type: 'GeometryCollection'; geometries: Geometry[] }
type AnyGeometry = Geometry | Collection;

interface Case {
  source: string;
  source_path: string;
  case_no: number;
  desc: string;
  precision_model?: { type: string; scale?: number };
  a_geojson: AnyGeometry;
  b_geojson: AnyGeometry;
  a_dim: string;
  b_dim: string;
  expected_intersects?: boolean;
  distance?: number;
  expected_within_distance?: boolean;
  expected_distance?: number | null;
  arg1?: string;
  arg2?: string;
}

function load(name: string): Case[] {
  return readCorpusJson<Case[]>('conformance', name).map(applyPrecision);
}

/** A FIXED precision model rounds every coordinate to its grid before testing. */
function applyPrecision(c: Case): Case {
  const scale = c.precision_model?.scale;
  if (!c.precision_model?.type.startsWith('FIXED') || !scale) return c;
  const round = (v: unknown): unknown =>
    typeof v === 'number' ? Math.round(v * scale) / scale : Array.isArray(v) ? v.map(round) : v;
  const fix = (g: AnyGeometry): AnyGeometry => g.type === 'GeometryCollection'
    ? { type: 'GeometryCollection', geometries: g.geometries.map((m) => fix(m) as Geometry) }
    : ({ ...g, coordinates: round(g.coordinates) } as Geometry);
  return { ...c, a_geojson: fix(c.a_geojson), b_geojson: fix(c.b_geojson) };
}

function label(c: Case, i: number): string {
  return `#${i} ${c.source} ${path.basename(c.source_path)}#${c.case_no} ${c.desc.slice(0, 70)}`;
}

function flatRings(g: Geometry): { xy: Float64Array; starts: Uint32Array } {
  const polygons: Position[][][] = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  const xy: number[] = [];
  const starts: number[] = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      starts.push(xy.length / 2);
      for (const p of ring) xy.push(p[0], p[1]);
    }
  }
  starts.push(xy.length / 2);
  return { xy: Float64Array.from(xy), starts: Uint32Array.from(starts) };
}

/** Distance from `other` to the prepared polygon, through the PreparedArea methods only. */
function preparedDistance(area: PreparedArea, other: Geometry, limit: number): number {
  let best = Infinity;
  const points = (ps: Position[]): void => {
    for (const p of ps) best = Math.min(best, area.pointDistance(p[0], p[1], limit));
  };
  const line = (ps: Position[]): void => {
    if (ps.length === 1) points(ps);
    for (let i = 0; i + 1 < ps.length; i++) {
      best = Math.min(best, area.segmentDistance(ps[i][0], ps[i][1], ps[i + 1][0], ps[i + 1][1], limit));
    }
  };
  switch (other.type) {
    case 'Point':
      if (other.coordinates.length >= 2) points([other.coordinates]);
      break;
    case 'MultiPoint':
      points(other.coordinates);
      break;
    case 'LineString':
      line(other.coordinates);
      break;
    case 'MultiLineString':
      other.coordinates.forEach(line);
      break;
    case 'Polygon':
    case 'MultiPolygon': {
      const f = flatRings(other);
      best = Math.min(best, area.ringsDistance(f.xy, f.starts, 0, f.starts.length - 1, limit));
      break;
    }
  }
  return best;
}

function prepare(g: Geometry, indexThreshold?: number): PreparedArea {
  const f = flatRings(g);
  return new PreparedArea(f.xy, f.starts, indexThreshold);
}

function isArea(g: AnyGeometry): g is Geometry {
  return g.type === 'Polygon' || g.type === 'MultiPolygon';
}

/** Distance between collections is the least over their members. */
function anyDistance(a: AnyGeometry, b: AnyGeometry): number {
  if (a.type === 'GeometryCollection') return Math.min(...a.geometries.map((m) => anyDistance(m, b)));
  if (b.type === 'GeometryCollection') return Math.min(...b.geometries.map((m) => anyDistance(a, m)));
  return geometryDistance(a, b);
}

describe('intersects-polygon-pairs.json', () => {
  const cases = load('intersects-polygon-pairs.json');
  const rows: { name: string; area: Geometry; other: Geometry; expected: boolean }[] = [];
  cases.forEach((c, i) => {
    const a = c.a_geojson as Geometry;
    const b = c.b_geojson as Geometry;
    if (isArea(a)) rows.push({ name: `${label(c, i)} [A prepared]`, area: a, other: b, expected: c.expected_intersects === true });
    if (isArea(b)) rows.push({ name: `${label(c, i)} [B prepared]`, area: b, other: a, expected: c.expected_intersects === true });
  });

  it('covers all 396 cases', () => {
    expect(cases.length).toBe(396);
  });

  it.each(rows)('$name', ({ area, other, expected }) => {
    for (const threshold of [Infinity, 0]) {
      const prepared = prepare(area, threshold);
      expect(preparedDistance(prepared, other, 0) === 0).toBe(expected);
    }
    expect(geometryDistance(area, other) === 0).toBe(expected);
  });
});

describe('within-distance.json', () => {
  const cases = load('within-distance.json');
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0);
  });
  it.each(cases.map((c, i) => ({ name: `${label(c, i)} within ${c.distance}`, c })))('$name', ({ c }) => {
    const a = c.a_geojson as Geometry;
    const b = c.b_geojson as Geometry;
    const limit = c.distance as number;
    expect(geometryDistance(a, b) <= limit).toBe(c.expected_within_distance);
    for (const [area, other] of [[a, b], [b, a]] as const) {
      if (!isArea(area)) continue;
      for (const threshold of [Infinity, 0]) {
        expect(preparedDistance(prepare(area, threshold), other, limit) <= limit).toBe(c.expected_within_distance);
      }
    }
  });
});

describe('distance.json', () => {
  const cases = load('distance.json');
  const rows = cases.map((c, i) => {
    const empty = c.a_dim === 'E' || c.b_dim === 'E';
    const collection = c.a_geojson.type === 'GeometryCollection' || c.b_geojson.type === 'GeometryCollection';
    let name = `${label(c, i)} ${c.arg1}-${c.arg2}`;
    // GEOS expects inf for an empty operand (JSON null here); JTS expects 0. The engine follows
    // GEOS and PostGIS (NULL): an empty geometry is at no distance, so never within one.
    if (empty) name += c.expected_distance === null ? ' (empty: inf)' : ' (empty: JTS says 0, kernel answers inf as GEOS does)';
    if (collection) name += ' (collection: least distance over member pairs)';
    return { name, c, empty };
  });

  it('has cases', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(rows)('$name', ({ c, empty }) => {
    const [a, b] = c.arg1 === 'B' ? [c.b_geojson, c.a_geojson] : [c.a_geojson, c.b_geojson];
    const d = anyDistance(a, b);
    if (empty) {
      expect(d).toBe(Infinity);
      return;
    }
    const expected = c.expected_distance as number;
    expect(Math.abs(d - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
    if (isArea(a) && b.type !== 'GeometryCollection') {
      for (const threshold of [Infinity, 0]) {
        const p = preparedDistance(prepare(a, threshold), b, Infinity);
        expect(Math.abs(p - expected)).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
      }
    }
  });
});
