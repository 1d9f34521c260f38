/**
 * A process that uploads one owner's network again and again into a store, for the crash tests:
 * version k of the network has 20 + k lines. It prints "stored k" after each upload returns; the
 * test kills it with SIGKILL at some moment and then reopens the store.
 */
import { Engine } from '../../src/engine.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Feature } from '../../src/types.js';

export const CHILD_OWNER = 'dk-el';
export const PLANAR = { crs: 'EPSG:25832', extent: null } as const;

/** The network the child uploads as its k-th version (k from 1). */
export function networkOf(k: number): Feature[] {
  const features: Feature[] = [];
  for (let i = 0; i < 20 + k; i++) {
    // Long lines with many vertices, so that an upload takes a while to store.
    const coordinates: number[][] = [];
    for (let x = 0; x <= 2000; x += 2) coordinates.push([x, i * 3 + ((x * 7) % 5) * 0.1]);
    features.push({ type: 'Feature', id: `L${i}`, geometry: { type: 'LineString', coordinates }, properties: { featureType: 'Elledning' } });
  }
  return features;
}

if (process.argv[2] === 'run') {
  const dir = process.argv[3];
  const store = new SqliteStore({ dataDir: dir, history: 3 });
  const engine = await Engine.open({ workers: 0, store });
  let k = (engine.snapshot?.networks.get(CHILD_OWNER)?.version ?? 0) + 1;
  for (;;) {
    await engine.putNetwork(CHILD_OWNER, networkOf(k), PLANAR);
    process.stdout.write(`stored ${k}\n`);
    k++;
  }
}
