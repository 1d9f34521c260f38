/**
 * Progress on stderr. On a terminal: one line redrawn in place (a bar, done and total, rate, time
 * to go), at most ten times a second, cleared at the end. Otherwise (a pipe, a log file): plain
 * lines, one each time another tenth is done or at most one a second when the total is unknown
 * or slow to move; never a carriage return or an escape code.
 */
import type { Writable } from 'node:stream';

export interface ProgressOptions {
  /** What is going on, e.g. `import dk-el`. */
  label: string;
  /** Units of `done` and `total`: bytes are shown in MB. */
  unit: 'bytes' | 'areas';
  /** Redraw in place; default: the stream is a terminal. */
  tty?: boolean;
}

const REDRAW_MS = 100;
const LINE_MS = 1000;

export class Progress {
  private readonly start = performance.now();
  private last = -Infinity;
  private lastTenth = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly stream: Writable & { isTTY?: boolean; columns?: number },
    private readonly opts: ProgressOptions
  ) {
    this.tty = opts.tty ?? stream.isTTY === true;
  }

  /** Reports how far along; `extra` is shown after the counts (e.g. features read). */
  update(done: number, total: number | null, extra = ''): void {
    const now = performance.now();
    const known = total !== null && total > 0;
    const tenth = known ? Math.min(10, Math.floor((done / total) * 10)) : 0;
    if (this.tty) {
      if (now - this.last < REDRAW_MS) return;
    } else if (!(tenth > this.lastTenth && tenth < 10) && now - this.last < LINE_MS) {
      return;
    }
    this.last = now;
    this.lastTenth = Math.max(this.lastTenth, tenth);
    const line = this.line(done, known ? total : null, extra, (now - this.start) / 1000);
    if (this.tty) {
      // A terminal that does not say its width (columns 0) gets 100.
      const columns = this.stream.columns ?? 0;
      const width = columns >= 20 ? columns - 1 : 100;
      this.stream.write(`\r\x1b[K${line.slice(0, width)}`);
      this.drawn = true;
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /**
   * Ends the progress: on a terminal the line drawn in place is cleared (the caller prints its
   * own summary); in a log, the final count is written as a last line when it is given.
   */
  finish(final?: { done: number; total: number | null; extra?: string }): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
    if (!this.tty && final !== undefined) {
      const seconds = (performance.now() - this.start) / 1000;
      this.stream.write(`${this.line(final.done, final.total !== null && final.total > 0 ? final.total : null, final.extra ?? '', seconds)}\n`);
    }
  }

  private line(done: number, total: number | null, extra: string, seconds: number): string {
    const rate = seconds > 0 ? done / seconds : 0;
    const amount = (n: number): string => (this.opts.unit === 'bytes' ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n)}`);
    const parts: string[] = [];
    if (total !== null) {
      const pct = Math.min(100, (done / total) * 100);
      const bar = this.tty ? ` [${'#'.repeat(Math.round(pct / 5)).padEnd(20, '.')}]` : '';
      parts.push(`${this.opts.label}${bar} ${pct.toFixed(0)}% ${amount(done)} of ${amount(total)}`);
    } else {
      parts.push(`${this.opts.label} ${amount(done)}`);
    }
    if (extra) parts.push(extra);
    parts.push(this.opts.unit === 'bytes' ? `${(rate / 1e6).toFixed(1)} MB/s` : `${Math.round(rate)} areas/s`);
    if (total !== null && rate > 0 && done < total) parts.push(`ETA ${formatSeconds((total - done) / rate)}`);
    else parts.push(`${formatSeconds(seconds)} elapsed`);
    return parts.join(', ');
  }
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
