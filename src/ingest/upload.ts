/**
 * An owner's network from an upload's bytes, as they arrive. The splitter cuts the bytes into
 * batches of whole features; each batch is parsed and checked into columns of its own, in a
 * worker thread when there is a pool (the main thread goes on splitting) or inline; the batches'
 * columns are then laid out together and indexed (in a worker too, when there is a pool: see
 * finish.ts). The splitting loop yields to the event loop every few milliseconds, so that other
 * requests are served while an upload streams in. Memory holds the columns and the batches in
 * flight, never the upload. The CRS is the `crs` option, else a legacy `crs` member met before the
 * first feature, else lon/lat; a `crs` member after the features that says otherwise fails.
 */
import { declaredCrs, normaliseCrs, resolveExtent } from '../crs/index.js';
import { LerError, type ErrorCode } from '../errors.js';
import { ColumnBuilder } from '../index/column-builder.js';
import { columnsFrom, type NetworkColumns } from '../index/columns.js';
import type { NetworkIndex } from '../index/network-index.js';
import { finishElsewhere, type Finisher, type FinishTask } from './finish.js';
import { checkBuildOptions } from './network-builder.js';
import type { Problem } from '../rules/report.js';
import type { BuildOptions, CrsName } from '../types.js';
import { parseFeatureBatch, type ParsedBatch, type ParseSettings, type ParseTask } from './parse-batch.js';
import { gmlFeatureSequence, type GmlUploadOptions } from './gml-upload.js';
import { splitFeatureBatches, type SplitHeader, type SplitOptions } from './split.js';

/** Parses batches elsewhere (the engine's worker pool), and lays out and indexes the columns when it can. */
export interface BatchParser extends Partial<Finisher> {
  readonly threads: number;
  parse(task: ParseTask): Promise<ParsedBatch>;
}

export interface StreamBuildOptions extends BuildOptions {
  /** Limits of the splitter (feature size, nesting, whole upload). */
  split?: Omit<SplitOptions, 'onMember'>;
  /** Bytes of features per batch; default 1 MiB (256 KiB when parsed inline). */
  batchBytes?: number;
  /** Where batches are parsed; default inline. */
  parser?: BatchParser | null;
  /** Where the columns are laid out and indexed, given the task; default the parser when it can, else inline. */
  finisher?: (task: FinishTask) => Finisher | null;
  /** What the bytes are: GeoJSON (a FeatureCollection or a text sequence, the default), LER 2.2 GML, or told by their first character (`<`: GML). */
  format?: 'geojson' | 'gml' | 'auto';
  /** For GML: the reader's limits, LER's restrictions, the schema check, the document's header. */
  gml?: Omit<GmlUploadOptions, 'report' | 'invalid'>;
}

export interface StreamBuild {
  index: NetworkIndex;
  header: SplitHeader;
  features: number;
}

const decoder = new TextDecoder();

/** The splitting loop gives the event loop a turn at least this often, ms: other requests go on. */
const SLICE_MS = 10;

/** Bytes of features per batch when batches are parsed inline (no pool). */
const INLINE_BATCH_BYTES = 256 * 1024;

/** The key an id is told apart by: the id as a string (1 and "1" are the same id). */
function idKey(json: string): string {
  if (json.charCodeAt(0) !== 0x22) return json;
  return json.includes('\\') ? (JSON.parse(json) as string) : json.slice(1, -1);
}

