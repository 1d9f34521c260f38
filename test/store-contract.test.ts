/**
 * The store contract (test/helpers/store-contract.ts) on both stores: the embedded SQLite file in a
 * temporary directory, and PostgreSQL on a throwaway cluster started for this file (a database of
 * its own for each store opened, so that tests never see each other's rows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresStore } from '../src/store/postgres.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { startPgCluster, type PgCluster } from './helpers/pg-cluster.js';
import { storeContract } from './helpers/store-contract.js';

describe('SqliteStore', () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'ler-contract-'));
  });
  afterAll(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  storeContract('sqlite', async ({ history }) => {
    const dir = mkdtempSync(join(root, 'store-'));
    /** Runs `fn` on a connection of its own to the store's file. */
    const onFile = <T>(fn: (db: Database.Database) => T): T => {
      const db = new Database(join(dir, 'ler.sqlite'));
      try {
        return fn(db);
      } finally {
        db.close();
      }
    };
    return {
      store: new SqliteStore({ dataDir: dir, history }),
      reopen: async () => new SqliteStore({ dataDir: dir, history }),
      snapshotBytes: async () => onFile((db) => Number((db.prepare('SELECT coalesce(sum(length(data)), 0) AS n FROM snapshot_pieces').get() as { n: number }).n)),
      refuseAudit: async () => {
        onFile((db) => db.exec("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END"));
      },
      allowAudit: async () => {
        onFile((db) => db.exec('DROP TRIGGER refuse_audit'));
      },
      cleanup: async () => rmSync(dir, { recursive: true, force: true })
    };
  });
});

describe('PostgresStore', () => {
  let cluster: PgCluster | undefined;
  let databases = 0;
  beforeAll(async () => {
    cluster = await startPgCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  /** SQL on a database of the cluster, on a connection of its own. */
  async function sql(url: string, text: string): Promise<pg.QueryResultRow[]> {
    const client = new pg.Client(url);
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }

  storeContract('postgres', async ({ history }) => {
    if (cluster === undefined) throw new Error('The cluster did not start.');
    const admin = cluster.url;
    const name = `contract_${++databases}`;
    await sql(admin, `CREATE DATABASE ${name}`);
    const url = admin.replace(/\/ler$/, `/${name}`);
    return {
      store: await PostgresStore.open({ url, history }),
      reopen: () => PostgresStore.open({ url, history }),
      // Large objects are rows of pg_largeobject, whose pieces hold their bytes.
      snapshotBytes: async () => Number((await sql(url, 'SELECT coalesce(sum(octet_length(data)), 0) AS n FROM pg_largeobject'))[0].n),
      refuseAudit: async () => {
        await sql(url, "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$");
        await sql(url, 'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
      },
      allowAudit: async () => {
        await sql(url, 'DROP TRIGGER refuse_audit ON audit_log');
      },
      cleanup: async () => {
        await sql(admin, `DROP DATABASE ${name} WITH (FORCE)`);
      }
    };
  });
});
