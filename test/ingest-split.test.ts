/**
 * The streaming GeoJSON splitter: every feature's exact text and byte offset, whatever the chunking
 * (down to one byte, and a source that reuses its buffer), for FeatureCollections and RFC 8142 text
 * sequences; top-level members before and after `features`; each framing error with its code, its
 * byte offset and `/features/<i>`; and memory bounded by one feature over a 200 MB stream.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, LerError, type ErrorCode } from '../src/errors.js';
import { MEMBER_LIMIT, splitFeatures, type SplitFeature, type SplitHeader, type SplitOptions } from '../src/ingest/split.js';
import { lazyCollection } from './helpers/geojson-stream.js';
import { mulberry32 } from './helpers/shapes.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const RS = '\x1e';

/** A small seeded generator, so every run sees the same "random" input. */
const seeded = mulberry32;

const NASTY = ['{', '}', '[', ']', '"', '\\', '\\"', '"}]', '{"a":[', 'Æblevej ø å 🚧', '🚧', 'ø', '\n', '\t', '\u0000', '\u001e', '\u2028', ',', ':', ' ', 'x', 'LER'];

function randomFeatures(count: number, seed: number): Record<string, unknown>[] {
  const random = seeded(seed);
  const int = (n: number): number => Math.floor(random() * n);
  const text = (): string => Array.from({ length: int(6) }, () => NASTY[int(NASTY.length)]).join('');
  const value = (depth: number): unknown => {
    const pick = depth > 3 ? int(4) : int(7);
    if (pick === 0) return Math.round((random() - 0.5) * 1e9) / 1e3;
    if (pick === 1) return text();
    if (pick === 2) return [null, true, false][int(3)];
    if (pick === 3) return int(1000);
    if (pick === 4 || pick === 5) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(4) }, () => [text(), value(depth + 1)]));
  };
  const features: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const coordinates = Array.from({ length: 2 + int(10) }, () => [12 + random(), 55 + random()]);
    const geometry =
      i % 5 === 0
        ? { type: 'Polygon', coordinates: [[...coordinates, coordinates[0]], [[12, 55], [12.1, 55], [12, 55.1], [12, 55]]] }
        : { type: 'LineString', coordinates };
    features.push({
      type: 'Feature',
      id: i % 3 === 0 ? `f-${i}-${text()}` : i,
      geometry,
      properties: { featureType: 'Elledning', note: text(), [text()]: value(0), nested: value(0) }
    });
  }
  features.push({}); // the smallest object
  return features;
}

