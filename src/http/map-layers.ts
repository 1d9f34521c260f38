/**
 * What the map page draws besides packages: the reference layer (lines such as roads, to find one's
 * place on a plain map), the start view, and an owner's network within a view. All in lon/lat,
 * converted from the engine's EPSG:25832 at this edge.
 */
import { readFileSync } from 'node:fs';
import { declaredCrs, isInternal, normaliseCrs, unprojectPositions, unprojectToLonLat, type Positions } from '../crs/index.js';
import type { Engine } from '../engine.js';
import { LerError } from '../errors.js';
import { readArea } from '../query/area-reader.js';
import type { Conflict } from '../types.js';
import { DEMO_INTEREST_ONLY, demoRoadsFile } from './demo.js';
import type { ServiceContext } from './context.js';
import { ProblemError } from './problem.js';

export interface ReferenceLayer {
  file: string;
  collection: { type: 'FeatureCollection'; features: { type: 'Feature'; geometry: unknown; properties: Record<string, unknown> }[] };
}

/** The reference file: LER_MAP_REFERENCE, else the demo's roads while the demo network is what is loaded. */
export function referenceFile(ctx: Pick<ServiceContext, 'config' | 'engine'>): string | null {
  if (ctx.config.mapReference !== null) return ctx.config.mapReference;
  if (ctx.config.demo && ctx.engine.interestAreaOwners.includes(DEMO_INTEREST_ONLY.owner)) return demoRoadsFile();
  return null;
}


/** Reads a GeoJSON file of reference lines into lon/lat, keeping only a name for each. */
export function readReference(file: string): ReferenceLayer['collection'] {
  let input: { crs?: unknown; features?: unknown };
  try {
    input = JSON.parse(readFileSync(file, 'utf8')) as typeof input;
  } catch (error) {
    throw new LerError('INPUT_SYNTAX', {}, `The reference layer ${file} (LER_MAP_REFERENCE) could not be read: ${(error as Error).message}`);
  }
  const internal = isInternal(normaliseCrs(declaredCrs(input)));
  const features: ReferenceLayer['collection']['features'] = [];
  for (const f of Array.isArray(input.features) ? input.features : []) {
    const g = (f as { geometry?: { type?: unknown; coordinates?: Positions } }).geometry;
    if (g === undefined || g === null || typeof g.type !== 'string' || !Array.isArray(g.coordinates)) continue;
    const props = (f as { properties?: Record<string, unknown> }).properties ?? {};
    const name = props.name ?? props.vejnavn ?? props.navn ?? null;
    features.push({ type: 'Feature', geometry: { type: g.type, coordinates: internal ? unprojectPositions(g.coordinates) : g.coordinates }, properties: name === null ? {} : { name } });
  }
  return { type: 'FeatureCollection', features };
}

/** The reference layer, read once per file. */
export function referenceLayer(ctx: Pick<ServiceContext, 'config' | 'engine'>, cache: { layer: ReferenceLayer | null }): ReferenceLayer | null {
  const file = referenceFile(ctx);
  if (file === null) return null;
  if (cache.layer === null || cache.layer.file !== file) cache.layer = { file, collection: readReference(file) };
  return cache.layer;
}

/** The box of every loaded network, [west, south, east, north]; null when none is loaded. */
export function networksBoxLonLat(engine: Engine): [number, number, number, number] | null {
  const snapshot = engine.snapshot;
  if (snapshot === null) return null;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const part of snapshot.parts) {
    const tree = part.index.chunks.tree;
    if (part.features === 0 || !Number.isFinite(tree.minX)) continue;
    minX = Math.min(minX, tree.minX);
    minY = Math.min(minY, tree.minY);
    maxX = Math.max(maxX, tree.maxX);
    maxY = Math.max(maxY, tree.maxY);
  }
  if (!Number.isFinite(minX)) return null;
  const sw = unprojectToLonLat(minX, minY);
  const ne = unprojectToLonLat(maxX, maxY);
  const nw = unprojectToLonLat(minX, maxY);
  const se = unprojectToLonLat(maxX, minY);
  return [Math.min(sw[0], nw[0]), Math.min(sw[1], se[1]), Math.max(ne[0], se[0]), Math.max(ne[1], nw[1])];
}

/** Largest view an owner's network is drawn in, km² (about 7 x 7 km): beyond, the page asks to zoom in. */
export const MAX_VIEW_KM2 = 50;

/** Parses `minLon,minLat,maxLon,maxLat`; throws OPTION_INVALID naming the parameter. */
export function parseBbox(text: string): [number, number, number, number] {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 4 || !v.every(Number.isFinite) || v[0] >= v[2] || v[1] >= v[3] || v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90) {
    throw new LerError('OPTION_INVALID', { pointer: '/bbox' }, `bbox must be minLon,minLat,maxLon,maxLat with min < max, got ${JSON.stringify(text)}.`);
  }
  return v as [number, number, number, number];
}

/** Area of a lon/lat box, km² (spherical, good enough to bound a view). */
function boxKm2([w, s, e, n]: [number, number, number, number]): number {
  const r = 6371;
  const rad = Math.PI / 180;
  return r * r * (e - w) * rad * Math.abs(Math.sin(n * rad) - Math.sin(s * rad));
}

export interface NetworkView {
  type: 'FeatureCollection';
  features: { type: 'Feature'; id: string | number; geometry: unknown; properties: Record<string, unknown> }[];
  /** Features in the view in all (those listed and those past the limit). */
  total: number;
  truncated: boolean;
}

/**
 * An owner's features within a lon/lat box, cut to it (as a package cuts them), at most `limit`:
 * the owner's own index is asked the box as a dig area.
 */
export function ownerNetworkView(engine: Engine, owner: string, bbox: [number, number, number, number], limit: number): NetworkView {
  const part = engine.snapshot?.parts.find((p) => p.owner === owner);
  if (part === undefined) throw new ProblemError('OWNER_UNKNOWN', { where: { pointer: '/owner' }, detail: `No network of ${JSON.stringify(owner)} is loaded.` });
  const km2 = boxKm2(bbox);
  if (km2 > MAX_VIEW_KM2) throw new ProblemError('MAP_VIEW_TOO_LARGE', { where: { pointer: '/bbox' }, detail: `The view covers ${Math.round(km2)} km²; the network is drawn in views of at most ${MAX_VIEW_KM2} km².` });
  const [w, s, e, n] = bbox;
  const box = { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] };
  // No extent check: a view may reach past Denmark; what lies there has no lines anyway.
  // A box checked by parseBbox: a valid polygon by construction.
  const conflicts: Conflict[] = part.index.query(readArea(box, { crs: 'EPSG:4326', extent: null, validate: false }).prepared, { crs: 'EPSG:4326' });
  const features = conflicts.slice(0, limit).map((c) => ({
    type: 'Feature' as const,
    id: c.featureId,
    geometry: c.geometry,
    properties: { featureType: c.featureType, forsyningsart: c.forsyningsart, fareklasse: c.fareklasse, driftsstatus: c.driftsstatus }
  }));
  return { type: 'FeatureCollection', features, total: conflicts.length, truncated: conflicts.length > limit };
}
