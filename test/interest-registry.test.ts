import { describe, expect, it } from 'vitest';
import { measureInterest } from '../bench/phase-interest.js';
import { PreparedArea } from '../src/geometry/index.js';
import { InterestRegistry, type InterestArea, type InterestHit } from '../src/package/interest.js';

// The registry against a brute-force oracle written apart from it: every edge pair's distance and
// point-in-polygon both ways, in plain arithmetic. Coordinates lie on a half-metre grid (offset
// into Denmark), where that arithmetic is exact, so ties at exactly b are decided the same way.

type Ring = [number, number][];
/** Polygons of rings (closed: the last vertex repeats the first); even-odd, as the kernel reads them. */
type Shape = Ring[][];

const X0 = 600_000;
const Y0 = 6_200_000;
const ZONES = [0, 0.5, 2, 10, 100];
const KINDS = ['el', 'vand', 'gas', 'fjernvarme', 'tele', 'afloeb'];

/** mulberry32: small, seeded, good enough for test data. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** On the half-metre grid in [lo, hi]. */
  half(lo: number, hi: number): number {
    return this.int(lo * 2, hi * 2) / 2;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  float(): number {
    return this.next();
  }
}

const at = (x: number, y: number): [number, number] => [X0 + x, Y0 + y];

function rect(x0: number, y0: number, x1: number, y1: number): Ring {
  return [at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)];
}

/** A star-shaped ring around (cx, cy): n vertices at growing angles, radii in [r/3, r], on the grid. */
function star(rng: Rng, cx: number, cy: number, r: number, n: number): Ring {
  const ring: Ring = [];
  for (let i = 0; i < n; i++) {
    const angle = ((i + 0.2 + 0.6 * rng.float()) / n) * 2 * Math.PI;
    const radius = r * (1 / 3 + (2 / 3) * rng.float());
    const p = at(Math.round(2 * (cx + radius * Math.cos(angle))) / 2, Math.round(2 * (cy + radius * Math.sin(angle))) / 2);
    const last = ring[ring.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) ring.push(p);
  }
  ring.push([ring[0][0], ring[0][1]]);
  return ring;
}

/** One random polygon in a world of 0..1000 m: tiny, small, large, with holes, many-vertexed (edge grid). */
function randomPolygon(rng: Rng): Ring[] {
  const kind = rng.int(0, 9);
  const size = kind <= 1 ? rng.half(0.5, 3) : kind <= 6 ? rng.int(4, 80) : rng.int(150, 600);
  const x = rng.half(-20, 1000 - size);
  const y = rng.half(-20, 1000 - size);
  if (kind % 3 === 0 || size < 4) {
    const rings = [rect(x, y, x + size, y + size * rng.half(0.5, 1.5))];
    if (size >= 8 && rng.chance(0.5)) {
      const m = Math.floor(size / 4);
      rings.push(rect(x + m, y + m, x + size - m - rng.int(0, m), y + size / 2));
    }
    return rings;
  }
  if (kind % 3 === 1) {
    const a = at(x + rng.half(0, size), y);
    return [[a, at(x + size, y + rng.half(1, size)), at(x, y + size), [a[0], a[1]]]];
  }
  // Above 32 edges the kernel switches to its edge grid: some stars have up to 120.
  const n = size > 100 && rng.chance(0.6) ? rng.int(33, 120) : rng.int(3, 12);
  const r = size / 2;
  const rings = [star(rng, x + r, y + r, r, n)];
  if (r >= 20 && rng.chance(0.4)) {
    const h = Math.round(r / 4) / 2;
    const c = Math.round(2 * r) / 2;
    rings.push(rect(x + c - h, y + c - h, x + c + h, y + c + h));
  }
  return rings;
}

function randomShape(rng: Rng): Shape {
  const polygons: Shape = [randomPolygon(rng)];
  // Sometimes a MultiPolygon: a second part, anywhere (parts may overlap: even-odd, both sides alike).
  if (rng.chance(0.2)) polygons.push([randomPolygon(rng)[0]]);
  return polygons;
}

/** The rings as the kernel takes them: xy of all vertices, ringStarts of each ring then the count. */
function prepare(shape: Shape): PreparedArea {
  const rings = shape.flat();
  const count = rings.reduce((s, r) => s + r.length, 0);
  const xy = new Float64Array(count * 2);
  const starts = new Uint32Array(rings.length + 1);
  let k = 0;
  rings.forEach((ring, i) => {
    starts[i] = k;
    for (const [x, y] of ring) {
      xy[2 * k] = x;
      xy[2 * k + 1] = y;
      k++;
    }
  });
  starts[rings.length] = k;
  return new PreparedArea(xy, starts);
}

// ---------------------------------------------------------------------------------------------
// The oracle: exact on the grid (all products of coordinate differences fit a double's 53 bits).

