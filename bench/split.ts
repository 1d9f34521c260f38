/**
 * Speed of the streaming GeoJSON splitter: `node --import tsx bench/split.ts [megabytes]`.
 * Streams a lazily generated FeatureCollection (64 KiB chunks) through `splitFeatures` and prints
 * MB/s, once only splitting (each feature's text decoded, not parsed) and once with JSON.parse of
 * every feature, as an upload would.
 */
import { splitFeatures } from '../src/ingest/split.js';
import { lazyCollection } from '../test/helpers/geojson-stream.js';

const megabytes = Number(process.argv[2] ?? 200);

async function run(parse: boolean): Promise<void> {
  const input = lazyCollection(megabytes * 1e6);
  const t0 = performance.now();
  let count = 0;
  let chars = 0;
  for await (const f of splitFeatures(input.chunks)) {
    count++;
    chars += parse ? (JSON.parse(f.text) as { id: string }).id.length : f.text.length;
  }
  const seconds = (performance.now() - t0) / 1000;
  if (count !== input.featureCount) throw new Error(`expected ${input.featureCount} features, got ${count}`);
  const mb = input.byteLength / 1e6;
  console.log(
    `${parse ? 'split + JSON.parse' : 'split'}: ${mb.toFixed(0)} MB, ${count} features in ${seconds.toFixed(2)} s: ` +
      `${(mb / seconds).toFixed(0)} MB/s, ${((count / seconds) / 1e6).toFixed(2)} M features/s (${chars})`
  );
}

await run(false);
await run(false);
await run(true);
