/**
 * Safe replacement: an upload that would empty an owner's network, or remove more than a given
 * share of its features at once, is almost always a mistake (an export that stopped early, the
 * wrong file), and contractors would then be told there is nothing where there are cables. With a
 * guard, such a change is refused before it is stored; a caller that means it leaves the guard out.
 */
import { LerError } from '../errors.js';
import type { NetworkIndex } from '../index/network-index.js';

export interface RemovalGuard {
  /**
   * Largest share of the owner's current features, in percent (0 to 100), that one upload or
   * change set may remove (ids in the current version absent from the new one).
   */
  maxRemovalPercent: number;
}

/** Features hashed between two yields to the event loop. */
const SLICE = 1 << 14;

/** Throws OPTION_INVALID unless the guard's share is a number from 0 to 100. */
export function checkRemovalGuard(guard: RemovalGuard): void {
  const p = guard?.maxRemovalPercent;
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) throw new LerError('OPTION_INVALID', { pointer: '/guard/maxRemovalPercent' }, `maxRemovalPercent must be 0 to 100, got ${String(p)}.`);
}

/**
 * Checks a whole network about to replace `current`: refused (UPLOAD_EMPTY_NETWORK) when it holds
 * no features, and (REMOVAL_TOO_LARGE) when more than the guard's share of the current features'
 * ids are missing from it. Yields to the event loop between slices of a large network.
 */
export async function checkReplacement(current: NetworkIndex | null, next: NetworkIndex, guard: RemovalGuard): Promise<void> {
  checkRemovalGuard(guard);
  const before = current?.featureCount ?? 0;
  if (next.featureCount === 0) {
    throw new LerError('UPLOAD_EMPTY_NETWORK', {}, before > 0 ? `The network now holds ${before} features.` : 'The owner has no network yet.');
  }
  if (current === null || before === 0) return;
  const removed = await missingIds(current, next);
  checkRemovedShare(before, removed, guard);
}

/** Throws REMOVAL_TOO_LARGE when `removed` of `before` features is more than the guard allows. */
export function checkRemovedShare(before: number, removed: number, guard: RemovalGuard): void {
  checkRemovalGuard(guard);
  if (before === 0 || removed * 100 <= guard.maxRemovalPercent * before) return;
  const share = Math.round((removed / before) * 1000) / 10;
  throw new LerError('REMOVAL_TOO_LARGE', {}, `It removes ${removed} of the ${before} features (${share} %); at most ${guard.maxRemovalPercent} % may go at once.`);
}

/** Features a change set's `delete` removes, once it has been applied (each id known, none upserted). */
export function deletedCount(deletes: unknown): number {
  return Array.isArray(deletes) ? new Set(deletes.map((id) => JSON.stringify(id))).size : 0;
}

/**
 * How many of `current`'s feature ids `next` lacks. Ids are compared by a 53-bit hash of their
 * JSON text in an open-addressing table (no string is made): two ids that collide would count as
 * one, which can only make a removal look smaller by one, about once in 10^9 networks of millions.
 */
async function missingIds(current: NetworkIndex, next: NetworkIndex): Promise<number> {
  const n = next.featureCount;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const table = new Float64Array(size).fill(-1);
  const mask = size - 1;
  const { idText: nt, idOffsets: no } = next.columns;
  for (let f = 0; f < n; f++) {
    if ((f & (SLICE - 1)) === SLICE - 1) await breathe();
    const h = hash(nt, no[f], no[f + 1]);
    let i = h % size;
    while (table[i] !== -1 && table[i] !== h) i = (i + 1) & mask;
    table[i] = h;
  }
  const { idText: ct, idOffsets: co } = current.columns;
  let missing = 0;
  for (let f = 0; f < current.featureCount; f++) {
    if ((f & (SLICE - 1)) === SLICE - 1) await breathe();
    const h = hash(ct, co[f], co[f + 1]);
    let i = h % size;
    while (table[i] !== -1 && table[i] !== h) i = (i + 1) & mask;
    if (table[i] === -1) missing++;
  }
  return missing;
}

/** FNV-1a and a second multiplicative hash of the bytes, as one non-negative number below 2^53. */
function hash(b: Uint8Array, from: number, to: number): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = from; i < to; i++) {
    h1 = Math.imul(h1 ^ b[i], 0x01000193);
    h2 = Math.imul(h2 ^ b[i], 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

function breathe(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
