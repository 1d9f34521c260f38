/**
 * A throwaway PostgreSQL + PostGIS cluster for the benchmarks: installs PostGIS when it is missing,
 * runs initdb in a temporary directory as the `postgres` OS user, listens on a Unix socket inside
 * that directory only, and is stopped and removed on `stop()` or when the process exits.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { installedMajors, isRoot, run, serverDir, tail } from '../../test/helpers/pg-server.js';

export interface ClusterOptions {
  log?: (s: string) => void;
  /** `max_parallel_workers_per_gather`; 0 (default) keeps every query on one core. */
  parallelWorkersPerGather?: number;
  /** `max_connections`; enough for the parallel batch runs. Default 64. */
  maxConnections?: number;
  /** Default '4GB'. */
  sharedBuffers?: string;
  /** Parent of the temporary directory; default the OS temp dir (or /tmp when its path is too long for a socket). */
  tmpDir?: string;
}

export interface Cluster {
  /** Directory holding the socket (`host` for `pg`). */
  socketDir: string;
  port: number;
  /** PostgreSQL major version. */
  major: number;
  stop(): Promise<void>;
}

const SHARE_ROOT = '/usr/share/postgresql';
const PORT = 5432;

function hasPostgis(major: number): boolean {
  return existsSync(join(SHARE_ROOT, String(major), 'extension', 'postgis.control'));
}

/** The newest installed server that has PostGIS, else the newest installed server. */
function findServer(): { major: number; postgis: boolean } | null {
  const majors = installedMajors();
  const major = majors.find(hasPostgis) ?? majors[0];
  return major === undefined ? null : { major, postgis: hasPostgis(major) };
}

async function ensurePostgis(log: (s: string) => void): Promise<{ major: number } | { unavailable: string }> {
  const found = findServer();
  if (found?.postgis) return { major: found.major };
  const major = found?.major ?? 15;
  const pkg = `postgresql-${major}-postgis-3`;
  if (!isRoot()) return { unavailable: `${pkg} is not installed and installing it needs root` };
  log(`PostGIS for PostgreSQL ${major} is missing: apt-get install -y ${pkg} (this takes a few minutes)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const lock = ['-o', 'DPkg::Lock::Timeout=900'];
  const update = await run('apt-get', [...lock, 'update'], false, env);
  if (update.code !== 0) log(`apt-get update failed (${update.code}); trying the install anyway`);
  const install = await run('apt-get', [...lock, 'install', '-y', '--no-install-recommends', pkg], false, env);
  if (install.code !== 0 || !hasPostgis(major)) {
    return { unavailable: `apt-get install ${pkg} failed (${install.code}): ${tail(install.out)}` };
  }
  log(`installed ${pkg}`);
  return { major };
}

function settings(dir: string, opts: ClusterOptions): string {
  const workers = Math.max(0, opts.parallelWorkersPerGather ?? 0);
  // Tuned for a bulk load then reads on a 2-core, 24 GB machine; durability is irrelevant here.
  return `
# ler-engine benchmark peer
listen_addresses = ''
unix_socket_directories = '${dir}'
unix_socket_permissions = 0777
port = ${PORT}
max_connections = ${opts.maxConnections ?? 64}
shared_buffers = ${opts.sharedBuffers ?? '4GB'}
huge_pages = try
work_mem = 256MB
maintenance_work_mem = 2GB
effective_cache_size = 16GB
temp_buffers = 64MB
random_page_cost = 1.1
effective_io_concurrency = 64
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 32GB
checkpoint_timeout = 1h
autovacuum = off
jit = off
max_worker_processes = 8
max_parallel_workers = ${Math.max(2, workers)}
max_parallel_workers_per_gather = ${workers}
max_parallel_maintenance_workers = 0
logging_collector = off
log_min_messages = warning
`;
}

/** Starts a new cluster, or says why it cannot. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster | { unavailable: string }> {
  const log = opts.log ?? (() => {});
  const ok = await ensurePostgis(log);
  if ('unavailable' in ok) return ok;
  let server;
  try {
    server = serverDir(ok.major, opts.tmpDir);
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
  log(`initdb PostgreSQL ${ok.major} in ${server.data}`);
  const init = await server.init();
  if (init.code !== 0) {
    await server.remove();
    return { unavailable: `initdb failed (${init.code}): ${tail(init.out)}` };
  }
  server.configure(settings(server.dir, opts));
  try {
    await server.start();
  } catch (error) {
    await server.remove();
    return { unavailable: (error as Error).message };
  }
  log(`PostgreSQL ${ok.major} listening on ${join(server.dir, `.s.PGSQL.${PORT}`)}`);

  let stopped = false;
  return {
    socketDir: server.dir,
    port: PORT,
    major: ok.major,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await server.remove();
    }
  };
}
