/**
 * Byte-level streaming splitter for GeoJSON uploads.
 *
 * `splitFeatures` reads an upload as a stream of byte chunks and yields the exact JSON text of each
 * Feature, one at a time, with its position and byte offset. It does not parse features: the caller
 * runs `JSON.parse` on `text`. Two inputs are understood, told apart by the first byte that is not
 * whitespace (a UTF-8 byte order mark is skipped):
 *
 *  - RS (0x1E): a GeoJSON text sequence (RFC 8142), records `RS <Feature> LF`. Blank records and a
 *    missing final LF are tolerated.
 *  - anything else: a FeatureCollection, `{ ..., "features": [ {...}, {...} ], ... }`. Every element
 *    of `features` is yielded. The other top-level members may come before or after `features`;
 *    each one whose text is at most 64 KiB is parsed and handed back in the generator's return
 *    value (`SplitHeader`), so a legacy `crs` after `features` is still seen. Larger ones are
 *    skipped and named in `omitted`. A `type` other than "FeatureCollection" fails at once.
 *    (Newline-delimited GeoJSON is not accepted.)
 *
 * How: one pass over the bytes with a small state machine. Between values (the top-level object,
 * the `features` array, the records of a sequence) it checks every byte of the framing. Inside a
 * value (a feature, or another top-level member) it runs a tight loop that only tracks JSON string
 * state (quotes and backslash escapes, so brackets in strings do not count) and a stack of open
 * brackets (nesting depth, and `}` must close `{`); everything else is skipped unread. A value is
 * collected by remembering where it starts in the current chunk: when it ends in the same chunk the
 * text is decoded straight from that chunk; when it spans chunks its bytes so far are copied into
 * one growable buffer. Bytes are decoded (strict UTF-8) only once a value is complete, so multi-byte
 * characters split across chunks come out whole. Only the current value's bytes are ever kept:
 * memory is bounded by the largest feature (at most `maxFeatureBytes`), not by the input.
 *
 * Every framing error is a `LerError` whose message names the byte offset; inside or in place of a
 * feature it also carries `featureIndex` and, in a FeatureCollection, the pointer `/features/<i>`.
 * Errors are raised where they are found, so the features before one have already been yielded (a
 * wrong `type` after `features` is found only at the end): a caller that accepts an upload whole or
 * not at all must hold back its work until the generator returns. Past `maxBytes` the bytes up to
 * the limit are still split, so what is yielded before an error never depends on the chunking.
 */
import { LerError, type ErrorCode, type ErrorLocation } from '../errors.js';

export interface SplitOptions {
  /** Deepest nesting of arrays and objects allowed, counted from the top of the input (the
   * collection is 1, `features` 2, a feature 3; in a text sequence a feature is 1). Default 64. */
  maxDepth?: number;
  /** Largest single feature, in bytes of JSON text. Default 64 MiB. Beyond: FEATURE_TOO_LARGE (413). */
  maxFeatureBytes?: number;
  /** Largest whole input, in bytes. Default Infinity. Beyond: INPUT_TOO_LARGE (413). */
  maxBytes?: number;
  /**
   * Called with each top-level member other than `features` as soon as it is read (a `crs` before
   * the features is known before the first feature), and how many features came before it.
   */
  onMember?: (name: string, value: unknown, featuresBefore: number) => void;
}

/** One feature of the input: its position, its exact JSON text and the byte offset of its `{`. */
export interface SplitFeature {
  index: number;
  text: string;
  offset: number;
}

/** What `splitFeatures` returns when the input is done (the generator's return value). */
export interface SplitHeader {
  format: 'FeatureCollection' | 'GeoJSONSeq';
  /** The top-level `type` member (undefined when absent, and always in a text sequence). */
  type: unknown;
  /** The legacy top-level `crs` member, parsed (undefined when absent or larger than 64 KiB). */
  crs: unknown;
  /** Every top-level member but `features` whose text is at most 64 KiB, parsed (null prototype). */
  members: Record<string, unknown>;
  /** Names of top-level members skipped for being larger than 64 KiB. */
  omitted: string[];
  featureCount: number;
  /** Bytes read in all. */
  byteLength: number;
}

