/**
 * The batches waiting to run, by planner, and which runs next: among the planners that may run
 * another batch now, the one served longest ago (round robin), its oldest waiting batch. A
 * planner with a hundred batches waiting delays another's batch by one of them, not a hundred.
 */
export class FairQueue {
  /** Waiting batch ids by planner, oldest first; a planner leaves the map when it has none. */
  private readonly waiting = new Map<string, string[]>();
  /** When each planner last had a batch taken (a tick of this queue). */
  private readonly served = new Map<string, number>();
  private ticks = 0;
  private total = 0;

  get size(): number {
    return this.total;
  }

  /** Batches of a planner waiting. */
  of(planner: string): number {
    return this.waiting.get(planner)?.length ?? 0;
  }

  push(planner: string, id: string): void {
    const ids = this.waiting.get(planner);
    if (ids === undefined) this.waiting.set(planner, [id]);
    else ids.push(id);
    this.total++;
  }

  /** Takes a waiting batch out of the queue; false when it is not there. */
  remove(planner: string, id: string): boolean {
    const ids = this.waiting.get(planner);
    const at = ids?.indexOf(id) ?? -1;
    if (ids === undefined || at < 0) return false;
    ids.splice(at, 1);
    if (ids.length === 0) this.waiting.delete(planner);
    this.total--;
    return true;
  }

  /** The next batch to run, taken out of the queue; undefined when no planner that may run one has one waiting. */
  take(mayRun: (planner: string) => boolean): { planner: string; id: string } | undefined {
    let best: string | undefined;
    let bestTick = Infinity;
    // Planners never served come first, in the order they began to wait (the map's order).
    for (const planner of this.waiting.keys()) {
      const tick = this.served.get(planner) ?? -1;
      if (tick < bestTick && mayRun(planner)) {
        best = planner;
        bestTick = tick;
      }
    }
    if (best === undefined) return undefined;
    const ids = this.waiting.get(best) as string[];
    const id = ids.shift() as string;
    if (ids.length === 0) this.waiting.delete(best);
    this.total--;
    this.served.set(best, ++this.ticks);
    return { planner: best, id };
  }
}
