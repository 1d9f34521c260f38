/**
 * Missed answer deadlines: every so often, the inbox entries whose deadline passed unanswered are
 * noticed, each once (whichever process notices it first), and their owner's webhooks hear
 * `dig-request.overdue` with the entry.
 */
import { randomUUID } from 'node:crypto';
import type { ConversationStore, InboxEntry, OutboxEvent } from '../store/conversation.js';

/** Entries noticed per round. */
const BATCH = 200;

export function overdueEvent(entry: InboxEntry, at: string): OutboxEvent {
  const id = randomUUID();
  const { overdueAt: _overdueAt, ...rest } = entry;
  const data = { ...rest, answered: false, overdue: true };
  return { id, type: 'dig-request.overdue', createdAt: at, priority: entry.type === 'emergency' ? 1 : 0, owner: entry.owner, requester: null, body: JSON.stringify({ id, type: 'dig-request.overdue', createdAt: at, data }) };
}

export class OverdueSweeper {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly store: ConversationStore,
    private readonly opts: { everyMs: number; onError?: (error: unknown) => void; onNoticed?: () => void; now?: () => Date }
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep().catch((error: unknown) => this.opts.onError?.(error)), this.opts.everyMs);
  }

  /** Notices every entry overdue now; says how many this process noticed. */
  sweep(): Promise<number> {
    if (this.running !== null) return this.running;
    this.running = (async () => {
      let noticed = 0;
      for (;;) {
        const at = (this.opts.now?.() ?? new Date()).toISOString();
        const due = await this.store.dueInboxEntries(at, BATCH);
        for (const entry of due) if (await this.store.noticeOverdue(entry.id, entry.owner, at, overdueEvent(entry, at))) noticed++;
        if (due.length < BATCH) break;
      }
      if (noticed > 0) this.opts.onNoticed?.();
      return noticed;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
