/**
 * A bounded reorder buffer on event time: events go in as they arrive, and come out in (time, id)
 * order once the watermark has passed them. The watermark is the latest time seen less the
 * allowed lateness, so a line written a little after a later one (Apache logs a request when it
 * ends) takes its place in time before any detector sees it.
 *
 * A line that arrives after the watermark has already passed its time (later than the lateness
 * allows) cannot be put back in order: it comes out at once, with the next release, before the
 * lines released with it, and is counted as late. The detectors score it as it is, at its own time:
 * windows and sessions that already closed stay closed, so it can open a short one of its own.
 * That is the price of one pass; `detect.rerun` passes over the stored case in order.
 *
 * Events without a time sort where they arrived (at the latest time seen so far).
 */
export interface Timed {
  ts: number | null;
  id: number;
}

/** How late a line may be, by default: real logs are out of order by seconds, rarely minutes. */
export const DEFAULT_LATENESS_MS = 5 * 60_000;

export class ReorderBuffer<T extends Timed> {
  /** A binary min-heap on (key, id). */
  private readonly heap: T[] = [];
  private readonly keys: number[] = [];
  private maxTs = -Infinity;
  /** The time of the last event released in order: anything earlier is late. */
  private releasedTs = -Infinity;
  /** Events that came too late to be put in order. */
  late = 0;

  constructor(readonly latenessMs: number = DEFAULT_LATENESS_MS) {}

  /** Events held, waiting for the watermark. */
  get held(): number {
    return this.heap.length;
  }

  /** Take events in arrival order; returns those the watermark has passed, in time order. */
  push(events: readonly T[]): T[] {
    const out: T[] = [];
    for (const e of events) {
      const key = e.ts ?? (Number.isFinite(this.maxTs) ? this.maxTs : -Infinity);
      if (key < this.releasedTs) {
        this.late++;
        out.push(e);
        continue;
      }
      if (key > this.maxTs) this.maxTs = key;
      this.insert(e, key);
    }
    this.releaseUntil(this.maxTs - this.latenessMs, out);
    return out;
  }

  /** Everything still held, in time order (the end of a feed). */
  flush(): T[] {
    const out: T[] = [];
    this.releaseUntil(Infinity, out);
    return out;
  }

  private releaseUntil(watermark: number, out: T[]): void {
    while (this.heap.length > 0 && this.keys[0]! <= watermark) {
      this.releasedTs = this.keys[0]!;
      out.push(this.pop());
    }
  }

  private less(i: number, j: number): boolean {
    const a = this.keys[i]!;
    const b = this.keys[j]!;
    return a < b || (a === b && this.heap[i]!.id < this.heap[j]!.id);
  }

  private swap(i: number, j: number): void {
    const e = this.heap[i]!;
    this.heap[i] = this.heap[j]!;
    this.heap[j] = e;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }

  private insert(e: T, key: number): void {
    this.heap.push(e);
    this.keys.push(key);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): T {
    const top = this.heap[0]!;
    const last = this.heap.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.less(l, m)) m = l;
        if (r < this.heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
