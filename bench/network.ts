/**
 * A seeded, realistic utility network for the benchmark. Six owners lay their cables and pipes
 * along the real Danish road centrelines, each a few metres to its own side of the road, with LER
 * 2.0 attributes drawn from the seeded generator; the whole is tiled by shifting copies by tens of
 * kilometres until it reaches national scale (49 tiles: about 1.77 M features, 10.8 M line segments).
 *
 * Z is dropped: the engine works in the plane, and 2-D input keeps the coordinate columns to 16
 * bytes per vertex, as a utility's plan view would be.
 *
 * Features are produced owner by owner from a generator, so a caller can build one owner's index,
 * drop its GeoJSON and go on: the GeoJSON of the full network would take several gigabytes of heap.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Feature, Geometry } from '../src/types.js';
import { NOEJAGTIGHEDSKLASSE } from '../src/model/ler.js';
import { REQUIRED_FROM } from '../src/rules/ler-rules.js';
import { LER_CUTOFF } from '../src/rules/ler-restrictions.js';
import { clean2d, offsetPolyline, pathLength, type Pt } from './geom.js';
import { createRng, deriveSeed, type Rng } from './rng.js';

const DATA = process.env.LER_SHARED_DATA ?? fileURLToPath(new URL('../../shared/data/', import.meta.url));
export const ROADS_FILE = `${DATA}dk/road-centrelines.25832.geojson`;
export const BUILDINGS_FILE = `${DATA}dk/buildings.25832.geojson`;
/** The smoke pass's roads and buildings, cut from the same data into the project (fixtures/bench/make-sample.ts). */
const SAMPLE = fileURLToPath(new URL('../fixtures/bench/', import.meta.url));
export const SMOKE_ROADS_FILE = `${SAMPLE}smoke-roads.25832.geojson`;
export const SMOKE_BUILDINGS_FILE = `${SAMPLE}smoke-buildings.25832.geojson`;

/** The road and building files a run reads: the project's sample for a smoke pass, else the shared data. */
export function dataFiles(smoke: boolean): { roads: string; buildings: string } {
  return smoke ? { roads: SMOKE_ROADS_FILE, buildings: SMOKE_BUILDINGS_FILE } : { roads: ROADS_FILE, buildings: BUILDINGS_FILE };
}

/** One road centreline, 2-D, without repeated vertices. */
export interface Road {
  index: number;
  path: Pt[];
  length: number;
}

interface RawCollection {
  features: { geometry: { type: string; coordinates: number[][] | number[][][] } }[];
}

export function loadRoads(file = ROADS_FILE): Road[] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawCollection;
  const roads: Road[] = [];
  raw.features.forEach((f, index) => {
    if (f.geometry.type !== 'LineString') return;
    const path = clean2d(f.geometry.coordinates as number[][]);
    if (path.length >= 2) roads.push({ index, path, length: pathLength(path) });
  });
  return roads;
}

/** Building footprints as 2-D polygon rings. */
export function loadBuildings(file = BUILDINGS_FILE): Pt[][][] {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as RawCollection;
  return raw.features
    .filter((f) => f.geometry.type === 'Polygon')
    .map((f) => (f.geometry.coordinates as number[][][]).map((ring) => clean2d(ring)))
    .filter((rings) => rings[0].length >= 4);
}

/** The densest part of the road data: a smoke run takes the roads nearest to it. */
const SUBSET_CENTRE: Pt = [585500, 6135500];

/** The `count` roads whose first vertex lies nearest the subset centre. */
export function roadSubset(roads: readonly Road[], count: number): Road[] {
  const d = (r: Road): number => Math.hypot(r.path[0][0] - SUBSET_CENTRE[0], r.path[0][1] - SUBSET_CENTRE[1]);
  return [...roads].sort((a, b) => d(a) - d(b) || a.index - b.index).slice(0, count);
}

const TILE_STEPS = [-80_000, -40_000, 0, 40_000, 80_000, 120_000, 160_000];

/**
 * Tile shifts, the unshifted data first, then outwards. The 7 x 7 grid keeps every copy inside
 * Denmark's extent [420000, 6030000, 920000, 6430000].
 */
