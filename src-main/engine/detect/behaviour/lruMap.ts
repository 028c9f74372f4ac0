/**
 * A Map that forgets its least recently touched entries beyond a capacity. JS Maps iterate in
 * insertion order, so re-inserting on touch keeps the stalest entries at the front. Re-inserting
 * on every event was the hottest line of the engine, so a touch only moves an entry when it was
 * last moved more than `granularityMs` of event time ago: eviction order is LRU to within that.
 */
interface Slot<V> {
  value: V;
  moved: number;
}

export class LruMap<K, V> {
  private readonly map = new Map<K, Slot<V>>();

  constructor(
    private readonly capacity: number,
    private readonly granularityMs = 60_000,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  /** Get and mark as used at event time `now`. */
  touch(key: K, now: number): V | undefined {
    const slot = this.map.get(key);
    if (slot === undefined) return undefined;
    if (now - slot.moved >= this.granularityMs) {
      this.map.delete(key);
      slot.moved = now;
      this.map.set(key, slot);
    }
    return slot.value;
  }

  set(key: K, value: V, now: number): void {
    this.map.delete(key);
    this.map.set(key, { value, moved: now });
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next().value as K;
      this.map.delete(oldest);
    }
  }

  /** Oldest first. */
  *entries(): IterableIterator<[K, V]> {
    for (const [k, s] of this.map) yield [k, s.value];
  }
}
