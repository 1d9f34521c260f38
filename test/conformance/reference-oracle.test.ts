/**
 * The oracle the property tests trust, checked on its own against the JTS/GEOS/Turf conformance
 * cases of the corpus (see corpus.ts). Its cases known by hand are in test/reference-oracle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Geometry, MultiPolygon, Polygon } from '../../src/types.js';
import { areaOf, featureAreaSq, featureDistance } from '../helpers/oracle.js';
import { readCorpusJson } from './corpus.js';

interface Case {
  desc: string;
  case_no: number;
  a_geojson: Geometry;
  b_geojson: Geometry;
  expected_intersects?: boolean;
  expected_distance?: number;
  distance?: number;
  expected_within_distance?: boolean;
}

function load(name: string): Case[] {
  return readCorpusJson<Case[]>('conformance', name);
}

const isArea = (g: Geometry | null | undefined): g is Polygon | MultiPolygon => !!g && (g.type === 'Polygon' || g.type === 'MultiPolygon');
const supported = (g: Geometry | null | undefined): boolean =>
  !!g &&
  ['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon'].includes(g.type) &&
  JSON.stringify(g.coordinates).match(/\d/) !== null; // empty geometries are not dig areas or features

/** Cases with a polygonal side to serve as the dig area, the other side as the feature. */
function withArea(cases: Case[]): { name: string; area: Polygon | MultiPolygon; feature: Geometry; c: Case }[] {
  const out = [];
  for (const c of cases) {
    if (!supported(c.a_geojson) || !supported(c.b_geojson)) continue;
    const [area, feature] = isArea(c.a_geojson) ? [c.a_geojson, c.b_geojson] : isArea(c.b_geojson) ? [c.b_geojson, c.a_geojson] : [null, null];
    if (!area || !feature) continue;
    out.push({ name: `#${c.case_no} ${c.desc}`, area, feature, c });
  }
  return out;
}

describe('oracle against the conformance cases', () => {
  const intersects = withArea(load('intersects-polygon-pairs.json'));
  it(`decides intersects like JTS, GEOS and Turf (${intersects.length} cases)`, () => {
    expect(intersects.length).toBeGreaterThan(0);
    const wrong = intersects
      .filter(({ area, feature, c }) => (featureAreaSq(areaOf(area), feature).num === 0) !== c.expected_intersects)
      .map(({ name }) => name);
    expect(wrong).toEqual([]);
  });

  const distances = withArea(load('distance.json'));
  it(`measures distances like JTS and GEOS (${distances.length} cases)`, () => {
    expect(distances.length).toBeGreaterThan(0);
    const wrong = distances
      .filter(({ area, feature, c }) => Math.abs(featureDistance(areaOf(area), feature) - (c.expected_distance as number)) > 1e-6)
      .map(({ name, area, feature, c }) => `${name}: ${featureDistance(areaOf(area), feature)} vs ${c.expected_distance}`);
    expect(wrong).toEqual([]);
  });

  const within = withArea(load('within-distance.json'));
  it(`decides within-distance like JTS and GEOS (${within.length} cases)`, () => {
    expect(within.length).toBeGreaterThan(0);
    const wrong = within
      .filter(({ area, feature, c }) => (featureDistance(areaOf(area), feature) <= (c.distance as number)) !== c.expected_within_distance)
      .map(({ name }) => name);
    expect(wrong).toEqual([]);
  });
});
