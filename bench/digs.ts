/**
 * Seeded dig areas of four realistic kinds, spread over the network's tiles:
 * - building: a building footprint (a new extension, a drain around a house); some as a
 *   MultiPolygon of two neighbouring buildings, a few with a courtyard hole;
 * - stretch: 20-60 m of a road buffered by 1-3 m (a service connection, a cable repair);
 * - square: 500 x 500 m centred on a road vertex (KLIC's largest dig request);
 * - corridor: a 2 km path along connected roads buffered by 5 m (a planner's cable route), a
 *   polygon of hundreds of vertices; a smooth random path where the roads run out.
 */
import type { MultiPolygon, Polygon } from '../src/types.js';
import { bboxOf, bufferPath, densify, isSimpleRing, pathLength, subPath, type Pt } from './geom.js';
import type { NetworkPlan, Road } from './network.js';
import { createRng, deriveSeed, type Rng } from './rng.js';

export const SHAPES = ['building', 'stretch', 'square', 'corridor'] as const;
export type DigShape = (typeof SHAPES)[number];

export interface Dig {
  /** Unique over all shapes. */
  id: number;
  shape: DigShape;
  geometry: Polygon | MultiPolygon;
  vertices: number;
}

export interface DigOptions {
  seed: number;
  /** Dig areas per shape. */
  perShape: number;
  /** The shapes to make; default all. */
  shapes?: readonly DigShape[];
}

const SQUARE_HALF = 250;
const CORRIDOR_LENGTH = 2000;
const CORRIDOR_RADIUS = 5;
const CORRIDOR_STEP = 10;

const mm = (v: number): number => Math.round(v * 1000) / 1000;

function moved(rings: Pt[][], [dx, dy]: Pt): number[][][] {
  return rings.map((ring) => ring.map((p) => [mm(p[0] + dx), mm(p[1] + dy)]));
}

function countVertices(g: Polygon | MultiPolygon): number {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.reduce((s, rings) => s + rings.reduce((t, ring) => t + ring.length, 0), 0);
}

function centroid(ring: readonly Pt[]): Pt {
  let x = 0;
  let y = 0;
  for (const p of ring) {
    x += p[0];
    y += p[1];
  }
  return [x / ring.length, y / ring.length];
}

function boxesOverlap(a: number[], b: number[], gap: number): boolean {
  return a[0] - gap <= b[2] && b[0] - gap <= a[2] && a[1] - gap <= b[3] && b[1] - gap <= a[3];
}

function buildingDig(rng: Rng, buildings: Pt[][][], tile: Pt): Polygon | MultiPolygon {
  const i = rng.int(buildings.length);
  const first = buildings[i];
  if (rng.chance(0.1)) {
    // The nearest other building whose box keeps clear of this one's: a valid MultiPolygon.
    const c = centroid(first[0]);
    const box = bboxOf(first);
    let best = -1;
    let bestD = 150;
    buildings.forEach((b, j) => {
      if (j === i) return;
      const d = Math.hypot(b[0][0][0] - c[0], b[0][0][1] - c[1]);
      if (d < bestD && !boxesOverlap(box, bboxOf(b), 0.5)) {
        best = j;
        bestD = d;
      }
    });
    if (best >= 0) return { type: 'MultiPolygon', coordinates: [moved(first, tile), moved(buildings[best], tile)] };
  }
  return { type: 'Polygon', coordinates: moved(first, tile) };
}

function stretchDig(rng: Rng, roads: readonly Road[], tile: Pt): Polygon | null {
  const want = rng.range(20, 60);
  let road = rng.pick(roads);
  for (let tries = 0; tries < 30 && road.length < want; tries++) {
    const other = rng.pick(roads);
    if (other.length > road.length) road = other;
  }
  const length = Math.min(want, road.length);
  const start = rng.range(0, road.length - length);
  const ring = bufferPath(subPath(road.path, start, start + length), rng.range(1, 3));
  return ring ? { type: 'Polygon', coordinates: moved([ring], tile) } : null;
}

