/**
 * Seeded random worlds for property tests. Coordinates sit on a small integer or half-integer grid
 * so that the cases exact geometry gets wrong happen all the time: lines touching the dig area,
 * vertices lying on its edges, lines running along its edges, zero-length segments and repeated
 * vertices, holes, MultiPolygons whose parts touch, and margins that equal the distance exactly.
 */
import { COMPONENT_TYPES, DRIFTSSTATUS, FAREKLASSE, FORSYNINGSART, LINE_TYPES, NOEJAGTIGHEDSKLASSE } from '../../src/model/ler.js';
import type { Feature, Geometry, MultiPolygon, Polygon, Position } from '../../src/types.js';

/** A small seeded generator (xorshift128+ style over 32-bit halves, mixed by Math.imul). */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    let h = seed >>> 0 || 0x1234567;
    const step = (): number => {
      h = (h + 0x6d2b79f5) | 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 15), z | 1);
      z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
      return (z ^ (z >>> 14)) >>> 0;
    };
    this.s0 = step();
    this.s1 = step();
    this.s2 = step();
    this.s3 = step() | 1;
    for (let i = 0; i < 8; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    // xoshiro128** step.
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result / 4294967296;
  }

  /** Integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Fisher-Yates, in place; returns the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------------------------------------
// Rings and dig areas

export interface GridOptions {
  /** Coordinates lie in [0, size]. */
  size: number;
  /** Probability that a coordinate is a half-integer instead of an integer. */
  half: number;
}

function coord(rng: Random, lo: number, hi: number, grid: GridOptions): number {
  const v = rng.int(lo, hi);
  return rng.chance(grid.half) && v < hi ? v + 0.5 : v;
}

/** Rotate the start of a closed ring and optionally reverse it; the result stays closed. */
export function restartRing(ring: Position[], start: number, reverse: boolean): Position[] {
  const open = ring.slice(0, -1);
  const n = open.length;
  const k = ((start % n) + n) % n;
  let rotated = [...open.slice(k), ...open.slice(0, k)];
  if (reverse) rotated = rotated.reverse();
  return [...rotated, rotated[0]].map((p) => [...p]);
}

/** Decorate a closed ring: an extra vertex on an edge (collinear) and, rarely, a repeated vertex. */
function decorateRing(rng: Random, ring: Position[]): Position[] {
  let open = ring.slice(0, -1).map((p) => [...p]);
  if (rng.chance(0.35)) {
    const i = rng.int(0, open.length - 1);
    const a = open[i];
    const b = open[(i + 1) % open.length];
    const mid = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    // Keep the new vertex on the half-integer grid: only when the midpoint lands on it.
    if (Number.isInteger(mid[0] * 2) && Number.isInteger(mid[1] * 2) && (mid[0] !== a[0] || mid[1] !== a[1])) {
      open = [...open.slice(0, i + 1), mid, ...open.slice(i + 1)];
    }
  }
  if (rng.chance(0.08)) {
    const i = rng.int(0, open.length - 1);
    open = [...open.slice(0, i + 1), [...open[i]], ...open.slice(i + 1)];
  }
  const closed = [...open, [...open[0]]];
  return restartRing(closed, rng.int(0, open.length - 1), rng.chance(0.5));
}

function rect(x0: number, y0: number, x1: number, y1: number): Position[] {
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
    [x0, y0]
  ];
}

/** A simple polygon star-shaped around (cx, cy): vertices sorted by angle, all gaps below pi. */
function starRing(rng: Random, cx: number, cy: number, radius: number, grid: GridOptions): Position[] | null {
  const n = rng.int(3, 8);
  const pts: { p: Position; a: number }[] = [];
  for (let i = 0; i < n; i++) {
    const x = cx + coord(rng, -radius, radius, grid);
    const y = cy + coord(rng, -radius, radius, grid);
    if (x === cx && y === cy) continue;
    pts.push({ p: [x, y], a: Math.atan2(y - cy, x - cx) });
  }
  pts.sort((u, v) => u.a - v.a);
  const kept = pts.filter((q, i) => i === 0 || q.a !== pts[i - 1].a);
  if (kept.length < 3) return null;
  for (let i = 0; i < kept.length; i++) {
    const a0 = kept[i].a;
    const a1 = i + 1 < kept.length ? kept[i + 1].a : kept[0].a + 2 * Math.PI;
    if (a1 - a0 >= Math.PI - 1e-9) return null;
  }
  const ring = kept.map((q) => q.p);
  return [...ring, [...ring[0]]];
}