type Edge = [number, number, number, number];

function edgesOf(shape: Shape): Edge[] {
  const out: Edge[] = [];
  for (const ring of shape.flat()) {
    for (let i = 0; i + 1 < ring.length; i++) out.push([ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1]]);
  }
  return out;
}

/** Sign of the cross product (b - a) x (p - a). */
function orient(ax: number, ay: number, bx: number, by: number, px: number, py: number): number {
  return Math.sign((bx - ax) * (py - ay) - (by - ay) * (px - ax));
}

/** Whether the point lies within b of the closed segment: compares squares, no division or root. */
function pointWithin(px: number, py: number, e: Edge, b: number): boolean {
  const [ax, ay, bx, by] = e;
  const vx = bx - ax, vy = by - ay, wx = px - ax, wy = py - ay;
  const vv = vx * vx + vy * vy;
  const dot = wx * vx + wy * vy;
  if (vv === 0 || dot <= 0) return wx * wx + wy * wy <= b * b;
  if (dot >= vv) return (px - bx) ** 2 + (py - by) ** 2 <= b * b;
  const cross = wx * vy - wy * vx;
  return cross * cross <= b * b * vv;
}

function segmentsMeet(e: Edge, f: Edge): boolean {
  const o1 = orient(e[0], e[1], e[2], e[3], f[0], f[1]);
  const o2 = orient(e[0], e[1], e[2], e[3], f[2], f[3]);
  const o3 = orient(f[0], f[1], f[2], f[3], e[0], e[1]);
  const o4 = orient(f[0], f[1], f[2], f[3], e[2], e[3]);
  if (o1 * o2 < 0 && o3 * o4 < 0) return true;
  // Touching or collinear overlap: then an endpoint lies on the other segment.
  return pointWithin(f[0], f[1], e, 0) || pointWithin(f[2], f[3], e, 0) || pointWithin(e[0], e[1], f, 0) || pointWithin(e[2], e[3], f, 0);
}

/** Segment distance <= b: they meet, or (disjoint) an endpoint lies within b of the other segment. */
function edgesWithin(e: Edge, f: Edge, b: number): boolean {
  // Boxes more than b apart along an axis (only to save time).
  if (Math.min(e[0], e[2]) - Math.max(f[0], f[2]) > b || Math.min(f[0], f[2]) - Math.max(e[0], e[2]) > b) return false;
  if (Math.min(e[1], e[3]) - Math.max(f[1], f[3]) > b || Math.min(f[1], f[3]) - Math.max(e[1], e[3]) > b) return false;
  return segmentsMeet(e, f) || pointWithin(f[0], f[1], e, b) || pointWithin(f[2], f[3], e, b) || pointWithin(e[0], e[1], f, b) || pointWithin(e[2], e[3], f, b);
}

/** Closed even-odd point in polygon: on an edge counts as inside. */
function pointInShape(x: number, y: number, edges: Edge[]): boolean {
  let inside = false;
  for (const e of edges) {
    if (pointWithin(x, y, e, 0)) return true;
    const [ax, ay, bx, by] = e;
    if (ay > y !== by > y) {
      // The edge crosses the horizontal through the point: count it when it does so right of the point.
      const side = orient(ax, ay, bx, by, x, y);
      if ((by > ay ? side > 0 : side < 0)) inside = !inside;
    }
  }
  return inside;
}

/** A shape as the oracle reads it: its edges, their box, and each ring's first vertex. */
interface OracleShape {
  edges: Edge[];
  box: [number, number, number, number];
  firsts: [number, number][];
}

const oracleCache = new WeakMap<Shape, OracleShape>();

function oracleShape(shape: Shape): OracleShape {
  let o = oracleCache.get(shape);
  if (o === undefined) {
    const edges = edgesOf(shape);
    const xs = edges.flatMap((e) => [e[0], e[2]]);
    const ys = edges.flatMap((e) => [e[1], e[3]]);
    const box: OracleShape['box'] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    o = { edges, box, firsts: shape.flat().map((ring) => ring[0]) };
    oracleCache.set(shape, o);
  }
  return o;
}

function oracleNear(areaShape: Shape, digShape: Shape, b: number): boolean {
  const area = oracleShape(areaShape);
  const dig = oracleShape(digShape);
  // Boxes more than b apart along one axis: so are the shapes (only to save time).
  const [a0, a1, a2, a3] = area.box;
  const [d0, d1, d2, d3] = dig.box;
  if (a0 - d2 > b || d0 - a2 > b || a1 - d3 > b || d1 - a3 > b) return false;
  for (const e of area.edges) for (const f of dig.edges) if (edgesWithin(e, f, b)) return true;
  for (const [x, y] of dig.firsts) if (pointInShape(x, y, area.edges)) return true;
  for (const [x, y] of area.firsts) if (pointInShape(x, y, dig.edges)) return true;
  return false;
}

