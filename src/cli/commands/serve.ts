/**
 * `ler serve`: the HTTP service (src/server.ts) in a child process with the same environment,
 * the flags turned into the variables it reads. Signals are passed on; the exit status is its.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DATA_DIR_OPTION, EXIT, num, positionals, str, type CommandSpec } from '../common.js';

export const serve: CommandSpec = {
  name: 'serve',
  summary: 'start the HTTP service on the local store',
  options: { ...DATA_DIR_OPTION, port: { type: 'string', short: 'p' }, host: { type: 'string' }, workers: { type: 'string' } },
  help: `Usage: ler serve [options]

Starts the HTTP service (the v1 API, /docs, /metrics) on the store in the data
directory. Every LER_* variable of the service applies (see
docs/configuration.md); the flags below set the commonest. Ctrl-C closes it
gracefully.

Options:
  --data-dir <dir>     the store; sets LER_DATA_DIR (default ./data)
  -p, --port <port>    sets PORT
  --host <address>     sets HOST
  --workers <n>        sets LER_WORKERS

Examples:
  ler serve --port 8080
  LER_ADMIN_TOKEN=... ler serve --data-dir /srv/ler`,
  async run(args, io) {
    positionals(args, [], 'serve');
    const env = { ...io.env };
    const dir = str(args, 'data-dir');
    if (dir !== undefined) env.LER_DATA_DIR = dir;
    const port = num(args, 'port', 'serve');
    if (port !== undefined) env.PORT = String(port);
    const host = str(args, 'host');
    if (host !== undefined) env.HOST = host;
    const workers = num(args, 'workers', 'serve');
    if (workers !== undefined) env.LER_WORKERS = String(workers);
    // From the sources (tsx) the service is src/server.ts; from the build, dist/src/server.js.
    const fromSource = import.meta.url.endsWith('.ts');
    const server = fileURLToPath(new URL(fromSource ? '../../server.ts' : '../../server.js', import.meta.url));
    const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), server], { env, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => {
      // Ctrl-C at a terminal reaches the service too (the same process group): passing it on would
      // be its second SIGINT, which means "stop now" instead of closing gracefully.
      if (signal === 'SIGINT' && process.stdin.isTTY === true) return;
      child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    try {
      return await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve(code ?? (signal !== null ? EXIT.interrupted : EXIT.failed)));
      });
    } finally {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
    }
  }
};
