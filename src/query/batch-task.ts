/**
 * A batch task: a few hundred dig areas packed into one ArrayBuffer (moved to a worker, not
 * copied), checked against one snapshot by the same code inline or in a worker, and the exact
 * pairs packed into one ArrayBuffer on the way back.
 */
import { PreparedArea } from '../geometry/index.js';
import { GeomType } from '../index/columns.js';
import type { NetworkIndex } from '../index/network-index.js';
import { FAREKLASSE, FORSYNINGSART_OTHER } from '../model/ler.js';
import { ZONE_DIG_AREA } from '../index/search.js';

/** The areas of a task as flat arrays over one buffer. */
export interface TaskAreas {
  /** Where each area's answer goes (the caller's slot numbers). */
  slots: Uint32Array;
  /** First ring of each area, then the ring count: areas + 1 entries. */
  areaRings: Uint32Array;
  /** First vertex of each ring, then the vertex count: rings + 1 entries. */
  ringStarts: Uint32Array;
  /** Vertices, x0, y0, x1, y1, ... in EPSG:25832. */
  xy: Float64Array;
}

/**
 * The answer of a task as flat arrays over one buffer: every area's pairs, and per area what its
 * summary needs, summed up where the pairs are (so the thread that receives them does no work
 * per pair unless it wants every conflict).
 */
export interface TaskPairs {
  slots: Uint32Array;
  /** Area k's pairs are pairStart[k] .. pairStart[k + 1] - 1. */
  pairStart: Uint32Array;
  feature: Uint32Array;
  zone: Uint8Array;
  distance: Float64Array;
  lengthInside: Float64Array;
  /** Per area: pairs in the dig area. */
  inDigArea: Uint32Array;
  /** Per area: length inside summed over its pairs. */
  areaLength: Float64Array;
  /** Per area: the pair of its most dangerous line (see MOST_DANGEROUS), or -1. */
  worst: Int32Array;
  /** Per area, COUNT_SLOTS counts: by forsyningsart code (0 absent .. FORSYNINGSART_OTHER), then by fareklasse code. */
  counts: Uint32Array;
  /** Per area, its distinct owner codes (sorted): owners[ownerStart[k] .. ownerStart[k + 1] - 1]. */
  ownerStart: Uint32Array;
  owners: Uint32Array;
}

/** Count slots per area: forsyningsart codes 0..FORSYNINGSART_OTHER, then fareklasse codes 0..3. */
export const SUPPLY_SLOTS = FORSYNINGSART_OTHER + 1;
export const COUNT_SLOTS = SUPPLY_SLOTS + FAREKLASSE.length + 1;

/** What packAreas needs of an area. */
export interface AreaRings {
  xy: Float64Array;
  /** First vertex of each ring, then the vertex count. */
  ringStarts: Uint32Array;
}

const align8 = (n: number): number => (n + 7) & ~7;

function areasBytes(n: number, rings: number, vertices: number): number {
  return align8(16 + 4 * n + 4 * (n + 1) + 4 * (rings + 1)) + 16 * vertices;
}

/** Views over a buffer made by packTask. */
export function viewAreas(buffer: ArrayBuffer): TaskAreas {
  const [n, rings, vertices] = new Uint32Array(buffer, 0, 3);
  if (buffer.byteLength !== areasBytes(n, rings, vertices)) throw new RangeError(`Not a packed task buffer (${buffer.byteLength} bytes).`);
  return viewAreasOf(buffer, n, rings, vertices);
}

function viewAreasOf(buffer: ArrayBuffer, n: number, rings: number, vertices: number): TaskAreas {
  let at = 16;
  const slots = new Uint32Array(buffer, at, n);
  at += 4 * n;
  const areaRings = new Uint32Array(buffer, at, n + 1);
  at += 4 * (n + 1);
  const ringStarts = new Uint32Array(buffer, at, rings + 1);
  at = align8(at + 4 * (rings + 1));
  return { slots, areaRings, ringStarts, xy: new Float64Array(buffer, at, 2 * vertices) };
}

/** Packs areas into one buffer; area k's answer goes to slot slots[k]. */
export function packTask(areas: readonly AreaRings[], slots: ArrayLike<number>): ArrayBuffer {
  let rings = 0;
  let vertices = 0;
  for (const a of areas) {
    rings += a.ringStarts.length - 1;
    vertices += a.xy.length >> 1;
  }
  const n = areas.length;
  const buffer = new ArrayBuffer(areasBytes(n, rings, vertices));
  new Uint32Array(buffer, 0, 3).set([n, rings, vertices]);
  const t = viewAreasOf(buffer, n, rings, vertices);
  let r = 0;
  let v = 0;
  for (let k = 0; k < n; k++) {
    const a = areas[k];
    t.slots[k] = slots[k];
    t.areaRings[k] = r;
    const ringCount = a.ringStarts.length - 1;
    for (let i = 0; i < ringCount; i++) t.ringStarts[r++] = v + a.ringStarts[i];
    t.xy.set(a.xy, 2 * v);
    v += a.xy.length >> 1;
  }
  t.areaRings[n] = r;
  t.ringStarts[r] = v;
  return buffer;
}

/**
 * Checks every area of a packed task against the index with information zone b (a corridor of
 * the given radius around each area's rings when radius > 0) and packs the exact pairs of each. The same code runs inline and in the workers.
 */
