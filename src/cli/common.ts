/**
 * What every command shares: exit codes, the usage error, option parsing over `node:util`
 * parseArgs (unknown flags are usage errors), number and enum options, the one-line error report
 * (LerError code, message, feature index, id and pointer; never a stack trace) and writing with
 * back-pressure.
 */
import type { ServiceStore } from '../store/store.js';
import { availableParallelism } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import { LerError } from '../errors.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A wrong command line: reported with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command: string | null = null
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure the command has already put into words (printed as it is, exit 1). */
export class Failure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Failure';
  }
}

/** The process's streams and environment, as a command sees them. */
export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Full help text: usage, options, examples. */
  help: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(args: ParsedArgs, io: Io): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (error) {
    // parseArgs says which flag and why; drop its advice about '--' which rarely applies here.
    const message = (error as Error).message.replace(/\s*To specify a positional argument starting with a '-'.*$/s, '');
    throw new UsageError(message, spec.name);
  }
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A number option; a value that is not a number is a usage error (ranges are the engine's to check). */
export function num(args: ParsedArgs, name: string, command: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} takes a number, got ${JSON.stringify(v)}.`, command);
  return n;
}

export function oneOf<T extends string>(args: ParsedArgs, name: string, choices: readonly T[], fallback: T, command: string): T {
  const v = str(args, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new UsageError(`--${name} is one of ${choices.join(', ')}; got ${JSON.stringify(v)}.`, command);
  return v as T;
}

/** Exactly `count` positionals, named for the message. */
export function positionals(args: ParsedArgs, names: readonly string[], command: string): string[] {
  if (args.positionals.length < names.length) throw new UsageError(`Missing ${names.slice(args.positionals.length).map((n) => `<${n}>`).join(' ')}.`, command);
  if (args.positionals.length > names.length) throw new UsageError(`Unexpected argument ${JSON.stringify(args.positionals[names.length])}.`, command);
  return args.positionals;
}

/** The data directory: --data-dir, else LER_DATA_DIR, else ./data. */
export function dataDir(args: ParsedArgs, io: Io): string {
  return str(args, 'data-dir') ?? (io.env.LER_DATA_DIR || './data');
}

/**
 * The service's store, as the service would open it: the PostgreSQL database of LER_DATABASE_URL
 * when it is set (and no --data-dir is given), else SQLite in the data directory.
 */
export async function openLocalStore(args: ParsedArgs, io: Io, history?: number): Promise<ServiceStore> {
  const { openStore } = await import('../store/open.js');
  const url = str(args, 'data-dir') === undefined ? io.env.LER_DATABASE_URL?.trim() || null : null;
  const { store } = await openStore({ databaseUrl: url, dataDir: dataDir(args, io), history: history ?? 5 });
  return store;
}

/** Worker threads: --workers, else LER_WORKERS, else the machine's cores. */
export function workers(args: ParsedArgs, io: Io, command: string): number {
  const flag = num(args, 'workers', command);
  const env = io.env.LER_WORKERS;
  const n = flag ?? (env !== undefined && env !== '' ? Number(env) : availableParallelism());
  if (!Number.isInteger(n) || n < 0 || n > 256) throw new UsageError(`--workers (or LER_WORKERS) is a whole number from 0 to 256, got ${String(flag ?? env)}.`, command);
  return n;
}

export const DATA_DIR_OPTION = { 'data-dir': { type: 'string' } } as const;
export const CRS_OPTION = { crs: { type: 'string' } } as const;

/** What to do about some errors, beyond what the code says. */
const HINTS: Partial<Record<string, string>> = {
  NETWORK_EMPTY: 'Import a network first: ler import <owner> <network.geojson>.',
  COORDINATE_OUT_OF_EXTENT: 'Check the CRS: give --crs EPSG:25832 for UTM metres; lon/lat (EPSG:4326) is the default.',
  CRS_DECLARED_LATE: 'Give --crs.',
  UPLOAD_EMPTY_NETWORK: 'If the network is meant to be emptied, add --allow-removal.',
  REMOVAL_TOO_LARGE: 'If the network is meant to lose that many features, add --allow-removal.'
};

/** What to do about the codes a report or a batch's failed areas hold, one sentence each (none for most codes). */
export function hintsFor(codes: Iterable<string>): string[] {
  const hints = new Set<string>();
  for (const code of codes) {
    const hint = HINTS[code];
    if (hint !== undefined) hints.add(hint);
  }
  return [...hints];
}

/** One line for any error: a LerError's code and message (which names feature, id and pointer). */
export function describeError(error: unknown): string {
  if (error instanceof Failure) return error.message;
  if (error instanceof LerError) {
    const hint = HINTS[error.code];
    return hint ? `${error.message} ${hint}` : error.message;
  }
  const e = error as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.syscall === 'string') {
    const what: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'not a directory', EEXIST: 'already exists', ENOSPC: 'no space left on device' };
    return `${e.code}: cannot ${e.syscall} ${e.path ?? ''}: ${what[e.code] ?? e.message}`.replace(/\s+:/, ':');
  }
  if (error instanceof SyntaxError) return `INPUT_SYNTAX: ${error.message}`;
  return `INTERNAL_ERROR: ${(error as Error)?.message ?? String(error)}`;
}

/** Writes text, waiting when the stream asks to (a pipe read slowly, a file on a slow disk). */
export function write(stream: Writable, text: string): Promise<void> | void {
  if (stream.write(text)) return;
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      stream.off('drain', done);
      stream.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
  });
}
