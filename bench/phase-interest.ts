/**
 * Owners' interest areas: which owners a dig area comes within b of. The registry (one rbush over
 * every area's box, then the exact kernel per candidate) against the flat scan it replaces (every
 * owner's every area through the same exact test), side by side on the same digs, with 1 owner, with
 * that owner among thousands placed away from it (the same answer, many more owners registered) and
 * with thousands around it; and the cost of replacing one owner's areas among them all.
 *
 * Synthetic and seeded, over Denmark's extent in EPSG:25832: a 10 x 10 grid of municipality-like
 * cells (45 x 37 km); each owner a few areas 1-20 km across in one cell (some with up to 200
 * vertices, past the kernel's edge-grid threshold), plus three country-wide owners: the whole
 * country as one 400-vertex polygon, and twice the 100 cells as areas of their own.
 */
import RBush from 'rbush';
import { PreparedArea } from '../src/geometry/index.js';
import { InterestRegistry, interestNear, type InterestArea, type InterestHit } from '../src/package/interest.js';
import type { BenchContext } from './context.js';
import { createRng, deriveSeed, type Rng } from './rng.js';
import { fullGc, measure, seconds, settle, sink, summarize, type Latency, type Summary } from './stats.js';

const X0 = 440_000;
const X1 = 890_000;
const Y0 = 6_040_000;
const Y1 = 6_410_000;
const GRID = 10;
const CELL_W = (X1 - X0) / GRID;
const CELL_H = (Y1 - Y0) / GRID;
const KINDS = ['el', 'vand', 'gas', 'fjernvarme', 'tele', 'afloeb', 'olie'];
export const INTEREST_SHAPES = ['building', 'square'] as const;
export type InterestShape = (typeof INTEREST_SHAPES)[number];
export const INTEREST_ZONES = [2, 100];
/**
 * Who is registered when the digs are asked: 'alone' the first owner only; 'one-near' that owner
 * among as many others as 'grid', all placed away from the digs (the answer is the one of 'alone');
 * 'grid' every owner on the grid, many of them near the digs.
 */
export const INTEREST_LAYOUTS = ['alone', 'one-near', 'grid'] as const;
export type InterestLayout = (typeof INTEREST_LAYOUTS)[number];

export interface InterestOptions {
  seed: number;
  smoke: boolean;
  /** Timed passes over the digs; each dig's latency is its best pass. */
  reps: number;
  log: (line: string) => void;
}

export interface InterestRow {
  layout: InterestLayout;
  /** Owners registered (country-wide ones included). */
  owners: number;
  shape: InterestShape;
  b: number;
  digs: number;
  /** Areas whose box meets the dig's box grown by b (what the exact test runs on). */
  candidatesPerDig: number;
  /** Owners in the answer. */
  hitsPerDig: number;
  registry: Latency;
  flat: Latency;
  /** Digs where the registry's answer differs from the flat scan's (must be 0). */
  diffs: number;
}

export interface InterestReport {
  owners: number;
  areas: number;
  countryWide: number;
  verticesPerArea: number;
  /** The registry filled owner by owner with `set`, seconds. */
  buildSeconds: number;
  /** The 'one-near' layout: the first owner, and the others in cells away from its cell. */
  oneNear: {
    areas: number;
    /** Cells of the grid cut out around the first owner's cell (its own and its neighbours). */
    cellsCut: number;
    /** Digs of its rows whose candidates or answer differ from the 'alone' rows' (must be 0). */
    unlikeAlone: number;
  };
  rows: InterestRow[];
  replace: {
    /** Among this many owners, `replaced` of them replaced once each by fresh areas. */
    owners: number;
    replaced: number;
    areasPerOwner: number;
    /** `set` of one owner, µs per call. */
    registry: Summary;
    /** The flat scan's replacement (a Map entry), µs per call. */
    flat: Summary;
    /** The alternative: the whole tree bulk-loaded again (`clear` + `load`), µs per call. */
    rebuild: Summary;
    /** `set` of a country-wide owner (one area per cell). */
    countryWide: { areas: number; registry: Summary };
    /** Building digs at b = 2 once every replacement is in: the tree after many removals and inserts. */
    afterReplace: Latency;
    afterDiffs: number;
  };
}

interface Dig {
  shape: InterestShape;
  area: PreparedArea;
}

