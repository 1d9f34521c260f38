/**
 * Planners' batches in PostgreSQL, shared by every replica: the rows of `BatchStore` (a batch, its
 * input, its pages of results) with the semantics of the embedded store (a page and the counters
 * that say it is there in one transaction, an audit entry in the transaction of its change), and
 * what a batch split into tasks on a job queue needs besides: its tasks, each task's input, which
 * are done, and which batches start next.
 *
 * Every replica may work on one batch at once and a job queue delivers a task at least once, so
 * the writes are idempotent and decided under the batch's row lock: a page is stored once
 * (`ON CONFLICT DO NOTHING`) and only while its batch runs, a task is marked done once, and the
 * batch ends with its last task exactly once. Pages cover fixed ranges of areas (page `seq` holds
 * areas `seq * pageAreas` on), so a second run of a task writes the very pages of the first, in
 * whatever order they come.
 */
import type pg from 'pg';
import type { PgDatabase, Queryable, Sql } from './postgres-db.js';
import type { AuditInput, BatchError, BatchPage, BatchRecord, BatchStatus, BatchStore, BatchUsage, NewBatch } from './store.js';

/** The batch tables; run as the PostgreSQL store's migration 2. */
export const BATCH_MIGRATION = `
  CREATE TABLE batches (
    id text COLLATE "C" PRIMARY KEY,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    requester text COLLATE "C" NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    options text NOT NULL,
    areas integer,
    progress text,
    results bigint NOT NULL DEFAULT 0,
    result_bytes bigint NOT NULL DEFAULT 0,
    failed_areas bigint NOT NULL DEFAULT 0,
    version integer,
    error text,
    attempts integer NOT NULL DEFAULT 0,
    -- A batch split into tasks: areas (or stretches) in all, tasks, areas per task and per page,
    -- tasks handed to the job queue so far and tasks done. NULL tasks: not split.
    total_areas integer,
    tasks integer,
    task_areas integer,
    page_areas integer,
    tasks_sent integer NOT NULL DEFAULT 0,
    tasks_done integer NOT NULL DEFAULT 0
  );
  CREATE INDEX batches_by_requester ON batches (requester, status);
  CREATE INDEX batches_by_status ON batches (status, finished_at);
  CREATE TABLE batch_inputs (
    batch text COLLATE "C" PRIMARY KEY REFERENCES batches (id) ON DELETE CASCADE,
    input text NOT NULL
  );
  CREATE TABLE batch_tasks (
    batch text COLLATE "C" NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    task integer NOT NULL,
    first integer NOT NULL,
    count integer NOT NULL,
    input text,
    done boolean NOT NULL DEFAULT false,
    PRIMARY KEY (batch, task)
  );
  CREATE TABLE batch_pages (
    batch text COLLATE "C" NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    first integer NOT NULL,
    count integer NOT NULL,
    failed integer NOT NULL DEFAULT 0,
    data bytea NOT NULL,
    PRIMARY KEY (batch, seq)
  );
`;

/** A batch split into tasks, as stored. */
export interface JobBatchRecord extends BatchRecord {
  /** Areas (or a route's stretches) the tasks cover. */
  totalAreas: number | null;
  /** Summaries with status 'failed' among the results. */
  failedAreas: number;
  /** Tasks in all; null for a batch not split into tasks. */
  tasks: number | null;
  taskAreas: number | null;
  /** Areas per page: page `seq` holds areas `seq * pageAreas` on. */
  pageAreas: number | null;
  tasksSent: number;
  tasksDone: number;
}

/** A new batch split into tasks; a route's input is stored once, areas with their tasks. */
export interface NewJobBatch extends Omit<NewBatch, 'input'> {
  /** The route as JSON (every task reads it whole); null for areas. */
  input: string | null;
  totalAreas: number;
  taskAreas: number;
  pageAreas: number;
}

/** One task: areas `first` to `first + count - 1`, with its own input (areas as NDJSON; null for a route). */
export interface BatchTask {
  task: number;
  first: number;
  count: number;
  input: string | null;
}

/** What a job says: the task to run. */
export type TaskRef = Omit<BatchTask, 'input'> & { batch: string };

/** Hands tasks to the job queue inside the caller's transaction (so they are queued if and only if it commits). */
export type Enqueue = (q: Queryable, tasks: readonly TaskRef[]) => Promise<void>;

/** A page of a task: its results and how many of them failed. */
export interface TaskPage extends BatchPage {
  failed: number;
}