interface OwnerData {
  owner: string;
  areas: { shape: Shape; contact: string; forsyningsart: string }[];
}

function oracleHits(owners: readonly OwnerData[], dig: Shape, b: number): InterestHit[] {
  const out: InterestHit[] = [];
  for (const o of [...owners].sort((x, y) => (x.owner < y.owner ? -1 : 1))) {
    const contacts: string[] = [];
    const kinds = new Set<string>();
    for (const a of o.areas) {
      if (!oracleNear(a.shape, dig, b)) continue;
      if (!contacts.includes(a.contact)) contacts.push(a.contact);
      kinds.add(a.forsyningsart);
    }
    if (contacts.length > 0) out.push({ owner: o.owner, contacts, forsyningsart: [...kinds].sort() });
  }
  return out;
}

function randomOwner(rng: Rng, owner: string): OwnerData {
  const n = rng.int(1, 4);
  const areas: OwnerData['areas'] = [];
  for (let i = 0; i < n; i++) {
    areas.push({ shape: randomShape(rng), contact: `${owner}-${rng.pick(['vagt', 'drift', 'kundeservice'])}@example.dk`, forsyningsart: rng.pick(KINDS) });
  }
  return { owner, areas };
}

function interestAreas(o: OwnerData): InterestArea[] {
  return o.areas.map((a) => ({ area: prepare(a.shape), contact: a.contact, forsyningsart: a.forsyningsart }));
}

function registryOf(owners: readonly OwnerData[]): InterestRegistry {
  const registry = new InterestRegistry();
  for (const o of owners) registry.set(o.owner, interestAreas(o), { type: 'FeatureCollection', owner: o.owner });
  return registry;
}

/** A square dig area of side s with its lower left corner at (x, y) (grid units). */
const square = (x: number, y: number, s: number): Shape => [[rect(x, y, x + s, y + s)]];
const entry = (shape: Shape, contact = 'c', forsyningsart = 'el'): InterestArea => ({ area: prepare(shape), contact, forsyningsart });

