/**
 * Uploads parsed batch by batch (inline, or in the engine's worker threads) give exactly what one
 * feature-by-feature build gives: the same buffers byte for byte, the same report (problems in
 * the same order, duplicate ids across batches found), the same first error.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { NetworkIndex, RuleReport, buildFromStream } from '../src/library.js';
import { QueryPool } from '../src/pool.js';
import type { Feature } from '../src/types.js';
import { Random } from './helpers/random.js';
import { buildNetwork } from './helpers/query.js';

const X = 527_000;
const Y = 6_254_000;
const encoder = new TextEncoder();

/** Seeded lines, with every kind of problem sprinkled in when `faults` is set. */
function network(seed: number, n: number, faults: boolean): Feature[] {
  const rng = new Random(seed);
  const out: Feature[] = [];
  for (let i = 0; i < n; i++) {
    const coordinates: number[][] = [];
    let x = X + rng.int(0, 3000), y = Y + rng.int(0, 3000);
    for (let v = rng.int(2, 9); v > 0; v--) {
      coordinates.push([x, y]);
      x += rng.int(-30, 30) + 0.5;
      y += rng.int(-30, 30) + 0.125;
    }
    const properties: Record<string, unknown> = { featureType: rng.pick(['Elledning', 'Gasledning', 'Vandledning']), fareklasse: 'farlig', noejagtighedsklasse: '<= 1.00 m', navn: 'ø "æ" \\ å' };
    let id: string | number = rng.chance(0.3) ? i : `L${i}`;
    if (faults) {
      const roll = rng.next();
      if (roll < 0.02) id = rng.int(0, Math.max(0, i - 1)); // a repeat of an earlier id (or of "L<n>" as a number: not the same)
      else if (roll < 0.04) properties.fareklasse = 'lidt farlig';
      else if (roll < 0.05) properties.noejagtighedsklasse = undefined; // a warning
      else if (roll < 0.06) coordinates.push([Number.NaN, 0]);
      else if (roll < 0.07) id = `L${rng.int(0, Math.max(0, i - 1))}`;
    }
    out.push({ type: 'Feature', id, geometry: { type: 'LineString', coordinates }, properties });
  }
  return out;
}

function text(features: Feature[]): Uint8Array {
  return encoder.encode(JSON.stringify({ type: 'FeatureCollection', crs: { type: 'name', properties: { name: 'EPSG:25832' } }, features }));
}

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

function sameBuffers(a: NetworkIndex, b: NetworkIndex): void {
  for (const name of ['columns', 'chunks', 'tree'] as const) expect(Buffer.from(a.buffers[name]).equals(Buffer.from(b.buffers[name])), name).toBe(true);
}

const pool = new QueryPool({ threads: 2 });
afterAll(() => pool.close());

