/**
 * Readers waiting for something of a batch (its next page of results, or its end), by batch id:
 * woken all at once when it comes, each able to stop waiting on its own.
 */
export class BatchWaiters {
  private readonly byBatch = new Map<string, Set<() => void>>();

  add(id: string, wake: () => void): void {
    let set = this.byBatch.get(id);
    if (set === undefined) this.byBatch.set(id, (set = new Set()));
    set.add(wake);
  }

  remove(id: string, wake: () => void): void {
    const set = this.byBatch.get(id);
    if (set === undefined) return;
    set.delete(wake);
    if (set.size === 0) this.byBatch.delete(id);
  }

  /** Readers waiting for the batch. */
  count(id: string): number {
    return this.byBatch.get(id)?.size ?? 0;
  }

  /** Wakes every reader waiting for the batch. */
  wake(id: string): void {
    const set = this.byBatch.get(id);
    if (set === undefined) return;
    this.byBatch.delete(id);
    for (const wake of set) wake();
  }

  /** Wakes every reader of every batch (the service is stopping). */
  wakeAll(): void {
    for (const id of [...this.byBatch.keys()]) this.wake(id);
  }
}
