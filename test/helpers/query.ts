/**
 * Asking an index or a snapshot with GeoJSON, as the tests do: the area read by the one reader
 * (src/query) and the index asked with the prepared area.
 */
import type { NetworkIndex, PairResult, Snapshot } from '../../src/library.js';
import { checkInfoZone, readArea } from '../../src/query/area-reader.js';
import type { Conflict, QueryOptions } from '../../src/types.js';

export { applyChanges, buildNetwork } from '../../src/ingest/network-builder.js';

/** What is asked with a prepared area (an Engine is asked with GeoJSON: call engine.query). */
type Queryable = NetworkIndex | Snapshot;

/**
 * A dig's conflicts: the area read and the index asked. Read as the kernel takes it (even-odd,
 * without the shape checks a dig request gets), so that the oracle tests reach every shape.
 */
export function queryArea(index: Queryable, area: unknown, opts: QueryOptions = {}): Conflict[] {
  const read = readArea(area, { crs: opts.crs, extent: opts.extent, validate: false });
  return index.query(read.prepared, { infoZone: checkInfoZone(opts.infoZone), crs: read.crs, geometry: opts.geometry });
}

/** A dig's exact pairs as typed arrays (valid until the index is asked again). */
export function pairsOfArea(index: NetworkIndex, area: unknown, opts: QueryOptions = {}): PairResult {
  return index.pairsOf(readArea(area, { crs: opts.crs, extent: opts.extent, validate: false }).prepared, checkInfoZone(opts.infoZone));
}

/** How many chunks the bbox-only search returns for the dig. */
export function candidatesOf(index: NetworkIndex, area: unknown, opts: QueryOptions = {}): number {
  return index.countCandidates(readArea(area, { crs: opts.crs, extent: opts.extent, validate: false }).prepared, checkInfoZone(opts.infoZone));
}

/**
 * The code a dig request (or a batch area) would be refused with for this shape (rings that
 * cross, members that overlap or share an edge, holes outside their shell), or null when it is
 * valid. Test data made at random meets all of these.
 */
export function shapeProblem(area: unknown, opts: QueryOptions = {}): string | null {
  try {
    readArea(area, { crs: opts.crs, extent: opts.extent });
    return null;
  } catch (error) {
    return (error as { code?: string }).code ?? 'UNKNOWN';
  }
}