export const SPLIT_DEFAULTS = { maxDepth: 64, maxFeatureBytes: 64 * 1024 * 1024, maxBytes: Infinity } as const;

/** Top-level members other than `features` are kept when their text is at most this long. */
export const MEMBER_LIMIT = 64 * 1024;
const MAX_DEPTH_LIMIT = 100_000;

/**
 * Split a GeoJSON upload into its features' texts. `source` yields byte chunks of any size (a
 * Node stream, a `fetch` body, an array of Buffers, or one Uint8Array). The generator's return
 * value is the `SplitHeader`; read it by iterating by hand:
 *
 * ```ts
 * const it = splitFeatures(stream);
 * let r = await it.next();
 * for (; !r.done; r = await it.next()) handle(JSON.parse(r.value.text));
 * const { crs } = r.value;
 * ```
 */
export async function* splitFeatures(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array,
  opts: SplitOptions = {}
): AsyncGenerator<SplitFeature, SplitHeader, undefined> {
  const splitter = new Splitter(opts);
  const chunks = source instanceof Uint8Array ? [source] : source;
  for await (const whole of chunks) {
    if (!(whole instanceof Uint8Array)) throw new TypeError('splitFeatures: the source must yield Uint8Array chunks');
    const chunk = splitter.withinLimit(whole);
    let pos = 0;
    while (pos < chunk.length) {
      pos = splitter.scan(chunk, pos);
      const feature = splitter.ready;
      if (feature !== null) {
        splitter.ready = null;
        yield feature;
      }
    }
    splitter.endChunk(chunk);
    if (chunk !== whole) throw splitter.tooLarge();
  }
  return splitter.finish();
}

/**
 * Features one after another as raw bytes, for a parser elsewhere (e.g. a worker thread): feature k
 * of the batch is `bytes[ends[k], ends[k + 1])`, input feature number `first + k`, starting at
 * byte `offsets[k]` of the input. The bytes are not yet checked to be UTF-8.
 */
export interface FeatureBatch {
  first: number;
  count: number;
  bytes: Uint8Array;
  ends: Uint32Array;
  offsets: Float64Array;
  /** Pointers name `/features/<i>` (a FeatureCollection), or only the index (a text sequence). */
  collection: boolean;
}

/** Batches start at this many bytes of features and double every BATCH_DOUBLING batches. */
export const DEFAULT_BATCH_BYTES = 1 << 20;
const BATCH_DOUBLING = 4096;

/**
 * As `splitFeatures`, but hands the features on undecoded, in batches of about `batchBytes`
 * (each batch's buffers are its own, ready to be moved to another thread). One `yield` per batch
 * instead of per feature. A framing error first yields the features read before it, then throws.
 */