function squareDig(rng: Rng, roads: readonly Road[], tile: Pt): Polygon {
  const [cx, cy] = rng.pick(rng.pick(roads).path);
  const h = SQUARE_HALF;
  const ring: Pt[] = [[cx - h, cy - h], [cx + h, cy - h], [cx + h, cy + h], [cx - h, cy + h], [cx - h, cy - h]];
  return { type: 'Polygon', coordinates: moved([ring], tile) };
}

type Graph = Map<string, { road: Road; atStart: boolean }[]>;
const nodeKey = (p: Pt): string => `${Math.round(p[0] * 10)},${Math.round(p[1] * 10)}`;

/** Roads meeting at shared end vertices. */
function roadGraph(roads: readonly Road[]): Graph {
  const graph: Graph = new Map();
  const add = (p: Pt, road: Road, atStart: boolean): void => {
    const key = nodeKey(p);
    const list = graph.get(key);
    if (list) list.push({ road, atStart });
    else graph.set(key, [{ road, atStart }]);
  };
  for (const road of roads) {
    add(road.path[0], road, true);
    add(road.path[road.path.length - 1], road, false);
  }
  return graph;
}

function heading(a: Pt, b: Pt): number {
  return Math.atan2(b[1] - a[1], b[0] - a[0]);
}

type Way = { road: Road; atStart: boolean };

/**
 * Goes on from the end of `path` along one of `ways`: mostly the one that turns least, sometimes
 * any; appends its vertices and returns it.
 */
function goOn(rng: Rng, path: Pt[], ways: Way[]): Way {
  const end = path[path.length - 1];
  const dir = heading(path[path.length - 2], end);
  const turnOf = (n: Way): number => {
    const p = n.road.path;
    const h = n.atStart ? heading(p[0], p[1]) : heading(p[p.length - 1], p[p.length - 2]);
    return Math.abs(Math.atan2(Math.sin(h - dir), Math.cos(h - dir)));
  };
  ways.sort((a, b) => turnOf(a) - turnOf(b));
  const choice = rng.chance(0.75) ? ways[0] : rng.pick(ways);
  const piece = choice.atStart ? choice.road.path : [...choice.road.path].reverse();
  for (let k = 1; k < piece.length; k++) path.push(piece[k]);
  return choice;
}

/** A walk along connected roads, mostly straight on at junctions; null at a dead end. */
function roadWalk(rng: Rng, roads: readonly Road[], graph: Graph): Pt[] | null {
  const first = rng.pick(roads);
  const path: Pt[] = rng.chance(0.5) ? [...first.path] : [...first.path].reverse();
  const used = new Set<Road>([first]);
  let length = first.length;
  while (length < CORRIDOR_LENGTH) {
    const next = (graph.get(nodeKey(path[path.length - 1])) ?? []).filter((n) => !used.has(n.road));
    if (next.length === 0) return null;
    const choice = goOn(rng, path, next);
    used.add(choice.road);
    length += choice.road.length;
  }
  return subPath(path, 0, CORRIDOR_LENGTH);
}

/** A smooth random path from a road vertex, its heading kept within 60 degrees of the start. */
function randomPath(rng: Rng, roads: readonly Road[]): Pt[] {
  let [x, y] = rng.pick(rng.pick(roads).path);
  const start = rng.range(0, 2 * Math.PI);
  let bend = 0;
  const path: Pt[] = [[x, y]];
  for (let walked = 0; walked < CORRIDOR_LENGTH; walked += CORRIDOR_STEP) {
    bend = Math.max(-1, Math.min(1, bend + 0.08 * rng.normal()));
    x += CORRIDOR_STEP * Math.cos(start + bend);
    y += CORRIDOR_STEP * Math.sin(start + bend);
    path.push([x, y]);
  }
  return path;
}

