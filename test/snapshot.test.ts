/**
 * Versions without a full merge: after an upload the engine answers from the last merged index
 * (the replaced owner's old features masked) beside the new owner index, and merges later. The
 * answers must equal those of one index merged from every owner's current network, before and
 * after the merge, inline and in a worker.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Engine, NetworkIndex } from '../src/library.js';
import type { Conflict, Feature, MultiPolygon, Polygon } from '../src/types.js';
import { PLANAR } from './helpers/compare.js';
import { Random, randomDigArea, randomWorld } from './helpers/random.js';
import { buildNetwork, queryArea, shapeProblem } from './helpers/query.js';

const GRID = { size: 300, half: 0.3 };

function key(c: Conflict): string {
  return `${c.owner}|${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}|${JSON.stringify(c.geometry)}`;
}

function ownerFeatures(seed: number, owners: number, perOwner = 120): { owner: string; features: Feature[] }[] {
  return randomWorld(new Random(seed), { ...GRID, owners, featuresPerOwner: perOwner, components: 0.2 }).owners;
}

/** The reference: one index merged from the given owners' features. */
function reference(networks: Map<string, Feature[]>): NetworkIndex {
  return NetworkIndex.merge([...networks].sort(([a], [b]) => (a < b ? -1 : 1)).map(([owner, features]) => buildNetwork(features, { ...PLANAR, owner })));
}

function digs(seed: number, n: number): (Polygon | MultiPolygon)[] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => randomDigArea(rng, GRID));
}

function expectSame(engine: Engine, ref: NetworkIndex, areas: (Polygon | MultiPolygon)[]): number {
  let pairs = 0;
  for (const area of areas) {
    const got = engine.query(area, { ...PLANAR, infoZone: 3 }).map(key);
    const want = queryArea(ref, area, { ...PLANAR, infoZone: 3 }).map(key);
    expect(got).toEqual(want);
    pairs += want.length;
  }
  return pairs;
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

describe('Engine versions without a full merge', () => {
  for (const workers of [0, 1]) {
    it(`answers as one merged index before and after the merge, through uploads and removals (workers: ${workers})`, async () => {
      const engine = new Engine({ workers, compactDelay: 60_000 });
      engines.push(engine);
      const rng = new Random(7);
      const areas = digs(11, 60);
      const networks = new Map<string, Feature[]>();
      const owners = ['a', 'b', 'c', 'd'];
      let checked = 0;
      for (let step = 0; step < 14; step++) {
        const owner = rng.pick(owners);
        if (step > 4 && rng.next() < 0.2 && networks.size > 1) {
          await engine.removeNetwork(owner);
          networks.delete(owner);
        } else {
          const features = ownerFeatures(100 + step, 1)[0].features.map((f) => ({ ...f, id: `${owner}-${String(f.id)}` }));
          await engine.putNetwork(owner, { type: 'FeatureCollection', features }, PLANAR);
          networks.set(owner, features);
        }
        const ref = reference(networks);
        checked += expectSame(engine, ref, areas);
        // Merge now on every other step: the next upload then starts from a merged index.
        if (step % 2 === 1) {
          await engine.compactNow();
          expect(engine.snapshot?.compacted).toBe(true);
          checked += expectSame(engine, ref, areas);
        }
      }
      expect(checked).toBeGreaterThan(500);
    });
  }

  it('merges once uploads pause, and batches run on the merged index', async () => {
    // Fake timers for the compaction delay only; the merge itself runs in the worker, and ends by
    // setting the snapshot's merged index: that is the moment to look (no polling).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let onMerged = (): void => {};
    const merged = new Promise<void>((resolve) => (onMerged = resolve));
    const engine = new Engine({ workers: 1, compactDelay: 5 });
    engines.push(engine);
    const world = ownerFeatures(3, 3);
    try {
      for (const { owner, features } of world) await engine.putNetwork(owner, { type: 'FeatureCollection', features }, PLANAR);
      const snapshot = engine.snapshot;
      expect(snapshot?.compacted).toBe(false);
      if (snapshot !== null) {
        const setMerged = snapshot.setMerged.bind(snapshot);
        vi.spyOn(snapshot, 'setMerged').mockImplementation((index) => {
          setMerged(index);
          onMerged();
        });
      }
      // The compaction waits on its timer, which fires once the delay has passed since the last upload.
      expect(vi.getTimerCount()).toBe(1);
      await vi.advanceTimersByTimeAsync(5);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
    await merged;
    expect(engine.snapshot?.compacted).toBe(true);
    expect(engine.snapshot?.index.owners).toEqual(['owner-a', 'owner-b', 'owner-c']);

    await engine.putNetwork(world[1].owner, { type: 'FeatureCollection', features: world[1].features.slice(0, 50) }, PLANAR);
    expect(engine.snapshot?.compacted).toBe(false);
    const areas = digs(5, 40).map((geometry, i) => ({ type: 'Feature' as const, id: i, geometry, properties: {} }));
    const summaries = [];
    for await (const s of engine.checkBatch({ type: 'FeatureCollection', features: areas }, { ...PLANAR, infoZone: 1, conflicts: true })) summaries.push(s);
    const ref = reference(new Map([[world[0].owner, world[0].features], [world[1].owner, world[1].features.slice(0, 50)], [world[2].owner, world[2].features]]));
    for (const s of summaries) {
      const problem = shapeProblem(areas[s.index].geometry, PLANAR);
      expect(s.error?.code ?? null).toBe(problem);
      if (problem !== null) continue;
      const want = queryArea(ref, areas[s.index].geometry, { ...PLANAR, infoZone: 1, geometry: false }).map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}`).sort();
      expect((s.conflicts ?? []).map((c) => `${c.owner}|${String(c.featureId)}|${c.zone}`).sort()).toEqual(want);
    }
    expect(engine.snapshot?.compacted).toBe(true);
  });
});

describe('QueryPool.merge', () => {
  it('merges owners in a worker into the same index as merging here', async () => {
    const { QueryPool } = await import('../src/pool.js');
    const pool = new QueryPool({ threads: 1 });
    try {
      const parts = ownerFeatures(9, 3).map(({ owner, features }) => buildNetwork(features, { ...PLANAR, owner }));
      const here = NetworkIndex.merge(parts);
      const there = NetworkIndex.from(await pool.merge(parts.map((p) => p.buffers), undefined));
      for (const name of ['columns', 'chunks', 'tree'] as const) {
        expect(Buffer.from(there.buffers[name]).equals(Buffer.from(here.buffers[name]))).toBe(true);
      }
      expect(there.featureCount).toBe(360);
    } finally {
      await pool.close();
    }
  });
});
