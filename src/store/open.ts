/**
 * The store a service process runs on: PostgreSQL when a database URL is given (shared by every
 * replica with the same URL), else the embedded SQLite file in the data directory.
 */
import type { ServiceStore } from './store.js';
import { SqliteStore } from './sqlite.js';

export interface OpenStoreOptions {
  /** `postgres://…`, or null for SQLite. */
  databaseUrl: string | null;
  dataDir: string;
  /** Versions kept per owner. */
  history: number;
  /** Told of errors the store survives (a lost connection, an idle client's error). */
  onError?: (error: Error) => void;
}

/** Whether a database URL names PostgreSQL (postgres:// or postgresql://). */
export function isDatabaseUrl(url: string): boolean {
  return /^postgres(ql)?:\/\/./.test(url);
}

/** The store, and where it is (for the start-up line; a URL without its password). */
export async function openStore(opts: OpenStoreOptions): Promise<{ store: ServiceStore; where: string }> {
  if (opts.databaseUrl === null) {
    const store = new SqliteStore({ dataDir: opts.dataDir, history: opts.history });
    return { store, where: store.path };
  }
  if (!isDatabaseUrl(opts.databaseUrl)) throw new Error('LER_DATABASE_URL must be a postgres:// URL.');
  const { PostgresStore } = await import('./postgres.js');
  const store = await PostgresStore.open({ url: opts.databaseUrl, history: opts.history, ...(opts.onError !== undefined ? { onError: opts.onError } : {}) });
  const url = new URL(opts.databaseUrl);
  url.password = '';
  return { store, where: url.toString() };
}
