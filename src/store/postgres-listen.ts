/**
 * Changes between replicas: a write that changes what replicas keep in memory sends
 * `pg_notify(CHANGES_CHANNEL, change)` in its own transaction, so the change is heard only once it
 * is committed; every store keeps one dedicated connection LISTENing on the channel. On connecting
 * and on every reconnection it listens first and then says `resync` (what was sent while it was
 * away is lost, so its listeners read everything again): a missed notification never leaves a
 * replica stale. Reconnections back off from 100 ms to 5 s and go on until the store is closed;
 * errors of this connection are reported, never thrown.
 */
import pg from 'pg';
import type { Sql } from './postgres-db.js';
import type { StoreChange } from './store.js';

export const CHANGES_CHANNEL = 'ler_changes';

/** Sends a change in the caller's transaction: heard by every listener once (and only if) it commits. */
export async function notifyChange(q: Sql, change: Exclude<StoreChange, { kind: 'resync' }>): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, JSON.stringify(change)]);
}

/** A payload as sent by notifyChange; null for anything else on the channel. */
export function parseChange(payload: string | undefined): StoreChange | null {
  if (payload === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object') return null;
  const c = value as Record<string, unknown>;
  switch (c.kind) {
    case 'version':
      return typeof c.owner === 'string' && Number.isInteger(c.version) ? { kind: 'version', owner: c.owner, version: c.version as number } : null;
    case 'owner-removed':
    case 'interest-areas':
    case 'profile':
      return typeof c.owner === 'string' ? { kind: c.kind, owner: c.owner } : null;
    case 'key':
      return typeof c.hash === 'string' ? { kind: 'key', hash: c.hash } : null;
    default:
      return null;
  }
}

export interface ChangeListenerOptions {
  connectionString: string;
  /** Told of every change heard, and of `resync` after each (re)connection. */
  onChange: (change: StoreChange) => void;
  /** Told of the connection's errors (it reconnects by itself). */
  onError?: (error: Error) => void;
  /** First and longest wait before reconnecting; default 100 ms and 5 s. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How often the connection is asked to answer (`SELECT 1`), and how long it may take to connect
   * or answer, ms; default 5 s and 5 s. A connection that does not answer in time is taken as lost
   * (a host gone without a reset would otherwise look alive for minutes, its notices lost).
   */
  heartbeatMs?: number;
  timeoutMs?: number;
}

/** The listening connections' application_name (pg_stat_activity tells them apart by it). */
export const LISTENER_NAME = 'ler-engine changes';

export class ChangeListener {
  private client: pg.Client | null = null;
  private closed = false;
  private delay: number;
  private timer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  /** Whether the connection is up and listening: changes are heard. */
  listening = false;

  constructor(private readonly opts: ChangeListenerOptions) {
    this.delay = opts.minDelayMs ?? 100;
  }

  /** Connects (once; later attempts go on in the background); resolves when that first attempt ended, whatever its outcome. */
  start(): Promise<void> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const client = new pg.Client({ connectionString: this.opts.connectionString, keepAlive: true, keepAliveInitialDelayMillis: 10_000, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: LISTENER_NAME });
    this.client = client;
    let lost = false;
    let heartbeat: NodeJS.Timeout | null = null;
    const onLost = (error?: Error): void => {
      if (lost) return;
      lost = true;
      this.listening = false;
      if (heartbeat !== null) clearInterval(heartbeat);
      if (error !== undefined) this.opts.onError?.(error);
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (this.client === client) this.client = null;
      this.retry();
    };
    client.on('error', (error) => onLost(error));
    client.on('end', () => onLost());
    client.on('notification', (msg) => {
      if (msg.channel !== CHANGES_CHANNEL) return;
      const change = parseChange(msg.payload);
      if (change !== null) this.opts.onChange(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (lost) return;
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.listening = true;
    this.delay = this.opts.minDelayMs ?? 100;
    heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: unknown) => onLost(error as Error));
    }, this.opts.heartbeatMs ?? 5000);
    heartbeat.unref();
    this.opts.onChange({ kind: 'resync' });
  }

  private retry(): void {
    if (this.closed || this.timer !== null) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.opts.maxDelayMs ?? 5000);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, wait);
    this.timer.unref();
  }

  /** The backend process id of the listening connection (null while disconnected); for tests. */
  async backendPid(): Promise<number | null> {
    const client = this.client;
    if (client === null || !this.listening) return null;
    const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    return r.rows[0].pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const client = this.client;
    this.client = null;
    if (client !== null) {
      client.removeAllListeners('notification');
      await client.end().catch(() => {});
    }
  }
}