export function tileOffsets(count = TILE_STEPS.length ** 2): Pt[] {
  const all: Pt[] = [];
  for (const dx of TILE_STEPS) for (const dy of TILE_STEPS) all.push([dx, dy]);
  all.sort((a, b) => Math.abs(a[0]) + Math.abs(a[1]) - (Math.abs(b[0]) + Math.abs(b[1])) || a[0] - b[0] || a[1] - b[1]);
  return all.slice(0, Math.max(1, Math.min(count, all.length)));
}

/** One utility: what it lays, and on which side of the road. */
export interface OwnerSpec {
  id: string;
  short: string;
  lineType: string;
  componentType: string;
  forsyningsart: string;
  /** Signed lateral offset from the road centreline, metres (positive = left). */
  offset: number;
  /** Outer diameters in mm this owner's lines come in. */
  diameters: readonly number[];
  fareklasse: readonly [ikke: number, farlig: number, megetFarlig: number];
  traces: boolean;
}

/** Line types that are pipes (LER's Roerledning). */
const PIPES = new Set(['Vandledning', 'Afloebsledning', 'Gasledning', 'TermiskLedning', 'Olieledning']);

export const OWNERS: readonly OwnerSpec[] = [
  { id: 'dk-el', short: 'el', lineType: 'Elledning', componentType: 'Elkomponent', forsyningsart: 'el', offset: -3.8, diameters: [24, 32, 42, 56, 75, 110], fareklasse: [35, 45, 20], traces: true },
  { id: 'dk-vand', short: 'vand', lineType: 'Vandledning', componentType: 'Vandkomponent', forsyningsart: 'vand', offset: 2.2, diameters: [63, 90, 110, 160, 225, 315, 400], fareklasse: [85, 15, 0], traces: false },
  { id: 'dk-afloeb', short: 'afloeb', lineType: 'Afloebsledning', componentType: 'Afloebskomponent', forsyningsart: 'afløb', offset: 0.6, diameters: [110, 160, 200, 250, 315, 400, 500, 600, 800, 1000], fareklasse: [90, 10, 0], traces: false },
  { id: 'dk-gas', short: 'gas', lineType: 'Gasledning', componentType: 'Gaskomponent', forsyningsart: 'gas', offset: 3.3, diameters: [32, 40, 63, 90, 125, 160, 200, 315], fareklasse: [5, 55, 40], traces: false },
  { id: 'dk-fjernvarme', short: 'fv', lineType: 'TermiskLedning', componentType: 'TermiskKomponent', forsyningsart: 'fjernvarme/fjernkøling', offset: -1.6, diameters: [90, 110, 140, 200, 250, 315, 450, 560], fareklasse: [15, 60, 25], traces: false },
  { id: 'dk-tele', short: 'tele', lineType: 'Telekommunikationsledning', componentType: 'Telekommunikationskomponent', forsyningsart: 'telekommunikation', offset: -2.7, diameters: [7, 10, 14, 20, 32, 40, 50], fareklasse: [92, 8, 0], traces: true }
];

export interface NetworkOptions {
  seed: number;
  /** Number of tile copies (1..49); default 49. */
  tiles?: number;
  /** Only the this many roads nearest the densest area; default all. */
  roads?: number;
  /** Accuracy classes, diameters and trace widths (features get margins); default true. */
  margins?: boolean;
  /** Components (points, small polygons) and traces besides the lines; default true. */
  extras?: boolean;
}

/** Everything the generator and the dig areas need to agree on. */
export interface NetworkPlan {
  seed: number;
  tiles: Pt[];
  roads: Road[];
  margins: boolean;
  extras: boolean;
}

export function planNetwork(opts: NetworkOptions, allRoads: Road[] = loadRoads()): NetworkPlan {
  return {
    seed: opts.seed,
    tiles: tileOffsets(opts.tiles),
    roads: opts.roads !== undefined && opts.roads < allRoads.length ? roadSubset(allRoads, opts.roads) : allRoads,
    margins: opts.margins ?? true,
    extras: opts.extras ?? true
  };
}

const ACCURACY_WEIGHTS = [14, 34, 30, 14, 5];
const mm = (v: number): number => Math.round(v * 1000) / 1000;
/** A path moved by a tile offset and rounded to millimetres, without repeated vertices. */
function shift(path: readonly Pt[], [dx, dy]: Pt): number[][] {
  const out: number[][] = [];
  for (const p of path) {
    const x = mm(p[0] + dx);
    const y = mm(p[1] + dy);
    const last = out[out.length - 1];
    if (!last || last[0] !== x || last[1] !== y) out.push([x, y]);
  }
  return out;
}

