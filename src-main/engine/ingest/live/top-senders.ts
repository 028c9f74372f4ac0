/**
 * Per-sender counts in bounded memory (the Space-Saving algorithm): a flood of spoofed UDP source
 * addresses must not grow a map without bound. Counts of heavy senders are exact or slightly high;
 * `error` says by how much at most.
 */
export interface SenderCount {
  sender: string;
  count: number;
  /** Upper bound of the over-count inherited from an evicted sender. */
  error: number;
}

export class TopSenders {
  private readonly counts = new Map<string, { count: number; error: number }>();

  constructor(private readonly capacity = 64) {
    if (!(capacity >= 1)) throw new RangeError(`top-senders capacity must be at least 1 (got ${capacity})`);
  }

  add(sender: string, n = 1): void {
    const entry = this.counts.get(sender);
    if (entry !== undefined) {
      entry.count += n;
      return;
    }
    if (this.counts.size < this.capacity) {
      this.counts.set(sender, { count: n, error: 0 });
      return;
    }
    let minKey = '';
    let min = Infinity;
    for (const [key, e] of this.counts) {
      if (e.count < min) {
        min = e.count;
        minKey = key;
      }
    }
    this.counts.delete(minKey);
    this.counts.set(sender, { count: min + n, error: min });
  }

  top(n: number): SenderCount[] {
    return [...this.counts]
      .map(([sender, e]) => ({ sender, count: e.count, error: e.error }))
      .sort((a, b) => b.count - a.count || a.sender.localeCompare(b.sender))
      .slice(0, n);
  }
}
