/**
 * A submitted batch cut into tasks for the job queue: consecutive runs of areas (a route's
 * stretches, counted the way the engine cuts the route) of at most `taskAreas` each, a whole number
 * of pages, so that any run of a task writes exactly the pages of every other run. Areas keep
 * their input with their task (NDJSON, one Feature a line, as a batch's stored input): a task reads
 * its own areas, never the whole batch's. A route is stored once and every task reads it whole.
 */
import { checkRoute } from '../batch/options.js';
import { featureLines } from './batch-input.js';
import type { BatchTask } from '../store/postgres-batches.js';
import type { BatchSubmission } from './batches.js';

/** Areas per task and per page, by default; a batch that reports every conflict has lines tens of times longer and takes a tenth as many. */
export const DEFAULT_TASK_AREAS = 2048;
export const DEFAULT_PAGE_AREAS = 256;
const CONFLICTS_SHARE = 8;

export interface SplitSizes {
  taskAreas: number;
  pageAreas: number;
}

/** Sizes of a batch's tasks and pages: pages of `pageAreas` (fewer with conflicts), tasks a whole number of them. */
export function splitSizes(sizes: SplitSizes, conflicts: boolean): SplitSizes {
  const share = conflicts ? CONFLICTS_SHARE : 1;
  const pageAreas = Math.max(1, Math.floor(sizes.pageAreas / share));
  const pages = Math.max(1, Math.ceil(Math.max(1, Math.floor(sizes.taskAreas / share)) / pageAreas));
  return { pageAreas, taskAreas: pages * pageAreas };
}

export interface SplitBatch {
  /** Areas (or stretches) in the batch. */
  total: number;
  /** The route as stored (every task reads it); null for areas. */
  routeInput: string | null;
  tasks: BatchTask[];
}

/** Areas (or a route's stretches) in a batch, as the engine will count them; throws what the route's checks throw. */
export function batchAreas(input: unknown, options: BatchSubmission, route: boolean): number {
  return route ? checkRoute(input, options) : (input as { features: unknown[] }).features.length;
}

/** Cuts a batch into tasks of `taskAreas`; gives the event loop a turn between slices of features. */
export async function splitBatch(input: unknown, route: boolean, total: number, taskAreas: number): Promise<SplitBatch> {
  const tasks: BatchTask[] = [];
  if (route) {
    for (let first = 0; first < total; first += taskAreas) tasks.push({ task: tasks.length, first, count: Math.min(taskAreas, total - first), input: null });
    return { total, routeInput: JSON.stringify(input), tasks };
  }
  const features = (input as { features: unknown[] }).features;
  for (let first = 0; first < features.length; first += taskAreas) {
    const end = Math.min(features.length, first + taskAreas);
    tasks.push({ task: tasks.length, first, count: end - first, input: await featureLines(features, first, end) });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { total: features.length, routeInput: null, tasks };
}
