/**
 * Owners' interest areas, held prepared for the one question a dig request asks of them: which
 * owners' areas come within the information zone's width of the dig area. Exact, with the same
 * kernel as the conflicts: an area is hit when one of its edges lies within b of the dig area,
 * or the dig area lies inside it.
 */
import { declaredCrs } from '../crs/index.js';
import { prepareDigArea } from '../query/dig-area.js';
import type { PreparedArea } from '../geometry/index.js';
import type { ServiceStore } from '../store/store.js';

interface PreparedInterest {
  area: PreparedArea;
  contact: string;
  forsyningsart: string;
}

/** An owner whose interest area is hit, with what its areas say. */
export interface InterestHit {
  owner: string;
  contacts: string[];
  forsyningsart: string[];
}

export class InterestRegistry {
  private readonly byOwner = new Map<string, PreparedInterest[]>();

  /** Every owner's stored areas (stored with their CRS declared). */
  static load(store: Pick<ServiceStore, 'interestAreaOwners' | 'interestAreas'>): InterestRegistry {
    const registry = new InterestRegistry();
    for (const owner of store.interestAreaOwners()) {
      const fc = store.interestAreas(owner);
      if (fc !== null) registry.set(owner, fc, declaredCrs(fc));
    }
    return registry;
  }

  /** Replaces an owner's areas: a FeatureCollection the engine has checked (polygons, forsyningsart, contact). */
  set(owner: string, areas: unknown, crs: string | undefined): void {
    const features = (areas as { features?: unknown[] }).features ?? [];
    const prepared: PreparedInterest[] = [];
    for (const feature of features) {
      const f = feature as { geometry: unknown; properties: Record<string, unknown> };
      prepared.push({
        area: prepareDigArea(f.geometry, { crs }).area,
        contact: String(f.properties.contact),
        forsyningsart: String(f.properties.forsyningsart)
      });
    }
    this.byOwner.set(owner, prepared);
  }

  get owners(): string[] {
    return [...this.byOwner.keys()].sort();
  }

  /** Owners with an interest area within `b` metres of the dig area (touching counts), sorted. */
  hits(dig: PreparedArea, b: number): InterestHit[] {
    const out: InterestHit[] = [];
    for (const [owner, areas] of this.byOwner) {
      const contacts = new Set<string>();
      const kinds = new Set<string>();
      for (const a of areas) {
        if (near(a.area, dig, b)) {
          contacts.add(a.contact);
          kinds.add(a.forsyningsart);
        }
      }
      if (contacts.size > 0) out.push({ owner, contacts: [...contacts], forsyningsart: [...kinds].sort() });
    }
    return out.sort((x, y) => (x.owner < y.owner ? -1 : x.owner > y.owner ? 1 : 0));
  }
}

function near(area: PreparedArea, dig: PreparedArea, b: number): boolean {
  if (area.minX > dig.maxX + b || area.maxX < dig.minX - b || area.minY > dig.maxY + b || area.maxY < dig.minY - b) return false;
  const e = area.edges;
  for (let i = 0; i < area.edgeCount; i++) {
    if (dig.segmentDistance(e[4 * i], e[4 * i + 1], e[4 * i + 2], e[4 * i + 3], b) <= b) return true;
  }
  // No edge of the interest area comes near: the dig area is wholly inside it or wholly apart.
  const xy = dig.xy;
  return area.locatePoint(xy[0], xy[1]) >= 0;
}