describe('InterestRegistry against a brute-force oracle', () => {
  it('gives every owner hit, with its contacts and kinds of supply, as the oracle does', () => {
    const rng = new Rng(20_251_124);
    const owners = Array.from({ length: 100 }, (_, i) => randomOwner(rng, `owner-${String(i).padStart(3, '0')}`));
    const registry = registryOf(owners);
    expect(registry.size).toBe(owners.reduce((s, o) => s + o.areas.length, 0));
    let hits = 0;
    let misses = 0;
    for (let d = 0; d < 300; d++) {
      const dig = randomShape(rng);
      const prepared = prepare(dig);
      for (const b of ZONES) {
        const expected = oracleHits(owners, dig, b);
        expect(registry.hits(prepared, b), `dig ${d}, b = ${b}`).toEqual(expected);
        hits += expected.length;
        misses += owners.length - expected.length;
      }
    }
    // The data is meant to be mixed: neither almost always hit nor almost never.
    expect(hits).toBeGreaterThan(2000);
    expect(misses).toBeGreaterThan(hits);
  });

  it('replacing one owner changes only that owner\'s hits', () => {
    const rng = new Rng(7);
    const owners = Array.from({ length: 40 }, (_, i) => randomOwner(rng, `o${i}`));
    const registry = registryOf(owners);
    const digs = Array.from({ length: 40 }, () => randomShape(rng));
    const before = digs.map((d) => registry.hits(prepare(d), 10));
    for (let round = 0; round < 5; round++) {
      const k = rng.int(0, owners.length - 1);
      const name = owners[k].owner;
      const fresh = randomOwner(rng, name);
      registry.set(name, interestAreas(fresh), { round });
      owners[k] = fresh;
      expect(registry.source(name)).toEqual({ round });
      digs.forEach((d, i) => {
        const now = registry.hits(prepare(d), 10);
        expect(now).toEqual(oracleHits(owners, d, 10));
        const others = (hs: InterestHit[]): InterestHit[] => hs.filter((h) => h.owner !== name);
        expect(others(now)).toEqual(others(before[i]));
        before[i] = now;
      });
    }
    expect(registry.size).toBe(owners.reduce((s, o) => s + o.areas.length, 0));
    expect(registry.owners).toEqual(owners.map((o) => o.owner).sort());
  });

  it('removes an owner by an empty list or by delete', () => {
    const registry = new InterestRegistry();
    const source = { type: 'FeatureCollection', features: [] };
    registry.set('b', [entry(square(0, 0, 10)), entry(square(50, 0, 10))], source);
    registry.set('a', [entry(square(0, 0, 10))], null);
    registry.set('c', [entry(square(0, 0, 10))], 'c');
    expect(registry.owners).toEqual(['a', 'b', 'c']);
    expect(registry.size).toBe(4);
    expect(registry.source('b')).toBe(source);
    const dig = prepare(square(2, 2, 2));
    expect(registry.hits(dig, 0).map((h) => h.owner)).toEqual(['a', 'b', 'c']);

    registry.set('b', [], source);
    expect(registry.owners).toEqual(['a', 'c']);
    expect(registry.size).toBe(2);
    expect(registry.source('b')).toBeNull();
    registry.delete('a');
    registry.delete('nobody');
    expect(registry.owners).toEqual(['c']);
    expect(registry.size).toBe(1);
    expect(registry.hits(dig, 100).map((h) => h.owner)).toEqual(['c']);
    registry.delete('c');
    expect(registry.hits(dig, 100)).toEqual([]);
    expect(registry.size).toBe(0);
  });

  it('counts touching at exactly distance b, and nothing beyond it', () => {
    const registry = new InterestRegistry();
    // 2 m east of the dig area's edge, and a corner 3-4-5 (5 m) away diagonally.
    registry.set('east', [entry(square(12, 0, 10))], null);
    registry.set('diagonal', [entry([[[at(13, 14), at(20, 14), at(20, 20), at(13, 20), at(13, 14)]]])], null);
    registry.set('touching', [entry([[[at(0, -5), at(10, -5), at(5, 0), at(0, -5)]]])], null);
    const dig = prepare(square(0, 0, 10));
    const owners = (b: number): string[] => registry.hits(dig, b).map((h) => h.owner);
    expect(owners(0)).toEqual(['touching']);
    expect(owners(1.999)).toEqual(['touching']);
    expect(owners(2)).toEqual(['east', 'touching']);
    expect(owners(4.999)).toEqual(['east', 'touching']);
    expect(owners(5)).toEqual(['diagonal', 'east', 'touching']);
  });

  it('hits a dig area inside an interest area, and an interest area inside the dig area', () => {
    const registry = new InterestRegistry();
    registry.set('around', [entry([[rect(0, 0, 1000, 1000), rect(400, 400, 600, 600)]], 'vagt', 'gas')], null);
    registry.set('inside', [entry(square(103, 103, 1), 'inde', 'el')], null);
    const dig = prepare(square(100, 100, 10));
    expect(registry.hits(dig, 0)).toEqual([
      { owner: 'around', contacts: ['vagt'], forsyningsart: ['gas'] },
      { owner: 'inside', contacts: ['inde'], forsyningsart: ['el'] }
    ]);
    // In the hole: apart from the area until b reaches the hole's edge.
    const inHole = prepare(square(450, 450, 10));
    expect(registry.hits(inHole, 10)).toEqual([]);
    expect(registry.hits(inHole, 50).map((h) => h.owner)).toEqual(['around']);
    // A MultiPolygon whose first part is in the hole and whose second lies in the area.
    const twoParts = prepare([[rect(450, 450, 460, 460)], [rect(100, 100, 110, 110)]]);
    expect(registry.hits(twoParts, 0).map((h) => h.owner)).toEqual(['around', 'inside']);
  });

  it('lists contacts in the order of the owner\'s areas, kinds sorted, both without repeats', () => {
    const registry = new InterestRegistry();
    // Far apart areas first, so that the tree is unlikely to return them in the given order.
    registry.set('x', [entry(square(900, 900, 10), 'z', 'vand'), entry(square(0, 0, 10), 'b', 'vand'), entry(square(20, 0, 10), 'a', 'el'), entry(square(40, 0, 10), 'b', 'gas'), entry(square(0, 20, 10), 'c', 'el')], null);
    expect(registry.hits(prepare(square(0, 0, 50)), 0)).toEqual([{ owner: 'x', contacts: ['b', 'a', 'c'], forsyningsart: ['el', 'gas', 'vand'] }]);
    expect(() => registry.hits(prepare(square(0, 0, 5)), -1)).toThrow(RangeError);
    expect(() => registry.hits(prepare(square(0, 0, 5)), Number.NaN)).toThrow(RangeError);
  });
});

describe('interest benchmark phase (smoke size)', () => {
  it('times the registry and the flat scan, which agree', () => {
    const report = measureInterest({ seed: 5, smoke: true, reps: 1, log: () => {} });
    expect(report.rows.length).toBeGreaterThan(0);
    for (const row of report.rows) {
      expect(row.diffs, `${row.owners} owners, ${row.shape}, b = ${row.b}`).toBe(0);
      for (const v of [row.registry.min, row.registry.mean, row.flat.min, row.flat.mean]) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    expect(report.rows.some((r) => r.hitsPerDig > 1)).toBe(true);
    expect(report.replace.registry.n).toBeGreaterThan(0);
  });
});
