/**
 * Running a world through NetworkIndex and comparing answers: with the oracle, or with another
 * run of the engine. Mismatches are collected as readable lines, each carrying what is needed to
 * reproduce it (the dig area and the feature), so one failing test reports every case at once.
 */
import { NetworkIndex } from '../../src/library.js';
import type { Conflict, Feature, Geometry, MultiPolygon, Polygon } from '../../src/types.js';
import {
  type Expected,
  type OracleArea,
  expectedFor,
  featureKey,
  lineLength,
  measureAll,
  pointDistance,
  verticesOf
} from './oracle.js';
import type { World } from './random.js';
import { buildNetwork, pairsOfArea } from './query.js';

export const PLANAR = { crs: 'EPSG:25832', extent: null } as const;

export interface BuildSettings {
  coarseAccuracy?: number;
  chunkSize?: number;
}

/** One index per owner, merged, as the engine holds several utilities at once. */
export function buildWorld(world: World, settings: BuildSettings = {}, extra: Record<string, unknown> = PLANAR): NetworkIndex {
  const parts = world.owners.map(({ owner, features }) =>
    buildNetwork({ type: 'FeatureCollection', features }, { owner, ...extra, ...settings })
  );
  return parts.length === 1 ? parts[0] : NetworkIndex.merge(parts);
}

/** A comparable summary of one reported feature. */
export interface Answer {
  zone: 'digArea' | 'infoZone';
  distance: number;
  lengthInside: number;
}

export function answersOfQuery(conflicts: readonly Conflict[]): Map<string, Answer> {
  const out = new Map<string, Answer>();
  for (const c of conflicts) {
    out.set(featureKey(c.owner, c.featureId), { zone: c.zone, distance: c.distance, lengthInside: c.lengthInside });
  }
  return out;
}

export function answersOfPairs(index: NetworkIndex, area: Polygon | MultiPolygon, infoZone: number, opts: Record<string, unknown> = PLANAR): Map<string, Answer> {
  const pairs = pairsOfArea(index, area, { ...opts, infoZone });
  const out = new Map<string, Answer>();
  for (let i = 0; i < pairs.count; i++) {
    const f = pairs.feature[i];
    const code = pairs.zone[i];
    out.set(featureKey(index.featureOwner(f), index.featureId(f)), {
      zone: code === 1 ? 'digArea' : code === 2 ? 'infoZone' : (`zone code ${code}` as 'digArea'),
      distance: pairs.distance[i],
      lengthInside: pairs.lengthInside[i]
    });
  }
  return out;
}

/** A difference, with the key of the feature it concerns (for a reproducing case). */
export interface Mismatch {
  key: string;
  text: string;
}

class MismatchList {
  readonly items: Mismatch[] = [];
  add(key: string, text: string): void {
    this.items.push({ key, text });
  }
}

export function closeLength(actual: number, expected: number, rel = 1e-7): boolean {
  return Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected));
}

/** Differences between an engine answer and the oracle's expectation, as readable lines. */
export function diffWithOracle(
  label: string,
  actual: Map<string, Answer>,
  expected: Map<string, Expected>,
  distanceTolerance = 1e-9
): Mismatch[] {
  const out = new MismatchList();
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (want.unrepresentableTie) continue; // either answer is defensible at such a tie
    if (!got) {
      out.add(key, `${label}: missing ${show(key)} (want ${want.zone}, d=${want.distance}, m=${want.margin})`);
      continue;
    }
    if (got.zone !== want.zone) out.add(key, `${label}: ${show(key)} zone ${got.zone}, want ${want.zone} (d=${want.distance}, m=${want.margin})`);
    if (!(Math.abs(got.distance - want.distance) <= distanceTolerance)) {
      out.add(key, `${label}: ${show(key)} distance ${got.distance}, want ${want.distance}`);
    }
    if (!closeLength(got.lengthInside, want.lengthInside)) {
      out.add(key, `${label}: ${show(key)} lengthInside ${got.lengthInside}, want ${want.lengthInside}`);
    }
  }
  for (const [key, got] of actual) {
    if (!expected.has(key)) out.add(key, `${label}: extra ${show(key)} (${got.zone}, d=${got.distance})`);
  }
  return out.items;
}

