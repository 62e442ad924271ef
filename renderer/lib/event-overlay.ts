/**
 * The changes the event stream made to one list while a fetch of that list was on its way, so
 * that the fetch's answer, which the server may have read before those changes, cannot undo
 * them: the answer is laid under every change that arrived after the fetch began. (A change
 * that arrived before the fetch began is in the answer, or something newer is.)
 *
 * This replaces cancelling and re-issuing the fetch on every event, which a long, dense burst
 * of events (download progress, say) could keep from ever completing.
 */
export class EventOverlay<T> {
  private readonly changes = new Map<string, { at: number; item: T | null }>();
  /** start times of the fetches on their way */
  private readonly inFlight = new Map<number, number>();
  private nextFetch = 0;

  constructor(
    private readonly keyOf: (item: T) => string,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The event stream set `key` to `item` (null: removed). Kept only while a fetch is on its way. */
  note(key: string, item: T | null): void {
    if (this.inFlight.size === 0) return;
    this.changes.delete(key); // re-inserted last: the map stays in arrival order
    this.changes.set(key, { at: this.now(), item });
  }

  /** Runs a list fetch and returns its answer with the changes noted since it began applied over it. */
  async fetch(load: () => Promise<T[]>): Promise<T[]> {
    const id = this.nextFetch++;
    const since = this.now();
    this.inFlight.set(id, since);
    try {
      return this.overlay(await load(), since);
    } finally {
      this.inFlight.delete(id);
      this.prune();
    }
  }

  /**
   * Runs a request answered with one item (a start, a stop, an edit) and returns that item as it
   * stands: a change the event stream delivered for it after the request began is at least as
   * new as the answer, which the server wrote before sending it, so the change wins (null: the
   * item was removed meanwhile). A command that fails at once, for one, reports `failed` on the
   * stream before the browser has read the start's `running` answer.
   */
  async fetchOne(load: () => Promise<T | undefined>): Promise<T | null | undefined> {
    const id = this.nextFetch++;
    const since = this.now();
    this.inFlight.set(id, since);
    try {
      const item = await load();
      if (item === undefined) return item;
      const change = this.changes.get(this.keyOf(item));
      return change && change.at >= since ? change.item : item;
    } finally {
      this.inFlight.delete(id);
      this.prune();
    }
  }

  private overlay(list: T[], since: number): T[] {
    const newer = new Map<string, T | null>();
    for (const [key, change] of this.changes) if (change.at >= since) newer.set(key, change.item);
    if (newer.size === 0) return list;
    const out: T[] = [];
    for (const item of list) {
      const key = this.keyOf(item);
      if (!newer.has(key)) out.push(item);
      else {
        const changed = newer.get(key)!;
        newer.delete(key);
        if (changed !== null) out.push(changed);
      }
    }
    for (const item of newer.values()) if (item !== null) out.push(item);
    return out;
  }

  /** Changes older than every fetch still on its way are in those fetches' answers: drop them. */
  private prune(): void {
    if (this.inFlight.size === 0) {
      this.changes.clear();
      return;
    }
    const oldest = Math.min(...this.inFlight.values());
    for (const [key, change] of this.changes) if (change.at < oldest) this.changes.delete(key);
  }
}
