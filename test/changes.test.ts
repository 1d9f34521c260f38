import { describe, expect, it } from 'vitest';
import { Engine, NetworkIndex } from '../src/library.js';
import type { Feature, Polygon } from '../src/types.js';
import { PLANAR } from './helpers/compare.js';
import { Random, randomDigArea, randomGeometry, randomWorld } from './helpers/random.js';
import { buildNetwork, queryArea } from './helpers/query.js';

const GRID = { size: 300, half: 0.3 };

const Q = { ...PLANAR, infoZone: 2, geometry: false } as const;

/** An engine's answers, or an index's (asked with the same areas, read the same way). */
function answers(target: Engine | NetworkIndex, areas: Polygon[]): string[][] {
  return areas.map((a) =>
    (target instanceof Engine ? target.query(a, Q) : queryArea(target, a, Q))
      .map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}`)
      .sort()
  );
}

describe('change sets', () => {
  const rng = new Random(77);
  const world = randomWorld(rng, { ...GRID, owners: 2, featuresPerOwner: 300, components: 0.2 });
  const owner = world.owners[0].owner;
  const base = world.owners[0].features;
  const areas = Array.from({ length: 80 }, () => randomDigArea(rng, GRID) as Polygon);
  // Ten features moved, five new ones, seven removed.
  const moved: Feature[] = base.slice(0, 10).map((f) => ({ ...f, geometry: randomGeometry(rng, f.geometry.type.includes('Line') ? 'line' : 'component', GRID) }));
  const fresh: Feature[] = Array.from({ length: 5 }, (_, i) => ({ ...base[20 + i], id: typeof base[0].id === 'number' ? 10_000 + i : `N${i}` }));
  const removed = base.slice(40, 47).map((f) => f.id as string | number);

  it('gives the network a rebuild from the changed features would', async () => {
    const engine = new Engine({ workers: 0 });
    try {
      await engine.putNetworks(world.owners.map((o) => ({ owner: o.owner, input: o.features, opts: PLANAR })));
      const snapshot = await engine.patchNetwork(owner, { upsert: [...moved, ...fresh], delete: removed }, PLANAR);
      expect(snapshot.networks.get(owner)).toMatchObject({ version: 2, features: 300 + 5 - 7 });
      const expected = [...moved, ...base.slice(10).filter((f) => !removed.includes(f.id as string | number)), ...fresh];
      const rebuilt = NetworkIndex.merge([
        buildNetwork(expected, { owner, ...PLANAR }),
        buildNetwork(world.owners[1].features, { owner: world.owners[1].owner, ...PLANAR })
      ]);
      const got = answers(engine, areas);
      expect(got).toEqual(answers(rebuilt, areas));
      expect(got.flat().length).toBeGreaterThan(50);
    } finally {
      await engine.close();
    }
  });

  it('changes nothing when the change set is wrong, and says where', async () => {
    const engine = new Engine({ workers: 0 });
    try {
      await engine.putNetwork(owner, base, PLANAR);
      const before = answers(engine, areas);
      const cases: [unknown, string, string | undefined][] = [
        [{ delete: [removed[0], 'no-such-id'] }, 'FEATURE_ID_UNKNOWN', '/delete/1'],
        [{ upsert: [moved[0]], delete: [moved[0].id] }, 'CHANGESET_INVALID', '/delete/0'],
        [{ delete: 'all' }, 'CHANGESET_INVALID', '/delete'],
        [{ upsert: [moved[1], { ...moved[2], properties: { featureType: 'Elledning', fareklasse: 'lidt' } }] }, 'ATTRIBUTE_VALUE_INVALID', '/properties/fareklasse']
      ];
      for (const [changes, code, pointer] of cases) {
        expect(() => engine.patchNetwork(owner, changes as { delete?: unknown }, PLANAR)).toThrow(expect.objectContaining({ code, pointer }));
      }
      expect(engine.snapshot?.networks.get(owner)?.version).toBe(1);
      expect(answers(engine, areas)).toEqual(before);
    } finally {
      await engine.close();
    }
  });
});