/** Differences between two engine answers that must agree. */
export function diffAnswers(label: string, actual: Map<string, Answer>, base: Map<string, Answer>, distanceTolerance = 1e-9): Mismatch[] {
  const out = new MismatchList();
  for (const [key, want] of base) {
    const got = actual.get(key);
    if (!got) {
      out.add(key, `${label}: missing ${show(key)} (base ${want.zone}, d=${want.distance})`);
      continue;
    }
    if (got.zone !== want.zone) out.add(key, `${label}: ${show(key)} zone ${got.zone}, base ${want.zone} (d=${want.distance})`);
    if (!(Math.abs(got.distance - want.distance) <= distanceTolerance)) out.add(key, `${label}: ${show(key)} distance ${got.distance}, base ${want.distance}`);
    if (!closeLength(got.lengthInside, want.lengthInside)) out.add(key, `${label}: ${show(key)} lengthInside ${got.lengthInside}, base ${want.lengthInside}`);
  }
  for (const [key, got] of actual) if (!base.has(key)) out.add(key, `${label}: extra ${show(key)} (${got.zone}, d=${got.distance})`);
  return out.items;
}

function show(key: string): string {
  const [owner, type, id] = key.split('\u0000');
  return `${owner}/${type === 'number' ? id : JSON.stringify(id)}`;
}

const isPosition = (p: unknown): boolean =>
  Array.isArray(p) && (p.length === 2 || p.length === 3) && p.every((v) => typeof v === 'number' && Number.isFinite(v));
const isList = (v: unknown, item: (x: unknown) => boolean): boolean => Array.isArray(v) && v.every(item);

/** GeoJSON nesting of the coordinates matches the type, with finite 2D or 3D positions. */
export function wellFormed(g: Geometry): boolean {
  const c: unknown = g.coordinates;
  switch (g.type) {
    case 'Point':
      return isPosition(c);
    case 'MultiPoint':
    case 'LineString':
      return isList(c, isPosition);
    case 'MultiLineString':
    case 'Polygon':
      return isList(c, (l) => isList(l, isPosition));
    case 'MultiPolygon':
      return isList(c, (p) => isList(p, (l) => isList(l, isPosition)));
    default:
      return false;
  }
}

function familyOf(type: Geometry['type']): string {
  return type.replace(/^Multi/, '');
}

/**
 * Checks on a delivered geometry: the same kind as the feature, not empty, no vertex farther than
 * m + b + 1 m from the area, and for lines at least as long as the part inside.
 */
export function checkDeliveredGeometry(label: string, area: OracleArea, conflict: Conflict, source: Feature, infoZone: number): string[] {
  const out: string[] = [];
  const g = conflict.geometry;
  const who = `${conflict.owner}/${JSON.stringify(conflict.featureId)}`;
  if (!g) return [`${label}: ${who} has no geometry`];
  if (!wellFormed(g)) return [`${label}: ${who} malformed geometry ${JSON.stringify(g).slice(0, 300)}`];
  if (familyOf(g.type) !== familyOf(source.geometry.type)) out.push(`${label}: ${who} geometry ${g.type} for a ${source.geometry.type}`);
  const vertices = verticesOf(g);
  if (vertices.length === 0) out.push(`${label}: ${who} geometry is empty`);
  if (g.type === 'LineString' && g.coordinates.length < 2) out.push(`${label}: ${who} LineString with ${g.coordinates.length} position(s)`);
  if (g.type === 'MultiLineString') {
    if (g.coordinates.length === 0) out.push(`${label}: ${who} empty MultiLineString`);
    for (const part of g.coordinates) if (part.length < 2) out.push(`${label}: ${who} MultiLineString part with ${part.length} position(s)`);
  }
  if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    if (polygons.length === 0) out.push(`${label}: ${who} empty ${g.type}`);
    for (const polygon of polygons) for (const ring of polygon) if (ring.length < 4) out.push(`${label}: ${who} ring with ${ring.length} positions`);
  }
  const limit = conflict.margin + infoZone + 1 + 1e-6;
  for (const [x, y] of vertices) {
    const d = pointDistance(area, x, y);
    if (!(d <= limit)) {
      out.push(`${label}: ${who} delivers vertex [${x}, ${y}] at ${d} m, beyond ${limit}`);
      break;
    }
  }
  if ((g.type === 'LineString' || g.type === 'MultiLineString') && lineLength(g) < conflict.lengthInside - 1e-7) {
    out.push(`${label}: ${who} delivered length ${lineLength(g)} < lengthInside ${conflict.lengthInside}`);
  }
  return out;
}

export { expectedFor, measureAll };
