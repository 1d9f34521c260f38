/**
 * The exact query over whole chunks against the per-segment kernel: long lines of many chunks
 * weaving in and out of a dig area (vertices on its edges, stretches along them), measured chunk
 * by chunk with the location carried from one chunk to the next, and a chunk that follows a
 * polygon whose vertex count happens to equal the polygon marker must not inherit its location.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './helpers/shapes.js';
import { PreparedArea } from '../src/geometry/index.js';
import type { Feature, Polygon } from '../src/types.js';
import { buildNetwork, pairsOfArea } from './helpers/query.js';

const X = 527_000;
const Y = 6_254_000;
const planar = { crs: 'EPSG:25832' } as const;

const line = (id: string, coords: number[][]): Feature => ({
  type: 'Feature',
  id,
  geometry: { type: 'LineString', coordinates: coords.map(([x, y]) => [X + x, Y + y]) },
  properties: { featureType: 'Elledning', fareklasse: 'farlig', driftsstatus: 'i drift' }
});

/** The expected distance and length of a line by the per-segment kernel of a plain area. */
function expected(area: PreparedArea, coords: number[][]): { distance: number; length: number } {
  let distance = Infinity;
  let length = 0;
  for (let i = 0; i + 1 < coords.length; i++) {
    const [ax, ay] = coords[i];
    const [bx, by] = coords[i + 1];
    const d = area.segmentDistance(X + ax, Y + ay, X + bx, Y + by, Infinity);
    distance = Math.min(distance, d);
    if (d === 0) length += area.segmentLengthInside(X + ax, Y + ay, X + bx, Y + by);
  }
  return { distance, length };
}

function prepare(polygon: Polygon): PreparedArea {
  const xy: number[] = [];
  const starts: number[] = [];
  for (const ring of polygon.coordinates) {
    starts.push(xy.length / 2);
    for (const [x, y] of ring) xy.push(x, y);
  }
  starts.push(xy.length / 2);
  return new PreparedArea(Float64Array.from(xy), Uint32Array.from(starts), Infinity);
}

describe('exact query over chunks', () => {
  // A comb with a hole, and a long thin corridor: the plain path and the grid path of the area.
  const comb: number[][] = [[0, 0], [120, 0]];
  for (let i = 14; i >= 0; i--) comb.push([i * 8 + 8, 40], [i * 8 + 4, 40], [i * 8 + 4, 12], [i * 8, 12]);
  comb.push([0, 0]);
  const corridor: number[][] = [];
  const lower: number[][] = [];
  for (let i = 0; i <= 60; i++) {
    const y = 20 + ((i * 7) % 11);
    corridor.push([i * 2, y + 3]);
    lower.push([i * 2, y - 3]);
  }
  const ring = [...corridor, ...lower.reverse()];
  ring.push(ring[0]);
  const digs: [string, Polygon][] = [
    ['comb with a hole', { type: 'Polygon', coordinates: [comb, [[2, 2], [100, 2], [100, 8], [2, 8], [2, 2]]].map((r) => r.map(([x, y]) => [X + x, Y + y])) }],
    ['corridor (grid)', { type: 'Polygon', coordinates: [ring.map(([x, y]) => [X + x, Y + y])] }]
  ];

  it.each(digs)('long lines measured chunk by chunk agree with the per-segment kernel: %s', (_name, dig) => {
    const rand = mulberry32(21);
    const edges = dig.coordinates.flatMap((r) => r.slice(0, -1).map((p, i) => [p[0] - X, p[1] - Y, r[i + 1][0] - X, r[i + 1][1] - Y]));
    const features: Feature[] = [];
    const coordsById = new Map<string, number[][]>();
    for (let f = 0; f < 60; f++) {
      const coords: number[][] = [];
      let x = Math.round(rand() * 130 - 5);
      let y = Math.round(rand() * 50 - 5);
      const n = 10 + Math.floor(rand() * 50);
      for (let k = 0; k < n; k++) {
        coords.push([x, y]);
        const kind = rand();
        if (kind < 0.2) {
          // Onto a vertex of the dig area, or along one of its edges.
          const [ex, ey, fx, fy] = edges[Math.floor(rand() * edges.length)];
          if (rand() < 0.5) [x, y] = [ex, ey];
          else [x, y] = [fx, fy];
        } else {
          x += Math.round((rand() - 0.5) * 14);
          y += Math.round((rand() - 0.5) * 10);
        }
      }
      const id = `l${f}`;
      coordsById.set(id, coords);
      features.push(line(id, coords));
    }
    const index = buildNetwork(features, { owner: 'dk-el', ...planar, chunkSize: 4 });
    const area = prepare(dig);
    for (const infoZone of [0, 2]) {
      const pairs = pairsOfArea(index, dig, { ...planar, infoZone });
      const got = new Map<string, { distance: number; length: number }>();
      for (let i = 0; i < pairs.count; i++) got.set(String(index.featureId(pairs.feature[i])), { distance: pairs.distance[i], length: pairs.lengthInside[i] });
      for (const [id, coords] of coordsById) {
        const want = expected(area, coords);
        const answer = got.get(id);
        if (want.distance > infoZone) {
          expect(answer).toBeUndefined();
          continue;
        }
        expect(answer).toBeDefined();
        expect(answer?.distance).toBe(want.distance);
        expect(answer?.length).toBeCloseTo(want.length, 9);
      }
    }
  });

  it('a line whose first chunk follows a polygon of 255 vertices starts from its own location', () => {
    // The polygon lies wholly inside the dig; the line starts outside it, right after it.
    const star: number[][] = [];
    for (let i = 0; i < 254; i++) {
      const a = (2 * Math.PI * i) / 254;
      star.push([50 + 10 * Math.cos(a), 50 + 10 * Math.sin(a)]);
    }
    star.push(star[0]);
    const polygon: Feature = {
      type: 'Feature',
      id: 'p',
      geometry: { type: 'Polygon', coordinates: [star.map(([x, y]) => [X + x, Y + y])] },
      properties: { featureType: 'Gaskomponent', fareklasse: 'farlig', driftsstatus: 'i drift' }
    };
    const coords = Array.from({ length: 40 }, (_, i) => [-5 + i * 4, 80]);
    const index = buildNetwork([polygon, line('l', coords)], { owner: 'dk-el', ...planar });
    const cols = index.columns;
    // The situation under test: the polygon's vertex count equals the polygon chunk marker.
    expect(cols.partVertices[cols.featureParts[1]] - cols.partVertices[cols.featureParts[0]]).toBe(255);
    const dig: Polygon = { type: 'Polygon', coordinates: [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]].map(([x, y]) => [X + x, Y + y])] };
    const pairs = pairsOfArea(index, dig, planar);
    expect(pairs.count).toBe(2);
    expect(pairs.lengthInside[1]).toBeCloseTo(100, 9);
  });
});
