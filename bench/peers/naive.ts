/**
 * The obvious approach, as a peer: an rbush over one box per whole feature, and Turf's
 * `booleanIntersects` as the exact test, over the GeoJSON objects themselves.
 *
 * It answers b = 0 only (does the feature meet the dig area): Turf's distance and buffer functions
 * assume WGS84 degrees and give wrong answers on UTM metres, so there is no honest way to ask it
 * for "within m + b metres". Its answer is therefore the set of features at distance 0.
 */
import RBush from 'rbush';
import { booleanIntersects } from '@turf/turf';
import type { Feature, MultiPolygon, Polygon } from '../../src/types.js';
import { bboxOf } from '../geom.js';

export interface NaiveItem {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  owner: string;
  feature: Feature;
}

export class NaivePeer {
  private readonly tree = new RBush<NaiveItem>();
  private items: NaiveItem[] = [];
  private searched = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds one owner's features; they are kept, as the obvious approach keeps them. */
  add(owner: string, features: Iterable<Feature>): void {
    for (const feature of features) {
      const [minX, minY, maxX, maxY] = bboxOf(feature.geometry.coordinates);
      this.items.push({ minX, minY, maxX, maxY, owner, feature });
    }
  }

  /** Bulk-loads everything added so far. */
  finish(): void {
    this.tree.load(this.items);
    this.count += this.items.length;
    this.items = [];
  }

  /** Whole-feature boxes meeting the box of `area` grown by `grow` metres. */
  candidates(area: Polygon | MultiPolygon, grow = 0): NaiveItem[] {
    const [minX, minY, maxX, maxY] = bboxOf(area.coordinates);
    const found = this.tree.search({ minX: minX - grow, minY: minY - grow, maxX: maxX + grow, maxY: maxY + grow });
    this.searched += found.length;
    return found;
  }

  /** Features that meet the dig area (closed sets, touching counts). */
  query(area: Polygon | MultiPolygon): NaiveItem[] {
    const out: NaiveItem[] = [];
    // Turf's own GeoJSON types are structurally the same as ours.
    const turfArea = area as unknown as Parameters<typeof booleanIntersects>[1];
    for (const item of this.candidates(area)) {
      if (booleanIntersects(item.feature as unknown as Parameters<typeof booleanIntersects>[0], turfArea)) out.push(item);
    }
    return out;
  }

  /** Candidates fetched so far: how much the whole-feature boxes over-fetch. */
  get candidatesSearched(): number {
    return this.searched;
  }
}