export async function* splitFeatureBatches(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array,
  opts: SplitOptions & { batchBytes?: number } = {}
): AsyncGenerator<FeatureBatch, SplitHeader, undefined> {
  const splitter = new Splitter(opts);
  splitter.raw = true;
  let target = opts.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!Number.isInteger(target) || target < 1) throw new LerError('OPTION_INVALID', { pointer: '/batchBytes' }, 'batchBytes must be a positive whole number.');
  let batches = 0;
  let bytes = new Uint8Array(target + 4096);
  let used = 0;
  let ends: number[] = [0];
  let offsets: number[] = [];
  let first = 0;
  const take = (collection: boolean): FeatureBatch => {
    const batch: FeatureBatch = { first, count: offsets.length, bytes: bytes.slice(0, used), ends: Uint32Array.from(ends), offsets: Float64Array.from(offsets), collection };
    first += offsets.length;
    used = 0;
    ends = [0];
    offsets = [];
    if (++batches % BATCH_DOUBLING === 0) target *= 2;
    return batch;
  };
  const chunks = source instanceof Uint8Array ? [source] : source;
  let failure: unknown = null;
  try {
    for await (const whole of chunks) {
      if (!(whole instanceof Uint8Array)) throw new TypeError('splitFeatureBatches: the source must yield Uint8Array chunks');
      const chunk = splitter.withinLimit(whole);
      let pos = 0;
      while (pos < chunk.length) {
        pos = splitter.scan(chunk, pos);
        const feature = splitter.ready;
        if (feature === null) continue;
        const b = splitter.readyBytes as Uint8Array;
        splitter.ready = null;
        splitter.readyBytes = null;
        if (used + b.length > bytes.length) {
          const grown = new Uint8Array(Math.max(used + b.length, 2 * bytes.length));
          grown.set(bytes.subarray(0, used));
          bytes = grown;
        }
        bytes.set(b, used);
        used += b.length;
        ends.push(used);
        offsets.push(feature.offset);
        splitter.release();
        if (used >= target) {
          const out = take(!splitter.isSequence);
          if (bytes.length > 4 * target) bytes = new Uint8Array(target + 4096);
          yield out;
        }
      }
      splitter.endChunk(chunk);
      if (chunk !== whole) throw splitter.tooLarge();
    }
  } catch (error) {
    failure = error;
  }
  if (failure === null) {
    let header: SplitHeader;
    try {
      header = splitter.finish();
    } catch (error) {
      if (offsets.length > 0) yield take(!splitter.isSequence);
      throw error;
    }
    if (offsets.length > 0) yield take(!splitter.isSequence);
    return header;
  }
  if (offsets.length > 0) yield take(!splitter.isSequence);
  throw failure;
}

// Byte classes inside a value, outside strings.
const PLAIN = 0;
const QUOTE = 1;
const OPEN = 2;
const CLOSE = 3;
const CONTROL = 4;
const CLASS = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) CLASS[b] = CONTROL;
CLASS[0x09] = CLASS[0x0a] = CLASS[0x0d] = PLAIN;
CLASS[0x22] = QUOTE;
CLASS[0x5b] = CLASS[0x7b] = OPEN; // [ {
CLASS[0x5d] = CLASS[0x7d] = CLOSE; // ] }  (each is its opener + 2)

// Bytes a bare scalar (number, true, false, null) may hold: the rest is left to JSON.parse.
const SCALAR = new Uint8Array(256);
for (const ch of '0123456789+-.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ') SCALAR[ch.charCodeAt(0)] = 1;

const RS = 0x1e;

// States.
const BEGIN = 0; // before the first value: whitespace, a BOM, then '{' or RS
const BOM = 1; // inside a UTF-8 byte order mark
const KEY_OR_END = 2; // after the top-level '{'
const KEY = 3; // after a top-level ','
const COLON = 4;
const VALUE = 5; // after a top-level ':'
const ELEMENT_OR_END = 6; // after the '[' of features
const ELEMENT = 7; // after a ',' in features
const AFTER_ELEMENT = 8;
const AFTER_MEMBER = 9;
const END = 10; // after the top-level '}'
const RECORD = 11; // after an RS
const AFTER_RECORD = 12; // after a record's feature
const NESTED = 13; // inside a value: a feature, a member's object, array or string, or a key
const BARE = 14; // inside a bare scalar member value

// What the value being collected is.
const FEATURE = 0;
const MEMBER = 1;
const NAME = 2; // a top-level key

class Splitter {
  ready: SplitFeature | null = null;
  /** In raw mode, the ready feature's bytes (not decoded), valid until the next scan. */
  readyBytes: Uint8Array | null = null;
  /** Raw mode: features are handed on as bytes; the consumer decodes (and checks UTF-8). */
  raw = false;

