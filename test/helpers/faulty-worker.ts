/**
 * The query worker with injected faults, for the pool's failure tests: a task holding an area
 * with a vertex at x = CRASH_X ends the worker thread outright; one at x = THROW_X throws.
 */
import check, { type WorkerTask } from '../../workers/query.js';
import { viewAreas } from '../../src/query/batch-task.js';

export const CRASH_X = 77_777.25;
export const THROW_X = 88_888.25;

function holds(task: WorkerTask, x: number): boolean {
  const { xy } = viewAreas(task.areas);
  for (let i = 0; i < xy.length; i += 2) if (xy[i] === x) return true;
  return false;
}

export default function faulty(task: WorkerTask): ArrayBuffer {
  if (holds(task, CRASH_X)) process.exit(1);
  if (holds(task, THROW_X)) throw new Error('injected failure');
  return check(task);
}
