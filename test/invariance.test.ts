/**
 * Conflicts are a property of the geometry, not of how it is written down: the same answer under
 * translation, rotation by quarter turns, reordered features and owners, rings started at another
 * vertex or wound the other way, lines drawn in the other direction, and other chunk sizes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Feature, MultiPolygon, Polygon, Position } from '../src/types.js';
import { type Answer, PLANAR, answersOfPairs, answersOfQuery, buildWorld, diffAnswers } from './helpers/compare.js';
import { Random, type World, type XY, mapFeature, mapGeometry, randomDigArea, randomWorld, restartRing } from './helpers/random.js';
import { queryArea } from './helpers/query.js';

const GRID = { size: 40, half: 0.3 };
const INFO_ZONES = [0, 2, 10];
const DIGS = 60;

const rng = new Random(2024);
const world = randomWorld(rng, { ...GRID, owners: 3, featuresPerOwner: 300, components: 0.3 });
const digs: (Polygon | MultiPolygon)[] = Array.from({ length: DIGS }, () => randomDigArea(rng, GRID));

type Answers = Map<string, Answer>[][]; // [dig][infoZone]

function answer(w: World, areas: (Polygon | MultiPolygon)[], build: Record<string, unknown> = {}, query: Record<string, unknown> = PLANAR): Answers {
  const index = buildWorld(w, build, { ...PLANAR, ...query });
  return areas.map((area) => INFO_ZONES.map((b) => answersOfQuery(queryArea(index, area, { ...PLANAR, ...query, infoZone: b }))));
}

function compare(label: string, got: Answers, base: Answers, tolerance = 1e-9): string[] {
  const out: string[] = [];
  got.forEach((perB, d) =>
    perB.forEach((a, k) => out.push(...diffAnswers(`${label}, dig #${d}, b=${INFO_ZONES[k]}`, a, base[d][k], tolerance).map((m) => m.text)))
  );
  return out;
}

function mapWorld(w: World, f: XY): World {
  return { owners: w.owners.map(({ owner, features }) => ({ owner, features: features.map((x) => mapFeature(x, f)) })) };
}

function mapDigs(f: XY): (Polygon | MultiPolygon)[] {
  return digs.map((g) => mapGeometry(g, f));
}

function mapRings(g: Polygon | MultiPolygon, f: (ring: Position[], k: number) => Position[]): Polygon | MultiPolygon {
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(f) };
  return { type: 'MultiPolygon', coordinates: g.coordinates.map((rings, p) => rings.map((r, k) => f(r, p * 7 + k))) };
}

const rotate: XY = (x, y) => [-y, x];

describe('invariance', () => {
  let base: Answers;
  beforeAll(() => {
    base = answer(world, digs);
  });

  it('the base answer is not trivial', () => {
    const counts = { digArea: 0, infoZone: 0 };
    for (const perB of base) for (const a of perB) for (const x of a.values()) counts[x.zone]++;
    expect(counts.digArea).toBeGreaterThan(200);
    expect(counts.infoZone).toBeGreaterThan(200);
  });

  it.each([
    [1000, -3000],
    [-3000, 1000],
    [0.5, 7]
  ])('translation by (%s, %s)', (tx, ty) => {
    const f: XY = (x, y) => [x + tx, y + ty];
    expect(compare(`translated (${tx}, ${ty})`, answer(mapWorld(world, f), mapDigs(f)), base).slice(0, 10)).toEqual([]);
  });

  it('translation to Danish coordinates, checked against the extent', () => {
    const f: XY = (x, y) => [x + 575000, y + 6135000];
    const got = answer(mapWorld(world, f), mapDigs(f), {}, { crs: 'EPSG:25832', extent: undefined });
    // At northings of 6e6 a double resolves about 1e-9 m: distances and lengths are compared to 1e-6.
    expect(compare('at (575000, 6135000)', got, base, 1e-6).slice(0, 10)).toEqual([]);
  });

  it.each([1, 2, 3])('rotation by %s quarter turn(s)', (turns) => {
    const f: XY = (x, y) => {
      let p: [number, number] = [x, y];
      for (let i = 0; i < turns; i++) p = rotate(p[0], p[1]);
      return p;
    };
    expect(compare(`rotated ${turns * 90}°`, answer(mapWorld(world, f), mapDigs(f)), base).slice(0, 10)).toEqual([]);
  });

  it('reversed features and owners', () => {
    const reversed: World = { owners: [...world.owners].reverse().map(({ owner, features }) => ({ owner, features: [...features].reverse() })) };
    expect(compare('reversed', answer(reversed, digs), base).slice(0, 10)).toEqual([]);
  });

  it.each([1, 2, 3])('shuffled features, seed %s', (seed) => {
    const r = new Random(seed);
    const shuffled: World = { owners: r.shuffle(world.owners.map(({ owner, features }) => ({ owner, features: r.shuffle([...features]) }))) };
    expect(compare(`shuffled ${seed}`, answer(shuffled, digs), base).slice(0, 10)).toEqual([]);
  });

  it('lines drawn the other way', () => {
    const flip = (f: Feature): Feature => {
      const g = f.geometry;
      if (g.type === 'LineString') return { ...f, geometry: { type: 'LineString', coordinates: [...g.coordinates].reverse() } };
      if (g.type === 'MultiLineString') {
        return { ...f, geometry: { type: 'MultiLineString', coordinates: [...g.coordinates].reverse().map((l) => [...l].reverse()) } };
      }
      return f;
    };
    const flipped: World = { owners: world.owners.map(({ owner, features }) => ({ owner, features: features.map(flip) })) };
    expect(compare('lines reversed', answer(flipped, digs), base).slice(0, 10)).toEqual([]);
  });

  it.each([
    ['started at the next vertex', (r: Position[]) => restartRing(r, 1, false)],
    ['started at the third vertex', (r: Position[]) => restartRing(r, 2, false)],
    ['wound the other way', (r: Position[]) => restartRing(r, 0, true)],
    ['started elsewhere and wound the other way', (r: Position[], k: number) => restartRing(r, k + 1, true)]
  ] as const)('dig rings %s', (label, f) => {
    const areas = digs.map((g) => mapRings(g, f));
    expect(compare(`dig rings ${label}`, answer(world, areas), base).slice(0, 10)).toEqual([]);
  });

  it('MultiPolygon parts in another order', () => {
    const areas = digs.map((g): Polygon | MultiPolygon => (g.type === 'MultiPolygon' ? { type: 'MultiPolygon', coordinates: [...g.coordinates].reverse() } : g));
    expect(compare('parts reversed', answer(world, areas), base).slice(0, 10)).toEqual([]);
  });

  it.each([1, 4, 16, 64])('chunk size %s', (chunkSize) => {
    expect(compare(`chunkSize ${chunkSize}`, answer(world, digs, { chunkSize }), base).slice(0, 10)).toEqual([]);
  });

  it('queryPairs agrees with query', () => {
    const index = buildWorld(world);
    const out: string[] = [];
    digs.forEach((area, d) =>
      INFO_ZONES.forEach((b, k) => out.push(...diffAnswers(`pairs, dig #${d}, b=${b}`, answersOfPairs(index, area, b), base[d][k]).map((m) => m.text)))
    );
    expect(out.slice(0, 10)).toEqual([]);
  });
});
