/**
 * The JSON body parser of every buffered route. Before JSON.parse it measures the nesting depth
 * in one pass over the text, so hostile nesting is refused with INPUT_TOO_DEEP instead of
 * overflowing a stack later; every failure is a LerError with a catalogue code (never a 500).
 */
import { LerError } from '../errors.js';

/** Deepest nesting of arrays and objects a JSON body may have (a MultiPolygon in a Feature in a collection is 7). */
export const MAX_JSON_DEPTH = 32;

export function parseJsonBody(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
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