/** `bytes` cut into chunks of `size` (0: whole), as fresh views. */
function chunked(bytes: Uint8Array, size: number): Uint8Array[] {
  if (size === 0) return [bytes];
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

/** `bytes` in chunks of random sizes from 1 to `max`. */
function randomChunks(bytes: Uint8Array, max: number, seed: number): Uint8Array[] {
  const random = seeded(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(random() * max);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** A source that refills one buffer for every chunk, as some readers do. */
async function* reusingBuffer(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const buf = new Uint8Array(size);
  for (let i = 0; i < bytes.length; i += size) {
    const n = Math.min(size, bytes.length - i);
    buf.set(bytes.subarray(i, i + n));
    yield buf.subarray(0, n);
    buf.fill(0x5d); // scribble ']' over it: nothing may still point into it
  }
}

type Source = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

async function split(source: Source, opts?: SplitOptions): Promise<{ features: SplitFeature[]; header: SplitHeader }> {
  const features: SplitFeature[] = [];
  const it = splitFeatures(source, opts);
  let r = await it.next();
  for (; !r.done; r = await it.next()) features.push(r.value);
  return { features, header: r.value };
}

/** Check every yielded feature against the input bytes and the original features. */
function expectFeatures(got: SplitFeature[], bytes: Uint8Array, expected: unknown[]): void {
  expect(got.length).toBe(expected.length);
  got.forEach((f, i) => {
    expect(f.index).toBe(i);
    expect(JSON.parse(f.text)).toEqual(expected[i]);
    const length = encoder.encode(f.text).length;
    expect(decoder.decode(bytes.subarray(f.offset, f.offset + length))).toBe(f.text);
  });
}

const CHUNK_SIZES = [1, 7, 1000, 0];

describe('splitFeatures: FeatureCollection', () => {
  const features = randomFeatures(300, 20240611);
  const collection = { type: 'FeatureCollection', features };
  const compact = encoder.encode(JSON.stringify(collection));
  const pretty = encoder.encode(`\n  ${JSON.stringify(collection, null, 2)}\r\n\t `);

  it('the random collection has the awkward bits it is meant to have', () => {
    const json = JSON.stringify(collection);
    for (const s of ['Æblevej ø å 🚧', '\\"', '\\\\', '{"a":[', '\\u001e']) expect(json).toContain(JSON.stringify(s).slice(1, -1));
    expect(compact.length).toBeGreaterThan(50_000);
  });

  for (const size of CHUNK_SIZES) {
    it(`round-trips every feature with its index and byte offset, in chunks of ${size || 'the whole input'}`, async () => {
      for (const bytes of [compact, pretty]) {
        const { features: got, header } = await split(chunked(bytes, size));
        expectFeatures(got, bytes, features);
        expect(header).toMatchObject({ format: 'FeatureCollection', type: 'FeatureCollection', crs: undefined, featureCount: features.length, byteLength: bytes.length });
      }
    });
  }

  it('yields the exact text for compact input: the features re-serialised', async () => {
    const { features: got } = await split(chunked(compact, 7));
    expect(got.map((f) => f.text)).toEqual(features.map((f) => JSON.stringify(f)));
  });

  it('round-trips in chunks of random sizes, and from a source that reuses one buffer', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      expectFeatures((await split(randomChunks(pretty, 200, seed))).features, pretty, features);
    }
    for (const size of [1, 13, 4096]) {
      expectFeatures((await split(reusingBuffer(compact, size))).features, compact, features);
    }
  });

  it('takes one Uint8Array, an array of Buffers, or any async iterable of chunks', async () => {
    expectFeatures((await split([Buffer.from(compact)])).features, compact, features);
    const it = splitFeatures(compact);
    let n = 0;
    for await (const f of it) expect(f.index).toBe(n++);
    expect(n).toBe(features.length);
  });

  it('puts a multi-byte character back together whichever byte a chunk ends on', async () => {
    const feature = { type: 'Feature', properties: { s: '🚧ø'.repeat(50), t: 'Æ' } };
    const bytes = encoder.encode(JSON.stringify({ type: 'FeatureCollection', features: [feature, feature] }));
    for (let cut = 1; cut < bytes.length; cut++) {
      const { features: got } = await split([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expectFeatures(got, bytes, [feature, feature]);
    }
  });

  it('collects a feature spanning many chunks', async () => {
    const big = { type: 'Feature', geometry: { type: 'LineString', coordinates: Array.from({ length: 40_000 }, (_, i) => [12 + i / 1e5, 55.5]) }, properties: { s: 'ø}'.repeat(10_000) } };
    const small = { type: 'Feature', properties: {} };
    const bytes = encoder.encode(JSON.stringify({ type: 'FeatureCollection', features: [small, big, small, big] }));
    expect(bytes.length).toBeGreaterThan(1_000_000);
    for (const size of [7, 4096, 65_536]) expectFeatures((await split(chunked(bytes, size))).features, bytes, [small, big, small, big]);
  });

  it('accepts an empty features array, a UTF-8 byte order mark and no type', async () => {
    expect(await split([encoder.encode('{"features":[]}')])).toEqual({
      features: [],
      header: { format: 'FeatureCollection', type: undefined, crs: undefined, members: {}, omitted: [], featureCount: 0, byteLength: 15 }
    });
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(' { "features" : [ {} ] } ')]);
    for (const size of [1, 0]) {
      const { features: got } = await split(chunked(withBom, size));
      expect(got).toEqual([{ index: 0, text: '{}', offset: 21 }]);
    }
  });

  it('stops reading the source when the caller stops', async () => {
    let closed = false;
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (const c of chunked(compact, 100)) {
          pulled++;
          yield c;
        }
      } finally {
        closed = true;
      }
    }
    for await (const f of splitFeatures(source())) if (f.index === 2) break;
    expect(closed).toBe(true);
    expect(pulled).toBeLessThan(compact.length / 100 / 2);
  });
});

