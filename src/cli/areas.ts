/**
 * A planner's batch read as a stream: the FeatureCollection (or GeoJSON text sequence) is cut into
 * features by the upload splitter and each is parsed as the engine asks for it, so a batch of a
 * million areas never sits in memory whole. The CRS a collection declares before its features is
 * known once the first feature is read; each area's geometry is kept only until its summary is
 * written (GeoJSON output).
 */
import { declaredCrs } from '../crs/index.js';
import { LerError } from '../errors.js';
import { splitFeatures, type SplitFeature, type SplitHeader } from '../ingest/split.js';
import type { Geometry } from '../types.js';
import type { CountedSource } from './input.js';

export interface AreaStream {
  /** The CRS the collection declares before its features, if any. */
  declared: string | undefined;
  /** The first features (up to two), already parsed: enough to tell a route from a batch. */
  peeked: unknown[];
  /** True when the input holds no more than the peeked features. */
  ended: boolean;
  /** Every feature, parsed, in input order (the peeked ones first). */
  features: AsyncIterable<unknown>;
  /** Features read so far. */
  readonly read: number;
  /** The geometry of area i, forgotten once taken; null when not kept. */
  takeGeometry(i: number): Geometry | null;
}

export async function openAreas(source: CountedSource, opts: { keepGeometry: boolean }): Promise<AreaStream> {
  let declared: string | undefined;
  let read = 0;
  const kept = new Map<number, Geometry | null>();
  const it = splitFeatures(source.chunks, {
    onMember: (name, value, before) => {
      if (name !== 'crs') return;
      const crs = declaredCrs({ crs: value });
      if (before === 0) declared = crs;
      else if (crs !== declared) throw new LerError('CRS_DECLARED_LATE', { pointer: '/crs' }, 'Put the crs member before "features", or give --crs.');
    }
  });
  const parse = (f: SplitFeature): unknown => {
    let feature: unknown;
    try {
      feature = JSON.parse(f.text) as unknown;
    } catch (error) {
      throw new LerError('INPUT_SYNTAX', { featureIndex: f.index, pointer: `/features/${f.index}` }, `At byte ${f.offset}: ${(error as Error).message}.`);
    }
    read = f.index + 1;
    if (opts.keepGeometry) kept.set(f.index, ((feature as { geometry?: Geometry } | null)?.geometry ?? null) as Geometry | null);
    return feature;
  };
  const peeked: unknown[] = [];
  let ended = false;
  while (peeked.length < 2) {
    const next: IteratorResult<SplitFeature, SplitHeader> = await it.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    peeked.push(parse(next.value));
  }
  async function* all(): AsyncGenerator<unknown> {
    yield* peeked;
    if (ended) return;
    for (;;) {
      const next = await it.next();
      if (next.done === true) return;
      yield parse(next.value);
    }
  }
  return {
    declared,
    peeked,
    ended,
    features: all(),
    get read() {
      return read;
    },
    takeGeometry(i) {
      const g = kept.get(i) ?? null;
      kept.delete(i);
      return g;
    }
  };
}
