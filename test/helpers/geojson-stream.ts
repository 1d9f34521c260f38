/**
 * A large GeoJSON FeatureCollection produced lazily, chunk by chunk, for the splitter's memory test
 * and speed script: it is never held in memory as a whole. Features are LER-like LineStrings cycled
 * from a small set of templates, so the expected count and byte layout are known up front.
 */

const encoder = new TextEncoder();

const TEMPLATE_COUNT = 64;

function template(k: number): string {
  const coordinates: number[][] = [];
  let x = 12.1 + k * 0.001;
  let y = 55.4 + k * 0.0007;
  for (let j = 0; j < 12 + (k % 29); j++) {
    x += ((j * 7919 + k * 104729) % 1000) / 1e6;
    y += ((j * 6007 + k * 7867) % 1000) / 1e6 - 0.0004;
    coordinates.push([Number(x.toFixed(7)), Number(y.toFixed(7))]);
  }
  return JSON.stringify({
    type: 'Feature',
    id: `el-${k}`,
    geometry: { type: 'LineString', coordinates },
    properties: {
      featureType: k % 3 === 0 ? 'Vandledning' : 'Elledning',
      forsyningsart: k % 3 === 0 ? 'vand' : 'el',
      fareklasse: k % 2 === 0 ? 'lavRisiko' : 'hoejRisiko',
      driftsstatus: 'iDrift',
      vejledendeDybde: 0.6 + (k % 5) / 10,
      ejer: 'Radius Elnet A/S',
      note: `Æblevej ${k} ø å 🚧 {"[x]"}`
    }
  });
}

export interface LazyCollection {
  chunks: AsyncGenerator<Uint8Array>;
  /** The texts features cycle through: feature i is texts[i % texts.length]. */
  texts: string[];
  /** Byte length of each template's text. */
  lengths: number[];
  featureCount: number;
  /** Byte offset of the first feature. */
  firstOffset: number;
  byteLength: number;
}

/** A FeatureCollection of at least `targetBytes`, in fresh chunks of `chunkSize` bytes. */
export function lazyCollection(targetBytes: number, chunkSize = 64 * 1024): LazyCollection {
  const texts = Array.from({ length: TEMPLATE_COUNT }, (_, k) => template(k));
  const encoded = texts.map((t) => encoder.encode(t));
  const head = encoder.encode('{"type":"FeatureCollection","features":[');
  const tail = encoder.encode('],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::25832"}}}\n');
  const comma = encoder.encode(',');
  let featureCount = 0;
  let byteLength = head.length + tail.length;
  while (byteLength < targetBytes) {
    byteLength += encoded[featureCount % TEMPLATE_COUNT].length + (featureCount > 0 ? 1 : 0);
    featureCount++;
  }

  async function* chunks(): AsyncGenerator<Uint8Array> {
    let chunk = new Uint8Array(chunkSize);
    let fill = 0;
    // Copy `bytes` into chunks, handing each full chunk on.
    function* put(bytes: Uint8Array): Generator<Uint8Array> {
      let from = 0;
      while (from < bytes.length) {
        const n = Math.min(chunkSize - fill, bytes.length - from);
        chunk.set(bytes.subarray(from, from + n), fill);
        fill += n;
        from += n;
        if (fill === chunkSize) {
          yield chunk;
          chunk = new Uint8Array(chunkSize);
          fill = 0;
        }
      }
    }
    yield* put(head);
    for (let i = 0; i < featureCount; i++) {
      if (i > 0) yield* put(comma);
      yield* put(encoded[i % TEMPLATE_COUNT]);
    }
    yield* put(tail);
    if (fill > 0) yield chunk.subarray(0, fill);
  }

  return { chunks: chunks(), texts, lengths: encoded.map((e) => e.length), featureCount, firstOffset: head.length, byteLength };
}
