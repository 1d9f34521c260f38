/**
 * The oracle the property tests trust, checked on its own against small cases whose answers are
 * known by hand. Its check against the JTS/GEOS/Turf conformance cases is in
 * test/conformance/reference-oracle.test.ts (npm run test:conformance).
 */
import { describe, expect, it } from 'vitest';
import type { Geometry, MultiPolygon, Polygon } from '../src/types.js';
import { areaOf, classify, featureAreaSq, featureDistance, lengthInside, locate, pointSegmentSq, segmentsMeet } from './helpers/oracle.js';
import { Random, randomDigArea, restartRing } from './helpers/random.js';

describe('oracle on cases known by hand', () => {
  const square: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]] };
  const holed: Polygon = {
    type: 'Polygon',
    coordinates: [
      [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
      [[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]]
    ]
  };
  const A = areaOf(square);
  const H = areaOf(holed);
  const line = (...pts: number[][]): Geometry => ({ type: 'LineString', coordinates: pts });

  it('locates points with the boundary inside', () => {
    expect(locate(A, 5, 5)).toBe(1);
    expect(locate(A, 0, 5)).toBe(0);
    expect(locate(A, 10, 10)).toBe(0);
    expect(locate(A, 10.5, 5)).toBe(-1);
    expect(locate(H, 5, 5)).toBe(-1);
    expect(locate(H, 3, 5)).toBe(0);
    expect(locate(H, 2, 5)).toBe(1);
  });

  it('meets segments in every degenerate way', () => {
    expect(segmentsMeet([0, 0], [2, 0], [1, 0], [3, 0])).toBe(true); // collinear overlap
    expect(segmentsMeet([0, 0], [1, 0], [2, 0], [3, 0])).toBe(false); // collinear apart
    expect(segmentsMeet([0, 0], [1, 0], [1, 0], [1, 5])).toBe(true); // shared endpoint
    expect(segmentsMeet([0, 0], [2, 0], [1, 0], [1, 5])).toBe(true); // T
    expect(segmentsMeet([1, 0], [1, 0], [0, 0], [2, 0])).toBe(true); // zero-length on segment
    expect(segmentsMeet([1, 1], [1, 1], [0, 0], [2, 0])).toBe(false);
    expect(segmentsMeet([1, 1], [1, 1], [1, 1], [1, 1])).toBe(true);
  });

  it('measures distance exactly as fractions', () => {
    expect(pointSegmentSq([0, 1], [0, 0], [1, 1])).toEqual({ num: 1, den: 2 });
    expect(featureDistance(A, line([12, 0], [12, 10]))).toBe(2);
    expect(featureDistance(A, line([13, 14], [13, 14], [20, 20]))).toBe(5);
    expect(featureDistance(H, line([4, 4], [6, 6]))).toBe(1);
    expect(featureDistance(H, { type: 'Point', coordinates: [5, 5] })).toBe(2);
    expect(featureDistance(A, { type: 'Polygon', coordinates: [[[-5, -5], [15, -5], [15, 15], [-5, 15], [-5, -5]]] })).toBe(0);
    // A polygon with a hole around the whole area does not touch it.
    const frame: Polygon = {
      type: 'Polygon',
      coordinates: [
        [[-5, -5], [15, -5], [15, 15], [-5, 15], [-5, -5]],
        [[-1, -1], [11, -1], [11, 11], [-1, 11], [-1, -1]]
      ]
    };
    expect(featureDistance(A, frame)).toBe(1);
  });

  it('measures length inside, boundary included, hole excluded', () => {
    expect(lengthInside(A, line([-5, 5], [15, 5]))).toBe(10);
    expect(lengthInside(A, line([-5, 0], [15, 0]))).toBe(10); // along the boundary
    expect(lengthInside(A, line([0, 0], [10, 10]))).toBeCloseTo(Math.SQRT2 * 10, 12);
    expect(lengthInside(H, line([-5, 5], [15, 5]))).toBeCloseTo(6, 12);
    expect(lengthInside(H, line([-5, 3], [15, 3]))).toBe(10); // along the hole's edge
    expect(lengthInside(H, line([5, 5], [5, 5], [5, 12]))).toBe(3); // 5..7 in the hole, 7..10 inside
    expect(lengthInside(A, line([10, 10], [12, 12]))).toBe(0); // touches at a corner
    expect(lengthInside(A, line([0, 0], [10, 0], [0, 0]))).toBe(20); // doubles back: counted twice
  });

  it('decides ties at the margin exactly', () => {
    // distance 1 from the square, margin 1 (4000/4000): in the dig area; 0.999: only within b = 0.5.
    const d = featureAreaSq(A, line([11, 0], [11, 10]));
    expect(classify(d, 1, 4000, 0).zone).toBe('digArea');
    expect(classify(d, 0.999, 3996, 0).zone).toBe(null);
    expect(classify(d, 0.999, 3996, 0.5).zone).toBe('infoZone');
    // On the half grid, a slanted edge: the point (-1.5, 2) is |4*2 - 3*(-1.5)| / 5 = 2.5 from the
    // edge (0,0)-(4,3), its foot inside the edge.
    const tri = areaOf({ type: 'Polygon', coordinates: [[[0, 0], [4, 3], [4, 0], [0, 0]]] });
    const d2 = featureAreaSq(tri, { type: 'Point', coordinates: [-1.5, 2] });
    expect(d2.num / d2.den).toBeCloseTo(2.5 * 2.5, 12);
    expect(classify(d2, 2.5, 10000, 0).zone).toBe('digArea');
    expect(classify(d2, 2.25, 9000, 0.25).zone).toBe('infoZone');
    expect(classify(d2, 2.25, 9000, 0).zone).toBe(null);
  });

  it('is unchanged by ring start and winding', () => {
    const rng = new Random(5);
    const f = line([-3, 4], [4, 4], [4, 4], [8, 12]);
    for (let i = 0; i < 200; i++) {
      const g = randomDigArea(rng, { size: 20, half: 0.3 });
      const base = featureAreaSq(areaOf(g), f);
      const len = lengthInside(areaOf(g), f);
      const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      const moved: MultiPolygon = {
        type: 'MultiPolygon',
        coordinates: polygons.map((rings) => rings.map((r, k) => restartRing(r, k + i, (i + k) % 2 === 0)))
      };
      const other = featureAreaSq(areaOf(moved), f);
      expect(other.num * base.den).toBe(base.num * other.den);
      expect(lengthInside(areaOf(moved), f)).toBeCloseTo(len, 9);
    }
  });
});
