/**
 * Seeded inputs for the command-line tests, in EPSG:25832 around x 527000, y 6254000 (inside
 * Denmark, so the extent check applies as in production): owners' networks from the random worlds
 * of the property tests, dig areas on the same grid, and a larger network written straight to a
 * file for the progress and interrupt tests.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import type { Feature, MultiPolygon, Polygon } from '../../src/types.js';
import { shapeProblem } from './query.js';
import { Random, mapFeature, mapGeometry, randomDigArea, randomWorld } from './random.js';

export const X0 = 527_000;
export const Y0 = 6_254_000;
export const CRS = 'EPSG:25832';
const CRS_MEMBER = { type: 'name', properties: { name: CRS } };
const GRID = { size: 120, half: 0.3 };

const shift = (x: number, y: number): [number, number] => [x + X0, y + Y0];

/** Owners' networks (lines only, so that every feature passes the rules). */
export function networks(seed: number, owners = 2, featuresPerOwner = 60): { owner: string; features: Feature[] }[] {
  const world = randomWorld(new Random(seed), { ...GRID, owners, featuresPerOwner, components: 0 });
  return world.owners.map((o) => ({ owner: o.owner, features: o.features.map((f) => mapFeature(f, shift)) }));
}

/**
 * Dig areas on the networks' grid, each one a dig request takes (the random shapes that a dig
 * request refuses, such as members sharing an edge, are drawn again).
 */
export function digAreas(seed: number, count: number): (Polygon | MultiPolygon)[] {
  const rng = new Random(seed);
  const out: (Polygon | MultiPolygon)[] = [];
  while (out.length < count) {
    const area = mapGeometry(randomDigArea(rng, GRID), shift);
    if (shapeProblem(area, { crs: CRS }) === null) out.push(area);
  }
  return out;
}

/** A FeatureCollection declaring EPSG:25832, as JSON text. */
export function collectionText(features: unknown[]): string {
  return JSON.stringify({ type: 'FeatureCollection', crs: CRS_MEMBER, features });
}

export function writeCollection(path: string, features: unknown[]): void {
  writeFileSync(path, collectionText(features));
}

/** The areas as a collection of Features with ids `a0`, `a1`, ... */
export function areaFeatures(areas: (Polygon | MultiPolygon)[]): Feature[] {
  return areas.map((geometry, i) => ({ type: 'Feature', id: `a${i}`, geometry, properties: {} }));
}

/** One feature of the large network: a 10-vertex line on a 10 m grid. */
export function bigFeature(i: number): string {
  const x = X0 - 5000 + (i % 1000) * 10;
  const y = Y0 - 5000 + Math.floor(i / 1000) * 10;
  const coordinates: number[][] = [];
  for (let k = 0; k < 10; k++) coordinates.push([x + k * 0.9, y + (k % 2) * 0.5]);
  return JSON.stringify({ type: 'Feature', id: `B${i}`, geometry: { type: 'LineString', coordinates }, properties: { featureType: 'Elledning', fareklasse: 'farlig', noejagtighedsklasse: '<= 0.50 m', driftsstatus: 'i drift' } });
}

export const COLLECTION_HEAD = `{"type":"FeatureCollection","crs":${JSON.stringify(CRS_MEMBER)},"features":[\n`;

/** Writes a network of `count` features (about 400 bytes each) to a file. */
export function writeBigNetwork(path: string, count: number): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, COLLECTION_HEAD);
    let part: string[] = [];
    for (let i = 0; i < count; i++) {
      part.push(bigFeature(i));
      if (part.length === 5000 || i === count - 1) {
        writeSync(fd, `${i >= part.length ? ',\n' : ''}${part.join(',\n')}`);
        part = [];
      }
    }
    writeSync(fd, '\n]}\n');
  } finally {
    closeSync(fd);
  }
}
