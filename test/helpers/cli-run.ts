/**
 * Runs the `ler` command from its sources as a user would: a child process
 * (`node --import tsx src/cli/main.ts ...`), stdout and stderr piped (so never a TTY).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `ler <args>`; the caller reads its streams. LER_* variables of the test's environment are left out. */
export function startCli(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LER_'))) as Record<string, string>;
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...base, ...env } });
}

/** Waits for a started command to end, with all it wrote. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `ler <args>` to the end, with `input` on its standard input. */
export function runCli(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const child = startCli(args, opts.env);
  const done = finished(child);
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.input ?? '');
  return done;
}

/** A temporary directory, removed by the returned function. */
export function tempDir(prefix = 'ler-cli-'): { path: string; file: (name: string) => string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, file: (name) => join(path, name), remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** True when the text has a carriage return or an ANSI escape (what a progress bar on a TTY writes). */
export function hasTerminalCodes(text: string): boolean {
  return text.includes('\r') || text.includes('\x1b');
}
