/**
 * A batch's input as the store keeps it while the batch waits and runs: areas as NDJSON, one
 * Feature per line, so that a running batch parses them as its windows need them instead of a
 * 30 MB document at once; a route as its JSON. Written a slice of features at a time, with a turn
 * of the event loop between slices.
 */

export interface StoredInput {
  text: string;
  /** Areas in the input; null for a route. */
  areas: number | null;
}

/** Features serialised between two turns of the event loop. */
const SLICE = 2000;

/** The text to store for a batch's areas (a FeatureCollection) or route. */
export async function storedInput(input: unknown, route: boolean): Promise<StoredInput> {
  if (route) return { text: JSON.stringify(input), areas: null };
  const features = (input as { features: unknown[] }).features;
  return { text: await featureLines(features), areas: features.length };
}

/** Features `first` to `end - 1` as NDJSON, one line each, giving the event loop a turn between slices. */
export async function featureLines(features: readonly unknown[], first = 0, end = features.length): Promise<string> {
  const parts: string[] = [];
  for (let i = first; i < end; i += SLICE) {
    if (i > first) await new Promise<void>((resolve) => setImmediate(resolve));
    let part = '';
    for (let k = i; k < Math.min(end, i + SLICE); k++) part += `${JSON.stringify(features[k] ?? null)}\n`;
    parts.push(part);
  }
  return parts.join('');
}

/** The input again, for the engine: a route's JSON, or the areas as an iterable that parses each as it is read. */
export function readStoredInput(text: string, route: boolean): unknown {
  if (route) return JSON.parse(text) as unknown;
  return {
    *[Symbol.iterator](): Generator<unknown> {
      for (let at = 0; at < text.length; ) {
        const end = text.indexOf('\n', at);
        const stop = end < 0 ? text.length : end;
        if (stop > at) yield JSON.parse(text.slice(at, stop)) as unknown;
        at = stop + 1;
      }
    }
  };
}
