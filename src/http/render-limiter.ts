/**
 * How many package maps are drawn at once. Drawing a PNG takes a core for a while, so one key may
 * have at most `perKey` maps being drawn (or waiting to be); past that it is told 429
 * RENDER_LIMITED at once. The whole service draws at most `running` at once; others wait in a
 * queue of at most `queued`, in the order they came, and past that are told 503 OVERLOADED. A
 * map served from the store never comes here.
 */
import { ProblemError } from './problem.js';

export interface RenderLimits {
  perKey: number;
  running: number;
  queued: number;
  /** Retry-After of a 503, seconds. */
  retryAfterSeconds: number;
}

/** A place taken: `ready` resolves when the render may start; `release` gives the place back (once). */
export interface RenderTicket {
  ready: Promise<void>;
  release: () => void;
}

export class RenderLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly perKey = new Map<string, number>();

  constructor(private readonly limits: RenderLimits) {}

  /** Renders being drawn or waiting, service-wide. */
  get depth(): { running: number; queued: number } {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Takes a place for one render of `key`, or throws 429 (this key has too many) or 503 (the queue is full). */
  reserve(key: string): RenderTicket {
    const mine = this.perKey.get(key) ?? 0;
    if (mine >= this.limits.perKey) {
      throw new ProblemError('RENDER_LIMITED', { detail: `At most ${this.limits.perKey} package maps are drawn at once for one key.`, headers: { 'retry-after': '1' } });
    }
    const free = this.running < this.limits.running;
    if (!free && this.waiting.length >= this.limits.queued) {
      throw new ProblemError('OVERLOADED', { detail: `${this.limits.running} package maps are being drawn and ${this.limits.queued} wait.`, headers: { 'retry-after': String(this.limits.retryAfterSeconds) } });
    }
    this.perKey.set(key, mine + 1);
    let started = free;
    let start: (() => void) | null = null;
    let ready: Promise<void>;
    if (free) {
      this.running++;
      ready = Promise.resolve();
    } else {
      ready = new Promise((resolve) => {
        start = () => {
          started = true;
          resolve();
        };
        this.waiting.push(start);
      });
    }
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const left = (this.perKey.get(key) ?? 1) - 1;
      if (left > 0) this.perKey.set(key, left);
      else this.perKey.delete(key);
      if (!started) {
        // Given up while waiting: it leaves the queue, and no place was held.
        const at = start === null ? -1 : this.waiting.indexOf(start);
        if (at >= 0) this.waiting.splice(at, 1);
        return;
      }
      // The place goes to the first waiting render, if any.
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.running--;
    };
    return { ready, release };
  }
}
