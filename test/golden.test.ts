/**
 * Golden fixtures: named, hand-made dig scenarios in Danish EPSG:25832 coordinates, each with the
 * package it must produce. One test per fixture. Expected files change only through
 * `npm run golden:update` (LER_UPDATE_GOLDEN=1), whose diff is reviewed like code.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NetworkIndex } from '../src/library.js';
import type { Conflict, Feature, Geometry, MultiPolygon, Polygon } from '../src/types.js';
import { buildNetwork, queryArea } from './helpers/query.js';

const DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const UPDATE = process.env.LER_UPDATE_GOLDEN === '1';

interface GoldenInput {
  description: string;
  infoZone: number;
  coarseAccuracy?: number;
  digArea: Polygon | MultiPolygon;
  networks: { owner: string; features: Feature[] }[];
}

interface GoldenConflict {
  owner: string;
  featureId: string | number;
  featureType: string;
  zone: string;
  distance: number;
  margin: number;
  lengthInside: number;
  geometry: Geometry | null;
}

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();

/** x rounded to `digits` decimals, never -0. */
function round(x: number, digits: number): number {
  return Number(x.toFixed(digits)) + 0;
}

function roundCoordinates(value: unknown): unknown {
  if (typeof value === 'number') return round(value, 3);
  if (Array.isArray(value)) return value.map(roundCoordinates);
  return value;
}

function summarise(c: Conflict): GoldenConflict {
  return {
    owner: c.owner,
    featureId: c.featureId,
    featureType: c.featureType,
    zone: c.zone,
    distance: round(c.distance, 6),
    margin: round(c.margin, 6),
    lengthInside: round(c.lengthInside, 6),
    geometry: c.geometry ? ({ type: c.geometry.type, coordinates: roundCoordinates(c.geometry.coordinates) } as Geometry) : null
  };
}

function run(input: GoldenInput): { conflicts: GoldenConflict[] } {
  const opts = { crs: 'EPSG:25832', ...(input.coarseAccuracy !== undefined ? { coarseAccuracy: input.coarseAccuracy } : {}) };
  const indexes = input.networks.map(({ owner, features }) => buildNetwork({ type: 'FeatureCollection', features }, { owner, ...opts }));
  const index = indexes.length === 1 ? indexes[0] : NetworkIndex.merge(indexes);
  const conflicts = queryArea(index, input.digArea, { crs: 'EPSG:25832', infoZone: input.infoZone }).map(summarise);
  conflicts.sort((a, b) => (a.owner === b.owner ? String(a.featureId).localeCompare(String(b.featureId)) : a.owner.localeCompare(b.owner)));
  return { conflicts };
}

/** JSON with positions kept on one line, so a reviewer can read a diff of coordinates. */
function stringify(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'number')) return `[${value.join(', ')}]`;
    if (value.length === 0) return '[]';
    const inner = indent + '  ';
    return `[\n${value.map((v) => inner + stringify(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const inner = indent + '  ';
    const entries = Object.entries(value).map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringify(v, inner)}`);
    return entries.length ? `{\n${entries.join(',\n')}\n${indent}}` : '{}';
  }
  return JSON.stringify(value);
}

describe('golden fixtures', () => {
  it('there are fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });

  it.each(names)('%s', (name) => {
    const input = JSON.parse(readFileSync(`${DIR}${name}.input.json`, 'utf8')) as GoldenInput;
    const actual = run(input);
    const expectedPath = `${DIR}${name}.expected.json`;
    if (UPDATE) {
      writeFileSync(expectedPath, stringify(actual) + '\n');
      return;
    }
    if (!existsSync(expectedPath)) {
      throw new Error(`${name}.expected.json is missing: run \`npm run golden:update\`, then review the file before committing it.`);
    }
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8')) as { conflicts: GoldenConflict[] };
    expect(actual).toEqual(expected);
  });
});