function date(rng: Rng): string {
  const year = 1955 + rng.int(70);
  return `${year}-${String(1 + rng.int(12)).padStart(2, '0')}-${String(1 + rng.int(28)).padStart(2, '0')}`;
}

/** Attributes every line, trace and component of an owner carries. */
function commonProperties(rng: Rng, owner: OwnerSpec, featureType: string, margins: boolean): Record<string, unknown> {
  const fare = rng.weighted(['ikke farlig', 'farlig', 'meget farlig'], owner.fareklasse);
  const props: Record<string, unknown> = {
    featureType,
    forsyningsart: owner.forsyningsart,
    fareklasse: fare,
    driftsstatus: rng.weighted(['i drift', 'under etablering', 'permanent ude af drift'], [90, 4, 6]),
    indtegningsmetode: rng.weighted(['nøjagtigt', 'forskudt', 'skematisk'], [70, 20, 10]),
    niveau: rng.weighted(['under terræn', 'delvist under terræn', 'over terræn'], [96, 3, 1]),
    ejerskabsforhold: rng.weighted(['ejet af udleverende ledningsejer', 'ejet af anden ledningsejer', 'uden ejer'], [94, 5, 1]),
    etableringstidspunkt: date(rng)
  };
  if (margins && !rng.chance(0.03)) props.noejagtighedsklasse = rng.weighted(NOEJAGTIGHEDSKLASSE, ACCURACY_WEIGHTS);
  // LER 2.0 requires the class on lines laid from 2023-07-01 on: those few of the 3 % without one get a
  // fixed class, drawing nothing, so every other feature of the seeded stream stays as it was.
  else if (margins && String(props.etableringstidspunkt) >= REQUIRED_FROM) props.noejagtighedsklasse = NOEJAGTIGHEDSKLASSE[2];
  // LER 2.2 wants the vertical class too of a line or trace laid after its cut-off (nøjagtighedsklasseVertikalVoidrestriktion):
  // the horizontal one, drawing nothing.
  if (props.noejagtighedsklasse !== undefined && String(props.etableringstidspunkt) > LER_CUTOFF && !featureType.endsWith('komponent')) props.noejagtighedsklasseVertikal = props.noejagtighedsklasse;
  if (fare === 'meget farlig') props.sikkerhedshensyn = 'Ledningen skal påvises før gravning; håndgravning inden for 1 m.';
  return props;
}

/** The type-specific attributes of a line. */
function lineProperties(rng: Rng, owner: OwnerSpec, margins: boolean): Record<string, unknown> {
  const props = commonProperties(rng, owner, owner.lineType, margins);
  if (margins) props.udvendigDiameter = rng.pick(owner.diameters);
  props.vejledendeDybde = 100 * (4 + rng.int(12));
  switch (owner.lineType) {
    case 'Elledning':
      props.type = rng.weighted(['forsyningskabel', 'stikkabel', 'vejbelysningskabel', 'signalkabel'], [50, 30, 15, 5]);
      props.spaendingsniveau = rng.weighted([0.4, 10, 20, 60], [60, 25, 12, 3]);
      props.antalKabler = 1 + rng.int(4);
      break;
    case 'Gasledning':
      props.type = rng.weighted(['fordelingsledning', 'distributionsledning', 'stikledning', 'transmissionsledning'], [40, 35, 23, 2]);
      props.tryk = rng.pick([0.1, 4, 7, 19, 50]);
      props.medium = rng.weighted(['naturgas', 'brint', 'LNG/LBG'], [95, 2, 3]);
      break;
    case 'TermiskLedning':
      props.temperatur = rng.pick([60, 70, 80, 95, 110]);
      props.tryk = rng.pick([6, 10, 16, 25]);
      break;
    case 'Telekommunikationsledning':
      props.type = rng.weighted(['fiberkabel', 'kobberkabel', 'coaxkabel'], [65, 25, 10]);
      break;
    default:
      props.udvendigMateriale = rng.pick(['PE', 'PVC', 'beton', 'støbejern', 'PP']);
  }
  return props;
}

function squareAround(rng: Rng, [cx, cy]: number[]): number[][][] {
  const half = rng.range(0.4, 1.25);
  const angle = rng.range(0, Math.PI / 2);
  const ring: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const a = angle + (k * Math.PI) / 2;
    ring.push([mm(cx + half * Math.SQRT2 * Math.cos(a)), mm(cy + half * Math.SQRT2 * Math.sin(a))]);
  }
  ring.push([ring[0][0], ring[0][1]]);
  return [ring];
}

