/**
 * A throwaway PostgreSQL cluster for the tests: `initdb` in a temporary directory, listening on
 * 127.0.0.1 only at a port the OS found free (and on a Unix socket inside that directory), run as
 * the `postgres` OS user when we are root, with a database `ler`. Never the machine's own cluster.
 * `pause()` stops the server and keeps its data, so a test can take the database away and give it
 * back on the same port. Without the server binaries the tests fail (never skip): the error says
 * how to install them.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { installedMajors, PG_ROOT, run, serverDir, tail } from './pg-server.js';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/ler */
  url: string;
  port: number;
  /** The cluster's temporary directory (data, log, socket). */
  dir: string;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
  /** Stops the server (fast: sessions are ended), keeping the data: the database goes away. */
  pause(): Promise<void>;
  /** Starts the server again on the same port. */
  resume(): Promise<void>;
}

export interface PgClusterOptions {
  /** Extra lines for postgresql.conf. */
  settings?: string;
}

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('The OS gave no free port.'))));
    });
  });
}

export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const major = installedMajors()[0];
  if (major === undefined) {
    throw new Error(`No PostgreSQL server binaries under ${PG_ROOT}/<version>/bin: run .ci/install-postgres (it installs postgresql-15 with apt).`);
  }
  const server = serverDir(major);
  try {
    const init = await server.init();
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}): ${tail(init.out)}`);
    const port = await freePort();
    // Durability is irrelevant for a cluster thrown away after the tests.
    server.configure(`
# ler-engine test cluster
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${server.dir}'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
${opts.settings ?? ''}
`);
    await server.start();
    const created = await run(join(PG_ROOT, String(major), 'bin', 'createdb'), ['-h', server.dir, '-p', String(port), '-U', 'postgres', 'ler'], true);
    if (created.code !== 0) throw new Error(`createdb ler failed (${created.code}): ${tail(created.out)}`);
    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/ler`,
      port,
      dir: server.dir,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.remove();
      },
      pause: () => server.stop('fast'),
      resume: () => server.start()
    };
  } catch (error) {
    await server.remove();
    throw error;
  }
}