  private readonly maxDepth: number;
  private readonly maxFeatureBytes: number;
  private readonly maxBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  private state = BEGIN;
  private seq = false;
  /** Absolute offset of the current chunk's first byte. */
  private chunkOffset = 0;
  private bomSeen = 0;

  // Nesting: stack[d] is the opener byte at depth d (1-based); `base` is the depth a value ends at.
  private readonly stack: Uint8Array;
  private depth = 0;
  private base = 0;
  private inString = false;
  private escaped = false;

  // The value being collected.
  private kind = FEATURE;
  private collecting = false;
  private keep = false; // false once a member outgrows MEMBER_LIMIT: scanned, not kept
  private start = 0; // where it starts in the current chunk (0 when it began in an earlier one)
  private startOffset = 0; // absolute offset of its first byte
  private limit = 0;
  private buf = new Uint8Array(0); // its bytes from earlier chunks
  private bufLen = 0;

  // FeatureCollection members.
  private key: string | null = null;
  private featuresSeen = false;
  private readonly members: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly omitted: string[] = [];
  private count = 0;

  private readonly onMember: SplitOptions['onMember'];

  constructor(opts: SplitOptions) {
    this.onMember = opts.onMember;
    this.maxDepth = option(opts.maxDepth, SPLIT_DEFAULTS.maxDepth, 'maxDepth', true, MAX_DEPTH_LIMIT);
    this.maxFeatureBytes = option(opts.maxFeatureBytes, SPLIT_DEFAULTS.maxFeatureBytes, 'maxFeatureBytes', true, 2 ** 31 - 1);
    this.maxBytes = option(opts.maxBytes, SPLIT_DEFAULTS.maxBytes, 'maxBytes', false, Infinity);
    this.stack = new Uint8Array(this.maxDepth + 1);
  }

  /** True for a GeoJSON text sequence (known from the first byte on). */
  get isSequence(): boolean {
    return this.seq;
  }

  /** The chunk, or the part of it within maxBytes. */
  withinLimit(chunk: Uint8Array): Uint8Array {
    const room = this.maxBytes - this.chunkOffset;
    return chunk.length > room ? chunk.subarray(0, room) : chunk;
  }

  tooLarge(): LerError {
    return this.fail('INPUT_TOO_LARGE', `It goes on past byte ${this.maxBytes}, the limit (maxBytes).`);
  }

  /** Copy the tail of a value that goes on into the next chunk, and move on. */
  endChunk(chunk: Uint8Array): void {
    if (this.collecting && this.keep) this.append(chunk, this.start, chunk.length);
    this.start = 0;
    this.chunkOffset += chunk.length;
  }

  /** Scan from `pos` to the end of the chunk, or to just past a feature (then `ready` holds it). */
  scan(chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    let i = pos;
    while (i < n && this.ready === null) {
      if (this.state === NESTED) i = this.scanNested(chunk, i);
      else if (this.state === BARE) i = this.scanBare(chunk, i);
      else i = this.step(chunk, i);
    }
    return i;
  }

