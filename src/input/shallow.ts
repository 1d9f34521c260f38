/**
 * The first, shallow pass over a feature: geojson-validation's check of the GeoJSON format
 * (RFC 7946). It sees what the engine's own checks do not look at (a `bbox` that is not 2n
 * numbers, a Feature without its `properties` member) but misses NaN, Infinity, 4-D positions and
 * empty rings, throws on some malformed input and recurses without a limit; so it is wrapped
 * here, and the engine's own, more precise checks run as well (see readFeature).
 */
import gjv from 'geojson-validation';

/** What the shallow check finds wrong with a Feature (empty when it finds nothing, or fails itself). */
export function shallowProblems(feature: unknown): string[] {
  try {
    return gjv.isFeature(feature, true);
  } catch {
    // It throws on some input it cannot read (e.g. an empty ring): the engine's own checks name those precisely.
    return [];
  }
}
