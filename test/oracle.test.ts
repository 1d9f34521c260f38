/**
 * The index against a brute-force oracle, on seeded random worlds full of degenerate cases:
 * every dig area's answer (query and queryPairs) must equal the one obtained by testing every
 * segment of every feature against every edge of the area.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { NetworkIndex } from '../src/library.js';
import { marginOf } from '../src/model/margin.js';
import { FAREKLASSE, DRIFTSSTATUS, impliedForsyningsart, type FeatureType } from '../src/model/ler.js';
import type { Feature, MultiPolygon, Polygon } from '../src/types.js';
import {
  type Mismatch,
  PLANAR,
  answersOfPairs,
  answersOfQuery,
  buildWorld,
  checkDeliveredGeometry,
  diffWithOracle
} from './helpers/compare.js';
import { type OracleArea, type OracleMeasure, areaOf, expectedFor, featureKey, measureAll } from './helpers/oracle.js';
import { Random, type WorldOptions, randomDigArea, randomWorld } from './helpers/random.js';
import { queryArea } from './helpers/query.js';

interface Scenario {
  name: string;
  seed: number;
  world: WorldOptions;
  digs: number;
  coarseAccuracy?: number;
  chunkSize?: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'integer grid, four owners, lines and components',
    seed: 11,
    world: { size: 40, half: 0, owners: 4, featuresPerOwner: 350, components: 0.3 },
    digs: 90
  },
  {
    name: 'half-integer grid, three owners',
    seed: 23,
    world: { size: 48, half: 0.4, owners: 3, featuresPerOwner: 450, components: 0.3 },
    digs: 90
  },
  {
    name: 'sparse lines only, coarse accuracy 3 m, chunks of 4',
    seed: 37,
    world: { size: 80, half: 0.2, owners: 2, featuresPerOwner: 600, components: 0 },
    digs: 70,
    coarseAccuracy: 3,
    chunkSize: 4
  },
  {
    name: 'dense components, chunks of 16',
    seed: 41,
    world: { size: 32, half: 0.3, owners: 3, featuresPerOwner: 250, components: 0.8 },
    digs: 60,
    chunkSize: 16
  }
];

const INFO_ZONES = [0, 0.5, 2, 10];
const MAX_REPORTED = 12;

interface Prepared {
  index: NetworkIndex;
  features: Map<string, Feature>;
  digs: { geometry: Polygon | MultiPolygon; area: OracleArea; measures: OracleMeasure[] }[];
}

function prepare(s: Scenario): Prepared {
  const rng = new Random(s.seed);
  const world = randomWorld(rng, s.world);
  const coarse = s.coarseAccuracy ?? 5;
  const settings = { ...(s.coarseAccuracy !== undefined ? { coarseAccuracy: s.coarseAccuracy } : {}), ...(s.chunkSize ? { chunkSize: s.chunkSize } : {}) };
  const index = buildWorld(world, settings);
  const all = world.owners.flatMap(({ owner, features }) => features.map((feature) => ({ owner, feature })));
  const features = new Map(all.map(({ owner, feature }) => [featureKey(owner, feature.id as string | number), feature]));
  const digs = [];
  for (let i = 0; i < s.digs; i++) {
    const geometry = randomDigArea(rng, s.world);
    const area = areaOf(geometry);
    digs.push({ geometry, area, measures: measureAll(area, all, coarse) });
  }
  return { index, features, digs };
}

/** Report the first mismatches with the dig area and the features involved, ready to paste. */
function report(mismatches: { dig: number; geometry: Polygon | MultiPolygon; m: Mismatch }[], features: Map<string, Feature>): string[] {
  return mismatches.slice(0, MAX_REPORTED).map(({ dig, geometry, m }) => {
    const f = features.get(m.key);
    return `${m.text}\n    dig #${dig}: ${JSON.stringify(geometry)}\n    feature: ${JSON.stringify(f)}`;
  });
}

