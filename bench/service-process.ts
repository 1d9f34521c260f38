/**
 * The service as its own process, for the benchmarks and the tests that measure or kill it:
 * `node <args>` on a free loopback port with the given environment, resolved once it says it
 * listens (its URL, on 127.0.0.1), rejected when it exits first or does not listen in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServiceProcess {
  child: ChildProcess;
  url: string;
  /** Resolves when the process ends. */
  exit: Promise<{ code: number | null; signal: string | null }>;
  /** What it wrote (stdout and stderr, the last 500 KB or so). */
  output: () => string;
}

export interface ServiceProcessOptions {
  /** Node's arguments: flags, then the server's file. */
  args: string[];
  /** Variables over this process's environment (PORT and HOST are set here). */
  env: Record<string, string>;
  cwd?: string;
  /** An IPC channel to the child (for a probe it loads). */
  ipc?: boolean;
  timeoutMs?: number;
}

export function startServiceProcess(opts: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, opts.args, {
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...opts.env },
    stdio: opts.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe']
  });
  let out = '';
  const exit = new Promise<{ code: number | null; signal: string | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`The service did not listen in ${(opts.timeoutMs ?? 120_000) / 1000} s: ${out.slice(-2000)}`)), opts.timeoutMs ?? 120_000);
    const take = (d: Buffer): void => {
      out += d.toString();
      if (out.length > 1_000_000) out = out.slice(-500_000);
      const url = /listening at (http:\/\/[^\s/]+)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      done({ child, url: url.replace('//localhost', '//127.0.0.1'), exit, output: () => out });
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    void exit.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`The service exited (${String(code ?? signal)}) before it listened: ${out.slice(-2000)}`));
    });
  });
}
