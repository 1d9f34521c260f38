/**
 * One area's answer in a batch, summed up for a planner: who is hit, by kind of supply and danger
 * class, the most dangerous line, the length inside; optionally every conflict (without geometry:
 * a dig request's package gives the geometry).
 */
import type { LerError } from '../errors.js';
import type { NetworkIndex } from '../index/network-index.js';
import { FAREKLASSE, FEATURE_TYPES, FORSYNINGSART, FORSYNINGSART_OTHER, valueOf } from '../model/ler.js';
import { COUNT_SLOTS, SUPPLY_SLOTS, type TaskPairs } from '../query/batch-task.js';
import { ZONE_DIG_AREA } from '../index/search.js';
import type { Conflict, Zone } from '../types.js';

/** Key of a feature without a value for forsyningsart or fareklasse. */
export const UNKNOWN_KEY = 'ukendt';

export interface DangerousLine {
  featureId: string | number;
  owner: string;
  featureType: string;
  forsyningsart: string | null;
  fareklasse: string | null;
  zone: Zone;
  distance: number;
}

export interface AreaSummary {
  /** Position of the area in the batch (a route's stretch number). */
  index: number;
  /** The area's id (a stretch's `routeId:k`), null when it has none. */
  id: string | number | null;
  /** For a route: where the stretch starts and ends along it, metres. */
  stretch?: { from: number; to: number };
  /** Network version the answer was computed on. */
  version: number;
  /** 'failed': the area was not checked (see error); nothing below is an answer. */
  status: 'ok' | 'failed';
  error?: { code: string; message: string; pointer?: string };
  /** Features in the dig area or its information zone. */
  conflictCount: number;
  inDigArea: number;
  inInfoZone: number;
  /** Owners hit, sorted. */
  owners: string[];
  byForsyningsart: Record<string, number>;
  byFareklasse: Record<string, number>;
  /** The line of the highest danger class, in the dig area before the zone, then nearest. */
  mostDangerous: DangerousLine | null;
  /** Total length of lines inside the dig area, metres. */
  lengthInside: number;
  /** Every conflict, when the batch asked for them. */
  conflicts?: Conflict[];
}

interface AreaRef {
  index: number;
  id: string | number | null;
  stretch?: { from: number; to: number };
}

export function failedSummary(area: AreaRef, version: number, error: LerError | { code: string; message: string; pointer?: string }): AreaSummary {
  const summary = emptySummary(area, version, 'failed');
  summary.error = error.pointer !== undefined ? { code: error.code, message: error.message, pointer: error.pointer } : { code: error.code, message: error.message };
  return summary;
}

/** A summary with nothing found, every field in place (one object shape for all summaries). */
function emptySummary(area: AreaRef, version: number, status: 'ok' | 'failed'): AreaSummary {
  const summary: AreaSummary = {
    index: area.index,
    id: area.id,
    version,
    status,
    conflictCount: 0,
    inDigArea: 0,
    inInfoZone: 0,
    owners: [],
    byForsyningsart: {},
    byFareklasse: {},
    mostDangerous: null,
    lengthInside: 0
  };
  if (area.stretch) summary.stretch = area.stretch;
  return summary;
}

/** The summary of area k of a task's answer, from the sums the task made. */
export function summarize(area: AreaRef, version: number, index: NetworkIndex, pairs: TaskPairs, k: number, withConflicts: boolean): AreaSummary {
  const summary = emptySummary(area, version, 'ok');
  const p0 = pairs.pairStart[k];
  const p1 = pairs.pairStart[k + 1];
  if (withConflicts) {
    const list: Conflict[] = [];
    for (let p = p0; p < p1; p++) list.push(index.conflictOf(pairs.feature[p], pairs, p));
    summary.conflicts = list;
  }
  if (p1 === p0) return summary;
  const c = index.columns;
  const names = c.owners;
  const owners: string[] = [];
  for (let o = pairs.ownerStart[k]; o < pairs.ownerStart[k + 1]; o++) owners.push(names[pairs.owners[o]]);
  summary.owners = owners.sort();
  const c0 = k * COUNT_SLOTS;
  for (let code = 0; code < SUPPLY_SLOTS; code++) {
    const count = pairs.counts[c0 + code];
    if (count === 0) continue;
    if (code === FORSYNINGSART_OTHER) {
      // Named by the owner: the names are in the features' properties.
      for (let p = p0; p < p1; p++) {
        const f = pairs.feature[p];
        if (c.forsyningsart[f] !== FORSYNINGSART_OTHER) continue;
        const name = supplyOf(index, f);
        summary.byForsyningsart[name] = (summary.byForsyningsart[name] ?? 0) + 1;
      }
    } else {
      const name = valueOf(FORSYNINGSART, code) ?? UNKNOWN_KEY;
      summary.byForsyningsart[name] = (summary.byForsyningsart[name] ?? 0) + count;
    }
  }
  for (let code = 0; code <= FAREKLASSE.length; code++) {
    const count = pairs.counts[c0 + SUPPLY_SLOTS + code];
    if (count > 0) summary.byFareklasse[valueOf(FAREKLASSE, code) ?? UNKNOWN_KEY] = count;
  }
  const worst = pairs.worst[k];
  if (worst >= 0) {
    const f = pairs.feature[worst];
    summary.mostDangerous = {
      featureId: index.featureId(f),
      owner: index.featureOwner(f),
      featureType: FEATURE_TYPES[c.featureType[f] - 1],
      forsyningsart: c.forsyningsart[f] === 0 ? null : supplyOf(index, f),
      fareklasse: valueOf(FAREKLASSE, c.fareklasse[f]) ?? null,
      zone: pairs.zone[worst] === ZONE_DIG_AREA ? 'digArea' : 'infoZone',
      distance: pairs.distance[worst]
    };
  }
  summary.conflictCount = p1 - p0;
  summary.inDigArea = pairs.inDigArea[k];
  summary.inInfoZone = p1 - p0 - pairs.inDigArea[k];
  summary.lengthInside = pairs.areaLength[k];
  return summary;
}

/** A feature's kind of supply: the LER value, the owner's own name for another kind, or 'ukendt'. */
function supplyOf(index: NetworkIndex, f: number): string {
  const code = index.columns.forsyningsart[f];
  if (code === FORSYNINGSART_OTHER) return String(index.featureProperties(f).forsyningsart);
  return valueOf(FORSYNINGSART, code) ?? UNKNOWN_KEY;
}