interface Owner {
  owner: string;
  /** The grid cell of a regular owner's areas; -1 for a country-wide owner. */
  cell: number;
  areas: InterestArea[];
}

/** A PreparedArea from rings given as flat x, y arrays (closed by the kernel if open). */
function prepareRings(rings: number[][]): PreparedArea {
  const count = rings.reduce((s, r) => s + r.length / 2, 0);
  const xy = new Float64Array(count * 2);
  const starts = new Uint32Array(rings.length + 1);
  let k = 0;
  rings.forEach((ring, i) => {
    starts[i] = k / 2;
    xy.set(ring, k);
    k += ring.length;
  });
  starts[rings.length] = k / 2;
  return new PreparedArea(xy, starts);
}

/** A simple star-shaped polygon around (cx, cy): n vertices at growing angles, radii 0.7..1.3 r. */
function blob(rng: Rng, cx: number, cy: number, r: number, n: number): number[] {
  const ring: number[] = [];
  for (let i = 0; i < n; i++) {
    const angle = ((i + rng.range(0.1, 0.9)) / n) * 2 * Math.PI;
    const radius = r * rng.range(0.7, 1.3);
    ring.push(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
  }
  ring.push(ring[0], ring[1]);
  return ring;
}

/** A rectangle with `perSide` vertices on each side, each moved inward by up to `jitter` metres. */
function denseRect(rng: Rng, x0: number, y0: number, x1: number, y1: number, perSide: number, jitter: number): number[] {
  const ring: number[] = [];
  const corners = [[x0, y0, 1, 0, 0, 1], [x1, y0, 0, 1, -1, 0], [x1, y1, -1, 0, 0, -1], [x0, y1, 0, -1, 1, 0]];
  const w = x1 - x0;
  const h = y1 - y0;
  for (const [cx, cy, dx, dy, nx, ny] of corners) {
    const len = dx !== 0 ? w : h;
    for (let i = 0; i < perSide; i++) {
      const t = (i / perSide) * len;
      // Corners stay put, so that neighbouring cells keep meeting there.
      const inward = i === 0 ? 0 : rng.range(0, jitter);
      ring.push(cx + dx * t + nx * inward, cy + dy * t + ny * inward);
    }
  }
  ring.push(ring[0], ring[1]);
  return ring;
}

function cellBox(cell: number): [number, number, number, number] {
  const x = X0 + (cell % GRID) * CELL_W;
  const y = Y0 + Math.floor(cell / GRID) * CELL_H;
  return [x, y, x + CELL_W, y + CELL_H];
}

/** A regular owner's areas: 1-6 of 1-20 km across in one cell; about a third with 40-200 vertices. */
function ownerAreas(rng: Rng, owner: string, cell: number): InterestArea[] {
  const [x0, y0, x1, y1] = cellBox(cell);
  const n = 1 + rng.int(6);
  const areas: InterestArea[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.range(500, 10_000);
    const vertices = rng.chance(0.3) ? 40 + rng.int(161) : 8 + rng.int(17);
    const ring = blob(rng, rng.range(x0, x1), rng.range(y0, y1), r, vertices);
    areas.push({ area: prepareRings([ring]), contact: `${rng.pick(['vagt', 'drift', 'ledningsoplysning'])}@${owner}.dk`, forsyningsart: rng.pick(KINDS) });
  }
  return areas;
}

/** The cells of a block of the grid: columns c0..c1 and rows r0..r1 (inclusive). */
interface Block {
  c0: number;
  r0: number;
  c1: number;
  r1: number;
}

const inBlock = (cell: number, k: Block): boolean => cell % GRID >= k.c0 && cell % GRID <= k.c1 && Math.floor(cell / GRID) >= k.r0 && Math.floor(cell / GRID) <= k.r1;

/**
 * A country-wide owner's areas; with `cut`, the same less that block of cells: the whole-country
 * polygon as the four rectangles around the block (so that no area's box reaches into it), and the
 * per-cell owners without the block's cells.
 */
function countryWide(rng: Rng, k: number, cut: Block | null = null): InterestArea[] {
  const contact = `ledningsoplysning@landsdaekkende-${k}.dk`;
  if (k === 0) {
    // The whole country as one polygon: its edge grid does the work.
    if (cut === null) return [{ area: prepareRings([denseRect(rng, X0, Y0, X1, Y1, 100, 3000)]), contact, forsyningsart: 'tele' }];
    const [bx0, by0] = cellBox(cut.r0 * GRID + cut.c0);
    const [, , bx1, by1] = cellBox(cut.r1 * GRID + cut.c1);
    const pieces: [number, number, number, number][] = [[X0, Y0, bx0, Y1], [bx1, Y0, X1, Y1], [bx0, Y0, bx1, by0], [bx0, by1, bx1, Y1]];
    // Jittered inward only, so that no vertex moves into the block.
    return pieces.map(([x0, y0, x1, y1]) => ({ area: prepareRings([denseRect(rng, x0, y0, x1, y1, 25, 3000)]), contact, forsyningsart: 'tele' }));
  }
  const areas: InterestArea[] = [];
  for (let cell = 0; cell < GRID * GRID; cell++) {
    if (cut !== null && inBlock(cell, cut)) continue;
    const [x0, y0, x1, y1] = cellBox(cell);
    areas.push({ area: prepareRings([denseRect(rng, x0, y0, x1, y1, 4, 0)]), contact, forsyningsart: k === 1 ? 'el' : 'gas' });
  }
  return areas;
}

/** A building-sized dig (a rotated rectangle of 8-30 m) or a 500 x 500 m square, centred at (cx, cy). */
function makeDig(rng: Rng, shape: InterestShape, cx: number, cy: number): Dig {
  if (shape === 'square') return { shape, area: prepareRings([denseRect(rng, cx - 250, cy - 250, cx + 250, cy + 250, 1, 0)]) };
  const w = rng.range(8, 30) / 2;
  const h = rng.range(8, 30) / 2;
  const a = rng.range(0, Math.PI);
  const c = Math.cos(a);
  const s = Math.sin(a);
  const ring: number[] = [];
  for (const [u, v] of [[-w, -h], [w, -h], [w, h], [-w, h], [-w, -h]]) ring.push(cx + u * c - v * s, cy + u * s + v * c);
  return { shape, area: prepareRings([ring]) };
}

/**
 * The old way, as the peer: every owner's every area through the same exact test (as
 * src/http/interest.ts did, but allocating only for owners hit, so that the scan is what is timed).
 */
class FlatScan {
  private readonly byOwner = new Map<string, readonly InterestArea[]>();

  set(owner: string, areas: readonly InterestArea[]): void {
    if (areas.length === 0) this.byOwner.delete(owner);
    else this.byOwner.set(owner, areas);
  }

  hits(dig: PreparedArea, b: number): InterestHit[] {
    const out: InterestHit[] = [];
    for (const [owner, areas] of this.byOwner) {
      let contacts: Set<string> | null = null;
      let kinds: Set<string> | null = null;
      for (const a of areas) {
        if (!interestNear(a.area, dig, b)) continue;
        contacts ??= new Set();
        kinds ??= new Set();
        contacts.add(a.contact);
        for (const k of typeof a.forsyningsart === 'string' ? [a.forsyningsart] : a.forsyningsart) kinds.add(k);
      }
      if (contacts !== null && kinds !== null) out.push({ owner, contacts: [...contacts], forsyningsart: [...kinds].sort() });
    }
    return out.sort((x, y) => (x.owner < y.owner ? -1 : x.owner > y.owner ? 1 : 0));
  }
}

/** Folds an answer into a number for the sink. */
const weigh = (hits: InterestHit[]): number => hits.reduce((s, h) => s + h.contacts.length + h.forsyningsart.length, hits.length);

const countDiffs = (a: InterestHit[][], b: InterestHit[][]): number => a.reduce((n, x, i) => n + (JSON.stringify(x) === JSON.stringify(b[i]) ? 0 : 1), 0);

/** Times `fn` once per item, µs (no untimed pass: a replacement is done once; `set` is warm from filling the registry). */
function timeCalls<T>(items: readonly T[], fn: (item: T) => void): Summary {
  const times = new Float64Array(items.length);
  items.forEach((item, i) => {
    const t0 = performance.now();
    fn(item);
    times[i] = (performance.now() - t0) * 1000;
  });
  return summarize(times);
}

export function measureInterest(opts: InterestOptions): InterestReport {
  const { smoke, log } = opts;
  const ownerCount = smoke ? 50 : 4000;
  const perShape = smoke ? 10 : 2000;
  const replaced = smoke ? 20 : 2000;
  const rng = createRng(deriveSeed(opts.seed, 'interest', 'owners'));

  // Owners: the regular ones, owner 0 in a middle cell (the digs are around its areas), then the country-wide ones.
  const owners: Owner[] = [];
  const regular = ownerCount - 3;
  const firstCell = 5 * GRID + 5;
  for (let o = 0; o < regular; o++) {
    const owner = `ejer-${String(o).padStart(4, '0')}`;
    const cell = o === 0 ? firstCell : rng.int(GRID * GRID);
    owners.push({ owner, cell, areas: ownerAreas(rng, owner, cell) });
  }
  for (let k = 0; k < 3; k++) owners.push({ owner: `landsdaekkende-${k}`, cell: -1, areas: countryWide(rng, k) });
  const areaCount = owners.reduce((s, o) => s + o.areas.length, 0);
  const vertexCount = owners.reduce((s, o) => s + o.areas.reduce((t, a) => t + a.area.edgeCount, 0), 0);

  // Digs around owner 0's areas (their box grown by 2 km): some inside an area, most near or between them.
  const first = owners[0].areas;
  const box = first.reduce((b, a) => [Math.min(b[0], a.area.minX), Math.min(b[1], a.area.minY), Math.max(b[2], a.area.maxX), Math.max(b[3], a.area.maxY)], [Infinity, Infinity, -Infinity, -Infinity]);
  const digRng = createRng(deriveSeed(opts.seed, 'interest', 'digs'));
  const digs = new Map<InterestShape, Dig[]>(
    INTEREST_SHAPES.map((shape) => [shape, Array.from({ length: perShape }, () => makeDig(digRng, shape, digRng.range(box[0] - 2000, box[2] + 2000), digRng.range(box[1] - 2000, box[3] + 2000)))])
  );

  const registry = new InterestRegistry();
  const flat = new FlatScan();
  const t0 = performance.now();
  for (const o of owners) registry.set(o.owner, o.areas, { owner: o.owner });
  const buildSeconds = seconds(t0);
  for (const o of owners) flat.set(o.owner, o.areas);
  log(`  ${owners.length} owners, ${areaCount} areas (${(vertexCount / areaCount).toFixed(1)} edges each), registry filled in ${buildSeconds.toFixed(3)} s`);

  const timing: Timing = { digs, reps: opts.reps, smoke, log };
  const alone = timeLayout(timing, 'alone', owners.slice(0, 1));
  // In its own call, so that its registry and owners are garbage before the grid's rows and the replacements.
  const near = timeOneNear(timing, owners[0], regular, opts.seed);
  const grid = timeLayout(timing, 'grid', owners, { registry, flat });
  const rows = [...alone.rows, ...near.rows, ...grid.rows];
  // The premise of 'one-near': every dig meets the same candidates and gets the same answer as with owner 0 alone.
  let unlikeAlone = 0;
  for (const [key, mine] of near.answers) {
    const theirs = alone.answers.get(key) ?? [];
    unlikeAlone += mine.reduce((n, a, i) => n + (a === theirs[i] ? 0 : 1), 0);
  }
  log(`  1 owner near among ${owners.length}: ${unlikeAlone} digs whose candidates or answer differ from owner 0 alone`);

  // Replacing owners: fresh areas prepared beforehand, so that only `set` is timed.
  const replaceRng = createRng(deriveSeed(opts.seed, 'interest', 'replace'));
  const picks = Array.from({ length: Math.min(replaced, regular) }, (_, i) => {
    const o = owners[Math.floor((i * regular) / Math.min(replaced, regular))];
    return { owner: o.owner, areas: ownerAreas(replaceRng, o.owner, o.cell) };
  });
  const areasPerOwner = picks.reduce((s, p) => s + p.areas.length, 0) / Math.max(1, picks.length);
  fullGc();
  const replaceRegistry = timeCalls(picks, (p) => registry.set(p.owner, p.areas, { owner: p.owner }));
  const replaceFlat = timeCalls(picks, (p) => flat.set(p.owner, p.areas));
  for (const p of picks) {
    const o = owners.find((x) => x.owner === p.owner);
    if (o) o.areas = p.areas;
  }

  // The alternative to removing and inserting: bulk-loading every owner's boxes into the tree again.
  const items = owners.flatMap((o) => o.areas.map((a) => ({ minX: a.area.minX, minY: a.area.minY, maxX: a.area.maxX, maxY: a.area.maxY, owner: o.owner, a })));
  const tree = new RBush<(typeof items)[number]>();
  const rebuild = timeCalls(Array.from({ length: smoke ? 2 : 10 }, (_, i) => i), () => {
    tree.clear();
    tree.load(items);
    sink.value += tree.all().length > 0 ? 1 : 0;
  });

  const wide = owners[owners.length - 1];
  const wideAgain = countryWide(createRng(deriveSeed(opts.seed, 'interest', 'country')), 2);
  const countryReps = smoke ? 3 : 20;
  const countrySet = timeCalls(Array.from({ length: countryReps }, (_, i) => (i % 2 === 0 ? wideAgain : wide.areas)), (areas) => registry.set(wide.owner, areas, null));
  // Same areas in both: the last call set the original ones back when the count is even, else the fresh ones.
  flat.set(wide.owner, countryReps % 2 === 0 ? wide.areas : wideAgain);

  const buildings = digs.get('building') ?? [];
  const afterMine = buildings.map((d) => registry.hits(d.area, 2));
  const afterDiffs = countDiffs(afterMine, buildings.map((d) => flat.hits(d.area, 2)));
  const afterReplace = measure(buildings, (d) => weigh(registry.hits(d.area, 2)), Infinity, opts.reps);
  log(
    `  replace one owner among ${owners.length}: set ${replaceRegistry.min.toFixed(2)} / ${replaceRegistry.p50.toFixed(2)} / ${replaceRegistry.mean.toFixed(2)} µs (min / p50 / mean, ${areasPerOwner.toFixed(1)} areas), ` +
      `flat scan ${replaceFlat.mean.toFixed(2)} µs, whole tree bulk-loaded ${(rebuild.mean / 1000).toFixed(2)} ms, ` +
      `a country-wide owner (${wideAgain.length} areas) ${countrySet.mean.toFixed(1)} µs; building b = 2 afterwards ${afterReplace.mean.toFixed(2)} µs, ${afterDiffs} differ`
  );

  return {
    owners: owners.length,
    areas: areaCount,
    countryWide: 3,
    verticesPerArea: vertexCount / areaCount,
    buildSeconds,
    oneNear: { areas: near.areas, cellsCut: near.cellsCut, unlikeAlone },
    rows,
    replace: {
      owners: owners.length,
      replaced: picks.length,
      areasPerOwner,
      registry: replaceRegistry,
      flat: replaceFlat,
      rebuild,
      countryWide: { areas: wideAgain.length, registry: countrySet },
      afterReplace,
      afterDiffs
    }
  };
}

interface Timing {
  digs: Map<InterestShape, Dig[]>;
  reps: number;
  smoke: boolean;
  log: (line: string) => void;
}

interface LayoutTimes {
  rows: InterestRow[];
  /** Per shape and b, per dig: its candidates and its answer, as one string. */
  answers: Map<string, string[]>;
}

/** The rows of one layout: the registry and the flat scan (filled from `held` unless given) on every shape and b. */
function timeLayout(t: Timing, layout: InterestLayout, held: readonly Owner[], filled?: { registry: InterestRegistry; flat: FlatScan }): LayoutTimes {
  let reg = filled?.registry;
  let peer = filled?.flat;
  if (reg === undefined || peer === undefined) {
    reg = new InterestRegistry();
    peer = new FlatScan();
    for (const o of held) {
      reg.set(o.owner, o.areas, { owner: o.owner });
      peer.set(o.owner, o.areas);
    }
  }
  if (!t.smoke) settle();
  else fullGc();
  const rows: InterestRow[] = [];
  const answers = new Map<string, string[]>();
  for (const shape of INTEREST_SHAPES) {
    const list = t.digs.get(shape) ?? [];
    for (const b of INTEREST_ZONES) {
      const mine = list.map((d) => reg.hits(d.area, b));
      const theirs = list.map((d) => peer.hits(d.area, b));
      const perDig = list.map((d) => candidateCount(held, d.area, b));
      answers.set(`${shape} ${b}`, mine.map((h, i) => `${perDig[i]} ${JSON.stringify(h)}`));
      const row: InterestRow = {
        layout,
        owners: held.length,
        shape,
        b,
        digs: list.length,
        candidatesPerDig: perDig.reduce((s, c) => s + c, 0) / Math.max(1, list.length),
        hitsPerDig: mine.reduce((s, h) => s + h.length, 0) / Math.max(1, list.length),
        registry: measure(list, (d) => weigh(reg.hits(d.area, b)), Infinity, t.reps),
        flat: measure(list, (d) => weigh(peer.hits(d.area, b)), Infinity, t.reps),
        diffs: countDiffs(mine, theirs)
      };
      rows.push(row);
      t.log(
        `  ${held.length} owner(s) (${layout}), ${shape}, b = ${b}: registry ${row.registry.min.toFixed(2)} / ${row.registry.mean.toFixed(2)} µs, ` +
          `flat scan ${row.flat.min.toFixed(2)} / ${row.flat.mean.toFixed(2)} µs (min / mean); ${row.candidatesPerDig.toFixed(1)} candidates, ` +
          `${row.hitsPerDig.toFixed(1)} owners hit per dig; ${row.diffs} differ`
      );
    }
  }
  return { rows, answers };
}

/**
 * The 'one-near' layout: owner 0 where it is, and as many other owners as on the grid, all away from
 * the digs: the regular ones in cells at least two cells from owner 0's (an area reaches at most 13 km
 * past its cell, a dig about 15 km past owner 0's cell, and the cells are 45 x 37 km), the
 * country-wide ones with the 3 x 3 block of cells around owner 0's cut out.
 */
function timeOneNear(t: Timing, first: Owner, regular: number, seed: number): LayoutTimes & { areas: number; cellsCut: number } {
  const cut: Block = { c0: (first.cell % GRID) - 1, r0: Math.floor(first.cell / GRID) - 1, c1: (first.cell % GRID) + 1, r1: Math.floor(first.cell / GRID) + 1 };
  const away = Array.from({ length: GRID * GRID }, (_, c) => c).filter((c) => !inBlock(c, cut));
  const rng = createRng(deriveSeed(seed, 'interest', 'one-near'));
  const held: Owner[] = [{ ...first }];
  for (let o = 1; o < regular; o++) {
    const owner = `ejer-${String(o).padStart(4, '0')}`;
    const cell = away[rng.int(away.length)];
    held.push({ owner, cell, areas: ownerAreas(rng, owner, cell) });
  }
  for (let k = 0; k < 3; k++) held.push({ owner: `landsdaekkende-${k}`, cell: -1, areas: countryWide(rng, k, cut) });
  const areas = held.reduce((s, o) => s + o.areas.length, 0);
  t.log(`  1 owner near the digs among ${held.length}: ${areas} areas; the others in ${away.length} of ${GRID * GRID} cells`);
  return { ...timeLayout(t, 'one-near', held), areas, cellsCut: GRID * GRID - away.length };
}

/** Areas whose box meets the dig's box grown by b, among the owners given. */
function candidateCount(owners: readonly { areas: InterestArea[] }[], dig: PreparedArea, b: number): number {
  let count = 0;
  for (const o of owners) {
    for (const { area: a } of o.areas) {
      if (a.minX <= dig.maxX + b && a.maxX >= dig.minX - b && a.minY <= dig.maxY + b && a.maxY >= dig.minY - b) count++;
    }
  }
  return count;
}

/** The phase in a full run: fills `report.interest` and reports differing answers as problems. */
export function runInterest(ctx: BenchContext): void {
  const { opts, report } = ctx;
  opts.log('interest areas: rbush registry vs flat scan');
  const result = measureInterest({ seed: opts.seed, smoke: opts.smoke, reps: opts.reps, log: opts.log });
  report.interest = result;
  for (const row of result.rows) {
    if (row.diffs > 0) report.problems.push(`Interest areas, ${row.owners} owner(s) (${row.layout}), ${row.shape}, b = ${row.b}: ${row.diffs} digs where the registry and the flat scan differ.`);
  }
  if (result.oneNear.unlikeAlone > 0) {
    report.problems.push(`Interest areas, 1 owner near among ${result.owners}: ${result.oneNear.unlikeAlone} digs whose candidates or answer differ from the first owner's alone (the others came near the digs).`);
  }
  if (result.replace.afterDiffs > 0) report.problems.push(`Interest areas after replacements: ${result.replace.afterDiffs} building digs where the registry and the flat scan differ.`);
}
