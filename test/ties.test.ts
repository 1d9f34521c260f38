/**
 * Features exactly at the limit of a zone. On slanted edges with Pythagorean directions the true
 * distance is a whole number of metres, so "d <= m" and "d <= m + b" hold with equality; the
 * answer must not depend on how the edge is oriented, where its ring starts or which way it winds.
 */
import { describe, expect, it } from 'vitest';
import type { Feature, Polygon, Position } from '../src/types.js';
import { PLANAR } from './helpers/compare.js';
import { areaOf, featureAreaSq } from './helpers/oracle.js';
import { restartRing } from './helpers/random.js';
import { buildNetwork, queryArea } from './helpers/query.js';

const TRIPLES: [number, number, number][] = [
  [3, 4, 5],
  [4, 3, 5],
  [5, 12, 13],
  [8, 15, 17],
  [7, 24, 25],
  [20, 21, 29]
];

interface TieCase {
  name: string;
  /** Cases differing only in orientation share a group, one test each. */
  group: string;
  /** The true distance of every feature from the dig area. */
  distance: number;
  dig: Polygon;
  features: Feature[];
  /** Zone each feature must be in at this info zone. */
  infoZone: number;
  coarseAccuracy: number;
  want: 'digArea' | 'infoZone';
}

const rot = (p: Position, turns: number): Position => {
  let [x, y] = p;
  for (let i = 0; i < turns; i++) [x, y] = [-y, x];
  return [x, y];
};

/**
 * Triangle (0,0), 5(a,b), (5a,0): its edge from the origin has direction (a,b) and length 5c. A
 * point offset by n(-b,a) from j(a,b) is n*c from the edge, its foot at t = j/5 strictly inside
 * it: a parameter no double holds exactly, which is where rounding creeps in.
 */
function cases(): TieCase[] {
  const out: TieCase[] = [];
  for (const [a, b, c] of TRIPLES) {
    for (const [n, j] of [[1, 1], [0.5, 3], [2, 4]]) {
      const d = n * c;
      const settings: { label: string; props: Record<string, unknown>; infoZone: number; coarse: number; want: 'digArea' | 'infoZone' }[] = [
        { label: `margin 0, b = ${d}`, props: {}, infoZone: d, coarse: 5, want: 'infoZone' },
        { label: `margin 2, b = ${d - 2}`, props: { noejagtighedsklasse: '<= 2.00 m' }, infoZone: d - 2, coarse: 5, want: 'infoZone' },
        { label: `margin ${d}, b = 0`, props: { noejagtighedsklasse: '> 2.00 m' }, infoZone: 0, coarse: d, want: 'digArea' },
        { label: `margin ${d}, b = 3`, props: { noejagtighedsklasse: '> 2.00 m' }, infoZone: 3, coarse: d, want: 'digArea' }
      ];
      for (const s of settings) {
        if (s.infoZone < 0) continue;
        for (let turns = 0; turns < 4; turns++) {
          for (const wind of [false, true]) {
            for (const start of [0, 1, 2]) {
              const ring = [[0, 0], [5 * a, 5 * b], [5 * a, 0], [0, 0]].map((p) => rot(p, turns));
              const dig: Polygon = { type: 'Polygon', coordinates: [restartRing(ring, start, wind)] };
              const p = [j * a - n * b, j * b + n * a];
              const q = [p[0] + a, p[1] + b]; // parallel to the edge, foot still inside it
              const away = [p[0] - b, p[1] + a]; // straight away from the edge
              const geometry = [
                { type: 'Point', coordinates: rot(p, turns) },
                { type: 'LineString', coordinates: [rot(p, turns), rot(q, turns)] },
                { type: 'LineString', coordinates: [rot(q, turns), rot(p, turns)] },
                { type: 'LineString', coordinates: [rot(away, turns), rot(p, turns)] },
                { type: 'LineString', coordinates: [rot(p, turns), rot(p, turns), rot(away, turns)] }
              ] as const;
              const features: Feature[] = geometry.map((g, i) => ({
                type: 'Feature',
                id: i,
                geometry: g as Feature['geometry'],
                properties: { featureType: g.type === 'Point' ? 'Elkomponent' : 'Elledning', ...s.props }
              }));
              out.push({
                group: `(${a},${b},${c}) at ${d} m, foot at ${j}/5, ${s.label}`,
                distance: d,
                name: `(${a},${b},${c}) at ${d} m, ${s.label}, ${turns * 90}°, start ${start}${wind ? ', reversed' : ''}`,
                dig,
                features,
                infoZone: s.infoZone,
                coarseAccuracy: s.coarse,
                want: s.want
              });
            }
          }
        }
      }
    }
  }
  return out;
}

const ALL = cases();

describe('ties at the zone limits', () => {
  it('the cases are true ties by the oracle', () => {
    for (const t of ALL) {
      const area = areaOf(t.dig);
      for (const f of t.features) {
        const sq = featureAreaSq(area, f.geometry);
        expect(sq.num / sq.den, t.name).toBe(t.distance * t.distance);
      }
    }
  });

  // One test per triple and offset keeps failures readable while listing every orientation.
  const groups = new Map<string, TieCase[]>();
  for (const t of ALL) groups.set(t.group, [...(groups.get(t.group) ?? []), t]);
  it.each([...groups.keys()])('%s', (key) => {
    const wrong: string[] = [];
    for (const t of groups.get(key) ?? []) {
      const index = buildNetwork(t.features, { owner: 'o', ...PLANAR, coarseAccuracy: t.coarseAccuracy });
      const got = new Map(queryArea(index, t.dig, { ...PLANAR, infoZone: t.infoZone, geometry: false }).map((c) => [c.featureId, c]));
      for (const f of t.features) {
        const c = got.get(f.id as number);
        if (!c || c.zone !== t.want) {
          wrong.push(`${t.name}: feature ${JSON.stringify(f.geometry.coordinates)} ${c ? `${c.zone} at ${c.distance}` : 'missing'}, want ${t.want}; dig ${JSON.stringify(t.dig.coordinates[0])}`);
        }
      }
    }
    expect(wrong.slice(0, 6), `${wrong.length} wrong`).toEqual([]);
  });
});