describe('splitFeatures: top-level members', () => {
  const features = randomFeatures(20, 7);
  const crs = { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::25832' } };

  it('reports members before and after features, crs after features included', async () => {
    const text =
      `{"bbox":[12,55,13,56],"name":"Ledninger \\"{[ø]}\\" 🚧","count":${features.length},"ok":true,"nothing":null,` +
      `"features":${JSON.stringify(features)},"crs":${JSON.stringify(crs)},"type":"FeatureCollection","neg":-1.5e3}`;
    const bytes = encoder.encode(text);
    for (const size of CHUNK_SIZES) {
      const { features: got, header } = await split(chunked(bytes, size));
      expectFeatures(got, bytes, features);
      expect(header.type).toBe('FeatureCollection');
      expect(header.crs).toEqual(crs);
      expect(header.members).toEqual({
        bbox: [12, 55, 13, 56],
        name: 'Ledninger "{[ø]}" 🚧',
        count: features.length,
        ok: true,
        nothing: null,
        crs,
        type: 'FeatureCollection',
        neg: -1500
      });
      expect(header.omitted).toEqual([]);
    }
  });

  it('skips a member larger than 64 KiB but names it, and keeps the others', async () => {
    const huge = { list: Array.from({ length: 20_000 }, (_, i) => `${i}}]"`) };
    expect(JSON.stringify(huge).length).toBeGreaterThan(MEMBER_LIMIT);
    const text = `{"type":"FeatureCollection","extra":${JSON.stringify(huge)},"features":${JSON.stringify(features)},"crs":${JSON.stringify(crs)},"__proto__":{"x":1}}`;
    const bytes = encoder.encode(text);
    for (const size of [1000, 0]) {
      const { features: got, header } = await split(chunked(bytes, size));
      expectFeatures(got, bytes, features);
      expect(header.omitted).toEqual(['extra']);
      expect(header.crs).toEqual(crs);
      expect(Object.keys(header.members)).toEqual(['type', 'crs', '__proto__']);
      expect(Object.getPrototypeOf(header.members)).toBe(null);
    }
  });
});

describe('splitFeatures: GeoJSON text sequence (RFC 8142)', () => {
  const features = randomFeatures(200, 99);

  it('splits records with every chunking, blank records and a missing final LF tolerated', async () => {
    const plain = features.map((f) => `${RS}${JSON.stringify(f)}\n`).join('');
    const loose = `\n ${features.map((f, i) => `${RS}${i % 7 === 0 ? `${RS}\n${RS}` : ''}  ${JSON.stringify(f, null, i % 2 ? 1 : 0)}\r\n`).join('')}${RS}`;
    const noFinalLf = plain.slice(0, -1);
    for (const text of [plain, loose, noFinalLf]) {
      const bytes = encoder.encode(text);
      for (const size of CHUNK_SIZES) {
        const { features: got, header } = await split(chunked(bytes, size));
        expectFeatures(got, bytes, features);
        expect(header).toEqual({ format: 'GeoJSONSeq', type: undefined, crs: undefined, members: {}, omitted: [], featureCount: features.length, byteLength: bytes.length });
      }
    }
  });

  it('gives each record the offset of its first byte', async () => {
    const { features: got } = await split([encoder.encode(`${RS}{"a":1}\n${RS}${RS}\n${RS} {"b":"ø"}`)]);
    expect(got).toEqual([
      { index: 0, text: '{"a":1}', offset: 1 },
      { index: 1, text: '{"b":"ø"}', offset: 14 }
    ]);
  });
});

interface Failure {
  error: LerError;
  before: SplitFeature[];
}

/** Run the splitter expecting a LerError; returns it with the features yielded before it. */
async function failure(input: string | Uint8Array, size: number, opts?: SplitOptions): Promise<Failure> {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  const before: SplitFeature[] = [];
  try {
    for await (const f of splitFeatures(chunked(bytes, size), opts)) before.push(f);
  } catch (err) {
    if (!(err instanceof LerError)) throw err;
    expect(err.status).toBe(ErrorCodes[err.code].status);
    expect(err.message.startsWith(`${err.code}: `)).toBe(true);
    return { error: err, before };
  }
  throw new Error(`no error for ${JSON.stringify(input).slice(0, 80)}`);
}

interface Case {
  name: string;
  input: string | Uint8Array;
  code: ErrorCode;
  status: number;
  /** The byte offset the message must name. */
  byte: number;
  /** The feature the error is in, when it is about one. */
  feature?: number;
  pointer?: string;
  opts?: SplitOptions;
  /** How many features come out before the error. */
  before?: number;
  seq?: boolean;
}

const F = '{"type":"Feature","properties":{"a":"{[\\"]}"}}';
const deep = (levels: number): string => `{"type":"Feature","geometry":${'['.repeat(levels)}${']'.repeat(levels)}}`;
const head = '{"type":"FeatureCollection","features":[';

const CASES: Case[] = [
  { name: 'empty input', input: '', code: 'INPUT_EMPTY', status: 400, byte: 0 },
  { name: 'only whitespace', input: ' \r\n\t ', code: 'INPUT_EMPTY', status: 400, byte: 5 },
  { name: 'not JSON', input: 'hello', code: 'INPUT_NOT_OBJECT', status: 400, byte: 0 },
  { name: 'an array at the top', input: `  [${F}]`, code: 'INPUT_NOT_OBJECT', status: 400, byte: 2 },
  { name: 'a string at the top', input: '"features"', code: 'INPUT_NOT_OBJECT', status: 400, byte: 0 },
  { name: 'features an object', input: '{"type":"FeatureCollection","features":{"0":{}}}', code: 'FEATURE_COLLECTION_INVALID', status: 400, byte: 39, pointer: '/features' },
  { name: 'features a number', input: '{"features": 3}', code: 'FEATURE_COLLECTION_INVALID', status: 400, byte: 13, pointer: '/features' },
  { name: 'features given twice', input: '{"features":[],"features":[]}', code: 'FEATURE_COLLECTION_INVALID', status: 400, byte: 26, pointer: '/features' },
  { name: 'no features member', input: '{"type":"FeatureCollection","crs":null}', code: 'FEATURE_COLLECTION_INVALID', status: 400, byte: 38 },
  { name: 'type Feature', input: `{"type":"Feature","geometry":null,"properties":{}}`, code: 'FEATURE_COLLECTION_INVALID', status: 400, byte: 8, pointer: '/type' },
  { name: 'type wrong after features', input: `{"features":[${F}],"type":"Topology"}`, code: 'FEATURE_COLLECTION_INVALID', status: 400, byte: 13 + F.length + 9, pointer: '/type', before: 1 },
  { name: 'an element that is a number', input: `${head}${F}, 42]}`, code: 'FEATURE_NOT_OBJECT', status: 422, byte: head.length + F.length + 2, feature: 1, pointer: '/features/1', before: 1 },
  { name: 'an element that is an array', input: `${head}[${F}]]}`, code: 'FEATURE_NOT_OBJECT', status: 422, byte: head.length, feature: 0, pointer: '/features/0' },
  { name: 'an element that is null', input: `${head}${F},${F},null]}`, code: 'FEATURE_NOT_OBJECT', status: 422, byte: head.length + 2 * F.length + 2, feature: 2, pointer: '/features/2', before: 2 },
  { name: 'unterminated string', input: `${head}${F},{"type":"Feature","properties":{"name":"ab}]`, code: 'INPUT_TRUNCATED', status: 400, byte: head.length + F.length + 45, feature: 1, pointer: '/features/1', before: 1 },
  { name: 'input ending on a backslash', input: `${head}{"a":"x\\`, code: 'INPUT_TRUNCATED', status: 400, byte: head.length + 8, feature: 0, pointer: '/features/0' },
  { name: 'unterminated object', input: `${head}${F},{"a":[1,2]`, code: 'INPUT_TRUNCATED', status: 400, byte: head.length + F.length + 11, feature: 1, pointer: '/features/1', before: 1 },
  { name: 'unterminated features array', input: `${head}${F}`, code: 'INPUT_TRUNCATED', status: 400, byte: head.length + F.length, before: 1 },
  { name: 'unterminated collection', input: `${head}${F}],"crs":{"a":`, code: 'INPUT_TRUNCATED', status: 400, byte: head.length + F.length + 13, pointer: '/crs', before: 1 },
  { name: 'nesting past the default 64', input: `${head}${deep(62)}]}`, code: 'INPUT_TOO_DEEP', status: 400, byte: head.length + 29 + 61, feature: 0, pointer: '/features/0' },
  { name: 'nesting past maxDepth', input: `${head}${F},${deep(3)}]}`, opts: { maxDepth: 5 }, code: 'INPUT_TOO_DEEP', status: 400, byte: head.length + F.length + 1 + 29 + 2, feature: 1, pointer: '/features/1', before: 1 },
  { name: 'a member nested past maxDepth', input: `{"bbox":[[[[1]]]],"features":[]}`, opts: { maxDepth: 4 }, code: 'INPUT_TOO_DEEP', status: 400, byte: 11, pointer: '/bbox' },
  { name: 'a feature over maxFeatureBytes', input: `${head}${F},{"type":"Feature","properties":{"s":"${'x'.repeat(200)}"}}]}`, opts: { maxFeatureBytes: 200 }, code: 'FEATURE_TOO_LARGE', status: 413, byte: head.length + F.length + 1, feature: 1, pointer: '/features/1', before: 1 },
  { name: 'input over maxBytes', input: `${head}${`${F},`.repeat(20)}${F}]}`, opts: { maxBytes: 500 }, code: 'INPUT_TOO_LARGE', status: 413, byte: 500, before: Math.floor((500 - head.length - F.length) / (F.length + 1)) + 1 },
  { name: 'trailing garbage', input: `${head}${F}]} x`, code: 'INPUT_TRAILING_DATA', status: 400, byte: head.length + F.length + 3, before: 1 },
  { name: 'a second object after the collection', input: `{"features":[]}\n{"features":[]}`, code: 'INPUT_TRAILING_DATA', status: 400, byte: 16 },
  { name: 'a trailing comma in features', input: `${head}${F},]}`, code: 'INPUT_SYNTAX', status: 400, byte: head.length + F.length + 1, before: 1 },
  { name: 'a missing comma between features', input: `${head}${F} ${F}]}`, code: 'INPUT_SYNTAX', status: 400, byte: head.length + F.length + 1, before: 1 },
  { name: 'a bracket closing the wrong opener', input: `${head}{"geometry":[1,2}}]}`, code: 'INPUT_SYNTAX', status: 400, byte: head.length + 16, feature: 0, pointer: '/features/0' },
  { name: 'a raw control byte in a string', input: `${head}{"a":"x\u0001y"}]}`, code: 'INPUT_SYNTAX', status: 400, byte: head.length + 7, feature: 0, pointer: '/features/0' },
  { name: 'a member value that is not JSON', input: '{"name":nope,"features":[]}', code: 'INPUT_SYNTAX', status: 400, byte: 8, pointer: '/name' },
  { name: 'a member name without a colon', input: '{"features" []}', code: 'INPUT_SYNTAX', status: 400, byte: 12 },
  {
    name: 'bytes that are not UTF-8',
    input: new Uint8Array([...encoder.encode(`${head}${F},{"a":"`), 0xc3, 0x28, ...encoder.encode('"}]}')]),
    code: 'INPUT_NOT_UTF8',
    status: 400,
    byte: head.length + F.length + 1,
    feature: 1,
    pointer: '/features/1',
    before: 1
  },
  { name: 'sequence: a record that is not an object', input: `${RS}${F}\n${RS}[1]\n`, code: 'FEATURE_NOT_OBJECT', status: 422, byte: F.length + 3, feature: 1, before: 1, seq: true },
  { name: 'sequence: a truncated record (RS inside a string)', input: `${RS}{"a":"b${RS}${F}\n`, code: 'INPUT_TRUNCATED', status: 400, byte: 8, feature: 0, seq: true },
  { name: 'sequence: a truncated record (RS inside an object)', input: `${RS}${F}\n${RS}{"a":[1${RS}${F}\n`, code: 'INPUT_TRUNCATED', status: 400, byte: F.length + 10, feature: 1, before: 1, seq: true },
  { name: 'sequence: input ending inside a record', input: `${RS}${F}\n${RS}{"a":{`, code: 'INPUT_TRUNCATED', status: 400, byte: F.length + 9, feature: 1, before: 1, seq: true },
  { name: 'sequence: garbage after a record', input: `${RS}${F} x\n`, code: 'INPUT_TRAILING_DATA', status: 400, byte: F.length + 2, before: 1, seq: true },
  { name: 'sequence: two features in one record', input: `${RS}${F}${F}\n`, code: 'INPUT_TRAILING_DATA', status: 400, byte: F.length + 1, before: 1, seq: true },
  { name: 'sequence: a feature over maxFeatureBytes', input: `${RS}${F}\n${RS}${F}\n`, opts: { maxFeatureBytes: F.length - 1 }, code: 'FEATURE_TOO_LARGE', status: 413, byte: 1, feature: 0, seq: true }
];

describe('splitFeatures: errors', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.code} naming byte ${c.byte}`, async () => {
      const length = typeof c.input === 'string' ? encoder.encode(c.input).length : c.input.length;
      for (const size of [1, 7, 100, 0]) {
        if (size === 1 && length > 2000) continue;
        const { error, before } = await failure(c.input, size, c.opts);
        expect(error.code, `${error.message} (chunks of ${size})`).toBe(c.code);
        expect(error.status).toBe(c.status);
        expect(error.message).toMatch(new RegExp(`\\bbyte ${c.byte}\\b`));
        expect(error.featureIndex).toBe(c.feature);
        if (c.feature !== undefined) expect(error.message).toContain(`feature #${c.feature}`);
        expect(error.pointer).toBe(c.pointer ?? (c.feature !== undefined && !c.seq ? `/features/${c.feature}` : undefined));
        if (c.pointer) expect(error.message).toContain(`at ${c.pointer}`);
        expect(before.map((f) => f.index)).toEqual(Array.from({ length: c.before ?? 0 }, (_, i) => i));
      }
    });
  }

  it('the nesting limit allows exactly maxDepth levels', async () => {
    const ok = await split([encoder.encode(`${head}${deep(61)}]}`)]);
    expect(ok.features).toHaveLength(1);
    const seq = await split([encoder.encode(`${RS}${deep(3)}\n`)], { maxDepth: 4 });
    expect(seq.features).toHaveLength(1);
    expect((await failure(`${RS}${deep(4)}\n`, 0, { maxDepth: 4 })).error.code).toBe('INPUT_TOO_DEEP');
  });

  it('a feature of exactly maxFeatureBytes and an input of exactly maxBytes pass', async () => {
    const bytes = encoder.encode(`${head}${F},${F}]}`);
    for (const size of [1, 7, 0]) {
      expect((await split(chunked(bytes, size), { maxFeatureBytes: F.length, maxBytes: bytes.length })).features).toHaveLength(2);
    }
  });

  it('a feature too large fails as soon as it outgrows the limit, before it ends', async () => {
    const start = head.length;
    let pulled = 0;
    async function* long(): AsyncGenerator<Uint8Array> {
      yield encoder.encode(`${head}{"type":"Feature","properties":{"s":"`);
      for (; pulled < 2000; pulled++) yield new Uint8Array(4096).fill(0x78); // 8 MB of one string
    }
    let error: unknown;
    try {
      for await (const _ of splitFeatures(long(), { maxFeatureBytes: 1_000_000 })) throw new Error('no feature expected');
    } catch (err) {
      error = err;
    }
    expect(pulled).toBeLessThanOrEqual(Math.ceil(1_000_000 / 4096));
    expect(error).toBeInstanceOf(LerError);
    expect((error as LerError).code).toBe('FEATURE_TOO_LARGE');
    expect((error as LerError).message).toContain(`byte ${start}`);
    expect((error as LerError).pointer).toBe('/features/0');
  });

  it('refuses bad options with OPTION_INVALID, and chunks that are not bytes with a TypeError', async () => {
    for (const opts of [{ maxDepth: 0 }, { maxDepth: 1.5 }, { maxFeatureBytes: -1 }, { maxBytes: Number.NaN }]) {
      expect((await failure('{"features":[]}', 0, opts)).error.code).toBe('OPTION_INVALID');
    }
    await expect(split(['{"features":[]}'] as unknown as Uint8Array[])).rejects.toThrow(TypeError);
  });
});