function corridorDig(rng: Rng, roads: readonly Road[], graph: Graph, tile: Pt): Polygon | null {
  let path: Pt[] | null = null;
  for (let tries = 0; tries < 20 && !path; tries++) path = roadWalk(rng, roads, graph);
  const centreline = densify(path ?? randomPath(rng, roads), CORRIDOR_STEP);
  if (pathLength(centreline) < CORRIDOR_LENGTH - 1) return null;
  const ring = bufferPath(centreline, CORRIDOR_RADIUS, 8);
  return ring ? { type: 'Polygon', coordinates: moved([ring], tile) } : null;
}

/** Buildings near the network's roads: all of them unless the roads are a small subset. */
function nearbyBuildings(buildings: Pt[][][], roads: readonly Road[]): Pt[][][] {
  const box = bboxOf(roads.map((r) => r.path));
  const near = buildings.filter((b) => boxesOverlap(bboxOf(b), box, 100));
  return near.length > 0 ? near : buildings;
}

/**
 * `perShape` dig areas of each shape, ids numbered from 0 in shape order. Each shape has its own
 * random stream; a candidate that is not a simple polygon is drawn again.
 */
export function generateDigs(plan: NetworkPlan, buildings: Pt[][][], opts: DigOptions): Dig[] {
  const digs: Dig[] = [];
  const graph = roadGraph(plan.roads);
  const nearby = nearbyBuildings(buildings, plan.roads);
  for (const shape of opts.shapes ?? SHAPES) {
    const rng = createRng(deriveSeed(opts.seed, 'dig', shape));
    let made = 0;
    for (let attempts = 0; made < opts.perShape; attempts++) {
      if (attempts > opts.perShape * 50 + 100) throw new Error(`Could not make ${opts.perShape} ${shape} dig areas from these roads.`);
      const tile = rng.pick(plan.tiles);
      let geometry: Polygon | MultiPolygon | null;
      if (shape === 'building') geometry = buildingDig(rng, nearby, tile);
      else if (shape === 'stretch') geometry = stretchDig(rng, plan.roads, tile);
      else if (shape === 'square') geometry = squareDig(rng, plan.roads, tile);
      else geometry = corridorDig(rng, plan.roads, graph, tile);
      if (!geometry || !isValidArea(geometry)) continue;
      digs.push({ id: digs.length, shape, geometry, vertices: countVertices(geometry) });
      made++;
    }
  }
  return digs;
}

/** Every ring simple and closed after rounding: the input PostGIS and the engine both accept. */
function isValidArea(g: Polygon | MultiPolygon): boolean {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  return polys.every((rings) =>
    rings.every((ring) => {
      const first = ring[0];
      const last = ring[ring.length - 1];
      return ring.length >= 4 && first[0] === last[0] && first[1] === last[1] && isSimpleRing(ring as Pt[]);
    })
  );
}

/**
 * A planned cable route of `length` metres along connected roads (a planner's long route): a walk
 * that goes straight on at junctions where it can, takes a road again only when every way on is
 * taken, and turns back at dead ends. EPSG:25832, on a random tile.
 */
export function generateRoute(plan: NetworkPlan, seed: number, length: number): number[][] {
  const rng = createRng(deriveSeed(seed, 'route', String(length)));
  const graph = roadGraph(plan.roads);
  const first = rng.pick(plan.roads.filter((r) => r.length > 50));
  const path: Pt[] = [...first.path];
  const used = new Set<Road>([first]);
  let walked = first.length;
  let current = first;
  while (walked < length) {
    const all = graph.get(nodeKey(path[path.length - 1])) ?? [];
    const fresh = all.filter((n) => !used.has(n.road));
    const others = all.filter((n) => n.road !== current);
    const choice = goOn(rng, path, fresh.length > 0 ? fresh : others.length > 0 ? [rng.pick(others)] : all);
    used.add(choice.road);
    current = choice.road;
    walked += choice.road.length;
  }
  return moved([subPath(path, 0, length)], rng.pick(plan.tiles))[0];
}
