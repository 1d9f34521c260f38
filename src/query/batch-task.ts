/**
 * A batch task: a few hundred dig areas packed into one ArrayBuffer (moved to a worker, not
 * copied), checked against one snapshot by the same code inline or in a worker, and the exact
 * pairs packed into one ArrayBuffer on the way back.
 */
import { PreparedArea } from '../geometry/index.js';
import type { NetworkIndex } from '../index/network-index.js';

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

/** The pairs of every area of a task, as flat arrays over one buffer. */
export interface TaskPairs {
  slots: Uint32Array;
  /** Area k's pairs are pairStart[k] .. pairStart[k + 1] - 1. */
  pairStart: Uint32Array;
  feature: Uint32Array;
  zone: Uint8Array;
  distance: Float64Array;
  lengthInside: Float64Array;
}

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
  const pairStart = new Uint32Array(n + 1);
  let cap = 256;
  let feature = new Uint32Array(cap);
  let zone = new Uint8Array(cap);
  let distance = new Float64Array(cap);
  let lengthInside = new Float64Array(cap);
  let m = 0;
  for (let k = 0; k < n; k++) {
    pairStart[k] = m;
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
    feature.set(r.feature.subarray(0, r.count), m);
    zone.set(r.zone.subarray(0, r.count), m);
    distance.set(r.distance.subarray(0, r.count), m);
    lengthInside.set(r.lengthInside.subarray(0, r.count), m);
    m += r.count;
  }
  pairStart[n] = m;
  const out = new ArrayBuffer(pairsBytes(n, m));
  new Uint32Array(out, 0, 2).set([n, m]);
  const p = viewPairs(out);
  p.slots.set(t.slots);
  p.pairStart.set(pairStart);
  p.feature.set(feature.subarray(0, m));
  p.zone.set(zone.subarray(0, m));
  p.distance.set(distance.subarray(0, m));
  p.lengthInside.set(lengthInside.subarray(0, m));
  return out;
}

function grown<T extends Uint32Array | Uint8Array | Float64Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

function pairsBytes(n: number, m: number): number {
  return 16 + 16 * m + align8(4 * n + 4 * (n + 1) + 4 * m + m);
}

/** Views over a buffer made by runTask. */
export function viewPairs(buffer: ArrayBuffer): TaskPairs {
  const [n, m] = new Uint32Array(buffer, 0, 2);
  if (buffer.byteLength !== pairsBytes(n, m)) throw new RangeError(`Not a packed result buffer (${buffer.byteLength} bytes).`);
  let at = 16;
  const distance = new Float64Array(buffer, at, m);
  at += 8 * m;
  const lengthInside = new Float64Array(buffer, at, m);
  at += 8 * m;
  const slots = new Uint32Array(buffer, at, n);
  at += 4 * n;
  const pairStart = new Uint32Array(buffer, at, n + 1);
  at += 4 * (n + 1);
  const feature = new Uint32Array(buffer, at, m);
  at += 4 * m;
  return { slots, pairStart, feature, zone: new Uint8Array(buffer, at, m), distance, lengthInside };
}
