/**
 * Where `ler check` writes: summaries in the chosen format (to stdout or --out, with
 * back-pressure, one whole line or record at a time), and the tallies of the closing line on
 * stderr: areas, failed, with conflicts, owners hit, worst fareklasse, time.
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { AreaSummary } from '../batch/summary.js';
import { FAREKLASSE } from '../model/ler.js';
import type { Geometry } from '../types.js';
import { hintsFor, write } from './common.js';
import { summaryWriter, type Format, type SummaryWriter } from './formats.js';
import { formatSeconds } from './progress.js';

export class BatchOutput {
  areas = 0;
  failed = 0;
  private hit = 0;
  private worst = -1;
  private readonly owners = new Set<string>();
  /** Failed areas by error code. */
  private readonly failures = new Map<string, number>();
  private readonly writer: SummaryWriter;
  private headed = false;

  constructor(
    private readonly out: Writable,
    format: Format,
    crs: string,
    private readonly geometryOf: (index: number) => Geometry | null
  ) {
    this.writer = summaryWriter(format, crs);
  }

  async add(s: AreaSummary): Promise<void> {
    if (!this.headed) await write(this.out, this.writer.head());
    this.headed = true;
    this.areas++;
    if (s.status === 'failed') {
      this.failed++;
      const code = s.error?.code ?? 'UNKNOWN';
      this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
    }
    if (s.conflictCount > 0) this.hit++;
    for (const o of s.owners) this.owners.add(o);
    const level = s.mostDangerous?.fareklasse ? FAREKLASSE.indexOf(s.mostDangerous.fareklasse as (typeof FAREKLASSE)[number]) : -1;
    if (level > this.worst) this.worst = level;
    await write(this.out, this.writer.row(s, this.geometryOf(s.index)));
  }

  /** Closes the format (a GeoJSON collection's end); the batch was whole. */
  async end(): Promise<void> {
    if (!this.headed) await write(this.out, this.writer.head());
    this.headed = true;
    await write(this.out, this.writer.tail());
  }

  /** The closing lines on stderr: the tallies, then why areas failed and what to do, if any did. */
  summaryLines(seconds: number): string {
    const tallies =
      `checked ${this.areas} areas in ${formatSeconds(seconds)}: ${this.failed} failed, ${this.hit} with conflicts; ` +
      `owners hit: ${this.owners.size > 0 ? [...this.owners].sort().join(', ') : 'none'}; worst fareklasse: ${this.worst >= 0 ? FAREKLASSE[this.worst] : 'none'}`;
    if (this.failures.size === 0) return `${tallies}\n`;
    const codes = [...this.failures].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} (${n})`);
    const hints = hintsFor(this.failures.keys());
    return `${tallies}\nfailed areas: ${codes.join(', ')}; each one's error is in its summary.${hints.length > 0 ? ` ${hints.join(' ')}` : ''}\n`;
  }
}

/** The output stream: stdout, or a file opened before the batch starts (a missing directory is an error now, not later). */
export interface OutputTarget {
  out: Writable;
  /** A write that failed (a full disk), once it has. */
  readonly error: Error | null;
  /** Ends a file and reports the first write error; stdout is left open. */
  close(): Promise<Error | null>;
}

export async function openOutput(path: string | undefined, stdout: Writable, onError: () => void): Promise<OutputTarget> {
  if (path === undefined) return { out: stdout, error: null, close: async () => null };
  const file = await new Promise<Writable>((resolve, reject) => {
    const stream = createWriteStream(path);
    stream.once('open', () => {
      stream.off('error', reject);
      resolve(stream);
    });
    stream.once('error', reject);
  });
  let error: Error | null = null;
  file.on('error', (e) => {
    error ??= e;
    onError();
  });
  return {
    out: file,
    get error() {
      return error;
    },
    close: () =>
      new Promise((resolve) => {
        if (error !== null) return resolve(error);
        file.end((e?: Error | null) => resolve(error ?? e ?? null));
      })
  };
}