describe('uploads parsed in batches', () => {
  const clean = network(1, 3000, false);
  // As the bytes say (NaN is written as null): what the stream reads is what the reference gets.
  const faulty = JSON.parse(JSON.stringify(network(2, 3000, true))) as Feature[];

  for (const parser of ['inline', 'pool'] as const) {
    it(`builds the same index as feature by feature, for any batch size (${parser})`, async () => {
      const reference = buildNetwork(clean, { owner: 'dk-el', crs: 'EPSG:25832' });
      for (const batchBytes of [1, 997, 16_384, 1 << 20]) {
        const { index, features } = await buildFromStream(chunks(text(clean), 7919), { owner: 'dk-el', batchBytes, parser: parser === 'pool' ? pool : null });
        expect(features).toBe(3000);
        sameBuffers(index, reference);
      }
    });

    it(`reports the same problems in the same order, and keeps the same features (${parser})`, async () => {
      const want = new RuleReport();
      const reference = buildNetwork(faulty, { owner: 'dk-el', crs: 'EPSG:25832', report: want, invalid: 'skip' });
      const codes = new Set(want.problems.map((p) => p.code));
      expect([...codes].sort()).toEqual(['ATTRIBUTE_RECOMMENDED', 'ATTRIBUTE_VALUE_INVALID', 'COORDINATE_NOT_FINITE', 'FEATURE_ID_DUPLICATE']);
      for (const batchBytes of [1, 5000, 1 << 20]) {
        const got = new RuleReport();
        const { index } = await buildFromStream(chunks(text(faulty), 4096), { owner: 'dk-el', batchBytes, report: got, invalid: 'skip', parser: parser === 'pool' ? pool : null });
        expect(got.summary()).toEqual(want.summary());
        sameBuffers(index, reference);
      }
    });

    it(`fails on the first invalid feature, as feature by feature does (${parser})`, async () => {
      let expected: unknown = null;
      try {
        buildNetwork(faulty, { owner: 'dk-el', crs: 'EPSG:25832' });
      } catch (error) {
        expected = error;
      }
      expect(expected).toMatchObject({ name: 'LerError' });
      for (const batchBytes of [1, 5000, 1 << 20]) {
        const run = buildFromStream(text(faulty), { owner: 'dk-el', batchBytes, parser: parser === 'pool' ? pool : null });
        await expect(run).rejects.toMatchObject({ code: (expected as { code: string }).code, featureIndex: (expected as { featureIndex: number }).featureIndex, message: (expected as Error).message });
      }
    });
  }

  it('keeps each feature\'s properties as JSON.parse reads them, however they are written', async () => {
    const g = '{"type":"LineString","coordinates":[[527000,6254000],[527010,6254010]]}';
    const texts = [
      `{"type":"Feature","id":"a","geometry":${g},"properties":{"featureType":"Elledning","navn":"ø \\"x\\" \\u00e6"}}`,
      `{ "type" : "Feature" , "id" : "b" , "geometry" : ${g} ,\n  "properties" :\n {\n "featureType" : "Gasledning" , "n" : [1, {"properties": 2}] }\n }`,
      `{"type":"Feature","id":"c","properties":{"featureType":"Vandledning"},"geometry":${g},"properties":{"featureType":"Elledning","last":true}}`,
      `{"type":"Feature","id":"d","geometry":${g},"propert\\u0069es":{"featureType":"Elledning","escaped":true}}`,
      `{"type":"Feature","id":"e","geometry":${g},"properties":{"featureType":"Elledning","properties":{"properties":"no"}},"x":"properties"}`
    ];
    const bytes = encoder.encode(`{"type":"FeatureCollection","features":[${texts.join(',')}]}`);
    const objects = texts.map((t) => JSON.parse(t) as Feature);
    const reference = buildNetwork(objects, { owner: 'dk-el', crs: 'EPSG:25832' });
    for (const parser of [null, pool]) {
      const { index } = await buildFromStream(bytes, { owner: 'dk-el', crs: 'EPSG:25832', parser });
      const props = (ix: NetworkIndex): unknown[] => Array.from({ length: ix.featureCount }, (_, f) => [ix.featureId(f), ix.featureProperties(f)]).sort();
      expect(props(index)).toEqual(props(reference));
      expect(props(index).map((p) => (p as unknown[])[1])).toContainEqual({ featureType: 'Elledning', last: true });
    }
  });

  it('refuses to skip every feature: an upload with none valid replaces nothing', async () => {
    const bad = clean.slice(0, 20).map((f) => ({ ...f, properties: { ...f.properties, fareklasse: 'lidt farlig' } }));
    for (const parser of [null, pool]) {
      const report = new RuleReport();
      await expect(buildFromStream(text(bad), { owner: 'dk-el', report, invalid: 'skip', parser })).rejects.toMatchObject({ code: 'UPLOAD_REJECTED' });
      expect(report.invalidFeatures).toBe(20);
    }
    expect(() => buildNetwork(bad, { owner: 'dk-el', crs: 'EPSG:25832', report: new RuleReport(), invalid: 'skip' })).toThrow(expect.objectContaining({ code: 'UPLOAD_REJECTED' }));
    // An empty upload (no features at all) is still a way to empty a network.
    await expect(buildFromStream(text([]), { owner: 'dk-el', parser: pool })).resolves.toMatchObject({ features: 0 });
  });

  it('reports a framing error after the features before it, which may hold the first error', async () => {
    const bytes = text(faulty);
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.9));
    let expected: { code: string; featureIndex: number } | null = null;
    try {
      buildNetwork(faulty, { owner: 'dk-el', crs: 'EPSG:25832' });
    } catch (error) {
      expected = error as { code: string; featureIndex: number };
    }
    // The first invalid feature comes well before the cut: it is the error, not the truncation.
    await expect(buildFromStream(cut, { owner: 'dk-el', batchBytes: 1 << 20, parser: pool })).rejects.toMatchObject({ code: expected?.code, featureIndex: expected?.featureIndex });
    await expect(buildFromStream(text(clean).subarray(0, 100_000), { owner: 'dk-el', parser: pool })).rejects.toMatchObject({ code: 'INPUT_TRUNCATED' });
  });

  it('fails an upload with bytes that are not UTF-8 at the feature that holds them', async () => {
    const bytes = text(clean.slice(0, 50));
    const at = bytes.indexOf(0xc3); // the first byte of "ø"
    const bad = bytes.slice();
    bad[at] = 0xff;
    for (const parser of [null, pool]) {
      await expect(buildFromStream(bad, { owner: 'dk-el', parser })).rejects.toMatchObject({ code: 'INPUT_NOT_UTF8', featureIndex: 0, pointer: '/features/0' });
    }
  });
});
