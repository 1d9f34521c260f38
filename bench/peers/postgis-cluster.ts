/**
 * A throwaway PostgreSQL + PostGIS cluster for the benchmarks: installs PostGIS when it is missing,
 * runs initdb in a temporary directory as the `postgres` OS user, listens on a Unix socket inside
 * that directory only, and is stopped and removed on `stop()` or when the process exits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

interface RunResult {
  code: number;
  out: string;
}

const PG_ROOT = '/usr/lib/postgresql';
const SHARE_ROOT = '/usr/share/postgresql';
const PORT = 5432;

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a command, as the `postgres` OS user when we are root; collects stdout and stderr together. */
function run(cmd: string, args: string[], asPostgres: boolean, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  const [file, argv] = asPostgres && isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return new Promise((resolve) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    let out = '';
    const add = (b: Buffer): void => {
      out += b.toString('utf8');
      if (out.length > 200_000) out = out.slice(-100_000);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    child.on('error', (err) => resolve({ code: -1, out: out + String(err) }));
    child.on('close', (code) => resolve({ code: code ?? -1, out }));
  });
}

function hasPostgis(major: number): boolean {
  return existsSync(join(SHARE_ROOT, String(major), 'extension', 'postgis.control'));
}

/** The newest installed server that has PostGIS, else the newest installed server. */
function findServer(): { major: number; postgis: boolean } | null {
  let best: { major: number; postgis: boolean } | null = null;
  for (let major = 17; major >= 13; major--) {
    if (!existsSync(join(PG_ROOT, String(major), 'bin', 'postgres'))) continue;
    const postgis = hasPostgis(major);
    if (postgis) return { major, postgis };
    best ??= { major, postgis };
  }
  return best;
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
    const tail = install.out.trim().split('\n').slice(-3).join(' | ');
    return { unavailable: `apt-get install ${pkg} failed (${install.code}): ${tail}` };
  }
  log(`installed ${pkg}`);
  return { major };
}

/** Clusters still running, stopped synchronously if the process exits without `stop()`. */
const live = new Map<string, () => void>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', () => {
    for (const kill of live.values()) kill();
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const kill of live.values()) kill();
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
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
  const bin = join(PG_ROOT, String(ok.major), 'bin');

  let parent = opts.tmpDir ?? tmpdir();
  // A socket path is limited to ~107 bytes.
  if (parent.length > 60) parent = '/tmp';
  const dir = mkdtempSync(join(parent, 'ler-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  if (isRoot()) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) {
      remove();
      return { unavailable: 'running as root but there is no postgres OS user to run the server' };
    }
    chownSync(dir, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
  }
  chmodSync(dir, 0o700);

  log(`initdb PostgreSQL ${ok.major} in ${data}`);
  const init = await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], true);
  if (init.code !== 0) {
    remove();
    return { unavailable: `initdb failed (${init.code}): ${init.out.trim().split('\n').slice(-3).join(' | ')}` };
  }
  appendFileSync(join(data, 'postgresql.conf'), settings(dir, opts));

  const pgCtl = join(bin, 'pg_ctl');
  const killSync = (): void => {
    const argv = ['-D', data, '-m', 'immediate', '-w', 'stop'];
    if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...argv], { stdio: 'ignore' });
    else spawnSync(pgCtl, argv, { stdio: 'ignore' });
    remove();
  };
  installExitHooks();
  live.set(dir, killSync);

  const start = await run(pgCtl, ['-D', data, '-l', logFile, '-w', '-t', '120', 'start'], true);
  if (start.code !== 0) {
    const serverLog = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
    killSync();
    live.delete(dir);
    return { unavailable: `pg_ctl start failed (${start.code}): ${serverLog || start.out.trim()}` };
  }
  log(`PostgreSQL ${ok.major} listening on ${join(dir, `.s.PGSQL.${PORT}`)}`);

  let stopped = false;
  return {
    socketDir: dir,
    port: PORT,
    major: ok.major,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'], true);
      live.delete(dir);
      remove();
    }
  };
}