/** One polygon (outer ring plus holes) in the box [x0, x0+w] x [y0, y0+h]. */
function polygonIn(rng: Random, x0: number, y0: number, w: number, h: number, grid: GridOptions, holes: boolean): Position[][] {
  const kind = rng.int(0, 9);
  if (kind <= 3 || w < 4 || h < 4) {
    // Rectangle, maybe with holes.
    const rings = [rect(x0, y0, x0 + w, y0 + h)];
    if (holes && w >= 4 && h >= 4 && rng.chance(0.5)) {
      const hx0 = x0 + rng.int(1, Math.floor(w / 2) - 1);
      const hy0 = y0 + rng.int(1, Math.floor(h / 2) - 1);
      const hx1 = rng.int(hx0 + 1, x0 + w - 1);
      const hy1 = rng.int(hy0 + 1, y0 + h - 1);
      if (rng.chance(0.6)) rings.push(rect(hx0, hy0, hx1, hy1));
      else if (rng.chance(0.5)) {
        // Triangle hole with one vertex on the outer ring: touches it at one point, still valid.
        rings.push([[x0, hy0], [hx1, hy0], [hx1, hy1], [x0, hy0]]);
      } else rings.push([[hx0, hy0], [hx1, hy0], [hx0, hy1], [hx0, hy0]]);
    }
    return rings;
  }
  if (kind <= 5) {
    // L shape: rectangle with one corner cut out.
    const cx = x0 + rng.int(1, w - 1);
    const cy = y0 + rng.int(1, h - 1);
    return [
      [
        [x0, y0],
        [x0 + w, y0],
        [x0 + w, cy],
        [cx, cy],
        [cx, y0 + h],
        [x0, y0 + h],
        [x0, y0]
      ]
    ];
  }
  if (kind <= 7) {
    const a: Position = [x0 + coord(rng, 0, w, grid), y0];
    const b: Position = [x0 + w, y0 + coord(rng, 1, h, grid)];
    const c: Position = [x0, y0 + h];
    return [[a, b, c, [...a]]];
  }
  const r = Math.max(2, Math.floor(Math.min(w, h) / 2));
  const star = starRing(rng, x0 + r, y0 + r, r, grid);
  return [star ?? rect(x0, y0, x0 + w, y0 + h)];
}

/**
 * A dig area on the grid: Polygon (possibly with holes) or MultiPolygon whose parts may touch
 * along an edge or at a corner, or sit as an island in another part's hole.
 */
export function randomDigArea(rng: Random, grid: GridOptions): Polygon | MultiPolygon {
  const w = rng.int(2, 16);
  const h = rng.int(2, 16);
  const x0 = rng.int(0, grid.size - w);
  const y0 = rng.int(0, grid.size - h);
  const decorate = (rings: Position[][]): Position[][] => rings.map((ring) => decorateRing(rng, ring));
  const mode = rng.int(0, 9);
  if (mode <= 5) return { type: 'Polygon', coordinates: decorate(polygonIn(rng, x0, y0, w, h, grid, true)) };
  if (mode === 6 && w >= 6 && h >= 6) {
    // Island in a lake: outer with a rectangular hole, a second part inside the hole.
    const outer = [rect(x0, y0, x0 + w, y0 + h), rect(x0 + 1, y0 + 1, x0 + w - 1, y0 + h - 1)];
    const island = [rect(x0 + 2, y0 + 2, x0 + w - 2, y0 + h - 2)];
    return { type: 'MultiPolygon', coordinates: [decorate(outer), decorate(island)] };
  }
  // Two or three parts side by side: touching along an edge, at a corner, or apart.
  const parts: Position[][][] = [decorate(polygonIn(rng, x0, y0, w, h, grid, true))];
  const count = rng.int(1, 2);
  let px = x0 + w;
  let py = y0;
  for (let i = 0; i < count; i++) {
    const gap = rng.pick([0, 0, 1, 3]);
    const pw = rng.int(2, 8);
    const ph = rng.int(2, 8);
    const corner = rng.chance(0.3);
    const qx = px + gap;
    const qy = corner ? py - ph : py;
    parts.push(decorate(polygonIn(rng, qx, qy, pw, ph, grid, true).slice(0, 1)));
    px = qx + pw;
    py = qy;
  }
  rng.shuffle(parts);
  return { type: 'MultiPolygon', coordinates: parts };
}

