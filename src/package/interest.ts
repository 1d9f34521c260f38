/**
 * Owners' interest areas, held for the one question a dig request asks of them: which owners have
 * an area within the information zone's width b of the dig area. One R-tree over the boxes of every
 * owner's areas finds the candidates; the exact kernel decides each one, as for the conflicts.
 */
import RBush from 'rbush';
import type { PreparedArea } from '../geometry/index.js';

/** One interest area of an owner: prepared for exact tests, with what the package says about it. */
export interface InterestArea {
  area: PreparedArea;
  contact: string;
  /** The kind of supply, or the kinds. */
  forsyningsart: string | readonly string[];
}

/**
 * Contacts and kinds of supply one hit reports at most: an owner's entry in a package stays small
 * however many areas with different contacts it registered over the same place.
 */
export const HIT_CONTACTS_MAX = 10;
export const HIT_KINDS_MAX = 20;

/** An owner with at least one interest area hit by a dig. */
export interface InterestHit {
  owner: string;
  /** Contacts of the areas hit, deduplicated, in the order of the owner's areas as given to `set` (the first HIT_CONTACTS_MAX). */
  contacts: string[];
  /** Kinds of supply of the areas hit, deduplicated and sorted (the first HIT_KINDS_MAX). */
  forsyningsart: string[];
}

/** A tree entry: an area's box, and which owner's area (and which of its areas) it is. */
interface Item {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  owner: string;
  /** Position in the owner's list: hits are reported in this order, not the tree's. */
  order: number;
  interest: InterestArea;
}

interface OwnerEntry {
  /** The items this owner put in the tree, kept so that `set` and `delete` can take them out again. */
  items: Item[];
  /** Areas given, the empty ones (never in the tree, never hit) included. */
  count: number;
  source: unknown;
}

/** Owners' interest areas under one dynamic R-tree; an owner is replaced without touching the others. */
export class InterestRegistry {
  private readonly tree = new RBush<Item>();
  private readonly byOwner = new Map<string, OwnerEntry>();
  private areaCount = 0;

  /**
   * Replaces one owner's areas (its prepared areas and the FeatureCollection as it is to be given
   * back), without rebuilding any other owner's. An empty list removes the owner.
   */
  set(owner: string, areas: readonly InterestArea[], source: unknown): void {
    this.delete(owner);
    if (areas.length === 0) return;
    const items: Item[] = [];
    for (let i = 0; i < areas.length; i++) {
      const interest = areas[i];
      const a = interest.area;
      // An area without edges has no box (minX is Infinity) and can never be hit.
      if (a.edgeCount === 0) continue;
      const item: Item = { minX: a.minX, minY: a.minY, maxX: a.maxX, maxY: a.maxY, owner, order: i, interest };
      // One by one, not `load`: rbush's `load` of 4 or more items into a non-empty tree hangs them in
      // as one subtree whose box spans all of them, and after many replacements of scattered owners
      // searches got about 3x slower (measured: 4,000 owners, 20,000 replacements).
      this.tree.insert(item);
      items.push(item);
    }
    this.byOwner.set(owner, { items, count: areas.length, source });
    this.areaCount += areas.length;
  }

  /** Removes an owner and its areas; nothing happens for an unknown owner. */
  delete(owner: string): void {
    const entry = this.byOwner.get(owner);
    if (entry === undefined) return;
    // Item by item: a few tree descents cost microseconds, a rebuild of all owners milliseconds.
    for (const item of entry.items) this.tree.remove(item);
    this.byOwner.delete(owner);
    this.areaCount -= entry.count;
  }

  /** The FeatureCollection given with the owner's areas, or null for an unknown owner. */
  source(owner: string): unknown {
    return this.byOwner.get(owner)?.source ?? null;
  }

  /** Owners with areas, sorted. */
  get owners(): string[] {
    return [...this.byOwner.keys()].sort();
  }

  /** Areas held, of all owners together. */
  get size(): number {
    return this.areaCount;
  }

  /**
   * Owners with an interest area within `b` metres of the dig area (touching counts, and so does a
   * dig area inside an interest area or an interest area inside the dig area), sorted by owner.
   * @param b the information zone's width in metres, finite and >= 0.
   */
  hits(dig: PreparedArea, b: number): InterestHit[] {
    if (!(b >= 0 && b < Infinity)) throw new RangeError(`The information zone's width must be finite and >= 0, got ${b}.`);
    // rbush's boxes are closed, so an area whose box lies exactly b away is still a candidate.
    const candidates = this.tree.search({ minX: dig.minX - b, minY: dig.minY - b, maxX: dig.maxX + b, maxY: dig.maxY + b });
    const hit = new Map<string, Item[]>();
    for (const item of candidates) {
      if (!interestNear(item.interest.area, dig, b)) continue;
      const list = hit.get(item.owner);
      if (list === undefined) hit.set(item.owner, [item]);
      else list.push(item);
    }
    const out: InterestHit[] = [];
    for (const [owner, items] of hit) {
      items.sort((x, y) => x.order - y.order);
      const contacts = new Set<string>();
      const kinds = new Set<string>();
      for (const item of items) {
        if (contacts.size < HIT_CONTACTS_MAX) contacts.add(item.interest.contact);
        const kind = item.interest.forsyningsart;
        if (typeof kind === 'string') kinds.add(kind);
        else for (const k of kind) kinds.add(k);
      }
      out.push({ owner, contacts: [...contacts], forsyningsart: [...kinds].sort().slice(0, HIT_KINDS_MAX) });
    }
    return out.sort((x, y) => (x.owner < y.owner ? -1 : x.owner > y.owner ? 1 : 0));
  }
}

/**
 * Whether the interest area comes within `b` of the dig area (closed sets: touching counts).
 * Exact, with the kernel of the conflicts: an edge of the interest area within b of the dig area
 * (which includes an edge inside it), or else the dig area inside the interest area.
 */
export function interestNear(area: PreparedArea, dig: PreparedArea, b: number): boolean {
  if (area.minX > dig.maxX + b || area.maxX < dig.minX - b || area.minY > dig.maxY + b || area.maxY < dig.minY - b) return false;
  const e = area.edges;
  for (let i = 0; i < area.edgeCount; i++) {
    if (dig.segmentDistance(e[4 * i], e[4 * i + 1], e[4 * i + 2], e[4 * i + 3], b) <= b) return true;
  }
  // No edge of the interest area meets the dig area, so each part of the dig area lies wholly
  // inside the interest area or wholly outside it. Every ring's first vertex is asked, not just
  // the first ring's: in a MultiPolygon the first part may lie outside and another inside.
  const xy = dig.xy;
  const starts = dig.ringStarts;
  for (let r = 0; r < dig.ringCount; r++) {
    if (starts[r + 1] <= starts[r]) continue;
    const v = starts[r] * 2;
    if (area.locatePoint(xy[v], xy[v + 1]) >= 0) return true;
  }
  return false;
}