  /** The hot loop: inside a value, track strings and brackets until the value closes. */
  private scanNested(chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    const stack = this.stack;
    const base = this.base;
    let depth = this.depth;
    let inString = this.inString;
    let i = pos;
    let done = false;
    if (this.escaped) {
      this.escaped = false;
      i++; // the byte after a backslash that ended the previous chunk
    }
    outer: while (i < n) {
      if (inString) {
        let c = 0;
        while (i < n) {
          c = chunk[i];
          if (c === 0x22 || c === 0x5c || c < 0x20) break;
          i++;
        }
        if (i === n) break;
        if (c === 0x22) {
          inString = false;
          i++;
          if (depth === base) {
            done = true;
            break;
          }
          continue;
        }
        if (c === 0x5c) {
          i += 2;
          if (i > n) {
            this.escaped = true;
            i = n;
          }
          continue;
        }
        this.depth = depth;
        throw this.controlInString(c, i);
      }
      while (i < n) {
        const c = chunk[i];
        const k = CLASS[c];
        if (k === PLAIN) {
          i++;
        } else if (k === QUOTE) {
          inString = true;
          i++;
          continue outer;
        } else if (k === OPEN) {
          if (depth >= this.maxDepth) throw this.tooDeep(i);
          stack[++depth] = c;
          i++;
        } else if (k === CLOSE) {
          if (stack[depth] !== c - 2) throw this.mismatch(c, i, depth);
          depth--;
          i++;
          if (depth === base) {
            done = true;
            break outer;
          }
        } else {
          throw this.controlOutside(c, i);
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    if (done) this.complete(chunk, i);
    return i;
  }

  /** A bare scalar member value ends at the first byte that cannot be part of one. */
  private scanBare(chunk: Uint8Array, pos: number): number {
    const n = chunk.length;
    let i = pos;
    while (i < n && SCALAR[chunk[i]] === 1) i++;
    if (i < n) this.complete(chunk, i);
    return i;
  }

  /** One byte of framing. */
  private step(chunk: Uint8Array, i: number): number {
    const c = chunk[i];
    const at = this.chunkOffset + i;
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      if (this.state === BOM) throw this.unexpected(c, at, 'the rest of a UTF-8 byte order mark');
      return i + 1;
    }
    switch (this.state) {
      case BEGIN:
        if (c === 0xef && at === 0) {
          this.state = BOM;
          this.bomSeen = 1;
        } else if (c === 0x7b) {
          this.stack[1] = c;
          this.depth = 1;
          this.state = KEY_OR_END;
        } else if (c === RS) {
          this.seq = true;
          this.state = RECORD;
        } else {
          throw this.fail('INPUT_NOT_OBJECT', `Found ${show(c)} at byte ${at}: expected '{' (a FeatureCollection) or RS (0x1E, a GeoJSON text sequence).`);
        }
        return i + 1;
      case BOM:
        if (c !== (this.bomSeen === 1 ? 0xbb : 0xbf)) throw this.unexpected(c, at, 'the rest of a UTF-8 byte order mark');
        if (++this.bomSeen === 3) this.state = BEGIN;
        return i + 1;
      case KEY_OR_END:
      case KEY:
        if (c === 0x22) {
          this.key = null;
          this.startValue(NAME, i, 1, MEMBER_LIMIT);
          this.inString = true;
          return i + 1;
        }
        if (c === 0x7d && this.state === KEY_OR_END) return this.closeCollection(i, at);
        throw this.unexpected(c, at, this.state === KEY ? 'a member name' : 'a member name or \'}\'');
      case COLON:
        if (c !== 0x3a) throw this.unexpected(c, at, `':' after the member name ${JSON.stringify(this.key)}`);
        this.state = VALUE;
        return i + 1;
      case VALUE:
        return this.memberValue(i, c, at);
      case ELEMENT_OR_END:
      case ELEMENT:
        if (c === 0x7b) return this.startFeature(i, at, 3);
        if (c === 0x5d && this.state === ELEMENT_OR_END) return this.closeFeatures(i);
        if (c === 0x5d) throw this.unexpected(c, at, 'a feature after \',\' in features');
        throw this.fail('FEATURE_NOT_OBJECT', `Element ${this.count} of features starts with ${show(c)} at byte ${at}: expected '{'.`, this.featureAt(this.count));
      case AFTER_ELEMENT:
        if (c === 0x2c) {
          this.state = ELEMENT;
          return i + 1;
        }
        if (c === 0x5d) return this.closeFeatures(i);
        throw this.unexpected(c, at, `',' or ']' after feature #${this.count - 1}`);
      case AFTER_MEMBER:
        if (c === 0x2c) {
          this.state = KEY;
          return i + 1;
        }
        if (c === 0x7d) return this.closeCollection(i, at);
        throw this.unexpected(c, at, `',' or '}' after the member ${JSON.stringify(this.key)}`);
      case END:
        throw this.fail('INPUT_TRAILING_DATA', `Found ${show(c)} at byte ${at}, after the FeatureCollection ended.`);
      case RECORD:
        if (c === RS) return i + 1; // a blank record
        if (c === 0x7b) return this.startFeature(i, at, 1);
        throw this.fail('FEATURE_NOT_OBJECT', `Record ${this.count} starts with ${show(c)} at byte ${at}: expected '{'.`, this.featureAt(this.count));
      case AFTER_RECORD:
        if (c === RS) {
          this.state = RECORD;
          return i + 1;
        }
        throw this.fail('INPUT_TRAILING_DATA', `Found ${show(c)} at byte ${at}, after feature #${this.count - 1} and before the next RS.`);
      default:
        throw new Error(`splitFeatures: bad state ${this.state}`);
    }
  }

  private memberValue(i: number, c: number, at: number): number {
    const key = this.key;
    if (key === 'features') {
      if (this.featuresSeen) throw this.fail('FEATURE_COLLECTION_INVALID', `The member features appears twice; the second one's value starts at byte ${at}.`, { pointer: '/features' });
      if (c !== 0x5b) throw this.fail('FEATURE_COLLECTION_INVALID', `features must be an array: found ${show(c)} at byte ${at}.`, { pointer: '/features' });
      this.featuresSeen = true;
      this.openBracket(c, at);
      this.state = ELEMENT_OR_END;
      return i + 1;
    }
    if (c === 0x7b || c === 0x5b) {
      this.startValue(MEMBER, i, 1, MEMBER_LIMIT);
      this.openBracket(c, at);
      return i + 1;
    }
    if (c === 0x22) {
      this.startValue(MEMBER, i, 1, MEMBER_LIMIT);
      this.inString = true;
      return i + 1;
    }
    if (SCALAR[c] === 1) {
      this.startValue(MEMBER, i, 1, MEMBER_LIMIT);
      this.state = BARE;
      return i;
    }
    throw this.unexpected(c, at, `the value of the member ${JSON.stringify(key)}`);
  }

  private startFeature(i: number, at: number, depth: number): number {
    this.startValue(FEATURE, i, depth - 1, this.maxFeatureBytes);
    this.openBracket(0x7b, at);
    return i + 1;
  }

  private startValue(kind: number, i: number, base: number, limit: number): void {
    this.kind = kind;
    this.collecting = true;
    this.keep = true;
    this.start = i;
    this.startOffset = this.chunkOffset + i;
    this.limit = limit;
    this.bufLen = 0;
    this.base = base;
    this.depth = base;
    this.inString = false;
    this.escaped = false;
    this.state = NESTED;
  }

  private openBracket(c: number, at: number): void {
    if (this.depth >= this.maxDepth) throw this.tooDeep(at - this.chunkOffset);
    this.stack[++this.depth] = c;
  }

  private closeFeatures(i: number): number {
    this.depth = 1;
    this.state = AFTER_MEMBER;
    return i + 1;
  }

  private closeCollection(i: number, at: number): number {
    if (!this.featuresSeen) throw this.fail('FEATURE_COLLECTION_INVALID', `The FeatureCollection closing at byte ${at} has no features member.`);
    this.depth = 0;
    this.state = END;
    return i + 1;
  }

  /** A value ended just before `end`: hand it on. */
  private complete(chunk: Uint8Array, end: number): void {
    const bytes = this.take(chunk, end);
    const kind = this.kind;
    const at = this.startOffset;
    if (kind === FEATURE) {
      if (this.raw) this.readyBytes = bytes;
      const text = this.raw ? '' : this.decode(bytes as Uint8Array, `The feature starting at byte ${at}`);
      this.ready = { index: this.count++, text, offset: at };
      this.state = this.seq ? AFTER_RECORD : AFTER_ELEMENT;
      return;
    }
    if (kind === NAME) {
      if (bytes !== null) this.key = this.parse(bytes, at, 'The member name', undefined) as string;
      this.state = COLON;
      return;
    }
    const key = this.key;
    if (key !== null && bytes === null) {
      if (key === 'type') throw this.typeError('(a value longer than 64 KiB)', at);
      this.omitted.push(key);
    } else if (key !== null && bytes !== null) {
      const value = this.parse(bytes, at, `The value of the member ${JSON.stringify(key)}`, `/${pointerToken(key)}`);
      if (key === 'type' && value !== 'FeatureCollection') throw this.typeError(JSON.stringify(value), at);
      this.members[key] = value;
      this.onMember?.(key, value, this.count);
    } // else: a member whose name is longer than MEMBER_LIMIT, skipped unnamed
    this.state = AFTER_MEMBER;
  }

  /** The collected bytes of the value ending at `end`, or null when they were not kept. */
  private take(chunk: Uint8Array, end: number): Uint8Array | null {
    this.collecting = false;
    if (!this.keep) return null;
    if (this.bufLen === 0) {
      if (end - this.start > this.limit) return this.overLimit();
      return chunk.subarray(this.start, end);
    }
    this.append(chunk, this.start, end);
    if (!this.keep) return null;
    const bytes = this.buf.subarray(0, this.bufLen);
    this.bufLen = 0;
    return bytes;
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const need = this.bufLen + (to - from);
    if (need > this.limit) {
      this.overLimit();
      return;
    }
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.min(this.limit, Math.max(need, 2 * this.buf.length, 64 * 1024)));
      grown.set(this.buf.subarray(0, this.bufLen));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(from, to), this.bufLen);
    this.bufLen = need;
  }