// ---------------------------------------------------------------------------------------------
// Features

const LINE_TYPE_NAMES = Object.keys(LINE_TYPES) as (keyof typeof LINE_TYPES)[];
const COMPONENT_TYPE_NAMES = Object.keys(COMPONENT_TYPES) as (keyof typeof COMPONENT_TYPES)[];
/** Diameters in mm: the first ones give margins that are binary fractions, so ties are exact. */
const DIAMETERS = [250, 500, 1000, 2000, 125, 110, 40, 315, 63];
const BREDDER = [0.5, 1, 2, 0.25, 1.5, 0.3, 1.2];

function randomLine(rng: Random, x: number, y: number, grid: GridOptions): Position[] {
  const n = rng.int(2, 6);
  const line: Position[] = [[x, y]];
  const axis = rng.chance(0.5);
  for (let i = 1; i < n; i++) {
    const last = line[line.length - 1];
    if (rng.chance(0.12)) {
      line.push([...last]); // repeated vertex: a zero-length segment
      continue;
    }
    let dx = coord(rng, -4, 4, grid);
    let dy = coord(rng, -4, 4, grid);
    if (axis) {
      if (rng.chance(0.5)) dx = 0;
      else dy = 0;
    }
    line.push([last[0] + dx, last[1] + dy]);
  }
  // A line needs two distinct positions.
  const first = line[0];
  if (line.every((p) => p[0] === first[0] && p[1] === first[1])) line.push([first[0] + 1, first[1]]);
  return line;
}

function randomSmallPolygon(rng: Random, x: number, y: number, grid: GridOptions): Position[][] {
  const w = rng.int(1, 5);
  const h = rng.int(1, 5);
  return polygonIn(rng, x, y, w, h, grid, true).map((ring) => decorateRing(rng, ring));
}

export function randomGeometry(rng: Random, kind: 'line' | 'component', grid: GridOptions): Geometry {
  const x = coord(rng, 0, grid.size, grid);
  const y = coord(rng, 0, grid.size, grid);
  if (kind === 'line') {
    if (rng.chance(0.2)) {
      const parts = [randomLine(rng, x, y, grid)];
      const more = rng.int(1, 2);
      for (let i = 0; i < more; i++) parts.push(randomLine(rng, coord(rng, 0, grid.size, grid), coord(rng, 0, grid.size, grid), grid));
      return { type: 'MultiLineString', coordinates: parts };
    }
    return { type: 'LineString', coordinates: randomLine(rng, x, y, grid) };
  }
  const k = rng.int(0, 9);
  if (k <= 3) return { type: 'Point', coordinates: [x, y] };
  if (k <= 5) {
    const pts: Position[] = [[x, y]];
    const n = rng.int(1, 3);
    for (let i = 0; i < n; i++) pts.push(rng.chance(0.2) ? [x, y] : [x + coord(rng, -5, 5, grid), y + coord(rng, -5, 5, grid)]);
    return { type: 'MultiPoint', coordinates: pts };
  }
  if (k <= 8) return { type: 'Polygon', coordinates: randomSmallPolygon(rng, x, y, grid) };
  const dx = rng.int(6, 8);
  return {
    type: 'MultiPolygon',
    coordinates: [randomSmallPolygon(rng, x, y, grid), randomSmallPolygon(rng, x + dx, y, grid)]
  };
}