export async function buildFromStream(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, opts: StreamBuildOptions): Promise<StreamBuild> {
  const { coarseAccuracy, report, invalid, propertyLimits } = checkBuildOptions(opts);
  const owner = opts.owner;
  const extent = resolveExtent(opts.extent);
  const peeked = opts.format === 'auto' ? await peekFirstByte(input) : null;
  const bytes = peeked === null ? input : peeked.chunks;
  const gml = opts.format === 'gml' || (peeked !== null && peeked.first === 0x3c);
  // GML is read into a GeoJSON text sequence first (LER's restrictions checked there, on the XML); `passed[k]` is the document's index of its feature k.
  const passed: number[] = [];
  const parser = opts.parser ?? null;
  const source = gml ? gmlFeatureSequence(bytes, { ...opts.gml, report, invalid }, passed) : bytes;
  const fixedCrs = gml ? gmlCrs(opts.crs) : opts.crs === undefined ? undefined : normaliseCrs(opts.crs);

  let settings: ParseSettings | null = null;
  let declared: string | undefined;
  const settle = (): ParseSettings => {
    settings ??= { owner, crs: fixedCrs ?? normaliseCrs(declared), extent, coarseAccuracy, propertyLimits, warnings: report !== null, ...(gml ? { restrictions: false, simpleLines: true } : {}) };
    return settings;
  };
  const onMember = (name: string, value: unknown, featuresBefore: number): void => {
    if (name !== 'crs') return;
    // Features already split are read in the CRS known before them, even if not yet parsed.
    if (featuresBefore > 0) settle();
    const named = declaredCrs({ crs: value });
    if (named === undefined) throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, `Got ${JSON.stringify(value)}.`);
    const crs: CrsName = normaliseCrs(named);
    if (settings === null) declared = named;
    else if (fixedCrs === undefined && settings.crs !== crs) {
      throw new LerError('CRS_DECLARED_LATE', { pointer: '/crs' }, `The features were read as ${settings.crs}; put the crs member before "features", or give the crs parameter.`);
    }
  };

  // The batches' results, taken in input order.
  const columns: NetworkColumns[] = [];
  const keep: (Uint8Array | null)[] = [];
  const ids = new Set<string>();
  let features = 0;
  let first: LerError | null = null;
  const record = (found: Problem): void => {
    const p = gml && found.featureIndex !== null ? { ...found, featureIndex: passed[found.featureIndex] ?? found.featureIndex } : found;
    if (p.severity === 'error') first ??= revive(p);
    if (report === null) throw revive(p);
    report.addProblem(p);
  };
  const take = (parsed: ParsedBatch): void => {
    const c = columnsFrom(parsed.columns);
    // Ids against every earlier feature's, in input order: a repeated id makes its feature invalid.
    const mask = new Uint8Array(c.featureCount).fill(1);
    const dups: Problem[] = [];
    const all = decoder.decode(c.idText);
    const ascii = all.length === c.idText.length;
    for (let f = 0; f < c.featureCount; f++) {
      const json = ascii ? all.slice(c.idOffsets[f], c.idOffsets[f + 1]) : decoder.decode(c.idText.subarray(c.idOffsets[f], c.idOffsets[f + 1]));
      const key = idKey(json);
      if (!ids.has(key)) {
        ids.add(key);
        continue;
      }
      mask[f] = 0;
      const featureIndex = parsed.kept[f];
      const e = new LerError('FEATURE_ID_DUPLICATE', { featureIndex, featureId: JSON.parse(json) as string | number, pointer: '/id' });
      dups.push({ featureIndex, featureId: e.featureId ?? null, pointer: '/id', code: e.code, severity: 'error', message: e.message });
    }
    if (report !== null) report.features += parsed.count;
    // Problems in input order; a repeated id is the feature's only problem (its warnings go).
    const repeated = new Set(dups.map((d) => d.featureIndex));
    let d = 0;
    for (const p of parsed.problems) {
      while (d < dups.length && (dups[d].featureIndex as number) < (p.featureIndex as number)) record(dups[d++]);
      if (!repeated.has(p.featureIndex as number)) record(p);
    }
    while (d < dups.length) record(dups[d++]);
    if (parsed.fatal !== null) throw revive(parsed.fatal);
    features += parsed.count;
    columns.push(c);
    keep.push(dups.length > 0 ? mask : null);
  };

  const inFlight: Promise<ParsedBatch>[] = [];
  const limit = parser === null ? 1 : 2 * parser.threads;
  // Parsed inline, a batch holds the event loop while it is parsed: smaller ones, then.
  const batchBytes = opts.batchBytes ?? (parser === null ? INLINE_BATCH_BYTES : undefined);
  const it = splitFeatureBatches(source, { ...opts.split, onMember, ...(batchBytes !== undefined ? { batchBytes } : {}) });
  let header: SplitHeader | null = null;
  let failure: unknown = null;
  let turn = performance.now();
  try {
    for (;;) {
      // Bytes already buffered split without a pause: let the event loop turn between batches.
      if (performance.now() - turn > SLICE_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turn = performance.now();
      }
      let next: IteratorResult<Awaited<ReturnType<typeof it.next>>['value']>;
      try {
        next = await it.next();
      } catch (error) {
        failure = error;
        break;
      }
      if (next.done === true) {
        header = next.value as SplitHeader;
        break;
      }
      const task: ParseTask = { batch: next.value as ParseTask['batch'], settings: settle() };
      // A worker that fails (or a pool closing) leaves the batch to be parsed here: same answer.
      inFlight.push(parser === null ? Promise.resolve(parseFeatureBatch(task)) : parser.parse(task).catch(() => parseFeatureBatch(task)));
      while (inFlight.length >= limit) take(await (inFlight.shift() as Promise<ParsedBatch>));
    }
    // Batches read before a framing error come first: one of them may hold the upload's first error.
    while (inFlight.length > 0) take(await (inFlight.shift() as Promise<ParsedBatch>));
  } finally {
    // On an error, let the batches still in flight finish unobserved.
    for (const p of inFlight) p.catch(() => undefined);
  }
  if (failure !== null) throw failure;
  if (first !== null && invalid === 'reject') {
    throw new LerError('UPLOAD_REJECTED', {}, `${report?.invalidFeatures ?? 1} of ${features} features are invalid; the first: ${(first as LerError).message}`);
  }
  const kept = columns.reduce((n, c, i) => n + (keep[i] === null ? c.featureCount : (keep[i] as Uint8Array).reduce((a, b) => a + b, 0)), 0);
  if (first !== null && kept === 0) {
    // Skipping every feature would replace the network with an empty one: that is no upload.
    throw new LerError('UPLOAD_REJECTED', {}, `None of the ${features} features is valid; the first: ${(first as LerError).message}`);
  }
  settle();
  const all = columns.length > 0 ? columns : [new ColumnBuilder().finish([owner])];
  // Laid out along a Hilbert curve, as a merge would: a dig's features lie together in memory. In
  // the pool when there is one: it reads every feature at once.
  const task: FinishTask = { columns: all.map((c) => c.buffer), keep: all.map((_, i) => keep[i] ?? null), chunkSize: opts.chunkSize };
  const index = await finishElsewhere(task, opts.finisher !== undefined ? opts.finisher(task) : parser?.finish !== undefined ? (parser as Finisher) : null);
  return { index, header: header as SplitHeader, features };
}