  /** A feature over maxFeatureBytes fails; a member over MEMBER_LIMIT is scanned on but not kept. */
  private overLimit(): null {
    if (this.kind === FEATURE) {
      const detail = `The feature starting at byte ${this.startOffset} is longer than ${this.limit} bytes (maxFeatureBytes).`;
      throw this.fail('FEATURE_TOO_LARGE', detail, this.featureAt(this.count));
    }
    this.keep = false;
    this.bufLen = 0;
    if (this.buf.length > MEMBER_LIMIT) this.buf = new Uint8Array(0);
    return null;
  }

  private decode(bytes: Uint8Array, what: string): string {
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      throw this.fail('INPUT_NOT_UTF8', `${what} holds bytes that are not UTF-8.`, this.here());
    }
    this.release();
    return text;
  }

  /** Lets a big feature's buffer go once its bytes have been used. */
  release(): void {
    if (this.buf.length > 1024 * 1024 && this.bufLen === 0) this.buf = new Uint8Array(0);
  }


  private parse(bytes: Uint8Array, at: number, what: string, pointer?: string): unknown {
    const text = this.decode(bytes, `${what} starting at byte ${at}`);
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw this.fail('INPUT_SYNTAX', `${what} starting at byte ${at} is not valid JSON (${(err as Error).message}).`, pointer === undefined ? {} : { pointer });
    }
  }

  finish(): SplitHeader {
    const at = this.chunkOffset;
    switch (this.state) {
      case BEGIN:
      case BOM:
        throw this.fail('INPUT_EMPTY', at === 0 ? 'It has no bytes (end at byte 0).' : `It holds only whitespace up to its end at byte ${at}.`);
      case NESTED:
      case BARE: {
        const inside = this.inString || this.escaped ? 'inside a string' : `with ${this.depth - this.base} bracket(s) open`;
        const what = this.kind === FEATURE ? 'the feature' : this.kind === NAME ? 'a member name' : `the member ${JSON.stringify(this.key)}`;
        throw this.fail('INPUT_TRUNCATED', `Input ends at byte ${at} ${inside} of ${what} starting at byte ${this.startOffset}.`, this.here());
      }
      case END:
      case RECORD:
      case AFTER_RECORD:
        break;
      default:
        throw this.fail('INPUT_TRUNCATED', `Input ends at byte ${at} before the FeatureCollection is closed.`);
    }
    return {
      format: this.seq ? 'GeoJSONSeq' : 'FeatureCollection',
      type: this.members.type,
      crs: this.members.crs,
      members: this.members,
      omitted: this.omitted,
      featureCount: this.count,
      byteLength: at
    };
  }

  // Errors.

  private fail(code: ErrorCode, detail: string, where: ErrorLocation = {}): LerError {
    return new LerError(code, where, detail);
  }

  /** Feature `index`: in a FeatureCollection also the pointer `/features/<index>`. */
  private featureAt(index: number): ErrorLocation {
    return this.seq ? { featureIndex: index } : { featureIndex: index, pointer: `/features/${index}` };
  }

  /** Where the value being scanned is: a feature, or a top-level member. */
  private here(): ErrorLocation {
    if (this.state !== NESTED && this.state !== BARE) return {};
    if (this.kind === FEATURE) return this.featureAt(this.count);
    if (this.kind === MEMBER && this.key !== null) return { pointer: `/${pointerToken(this.key)}` };
    return {};
  }

  private unexpected(c: number, at: number, expected: string): LerError {
    return this.fail('INPUT_SYNTAX', `Found ${show(c)} at byte ${at}: expected ${expected}.`);
  }

  private tooDeep(i: number): LerError {
    const at = this.chunkOffset + i;
    return this.fail('INPUT_TOO_DEEP', `A bracket at byte ${at} opens level ${this.depth + 1}; the limit is ${this.maxDepth} (maxDepth).`, this.here());
  }

  private mismatch(c: number, i: number, depth: number): LerError {
    const at = this.chunkOffset + i;
    const open = this.stack[depth];
    return this.fail('INPUT_SYNTAX', `Found ${show(c)} at byte ${at}: expected ${show(open + 2)} to close ${show(open)}.`, this.here());
  }

  private controlInString(c: number, i: number): LerError {
    const at = this.chunkOffset + i;
    if (c === RS && this.seq) {
      return this.fail('INPUT_TRUNCATED', `A record separator (RS) at byte ${at} cuts a string short.`, this.here());
    }
    return this.fail('INPUT_SYNTAX', `Found the control byte ${show(c)} inside a string at byte ${at}: escape it.`, this.here());
  }

  private controlOutside(c: number, i: number): LerError {
    const at = this.chunkOffset + i;
    if (c === RS && this.seq) {
      return this.fail('INPUT_TRUNCATED', `A record separator (RS) at byte ${at} cuts the record short.`, this.here());
    }
    return this.fail('INPUT_SYNTAX', `Found the control byte ${show(c)} at byte ${at}.`, this.here());
  }

  private typeError(found: string, at: number): LerError {
    const hint = found === '"Feature"' ? ' For one feature per record, send a GeoJSON text sequence (RFC 8142): each Feature after an RS byte (0x1E).' : '';
    return this.fail('FEATURE_COLLECTION_INVALID', `The top-level type at byte ${at} is ${found}, not "FeatureCollection".${hint}`, { pointer: '/type' });
  }
}

function option(value: number | undefined, fallback: number, name: string, integer: boolean, max: number): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && value >= 1 && value <= max && (integer ? Number.isInteger(value) : !Number.isNaN(value));
  if (!ok) throw new LerError('OPTION_INVALID', {}, `${name} must be ${integer ? 'a whole number' : 'a number'} from 1 to ${max}, not ${String(value)}.`);
  return value;
}

function show(c: number): string {
  if (c === RS) return 'RS (0x1E)';
  if (c > 0x20 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `0x${c.toString(16).toUpperCase().padStart(2, '0')}`;
}

function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
