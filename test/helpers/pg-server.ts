/**
 * Running a throwaway PostgreSQL server from the installed binaries: the commands run as the
 * `postgres` OS user when we are root (the server refuses to run as root), a temporary directory
 * owned by that user holds the data and the Unix socket, and every server still running when the
 * process exits without stopping it is stopped at once (`-m immediate`) and its directory removed.
 * The tests' cluster (pg-cluster.ts) and the PostGIS benchmark peer (bench/peers/postgis-cluster.ts)
 * both start their servers through here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_ROOT = '/usr/lib/postgresql';

export interface RunResult {
  code: number;
  out: string;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Runs a command, as the `postgres` OS user when we are root; collects stdout and stderr together. */
export function run(cmd: string, args: string[], asPostgres: boolean, env?: NodeJS.ProcessEnv): Promise<RunResult> {
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

/** The last lines of a command's output or a log, on one line. */
export function tail(text: string, lines = 3): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/** Major versions of the installed servers, newest first. */
export function installedMajors(): number[] {
  const majors: number[] = [];
  for (let major = 17; major >= 13; major--) if (existsSync(join(PG_ROOT, String(major), 'bin', 'postgres'))) majors.push(major);
  return majors;
}

/** Servers still running, stopped synchronously if the process exits without stopping them. */
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

/** A cluster's data directory in a temporary directory of its own, and how its server is run. */
export interface ServerDir {
  /** The temporary directory: the socket's directory, `data/` and `server.log` inside. */
  dir: string;
  data: string;
  logFile: string;
  /** PostgreSQL major version. */
  major: number;
  /** Runs `initdb` (trust, UTF-8, C locale, no sync); its output on failure. */
  init(): Promise<RunResult>;
  /** Appends settings to postgresql.conf. */
  configure(settings: string): void;
  /** Starts the server and waits until it accepts connections; rejects with the server log's last lines. */
  start(): Promise<void>;
  /** Stops the server and waits for it: `fast` ends the sessions and shuts down cleanly. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Stops the server (if it runs) and removes the directory; nothing is left behind. */
  remove(): Promise<void>;
}

/**
 * A new temporary directory for a cluster of the given major version, owned by the `postgres` user
 * when we are root, killed and removed when the process exits before `remove()`.
 */
export function serverDir(major: number, parent = tmpdir()): ServerDir {
  // A socket path is limited to ~107 bytes.
  const dir = mkdtempSync(join(parent.length > 60 ? '/tmp' : parent, 'ler-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const bin = join(PG_ROOT, String(major), 'bin');
  const pgCtl = join(bin, 'pg_ctl');
  if (isRoot()) {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error('Running as root, but there is no `postgres` OS user to run the server as: install the postgresql package (.ci/install-postgres).');
    }
    chownSync(dir, Number(uid.stdout.trim()), Number(gid.stdout.trim()));
  }
  chmodSync(dir, 0o700);

  const killSync = (): void => {
    if (existsSync(join(data, 'postmaster.pid'))) {
      const argv = ['-D', data, '-m', 'immediate', '-w', 'stop'];
      if (isRoot()) spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...argv], { stdio: 'ignore' });
      else spawnSync(pgCtl, argv, { stdio: 'ignore' });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  installExitHooks();
  live.set(dir, killSync);

  return {
    dir,
    data,
    logFile,
    major,
    init: () => run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], true),
    configure: (settings) => appendFileSync(join(data, 'postgresql.conf'), settings),
    async start() {
      const r = await run(pgCtl, ['-D', data, '-l', logFile, '-w', '-t', '120', 'start'], true);
      if (r.code !== 0) {
        const log = existsSync(logFile) ? tail(readFileSync(logFile, 'utf8')) : '';
        throw new Error(`pg_ctl start failed (${r.code}): ${log || tail(r.out)}`);
      }
    },
    async stop(mode = 'fast') {
      const r = await run(pgCtl, ['-D', data, '-m', mode, '-w', 'stop'], true);
      if (r.code !== 0 && existsSync(join(data, 'postmaster.pid'))) throw new Error(`pg_ctl stop failed (${r.code}): ${tail(r.out)}`);
    },
    async remove() {
      if (existsSync(join(data, 'postmaster.pid'))) await run(pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop'], true);
      live.delete(dir);
      killSync();
    }
  };
}
