import { describe, expect, it } from 'vitest';
import type { AreaGeometry, Feature, Geometry } from '../../src/types.js';
import { readCorpusJson } from './corpus.js';
import { buildNetwork, pairsOfArea, queryArea } from '../helpers/query.js';

/**
 * Peer conformance through the public API: the polygon side of each JTS/GEOS/Turf case is the dig
 * area, the other side a network feature (both ways round when both are polygons), and the engine
 * must report the feature exactly when the peers say the two intersect / lie within the distance.
 */
interface Case {
  source: string;
  source_path: string;
  case_no: number;
  desc: string;
  a_geojson: Geometry;
  b_geojson: Geometry;
  a_dim: string;
  b_dim: string;
  expected_intersects?: boolean;
  expected_within_distance?: boolean;
  distance?: number;
}

const load = (name: string): Case[] => readCorpusJson<Case[]>('conformance', name);
const planar = { crs: 'EPSG:25832', extent: null } as const;
const isArea = (g: Geometry): g is AreaGeometry => g.type === 'Polygon' || g.type === 'MultiPolygon';

/** A network feature for a conformance geometry whose margin m(F) is `margin` metres. */
function featureOf(g: Geometry, margin: number): Feature {
  const isLine = g.type === 'LineString' || g.type === 'MultiLineString';
  const properties: Record<string, unknown> = { featureType: isLine ? 'Elledning' : 'Elkomponent' };
  if (margin > 0) properties.udvendigDiameter = margin * 2000;
  return { type: 'Feature', id: 'f', geometry: g, properties };
}

/** Both orientations where both sides are polygons, else the one with the polygon as dig area. */
function orientations(c: Case): { dig: AreaGeometry; other: Geometry; label: string }[] {
  const out: { dig: AreaGeometry; other: Geometry; label: string }[] = [];
  if (isArea(c.a_geojson)) out.push({ dig: c.a_geojson, other: c.b_geojson, label: 'A as dig area' });
  if (isArea(c.b_geojson)) out.push({ dig: c.b_geojson, other: c.a_geojson, label: 'B as dig area' });
  return out;
}

function reported(dig: AreaGeometry, other: Geometry, threshold: number): boolean {
  // Thresholds beyond the 100 m information zone are carried by the feature's margin instead.
  const b = Math.min(threshold, 100);
  const index = buildNetwork([featureOf(other, threshold - b)], { owner: 'peer', ...planar });
  const conflicts = queryArea(index, dig, { ...planar, infoZone: b });
  const pairs = pairsOfArea(index, dig, { ...planar, infoZone: b });
  expect(pairs.count).toBe(conflicts.length);
  if (conflicts.length > 0 && threshold === 0) expect(conflicts[0].zone).toBe('digArea');
  if (conflicts.length > 0) expect(conflicts[0].distance).toBeLessThanOrEqual(threshold);
  return conflicts.length > 0;
}

const intersects = load('intersects-polygon-pairs.json').flatMap((c) =>
  orientations(c).map((o) => ({ name: `${c.source} ${c.source_path.split('/').pop()} #${c.case_no} ${c.desc} (${o.label})`, ...o, expected: c.expected_intersects === true }))
);

const within = load('within-distance.json').flatMap((c) =>
  orientations(c).map((o) => ({ name: `${c.source} #${c.case_no} ${c.desc} d=${c.distance} (${o.label})`, ...o, distance: c.distance ?? 0, expected: c.expected_within_distance === true }))
);

describe('intersects-polygon-pairs.json through NetworkIndex', () => {
  it('has every case', () => {
    expect(intersects.length).toBeGreaterThanOrEqual(396);
  });
  it.each(intersects)('$name', ({ dig, other, expected }) => {
    expect(reported(dig, other, 0)).toBe(expected);
  });
});

describe('within-distance.json through NetworkIndex (cases with a polygon side)', () => {
  it('has cases', () => {
    expect(within.length).toBeGreaterThan(0);
  });
  it.each(within)('$name', ({ dig, other, distance, expected }) => {
    expect(reported(dig, other, distance)).toBe(expected);
  });
});
