/**
 * The job queue batches' tasks go through: pg-boss 10 on the service's PostgreSQL database (its own
 * schema, `pgboss`), one queue of tasks and one of tasks that failed every run (dead letters).
 *
 * pg-boss delivers a job at least once: a job whose worker vanished (its replica was killed, or cut
 * off from the database) stays `active` until `expireInSeconds` after it started; then the
 * maintenance of any live replica (every `maintenanceIntervalSeconds`; one replica's run per
 * interval counts for all) fails it, it goes back to the queue after 1 to 2 × `retryDelaySeconds`, and an
 * idle worker fetches it within `pollingIntervalSeconds`. So a task that a dead replica held is run
 * again at most `takeoverSeconds()` after that replica started it (plus the time a busy worker
 * takes to finish the task it is on). A live worker that overruns `expireInSeconds` gets the same
 * treatment while its run may still go on: the tasks' writes are idempotent for that reason. After
 * `retryLimit` more runs a task goes to the dead letters, and its batch fails.
 */
import PgBoss from 'pg-boss';
import type { Queryable } from '../store/postgres-db.js';
import type { TaskRef } from '../store/postgres-batches.js';

export const TASK_QUEUE = 'ler-batch-tasks';
export const FAILED_TASK_QUEUE = 'ler-batch-tasks-failed';
/** pg-boss's table of jobs (its schema is `pgboss`). */
export const JOB_TABLE = 'pgboss.job';

export interface JobQueueSettings {
  /** Seconds a task may run before it is run again elsewhere; default 30 (a task takes well under a second or two). */
  expireInSeconds: number;
  /** How often the replicas look for tasks past their time, seconds; default 5. */
  maintenanceIntervalSeconds: number;
  /** How often an idle worker asks for a task, seconds (at least 0.5); default 1. */
  pollingIntervalSeconds: number;
  /** Runs of a task after its first before its batch fails; default 4. */
  retryLimit: number;
  /** Seconds before a failed task is run again the first time (1 to 2 s), doubling with each run after; default 1. */
  retryDelaySeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: JobQueueSettings = {
  expireInSeconds: 30,
  maintenanceIntervalSeconds: 5,
  pollingIntervalSeconds: 1,
  retryLimit: 4,
  retryDelaySeconds: 1
};

/**
 * Seconds from a replica starting a task to another running it again when the first replica died:
 * the task expires, the next maintenance comes within two intervals (one replica's run per
 * interval counts for all, and the dead one may have had the last), then the retry delay and an
 * idle worker's poll.
 */
export function takeoverSeconds(s: JobQueueSettings): number {
  return s.expireInSeconds + 2 * s.maintenanceIntervalSeconds + 2 * s.retryDelaySeconds + s.pollingIntervalSeconds;
}

/** A pg-boss instance for the batches' tasks on a database (a connection string, or a pg-boss `db`), not yet started. */
export function createJobQueue(connection: string | PgBoss.Db, settings: JobQueueSettings, connections = 4): PgBoss {
  return new PgBoss({
    ...(typeof connection === 'string' ? { connectionString: connection, max: connections } : { db: connection }),
    application_name: 'ler-engine batch tasks',
    // No cron schedules: the timekeeper's clock checks are not needed.
    schedule: false,
    supervise: true,
    migrate: true,
    maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
    pollingIntervalSeconds: settings.pollingIntervalSeconds,
    expireInSeconds: settings.expireInSeconds,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    // Ended jobs move to the archive after an hour and are dropped after a day.
    archiveCompletedAfterSeconds: 3600,
    deleteAfterDays: 1
  });
}

/** Creates the queues (once, whatever other replicas do meanwhile) and sets their expiry and retries. */
export async function prepareQueues(boss: PgBoss, settings: JobQueueSettings): Promise<void> {
  // Replicas starting together make the same queues at once, and pg-boss's queue creation can
  // deadlock with itself (PostgreSQL then cancels one side): that side makes them again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await makeQueues(boss, settings);
    } catch (error) {
      if ((error as { code?: unknown }).code !== '40P01' || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200 * attempt));
    }
  }
}

async function makeQueues(boss: PgBoss, settings: JobQueueSettings): Promise<void> {
  const options = { expireInSeconds: settings.expireInSeconds, retryLimit: settings.retryLimit, retryDelay: settings.retryDelaySeconds, retryBackoff: true };
  await boss.createQueue(FAILED_TASK_QUEUE, { name: FAILED_TASK_QUEUE, ...options, retryLimit: settings.retryLimit });
  await boss.createQueue(TASK_QUEUE, { name: TASK_QUEUE, ...options, deadLetter: FAILED_TASK_QUEUE });
  // A queue made by an earlier start keeps its settings unless they are set again.
  await boss.updateQueue(FAILED_TASK_QUEUE, { name: FAILED_TASK_QUEUE, ...options });
  await boss.updateQueue(TASK_QUEUE, { name: TASK_QUEUE, ...options, deadLetter: FAILED_TASK_QUEUE });
}

/** Queues tasks in the caller's transaction: they are there if and only if it commits. */
export async function enqueueTasks(boss: PgBoss, q: Queryable, tasks: readonly TaskRef[], settings: JobQueueSettings): Promise<void> {
  await boss.insert(
    tasks.map((t) => ({
      name: TASK_QUEUE,
      data: { batch: t.batch, task: t.task, first: t.first, count: t.count },
      expireInSeconds: settings.expireInSeconds,
      retryLimit: settings.retryLimit,
      retryDelay: settings.retryDelaySeconds,
      deadLetter: FAILED_TASK_QUEUE
    })),
    { db: { executeSql: (text: string, values: unknown[]) => q.query(text, values) } }
  );
}