export function runTask(index: NetworkIndex, buffer: ArrayBuffer, b: number, prepared = new PreparedArea(), radius = 0): ArrayBuffer {
  const t = viewAreas(buffer);
  const n = t.slots.length;
  const { featureOwner, forsyningsart, fareklasse, geomType } = index.columns;
  const pairStart = new Uint32Array(n + 1);
  const inDigArea = new Uint32Array(n);
  const areaLength = new Float64Array(n);
  const worst = new Int32Array(n).fill(-1);
  const counts = new Uint32Array(n * COUNT_SLOTS);
  const ownerStart = new Uint32Array(n + 1);
  let ownerList = new Uint32Array(Math.max(16, n));
  let owners = 0;
  let cap = 256;
  let feature = new Uint32Array(cap);
  let zone = new Uint8Array(cap);
  let distance = new Float64Array(cap);
  let lengthInside = new Float64Array(cap);
  let m = 0;
  for (let k = 0; k < n; k++) {
    pairStart[k] = m;
    ownerStart[k] = owners;
    const r0 = t.areaRings[k];
    const r1 = t.areaRings[k + 1];
    prepared.prepare(t.xy, t.ringStarts.subarray(r0, r1 + 1), r1 - r0);
    const r = index.pairsOf(prepared, b, radius);
    if (m + r.count > cap) {
      cap = Math.max(2 * cap, m + r.count);
      feature = grown(feature, cap);
      zone = grown(zone, cap);
      distance = grown(distance, cap);
      lengthInside = grown(lengthInside, cap);
    }
    // Sums for the summary, while the pairs are at hand.
    const c0 = k * COUNT_SLOTS;
    let dig = 0;
    let length = 0;
    let worstPair = -1;
    let worstRank = -1;
    for (let j = 0; j < r.count; j++) {
      const f = r.feature[j];
      const p = m + j;
      feature[p] = f;
      zone[p] = r.zone[j];
      distance[p] = r.distance[j];
      lengthInside[p] = r.lengthInside[j];
      const inside = r.zone[j] === ZONE_DIG_AREA;
      if (inside) dig++;
      length += r.lengthInside[j];
      counts[c0 + forsyningsart[f]]++;
      counts[c0 + SUPPLY_SLOTS + fareklasse[f]]++;
      const owner = featureOwner[f];
      let seen = false;
      for (let o = ownerStart[k]; o < owners; o++) if (ownerList[o] === owner) seen = true;
      if (!seen) {
        if (owners === ownerList.length) ownerList = grown(ownerList, 2 * owners);
        ownerList[owners++] = owner;
      }
      const g = geomType[f];
      if (g === GeomType.LineString || g === GeomType.MultiLineString) {
        // The most dangerous line: danger class first, then in the dig area, then nearer.
        const rank = fareklasse[f] * 2 + (inside ? 1 : 0);
        if (rank > worstRank || (rank === worstRank && r.distance[j] < distance[worstPair])) {
          worstPair = p;
          worstRank = rank;
        }
      }
    }
    ownerList.subarray(ownerStart[k], owners).sort();
    inDigArea[k] = dig;
    areaLength[k] = length;
    worst[k] = worstPair;
    m += r.count;
  }
  pairStart[n] = m;
  ownerStart[n] = owners;
  const out = new ArrayBuffer(pairsBytes(n, m, owners));
  new Uint32Array(out, 0, 3).set([n, m, owners]);
  const p = viewPairs(out);
  p.slots.set(t.slots);
  p.pairStart.set(pairStart);
  p.feature.set(feature.subarray(0, m));
  p.zone.set(zone.subarray(0, m));
  p.distance.set(distance.subarray(0, m));
  p.lengthInside.set(lengthInside.subarray(0, m));
  p.inDigArea.set(inDigArea);
  p.areaLength.set(areaLength);
  p.worst.set(worst);
  p.counts.set(counts);
  p.ownerStart.set(ownerStart);
  p.owners.set(ownerList.subarray(0, owners));
  return out;
}

function grown<T extends Uint32Array | Uint8Array | Float64Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

function pairsBytes(n: number, m: number, owners: number): number {
  // Float64 sections first, then 4-byte ones, then bytes.
  return 16 + 8 * (2 * m + n) + 4 * (n + (n + 1) + m + n + n + COUNT_SLOTS * n + (n + 1) + owners) + m;
}

/** Views over a buffer made by runTask. */
export function viewPairs(buffer: ArrayBuffer): TaskPairs {
  const [n, m, owners] = new Uint32Array(buffer, 0, 3);
  if (buffer.byteLength !== pairsBytes(n, m, owners)) throw new RangeError(`Not a packed result buffer (${buffer.byteLength} bytes).`);
  let at = 16;
  const f64 = (count: number): Float64Array => {
    const a = new Float64Array(buffer, at, count);
    at += 8 * count;
    return a;
  };
  const u32 = (count: number): Uint32Array => {
    const a = new Uint32Array(buffer, at, count);
    at += 4 * count;
    return a;
  };
  const distance = f64(m);
  const lengthInside = f64(m);
  const areaLength = f64(n);
  const slots = u32(n);
  const pairStart = u32(n + 1);
  const feature = u32(m);
  const worst = new Int32Array(buffer, at, n);
  at += 4 * n;
  const inDigArea = u32(n);
  const counts = u32(COUNT_SLOTS * n);
  const ownerStart = u32(n + 1);
  const ownerCodes = u32(owners);
  const zone = new Uint8Array(buffer, at, m);
  return { slots, pairStart, feature, zone, distance, lengthInside, inDigArea, areaLength, worst, counts, ownerStart, owners: ownerCodes };
}