/** The first byte that is neither whitespace nor a byte order mark, and the same chunks again (the read ones first). */
async function peekFirstByte(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array): Promise<{ first: number | null; chunks: AsyncIterable<Uint8Array> }> {
  const it = (input instanceof Uint8Array ? [input] : input) as AsyncIterable<Uint8Array>;
  const iterator = (Symbol.asyncIterator in it ? it[Symbol.asyncIterator]() : (it as unknown as Iterable<Uint8Array>)[Symbol.iterator]()) as AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  const seen: Uint8Array[] = [];
  let first: number | null = null;
  while (first === null) {
    const next = await iterator.next();
    if (next.done === true) break;
    seen.push(next.value);
    for (const b of next.value) {
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue;
      first = b;
      break;
    }
  }
  async function* again(): AsyncGenerator<Uint8Array> {
    yield* seen;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) return;
      yield next.value;
    }
  }
  return { first, chunks: again() };
}

/** GML's positions are EPSG:7416 (or EPSG:25832): the same plane. Another CRS asked for is refused. */
export function gmlCrs(asked: string | undefined): CrsName {
  const crs = normaliseCrs(asked ?? 'EPSG:25832');
  if (crs !== normaliseCrs('EPSG:25832')) throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, `LER GML is in EPSG:7416 (or EPSG:25832), not ${asked}.`);
  return crs;
}

/** A LerError again from a problem found elsewhere (another thread), with its message as it was. */
function revive(p: Problem): LerError {
  const where = {
    ...(p.featureIndex !== null ? { featureIndex: p.featureIndex } : {}),
    ...(p.featureId !== null ? { featureId: p.featureId } : {}),
    ...(p.pointer !== null ? { pointer: p.pointer } : {})
  };
  const error = new LerError(p.code as ErrorCode, where);
  error.message = p.message;
  return error;
}
