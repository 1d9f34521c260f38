/**
 * Answers of one dig as comparable sets: `${owner}\u0000${featureId}` -> zone (1 dig area,
 * 2 information zone), and the differences between two of them.
 */
import type { NetworkIndex, PairResult } from '../src/library.js';

export type PairMap = Map<string, 1 | 2>;

/** The engine's answer to one dig, copied out of the reused result arrays. */
export interface EngineAnswer {
  feature: Uint32Array;
  zone: Uint8Array;
  distance: Float64Array;
}

export function copyAnswer(r: PairResult): EngineAnswer {
  return { feature: r.feature.slice(0, r.count), zone: r.zone.slice(0, r.count), distance: r.distance.slice(0, r.count) };
}

export function keyOf(index: NetworkIndex, f: number): string {
  return `${index.featureOwner(f)}\u0000${String(index.featureId(f))}`;
}

/** The engine's answer as a set; with `touchingOnly`, only features at distance 0 (what b = 0 intersects means). */
export function engineMap(index: NetworkIndex, a: EngineAnswer, touchingOnly = false): PairMap {
  const out: PairMap = new Map();
  for (let k = 0; k < a.feature.length; k++) {
    if (touchingOnly && a.distance[k] !== 0) continue;
    out.set(keyOf(index, a.feature[k]), a.zone[k] === 1 ? 1 : 2);
  }
  return out;
}

export interface PairDiff {
  dig: number;
  key: string;
  engine: 0 | 1 | 2;
  other: 0 | 1 | 2;
}

/**
 * Keys whose zone differs, a missing key counting as zone 0. Keys in `skip` are left out.
 * Appends at most `keep` examples to `examples`; returns the number of differing pairs.
 */
export function diffPairs(dig: number, engine: PairMap, other: ReadonlyMap<string, number>, examples: PairDiff[], keep = 5, skip?: ReadonlySet<string>): number {
  let n = 0;
  const note = (key: string, e: number, o: number): void => {
    n++;
    if (examples.length < keep) examples.push({ dig, key, engine: e as 0 | 1 | 2, other: o as 0 | 1 | 2 });
  };
  for (const [key, zone] of engine) {
    if (skip?.has(key)) continue;
    const o = other.get(key) ?? 0;
    if (o !== zone) note(key, zone, o);
  }
  for (const [key, zone] of other) {
    if (skip?.has(key) || engine.has(key)) continue;
    note(key, 0, zone);
  }
  return n;
}

/** `owner/id` for printing a key. */
export function showKey(key: string): string {
  return key.replace('\u0000', '/');
}
