import { LerError } from '../errors.js';

/**
 * The features of an input: a FeatureCollection's `features`, an array, or any iterable of
 * Features (with `async`, an async iterable too). Anything else is FEATURE_COLLECTION_INVALID.
 */
export function featuresOf(input: unknown): Iterable<unknown>;
export function featuresOf(input: unknown, async: true): Iterable<unknown> | AsyncIterable<unknown>;
export function featuresOf(input: unknown, async = false): Iterable<unknown> | AsyncIterable<unknown> {
  if (input && typeof input === 'object') {
    const fc = input as { type?: unknown; features?: unknown };
    if (fc.type === 'FeatureCollection') {
      if (!Array.isArray(fc.features)) throw new LerError('FEATURE_COLLECTION_INVALID', { pointer: '/features' });
      return fc.features;
    }
    if (Array.isArray(input)) return input;
    if (fc.type === undefined) {
      if (typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function') return input as Iterable<unknown>;
      if (async && typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return input as AsyncIterable<unknown>;
    }
  }
  throw new LerError('FEATURE_COLLECTION_INVALID');
}
