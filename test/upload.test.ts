import { describe, expect, it } from 'vitest';
import { Engine, NetworkIndex, RuleReport, buildFromStream } from '../src/library.js';
import type { Feature, Polygon } from '../src/types.js';
import { Random } from './helpers/random.js';
import { heapAfterGc } from './helpers/heap.js';
import { buildNetwork, queryArea } from './helpers/query.js';

const X = 527_000;
const Y = 6_254_000;
const encoder = new TextEncoder();

function lerLine(rng: Random, i: number, vertices = 6): Feature {
  const coordinates: number[][] = [];
  let x = X + rng.int(0, 2000);
  let y = Y + rng.int(0, 2000);
  for (let v = 0; v < vertices; v++) {
    coordinates.push([x, y]);
    x += rng.int(-20, 20) + 0.5;
    y += rng.int(-20, 20) + 0.25;
  }
  return {
    type: 'Feature',
    id: `L${i}`,
    geometry: { type: 'LineString', coordinates },
    properties: { featureType: rng.chance(0.5) ? 'Elledning' : 'Gasledning', fareklasse: 'farlig', noejagtighedsklasse: '<= 0.50 m', sikkerhedshensyn: 'Håndgravning {inden for} 1 m "ved" tracé' }
  };
}

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function answers(target: Engine | NetworkIndex, areas: Polygon[]): string[][] {
  const q = { crs: 'EPSG:25832', infoZone: 2, geometry: false } as const;
  return areas.map((a) => (target instanceof Engine ? target.query(a, q) : queryArea(target, a, q)).map((c) => `${String(c.featureId)}|${c.zone}|${c.distance}|${c.lengthInside}`).sort());
}

describe('streamed uploads', () => {
  const rng = new Random(9);
  const features = Array.from({ length: 2000 }, (_, i) => lerLine(rng, i));
  const areas: Polygon[] = Array.from({ length: 40 }, () => {
    const x = X + rng.int(0, 2000), y = Y + rng.int(0, 2000);
    return { type: 'Polygon', coordinates: [[[x, y], [x + 60, y], [x + 60, y + 60], [x, y + 60], [x, y]]] };
  });
  const reference = buildNetwork(features, { owner: 'dk-el', crs: 'EPSG:25832' });

  it('builds from a FeatureCollection in chunks the same network as from objects', async () => {
    const text = JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:25832' } }, features });
    for (const size of [1 << 12, 7919, 1 << 20]) {
      const { index, header, features: n } = await buildFromStream(chunks(encoder.encode(text), size), { owner: 'dk-el' });
      expect(n).toBe(features.length);
      expect(header.format).toBe('FeatureCollection');
      expect(answers(index, areas)).toEqual(answers(reference, areas));
    }
    expect(answers(reference, areas).flat().length).toBeGreaterThan(20);
  });

  it('reads an RFC 8142 text sequence, and puts it in the engine', async () => {
    const seq = features.map((f) => `\u001e${JSON.stringify(f)}\n`).join('');
    const engine = new Engine({ workers: 0 });
    try {
      const snapshot = await engine.putNetworkStream('dk-el', chunks(encoder.encode(seq), 5000), { crs: 'EPSG:25832' });
      expect(snapshot.networks.get('dk-el')).toMatchObject({ version: 1, features: 2000 });
      expect(answers(engine, areas)).toEqual(answers(reference, areas));
    } finally {
      await engine.close();
    }
  });

  it('fails a crs member that comes after the features and says otherwise', async () => {
    // Lon/lat features (read as the default, RFC 7946), then a member claiming EPSG:25832.
    const lonLat = [{ type: 'Feature', id: 1, geometry: { type: 'LineString', coordinates: [[9.40, 56.45], [9.41, 56.46]] }, properties: { featureType: 'Elledning' } }];
    const late = `{"type":"FeatureCollection","features":${JSON.stringify(lonLat)},"crs":{"type":"name","properties":{"name":"EPSG:25832"}}}`;
    await expect(buildFromStream(encoder.encode(late), { owner: 'dk-el' })).rejects.toMatchObject({ code: 'CRS_DECLARED_LATE', pointer: '/crs' });
    // The crs parameter decides: then the member is not asked.
    await expect(buildFromStream(encoder.encode(late), { owner: 'dk-el', crs: 'EPSG:4326' })).resolves.toMatchObject({ features: 1 });
    // Before the features, the member decides.
    const early = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:25832"}},"features":${JSON.stringify(features.slice(0, 3))}}`;
    await expect(buildFromStream(encoder.encode(early), { owner: 'dk-el' })).resolves.toMatchObject({ features: 3 });
  });

  it('reports a feature that is not JSON, and keeps the rest when asked to', async () => {
    const parts = features.slice(0, 5).map((f) => JSON.stringify(f));
    parts[2] = parts[2].replace('"farlig"', 'NaN');
    const text = `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:25832"}},"features":[${parts.join(',')}]}`;
    await expect(buildFromStream(encoder.encode(text), { owner: 'dk-el' })).rejects.toMatchObject({ code: 'INPUT_SYNTAX', featureIndex: 2, pointer: '/features/2' });
    const report = new RuleReport();
    const { index } = await buildFromStream(encoder.encode(text), { owner: 'dk-el', report, invalid: 'skip' });
    expect(index.featureCount).toBe(4);
    expect(report.summary().problems[0]).toMatchObject({ code: 'INPUT_SYNTAX', featureIndex: 2 });
  });

  it('keeps no upload text: 150 MB stream through a flat JS heap', async () => {
    const big = new Random(10);
    let bytes = 0;
    const heap: number[] = [];
    async function* upload(): AsyncGenerator<Uint8Array> {
      yield encoder.encode('{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:25832"}},"features":[');
      let i = 0;
      while (bytes < 150e6) {
        const batch: string[] = [];
        for (let k = 0; k < 500; k++, i++) batch.push(JSON.stringify(lerLine(big, i, 12)));
        const chunk = encoder.encode((i > 500 ? ',' : '') + batch.join(','));
        bytes += chunk.length;
        if (i % 50_000 === 0) heap.push(heapAfterGc());
        yield chunk;
      }
      yield encoder.encode(']}');
    }
    const start = heapAfterGc();
    const { features: n } = await buildFromStream(upload(), { owner: 'dk-el' });
    expect(n).toBeGreaterThan(150_000);
    expect(heap.length).toBeGreaterThan(3);
    // The columns live in ArrayBuffers; the JS heap retains one batch of text at a time.
    expect(Math.max(...heap) - start).toBeLessThan(64 * 1024 * 1024);
  });
});