describe.each(SCENARIOS)('oracle: $name', (scenario) => {
  let p: Prepared;
  beforeAll(() => {
    p = prepare(scenario);
  });

  it('the world is as degenerate as intended', () => {
    // Guards the generator: a change that stopped producing touching or tied cases would make
    // the comparison below toothless without failing it.
    let touching = 0;
    let inside = 0;
    let near = 0;
    for (const dig of p.digs) {
      for (const m of dig.measures) {
        if (m.sq.num === 0 && m.lengthInside === 0) touching++;
        if (m.lengthInside > 0) inside++;
        if (m.sq.num > 0 && m.distance <= 10 + m.margin) near++;
      }
    }
    expect(touching).toBeGreaterThan(50);
    expect(inside).toBeGreaterThan(100);
    expect(near).toBeGreaterThan(100);
  });

  it.each(INFO_ZONES)('query equals the oracle with infoZone %s', (b) => {
    const bad: { dig: number; geometry: Polygon | MultiPolygon; m: Mismatch }[] = [];
    const geometryProblems: string[] = [];
    let reported = 0;
    p.digs.forEach((dig, n) => {
      const expected = expectedFor(dig.measures, b);
      const conflicts = queryArea(p.index, dig.geometry, { ...PLANAR, infoZone: b });
      reported += conflicts.length;
      for (const m of diffWithOracle(`dig #${n}, b=${b}`, answersOfQuery(conflicts), expected)) bad.push({ dig: n, geometry: dig.geometry, m });
      for (const c of conflicts) {
        const source = p.features.get(featureKey(c.owner, c.featureId));
        if (!source) continue; // reported as extra above
        geometryProblems.push(...checkDeliveredGeometry(`dig #${n}, b=${b}`, dig.area, c, source, b));
      }
    });
    expect(reported).toBeGreaterThan(0);
    expect(report(bad, p.features), `${bad.length} mismatches`).toEqual([]);
    expect(geometryProblems.slice(0, MAX_REPORTED), `${geometryProblems.length} geometry problems`).toEqual([]);
  });

  it.each(INFO_ZONES)('queryPairs equals the oracle with infoZone %s', (b) => {
    const bad: { dig: number; geometry: Polygon | MultiPolygon; m: Mismatch }[] = [];
    p.digs.forEach((dig, n) => {
      const expected = expectedFor(dig.measures, b);
      for (const m of diffWithOracle(`dig #${n}, b=${b}`, answersOfPairs(p.index, dig.geometry, b), expected)) {
        bad.push({ dig: n, geometry: dig.geometry, m });
      }
    });
    expect(report(bad, p.features), `${bad.length} mismatches`).toEqual([]);
  });

  it('reports the attributes of each feature as uploaded', () => {
    const coarse = scenario.coarseAccuracy ?? 5;
    const problems: string[] = [];
    for (const dig of p.digs.slice(0, 20)) {
      for (const c of queryArea(p.index, dig.geometry, { ...PLANAR, infoZone: 2, geometry: false })) {
        const f = p.features.get(featureKey(c.owner, c.featureId));
        if (!f || !f.properties) continue;
        const props = f.properties;
        const who = `${c.owner}/${JSON.stringify(c.featureId)}`;
        if (c.geometry !== undefined) problems.push(`${who}: geometry delivered although geometry: false`);
        if (c.featureType !== props.featureType) problems.push(`${who}: featureType ${c.featureType}`);
        if (Math.abs(c.margin - marginOf(props, coarse)) > 1e-12) problems.push(`${who}: margin ${c.margin}, want ${marginOf(props, coarse)}`);
        if (c.fareklasse !== (props.fareklasse ?? null) || !(c.fareklasse === null || FAREKLASSE.includes(c.fareklasse as never))) {
          problems.push(`${who}: fareklasse ${c.fareklasse}`);
        }
        if (c.driftsstatus !== (props.driftsstatus ?? null) || !(c.driftsstatus === null || DRIFTSSTATUS.includes(c.driftsstatus as never))) {
          problems.push(`${who}: driftsstatus ${c.driftsstatus}`);
        }
        const supply = (props.forsyningsart as string | undefined) ?? impliedForsyningsart(props.featureType as FeatureType);
        if (c.forsyningsart !== (supply ?? null)) problems.push(`${who}: forsyningsart ${c.forsyningsart}, want ${supply}`);
        for (const [k, v] of Object.entries(props)) {
          if (JSON.stringify(c.properties[k]) !== JSON.stringify(v)) problems.push(`${who}: properties.${k} ${JSON.stringify(c.properties[k])}`);
        }
      }
    }
    expect(problems.slice(0, MAX_REPORTED)).toEqual([]);
  });
});
