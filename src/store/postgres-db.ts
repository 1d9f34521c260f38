/**
 * The PostgreSQL store's one way to the database: a `pg` pool whose errors never crash the process,
 * queries and transactions whose failures to reach the database reject with STORE_UNAVAILABLE
 * (503), and everything else as it came (a bug or a constraint is not an outage).
 */
import pg from 'pg';
import { LerError } from '../errors.js';

/** SQLSTATE classes and codes that mean the database could not be reached or went away. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '58030']);
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Whether an error from `pg` means the database is unreachable (rather than a bad query). */
export function isUnavailable(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) return true;
  }
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|not queryable/i.test(message);
}

/** The error a caller sees: STORE_UNAVAILABLE for an outage, the error itself otherwise. */
export function storeError(error: unknown): unknown {
  if (error instanceof LerError) return error;
  // Text PostgreSQL cannot hold (a NUL character): the request's fault, not the database's.
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '22021' || code === '22P05') return new LerError('REQUEST_INVALID', {}, 'A text in the request holds a character the store cannot keep (NUL, U+0000).');
  if (isUnavailable(error)) return new LerError('STORE_UNAVAILABLE', {}, (error as Error).message);
  return error;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

/** What runs a query: a transaction's client, or the database itself (a statement of its own). */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface PgDatabaseOptions {
  /** `postgres://…` */
  connectionString: string;
  /** Connections in the pool; default 10. */
  max?: number;
  /** How long a query waits for a connection before STORE_UNAVAILABLE; default 5 s. */
  connectionTimeoutMillis?: number;
  /** Told of errors on idle connections (the pool drops them and connects anew). */
  onError?: (error: Error) => void;
}

export class PgDatabase {
  readonly pool: pg.Pool;

  constructor(opts: PgDatabaseOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.connectionString,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 5000,
      idleTimeoutMillis: 30_000,
      // A peer gone without a reset is found by the kernel's probes rather than never.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000
    });
    // An idle connection the server closed: the pool removes it; unhandled, it would crash us.
    this.pool.on('error', (error) => opts.onError?.(error));
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw storeError(error);
    }
  }

  /**
   * Runs `fn` on one connection of the pool, given back after (dropped when it broke, or when `fn`
   * calls `broke`). A checked-out connection that breaks emits 'error': unheard, it would crash the
   * process, so it is heard here.
   */
  async withClient<T>(fn: (client: pg.PoolClient, broke: () => void) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storeError(error);
    }
    let broken = false;
    const broke = (): void => {
      broken = true;
    };
    client.on('error', broke);
    try {
      return await fn(client, broke);
    } catch (error) {
      broken ||= isUnavailable(error);
      throw storeError(error);
    } finally {
      client.removeListener('error', broke);
      client.release(broken ? true : undefined);
    }
  }

  /** Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client, broke) => {
      await client.query('BEGIN');
      try {
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that failed mid-transaction is not given back for reuse.
        if (!isUnavailable(error)) await client.query('ROLLBACK').catch(broke);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