/**
 * The features of one owner, tile by tile, road by road. Each (owner, tile) has its own random
 * stream, so a tile's features do not depend on how many tiles are generated.
 */
export function* ownerFeatures(plan: NetworkPlan, owner: OwnerSpec): Generator<Feature> {
  for (let t = 0; t < plan.tiles.length; t++) {
    const tile = plan.tiles[t];
    const rng = createRng(deriveSeed(plan.seed, owner.id, t));
    for (const road of plan.roads) {
      const base = `${owner.short}-${t}-${road.index}`;
      const side = offsetPolyline(road.path, owner.offset + rng.range(-0.3, 0.3));
      if (!side) continue;
      const coords = shift(side, tile);
      if (coords.length < 2) continue;
      const properties = lineProperties(rng, owner, plan.margins);
      // LER 2.2: a pipe laid after its cut-off is surveyed in 3-D (geometriVertikaleKoordinaterRestriktion):
      // its top at the depth it gives, under level ground at 10 m (DVR90). Drawing nothing, so the stream stays.
      const surveyed = PIPES.has(owner.lineType) && String(properties.etableringstidspunkt) > LER_CUTOFF;
      const lineCoords = surveyed ? coords.map((p) => [p[0], p[1], mm(10 - Number(properties.vejledendeDybde) / 1000)]) : coords;
      let geometry: Geometry = { type: 'LineString', coordinates: lineCoords };
      // A few lines have a gap where they were never surveyed: one feature, two parts.
      if (coords.length >= 4 && rng.chance(0.01)) {
        const k = 1 + rng.int(coords.length - 3);
        geometry = { type: 'MultiLineString', coordinates: [lineCoords.slice(0, k + 1), lineCoords.slice(k + 1)] };
      }
      yield { type: 'Feature', id: base, geometry, properties };
      if (!plan.extras) continue;

      if (owner.traces && rng.chance(0.03)) {
        const trace = offsetPolyline(road.path, owner.offset + (owner.offset < 0 ? -0.9 : 0.9));
        const traceCoords = trace ? shift(trace, tile) : [];
        if (traceCoords.length >= 2) {
          const props = commonProperties(rng, owner, 'Ledningstrace', plan.margins);
          if (plan.margins) props.bredde = Math.round(rng.range(0.3, 1.5) * 10) / 10;
          // LER 2.2: a trace laid after its cut-off, of unknown height, gives its depth (vejledendeDybdeBetingelse).
          if (String(props.etableringstidspunkt) > LER_CUTOFF) props.vejledendeDybde = 600;
          yield { type: 'Feature', id: `${base}-t`, geometry: { type: 'LineString', coordinates: traceCoords }, properties: props };
        }
      }
      if (rng.chance(0.05)) {
        const at = coords[rng.int(coords.length)];
        const props = commonProperties(rng, owner, owner.componentType, plan.margins);
        const geom: Geometry = rng.chance(0.7)
          ? { type: 'Point', coordinates: [mm(at[0] + rng.range(-0.5, 0.5)), mm(at[1] + rng.range(-0.5, 0.5))] }
          : { type: 'Polygon', coordinates: squareAround(rng, at) };
        yield { type: 'Feature', id: `${base}-k`, geometry: geom, properties: props };
      }
    }
  }
}

/** All owners' features in memory at once: for small networks (tests, smoke runs). */
export function generateNetwork(opts: NetworkOptions): { plan: NetworkPlan; owners: { owner: string; features: Feature[] }[] } {
  const plan = planNetwork(opts);
  return { plan, owners: OWNERS.map((o) => ({ owner: o.id, features: [...ownerFeatures(plan, o)] })) };
}

/** Number of segments of a geometry: what the index chunks. */
export function segmentsOf(g: Geometry): number {
  switch (g.type) {
    case 'LineString':
      return g.coordinates.length - 1;
    case 'MultiLineString':
    case 'Polygon':
      return g.coordinates.reduce((s, part) => s + part.length - 1, 0);
    case 'MultiPolygon':
      return g.coordinates.reduce((s, poly) => s + poly.reduce((t, ring) => t + ring.length - 1, 0), 0);
    default:
      return 0;
  }
}
