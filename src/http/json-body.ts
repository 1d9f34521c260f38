/**
 * The JSON body parser of every buffered route. The bytes must be UTF-8 (RFC 8259): a body that
 * is not is refused with INPUT_NOT_UTF8 rather than read with replacement characters. Before
 * JSON.parse it measures the nesting depth in one pass over the text, so hostile nesting is
 * refused with INPUT_TOO_DEEP instead of overflowing a stack later; every failure is a LerError
 * with a catalogue code (never a 500).
 */
import { LerError } from '../errors.js';

/** Deepest nesting of arrays and objects a JSON body may have (a MultiPolygon in a Feature in a collection is 7). */
export const MAX_JSON_DEPTH = 32;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The text of a body's bytes; throws INPUT_NOT_UTF8 at the first byte that is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new LerError('INPUT_NOT_UTF8', {}, `The body has a byte sequence that is not UTF-8 (near byte ${firstBadByte(bytes)}).`);
  }
}

/** Offset of the first byte that does not begin or continue a well-formed UTF-8 sequence. */
function firstBadByte(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // The longest prefix that decodes: a bisection over prefixes (a prefix cut inside a sequence fails too, by at most 3 bytes).
  while (hi - lo > 4) {
    const mid = (lo + hi) >>> 1;
    try {
      UTF8.decode(bytes.subarray(0, mid));
      lo = mid;
    } catch {
      hi = mid;
    }
  }
  return lo;
}

export function parseJsonBody(body: string | Uint8Array, maxDepth = MAX_JSON_DEPTH): unknown {
  const text = typeof body === 'string' ? body : decodeUtf8(body);
  if (text.trim() === '') throw new LerError('INPUT_EMPTY', {}, 'The body is empty: send a JSON object.');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new LerError('INPUT_TOO_DEEP', {}, `The body nests arrays and objects deeper than ${maxDepth} (at character ${i}).`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new LerError('INPUT_SYNTAX', {}, (error as Error).message);
  }
}
