/**
 * An owner's network from an upload's bytes, as they arrive: the splitter hands each feature's
 * text to JSON.parse and the builder, so memory holds the growing columns and one feature's text,
 * never the upload. The CRS is the `crs` option, else a legacy `crs` member met before the first
 * feature, else lon/lat; a `crs` member after the features that says otherwise fails the upload.
 */
import { declaredCrs, normaliseCrs } from '../crs/index.js';
import { LerError } from '../errors.js';
import { NetworkBuilder, type NetworkIndex } from '../index/network-index.js';
import type { BuildOptions } from '../types.js';
import { splitFeatures, type SplitHeader, type SplitOptions } from './split.js';

export interface StreamBuildOptions extends BuildOptions {
  /** Limits of the splitter (feature size, nesting, whole upload). */
  split?: Omit<SplitOptions, 'onMember'>;
}

export interface StreamBuild {
  index: NetworkIndex;
  header: SplitHeader;
  features: number;
}

export async function buildFromStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array, opts: StreamBuildOptions): Promise<StreamBuild> {
  let builder: NetworkBuilder | null = null;
  let declared: string | undefined;
  const open = (): NetworkBuilder => {
    builder ??= new NetworkBuilder({ ...opts, crs: opts.crs ?? declared });
    return builder;
  };
  const onMember = (name: string, value: unknown): void => {
    if (name !== 'crs') return;
    declared = declaredCrs({ crs: value });
    if (declared === undefined) throw new LerError('CRS_UNSUPPORTED', { pointer: '/crs' }, `Got ${JSON.stringify(value)}.`);
    const crs = normaliseCrs(declared);
    if (builder !== null && opts.crs === undefined && builder.crs !== crs) {
      throw new LerError('CRS_DECLARED_LATE', { pointer: '/crs' }, `The features were read as ${builder.crs}; put the crs member before "features", or give the crs parameter.`);
    }
  };
  const it = splitFeatures(source, { ...opts.split, onMember });
  let header: SplitHeader;
  for (;;) {
    const next = await it.next();
    if (next.done === true) {
      header = next.value;
      break;
    }
    const { index, text } = next.value;
    const b = open();
    let feature: unknown;
    try {
      feature = JSON.parse(text);
    } catch (error) {
      b.fail(new LerError('INPUT_SYNTAX', { featureIndex: index, pointer: `/features/${index}` }, (error as Error).message));
      continue;
    }
    b.add(feature);
  }
  const b = open();
  return { index: b.finish(), header, features: b.features };
}