describe('splitFeatures: memory', () => {
  it('streams 200 MB generated lazily with the heap staying within 64 MB of the start', async () => {
    // heapUsed catches kept texts; chunks live outside the JS heap, so arrayBuffers is sampled too.
    const input = lazyCollection(200e6);
    expect(input.byteLength).toBeGreaterThan(200e6);
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const start = process.memoryUsage();
    const samples: number[] = [];
    const bufferSamples: number[] = [];
    let expectedOffset = input.firstOffset;
    let count = 0;
    let wrong = 0;
    const t0 = performance.now();
    const it = splitFeatures(input.chunks);
    let r = await it.next();
    for (; !r.done; r = await it.next()) {
      const f = r.value;
      const k = count % input.texts.length;
      if (f.index !== count || f.offset !== expectedOffset || f.text !== input.texts[k]) wrong++;
      expectedOffset += input.lengths[k] + 1;
      count++;
      if (count % 20_000 === 0) {
        const now = process.memoryUsage();
        samples.push(now.heapUsed - start.heapUsed);
        bufferSamples.push(now.arrayBuffers - start.arrayBuffers);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    expect(wrong).toBe(0);
    expect(count).toBe(input.featureCount);
    expect(r.value.byteLength).toBe(input.byteLength);
    expect(r.value.crs).toEqual({ type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::25832' } });
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...samples)).toBeLessThan(64 * 1024 * 1024);
    expect(Math.max(...bufferSamples)).toBeLessThan(64 * 1024 * 1024);
    expect(seconds).toBeLessThan(10);
  }, 60_000);
});