/** Kinds of supply another line (AndenLedning) may name: none of the predefined. */
const OTHER_KINDS = ['other: trykluft', 'other: signal', 'other: dræn', 'other: brint', 'other: køling', 'other: damp', 'other: rørpost'] as const;

/** LER attributes for a feature type, with margins that vary widely. */
export function randomProperties(rng: Random, featureType: string): Record<string, unknown> {
  const props: Record<string, unknown> = { featureType };
  if (featureType === 'Ledningstrace') {
    props.bredde = rng.pick(BREDDER);
    props.forsyningsart = rng.pick(FORSYNINGSART);
  } else if (featureType in LINE_TYPES && LINE_TYPES[featureType as keyof typeof LINE_TYPES] === null) {
    // LER: another line names a kind of supply of its own, not one of the predefined (forsyningsartRestriktion).
    if (rng.chance(0.7)) props.forsyningsart = rng.pick(featureType === 'AndenLedning' ? OTHER_KINDS : FORSYNINGSART);
  }
  if (rng.chance(0.7)) {
    const forbidden = featureType === 'Vandledning' || featureType === 'Telekommunikationsledning';
    props.fareklasse = rng.pick(forbidden ? FAREKLASSE.slice(0, 2) : FAREKLASSE);
  }
  if (rng.chance(0.7)) props.driftsstatus = rng.pick(DRIFTSSTATUS);
  if (rng.chance(0.75)) props.noejagtighedsklasse = rng.pick(NOEJAGTIGHEDSKLASSE);
  if (featureType !== 'Ledningstrace' && rng.chance(0.4)) props.udvendigDiameter = rng.pick(DIAMETERS);
  return props;
}

export interface WorldOptions extends GridOptions {
  owners: number;
  featuresPerOwner: number;
  /** Probability that a feature is a component (point or polygon) rather than a line. */
  components: number;
}

export interface World {
  owners: { owner: string; features: Feature[] }[];
}

/**
 * Owners with networks on one shared grid. Ids are numbers for some owners and strings for
 * others, and the same id recurs across owners, as it does between real utilities.
 */
export function randomWorld(rng: Random, opts: WorldOptions): World {
  const owners: World['owners'] = [];
  for (let o = 0; o < opts.owners; o++) {
    const owner = `owner-${String.fromCharCode(97 + o)}`;
    const numeric = o % 2 === 0;
    const features: Feature[] = [];
    for (let i = 0; i < opts.featuresPerOwner; i++) {
      const component = rng.chance(opts.components);
      let featureType: string;
      if (component) featureType = rng.pick(COMPONENT_TYPE_NAMES);
      else featureType = rng.chance(0.12) ? 'Ledningstrace' : rng.pick(LINE_TYPE_NAMES);
      features.push({
        type: 'Feature',
        id: numeric ? i + 1 : `L${i + 1}`,
        geometry: randomGeometry(rng, component ? 'component' : 'line', opts),
        properties: randomProperties(rng, featureType)
      });
    }
    owners.push({ owner, features });
  }
  return { owners };
}

// ---------------------------------------------------------------------------------------------
// Transformations for invariance

export type XY = (x: number, y: number) => [number, number];

export function mapPositions<T>(value: T, f: XY): T {
  if (Array.isArray(value)) {
    if (value.length >= 2 && typeof value[0] === 'number' && typeof value[1] === 'number') {
      const [x, y] = f(value[0], value[1]);
      return [x, y, ...value.slice(2)] as T;
    }
    return value.map((v) => mapPositions(v, f)) as T;
  }
  return value;
}

export function mapGeometry<G extends Geometry>(geometry: G, f: XY): G {
  return { ...geometry, coordinates: mapPositions(geometry.coordinates, f) } as G;
}

export function mapFeature(feature: Feature, f: XY): Feature {
  return { ...feature, geometry: mapGeometry(feature.geometry, f) };
}