/** What became of a task's page. */
export type PageWrite = { stored: boolean; running: true; plannerBytes: number } | { stored: false; running: false };

/** Limits on batches running at once, across every replica. */
export interface RunLimits {
  running: number;
  runningPerPlanner: number;
  /** Tasks of a running batch on the job queue at once (more follow as they are done). */
  tasksAhead: number;
}

type Row = Record<string, unknown>;

const COLUMNS = 'id, requester, status, created_at, started_at, finished_at, options, areas, progress, results, result_bytes, failed_areas, version, error, attempts, total_areas, tasks, task_areas, page_areas, tasks_sent, tasks_done';

/** Tasks inserted per statement when a batch is created. */
const TASK_ROWS = 64;
/** The advisory lock under which queued batches are started (one replica at a time). */
const DISPATCH_LOCK = "hashtextextended('ler-engine batch dispatch', 0)";

export class PostgresBatches implements BatchStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly writeAudit: (q: Queryable, event: AuditInput) => Promise<void>
  ) {}

  async createBatch(b: NewBatch, event?: AuditInput): Promise<void> {
    await this.db.transaction(async (c) => {
      await insertBatch(c, b, null);
      await c.query('INSERT INTO batch_inputs (batch, input) VALUES ($1, $2)', [b.id, b.input]);
      if (event !== undefined) await this.writeAudit(c, event);
    });
  }

  async batch(id: string): Promise<BatchRecord | null> {
    const r = await this.jobBatch(id);
    return r === null ? null : plainRecord(r);
  }

  async batchesIn(statuses: readonly BatchStatus[]): Promise<BatchRecord[]> {
    if (statuses.length === 0) return [];
    const r = await this.db.query(`SELECT ${COLUMNS} FROM batches WHERE status = ANY($1::text[]) ORDER BY created_at, seq`, [statuses]);
    return r.rows.map((row) => plainRecord(recordOf(row)));
  }

  async batchInput(id: string): Promise<string | null> {
    // A batch split into areas keeps its input with its tasks, in their order.
    const r = await this.db.query(
      `SELECT coalesce((SELECT input FROM batch_inputs WHERE batch = $1),
                       (SELECT string_agg(input, '' ORDER BY task) FROM batch_tasks WHERE batch = $1 AND input IS NOT NULL)) AS input`,
      [id]
    );
    const input = r.rows[0]?.input as string | null | undefined;
    return input ?? null;
  }

  async startBatch(id: string, startedAt: string): Promise<void> {
    await this.db.query("UPDATE batches SET status = 'running', started_at = $2, attempts = attempts + 1 WHERE id = $1 AND status = 'queued'", [id, startedAt]);
  }

  async appendBatchPage(id: string, page: BatchPage, state: { progress: Record<string, unknown> | null; version: number }): Promise<void> {
    await this.db.transaction(async (c) => {
      if (!(await lockRunning(c, id))) return;
      const inserted = await c.query('INSERT INTO batch_pages (batch, seq, first, count, data) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1', [id, page.seq, page.first, page.count, page.data]);
      if (inserted.rowCount === 0) return;
      await c.query('UPDATE batches SET results = results + $2, result_bytes = result_bytes + $3, progress = $4, version = $5 WHERE id = $1', [
        id,
        page.count,
        page.data.byteLength,
        state.progress === null ? null : JSON.stringify(state.progress),
        state.version
      ]);
    });
  }

  async batchPage(id: string, seq: number): Promise<BatchPage | null> {
    const r = await this.db.query('SELECT seq, first, count, data FROM batch_pages WHERE batch = $1 AND seq = $2', [id, seq]);
    const row = r.rows[0];
    if (row === undefined) return null;
    return { seq: Number(row.seq), first: Number(row.first), count: Number(row.count), data: row.data as Buffer };
  }

  async endBatch(id: string, end: { status: 'done' | 'failed' | 'cancelled'; finishedAt: string; error: BatchError | null; progress: Record<string, unknown> | null }, event?: AuditInput): Promise<void> {
    await this.db.transaction(async (c) => {
      await endIn(c, id, end);
      if (event !== undefined) await this.writeAudit(c, event);
    });
  }

  async requeueBatch(id: string, opts: { stopped?: boolean } = {}): Promise<void> {
    await this.db.transaction(async (c) => {
      // A run a stop cut short (not a crash) does not count as an attempt.
      const r = await c.query(
        `UPDATE batches SET status = 'queued', started_at = NULL, progress = NULL, results = 0, result_bytes = 0, failed_areas = 0, version = NULL,
           tasks_sent = 0, tasks_done = 0${opts.stopped === true ? ', attempts = greatest(0, attempts - 1)' : ''}
         WHERE id = $1 AND status = 'running'`,
        [id]
      );
      if (r.rowCount === 0) return;
      await c.query('DELETE FROM batch_pages WHERE batch = $1', [id]);
      await c.query('UPDATE batch_tasks SET done = false WHERE batch = $1 AND done', [id]);
    });
  }

  async deleteBatch(id: string, event?: AuditInput): Promise<void> {
    // Its input, tasks and pages go with it (ON DELETE CASCADE), in the same transaction.
    await this.db.transaction(async (c) => {
      await c.query('DELETE FROM batches WHERE id = $1', [id]);
      if (event !== undefined) await this.writeAudit(c, event);
    });
  }

  /** `q`: in the caller's transaction (default: the pool). */
  async batchUsage(requester: string, q: Sql = this.db): Promise<BatchUsage> {
    const r = await q.query('SELECT status, count(*) AS n, sum(result_bytes) AS bytes, min(finished_at) AS oldest FROM batches WHERE requester = $1 GROUP BY status', [requester]);
    const usage: BatchUsage = { queued: 0, running: 0, ended: 0, resultBytes: 0, oldestEndedAt: null };
    for (const row of r.rows) {
      const n = Number(row.n);
      usage.resultBytes += Number(row.bytes ?? 0);
      if (row.status === 'queued') usage.queued += n;
      else if (row.status === 'running') usage.running += n;
      else {
        usage.ended += n;
        const oldest = iso(row.oldest);
        if (oldest !== null && (usage.oldestEndedAt === null || oldest < usage.oldestEndedAt)) usage.oldestEndedAt = oldest;
      }
    }
    return usage;
  }

  async endedBatchesBefore(before: string, limit: number): Promise<string[]> {
    const r = await this.db.query("SELECT id FROM batches WHERE status IN ('done', 'failed', 'cancelled') AND finished_at < $1 ORDER BY finished_at LIMIT $2", [before, limit]);
    return r.rows.map((row) => String(row.id));
  }

  // What a batch split into tasks needs besides.

  /** Stores a queued batch with its tasks (and its audit entry) in one transaction. */
  /**
   * Stores a batch split into tasks, with its audit entry, in one transaction. `admit` runs first
   * in it, under a lock every replica's submissions take, and throws to refuse the batch: quotas
   * checked there count every batch stored before, whichever replica stored it.
   */
  async createJobBatch(b: NewJobBatch, tasks: readonly BatchTask[], event?: AuditInput, admit?: (q: Sql) => Promise<void>): Promise<void> {
    await this.db.transaction(async (c) => {
      if (admit !== undefined) {
        await c.query("SELECT pg_advisory_xact_lock(hashtext('ler-engine batch admission'))");
        await admit(c);
      }
      await insertBatch(c, b, { totalAreas: b.totalAreas, tasks: tasks.length, taskAreas: b.taskAreas, pageAreas: b.pageAreas });
      if (b.input !== null) await c.query('INSERT INTO batch_inputs (batch, input) VALUES ($1, $2)', [b.id, b.input]);
      for (let i = 0; i < tasks.length; i += TASK_ROWS) {
        const part = tasks.slice(i, i + TASK_ROWS);
        await c.query('INSERT INTO batch_tasks (batch, task, first, count, input) SELECT $1, * FROM unnest($2::integer[], $3::integer[], $4::integer[], $5::text[])', [
          b.id,
          part.map((t) => t.task),
          part.map((t) => t.first),
          part.map((t) => t.count),
          part.map((t) => t.input)
        ]);
      }
      if (event !== undefined) await this.writeAudit(c, event);
    });
  }

  /** A batch with what its tasks say of it; null when there is none. */
  async jobBatch(id: string): Promise<JobBatchRecord | null> {
    const r = await this.db.query(`SELECT ${COLUMNS} FROM batches WHERE id = $1`, [id]);
    return r.rows[0] === undefined ? null : recordOf(r.rows[0]);
  }

  /** Batches running and waiting, all planners together. */
  async batchCounts(q: Sql = this.db): Promise<{ running: number; queued: number }> {
    const r = await q.query("SELECT count(*) FILTER (WHERE status = 'running') AS running, count(*) FILTER (WHERE status = 'queued') AS queued FROM batches WHERE status IN ('running', 'queued')");
    return { running: Number(r.rows[0]?.running ?? 0), queued: Number(r.rows[0]?.queued ?? 0) };
  }

  /**
   * Running batches with tasks not done and no job of theirs left on the queue (`jobs`: the queue's
   * job table, `queues`: its queue names): nothing would ever end them (a dead-letter job that itself
   * failed, a replica that died inside the failing of a task).
   */
  async orphanedBatches(jobs: string, queues: readonly string[]): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `SELECT b.id FROM batches b
       WHERE b.status = 'running'
         AND EXISTS (SELECT 1 FROM batch_tasks t WHERE t.batch = b.id AND NOT t.done)
         AND NOT EXISTS (SELECT 1 FROM ${jobs} j WHERE j.name = ANY($1) AND j.data->>'batch' = b.id AND j.state < 'completed')`,
      [queues]
    );
    return r.rows.map((row) => row.id);
  }

  /** The first page stored at or after `seq` (tasks of a batch that did not finish leave gaps); null when none is. */
  async nextPageSeq(batch: string, seq: number): Promise<number | null> {
    const r = await this.db.query<{ seq: number | null }>('SELECT min(seq) AS seq FROM batch_pages WHERE batch = $1 AND seq >= $2', [batch, seq]);
    const next = r.rows[0]?.seq;
    return next === null || next === undefined ? null : Number(next);
  }

  /** A task with its input and whether it is done; null when there is no such task. */
  async task(batch: string, task: number): Promise<(BatchTask & { done: boolean }) | null> {
    const r = await this.db.query('SELECT task, first, count, input, done FROM batch_tasks WHERE batch = $1 AND task = $2', [batch, task]);
    const row = r.rows[0];
    if (row === undefined) return null;
    return { task: Number(row.task), first: Number(row.first), count: Number(row.count), input: (row.input as string | null) ?? null, done: row.done === true };
  }

  /** The route a batch checks, as stored (null once it ended, or for areas). */
  async routeInput(batch: string): Promise<string | null> {
    const r = await this.db.query('SELECT input FROM batch_inputs WHERE batch = $1', [batch]);
    return (r.rows[0]?.input as string | undefined) ?? null;
  }

  /** Which of the pages `from` to `to` of a batch are stored. */
  async storedPages(batch: string, from: number, to: number): Promise<number[]> {
    const r = await this.db.query('SELECT seq FROM batch_pages WHERE batch = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq', [batch, from, to]);
    return r.rows.map((row) => Number(row.seq));
  }

  /**
   * Stores a task's page while its batch runs, once (a page already there is left as it is), with
   * the batch's counters, in one transaction; says whether it was stored, whether the batch still
   * runs, and the bytes of results its planner then keeps.
   */
  async putTaskPage(batch: string, page: TaskPage, version: number): Promise<PageWrite> {
    return this.db.transaction(async (c): Promise<PageWrite> => {
      const requester = await lockRunning(c, batch);
      if (requester === null) return { stored: false, running: false };
      const inserted = await c.query('INSERT INTO batch_pages (batch, seq, first, count, failed, data) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1', [
        batch,
        page.seq,
        page.first,
        page.count,
        page.failed,
        page.data
      ]);
      const stored = inserted.rowCount !== 0;
      if (stored) {
        await c.query('UPDATE batches SET results = results + $2, result_bytes = result_bytes + $3, failed_areas = failed_areas + $4, version = coalesce(version, $5) WHERE id = $1', [
          batch,
          page.count,
          page.data.byteLength,
          page.failed,
          version
        ]);
      }
      const bytes = await c.query('SELECT coalesce(sum(result_bytes), 0) AS bytes FROM batches WHERE requester = $1', [requester]);
      return { stored, running: true, plannerBytes: Number(bytes.rows[0]?.bytes ?? 0) };
    });
  }

  /**
   * Marks a task of a running batch done, once, under the batch's row lock: hands the batch's next
   * task to the queue, and ends the batch as done when this was its last task (with the progress
   * `final` gives). Says whether this call ended the batch; nothing is done for a batch that is not
   * running or a task already done.
   */
  async finishTask(batch: string, task: number, finishedAt: string, final: (r: JobBatchRecord) => Record<string, unknown>, enqueue: Enqueue): Promise<{ marked: boolean; ended: boolean }> {
    return this.db.transaction(async (c) => {
      const r = await c.query(`SELECT ${COLUMNS} FROM batches WHERE id = $1 FOR UPDATE`, [batch]);
      if (r.rows[0] === undefined) return { marked: false, ended: false };
      const b = recordOf(r.rows[0]);
      if (b.status !== 'running' || b.tasks === null) return { marked: false, ended: false };
      const marked = await c.query('UPDATE batch_tasks SET done = true, input = NULL WHERE batch = $1 AND task = $2 AND NOT done', [batch, task]);
      if (marked.rowCount === 0) return { marked: false, ended: false };
      b.tasksDone++;
      if (b.tasksSent < b.tasks) {
        await sendTasks(c, batch, b.tasksSent, b.tasksSent + 1, enqueue);
        b.tasksSent++;
      }
      const ended = b.tasksDone >= b.tasks;
      if (ended) {
        b.finishedAt = finishedAt;
        await c.query("UPDATE batches SET tasks_done = $2, tasks_sent = $3, status = 'done', finished_at = $4, progress = $5 WHERE id = $1", [batch, b.tasksDone, b.tasksSent, finishedAt, JSON.stringify(final(b))]);
        await dropInput(c, batch);
      } else {
        await c.query('UPDATE batches SET tasks_done = $2, tasks_sent = $3 WHERE id = $1', [batch, b.tasksDone, b.tasksSent]);
      }
      return { marked: true, ended };
    });
  }

  /**
   * Starts queued batches split into tasks while the limits allow, one replica at a time (an
   * advisory lock): planner by planner in turn (the one whose latest batch started longest ago
   * first), each planner's oldest batch first; hands each its first tasks. A batch without tasks
   * (no areas) ends at once. Says which batches started and ended, and how many run and wait now.
   */
  async startQueued(limits: RunLimits, startedAt: string, final: (r: JobBatchRecord) => Record<string, unknown>, enqueue: Enqueue): Promise<{ started: string[]; ended: string[]; running: number; queued: number }> {
    return this.db.transaction(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(${DISPATCH_LOCK})`);
      const running = new Map<string, number>();
      let total = 0;
      for (const row of (await c.query("SELECT requester, count(*) AS n FROM batches WHERE status = 'running' GROUP BY requester")).rows) {
        running.set(String(row.requester), Number(row.n));
        total += Number(row.n);
      }
      const queued = (
        await c.query(
          `SELECT b.id, b.requester, b.tasks, (SELECT max(s.started_at) FROM batches s WHERE s.requester = b.requester) AS served
           FROM batches b WHERE b.status = 'queued' AND b.tasks IS NOT NULL ORDER BY b.created_at, b.seq`
        )
      ).rows.map((row) => ({ id: String(row.id), requester: String(row.requester), tasks: Number(row.tasks), served: row.served === null ? -Infinity : (row.served as Date).getTime() }));
      let waiting = (await c.query("SELECT count(*) AS n FROM batches WHERE status = 'queued'")).rows[0]?.n as string | number;
      const started: string[] = [];
      const ended: string[] = [];
      const startedMs = Date.parse(startedAt);
      while (total < limits.running) {
        // Planners in the order they were last served, then by their oldest waiting batch.
        let pick: (typeof queued)[number] | undefined;
        for (const q of queued) {
          if ((running.get(q.requester) ?? 0) >= limits.runningPerPlanner) continue;
          if (pick === undefined || q.served < pick.served) pick = q;
        }
        if (pick === undefined) break;
        const chosen = pick;
        queued.splice(queued.indexOf(chosen), 1);
        for (const q of queued) if (q.requester === chosen.requester) q.served = startedMs;
        waiting = Number(waiting) - 1;
        const ahead = Math.min(chosen.tasks, limits.tasksAhead);
        const r = await c.query(`UPDATE batches SET status = 'running', started_at = $2, attempts = attempts + 1, tasks_sent = $3 WHERE id = $1 AND status = 'queued' RETURNING ${COLUMNS}`, [chosen.id, startedAt, ahead]);
        if (r.rows[0] === undefined) continue;
        started.push(chosen.id);
        if (chosen.tasks === 0) {
          const b = recordOf(r.rows[0]);
          b.finishedAt = startedAt;
          await c.query("UPDATE batches SET status = 'done', finished_at = $2, progress = $3 WHERE id = $1", [chosen.id, startedAt, JSON.stringify(final(b))]);
          await dropInput(c, chosen.id);
          ended.push(chosen.id);
          continue;
        }
        await sendTasks(c, chosen.id, 0, ahead, enqueue);
        running.set(chosen.requester, (running.get(chosen.requester) ?? 0) + 1);
        total++;
      }
      return { started, ended, running: total, queued: Number(waiting) };
    });
  }
}

async function insertBatch(c: Queryable, b: Omit<NewBatch, 'input'>, split: { totalAreas: number; tasks: number; taskAreas: number; pageAreas: number } | null): Promise<void> {
  await c.query(
    "INSERT INTO batches (id, requester, status, created_at, options, areas, total_areas, tasks, task_areas, page_areas) VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9)",
    [b.id, b.requester, b.createdAt, JSON.stringify(b.options), b.areas, split?.totalAreas ?? null, split?.tasks ?? null, split?.taskAreas ?? null, split?.pageAreas ?? null]
  );
}

/** Locks a batch's row if it is running; its requester, or null when it is not running (or gone). */
async function lockRunning(c: Queryable, id: string): Promise<string | null> {
  const r = await c.query('SELECT requester, status FROM batches WHERE id = $1 FOR UPDATE', [id]);
  const row = r.rows[0];
  return row !== undefined && row.status === 'running' ? String(row.requester) : null;
}

async function endIn(c: Queryable, id: string, end: { status: 'done' | 'failed' | 'cancelled'; finishedAt: string; error: BatchError | null; progress: Record<string, unknown> | null }): Promise<boolean> {
  const r = await c.query("UPDATE batches SET status = $2, finished_at = $3, error = $4, progress = coalesce($5, progress) WHERE id = $1 AND status IN ('queued', 'running')", [
    id,
    end.status,
    end.finishedAt,
    end.error === null ? null : JSON.stringify(end.error),
    end.progress === null ? null : JSON.stringify(end.progress)
  ]);
  if (r.rowCount === 0) return false;
  await dropInput(c, id);
  return true;
}

/** An ended batch's input is not kept. */
async function dropInput(c: Queryable, id: string): Promise<void> {
  await c.query('DELETE FROM batch_inputs WHERE batch = $1', [id]);
  await c.query('UPDATE batch_tasks SET input = NULL WHERE batch = $1 AND input IS NOT NULL', [id]);
}

/** Hands tasks `from` to `to - 1` of a batch to the queue, in the caller's transaction. */
async function sendTasks(c: pg.PoolClient, batch: string, from: number, to: number, enqueue: Enqueue): Promise<void> {
  const r = await c.query('SELECT task, first, count FROM batch_tasks WHERE batch = $1 AND task >= $2 AND task < $3 ORDER BY task', [batch, from, to]);
  if (r.rows.length > 0) await enqueue(c, r.rows.map((row) => ({ batch, task: Number(row.task), first: Number(row.first), count: Number(row.count) })));
}

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function recordOf(r: Row): JobBatchRecord {
  return {
    id: String(r.id),
    requester: String(r.requester),
    status: r.status as BatchStatus,
    createdAt: iso(r.created_at) as string,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    options: JSON.parse(String(r.options)) as Record<string, unknown>,
    areas: nullableNumber(r.areas),
    progress: r.progress === null ? null : (JSON.parse(String(r.progress)) as Record<string, unknown>),
    results: Number(r.results),
    resultBytes: Number(r.result_bytes),
    version: nullableNumber(r.version),
    error: r.error === null ? null : (JSON.parse(String(r.error)) as BatchError),
    attempts: Number(r.attempts ?? 0),
    totalAreas: nullableNumber(r.total_areas),
    failedAreas: Number(r.failed_areas ?? 0),
    tasks: nullableNumber(r.tasks),
    taskAreas: nullableNumber(r.task_areas),
    pageAreas: nullableNumber(r.page_areas),
    tasksSent: Number(r.tasks_sent ?? 0),
    tasksDone: Number(r.tasks_done ?? 0)
  };
}

/** The record as the BatchStore interface gives it. */
function plainRecord(r: JobBatchRecord): BatchRecord {
  return {
    id: r.id,
    requester: r.requester,
    status: r.status,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    options: r.options,
    areas: r.areas,
    progress: r.progress,
    results: r.results,
    resultBytes: r.resultBytes,
    version: r.version,
    error: r.error,
    attempts: r.attempts
  };
}
