const EMPTY = new Float64Array(0);

/**
 * Largest number of events inside any window of `windowMs` (a "burst"), kept incrementally.
 * A ring of timestamps; events arrive in (near) time order, so the oldest entries fall off the
 * front. The ring is capped: beyond the cap the burst is already far above any threshold.
 */
export class SlidingMaxCount {
  /** Made on the first timestamp: most groups never see the 4xx or 5xx a ring counts. */
  private ring: Float64Array = EMPTY;
  private head = 0;
  private len = 0;
  max = 0;

  constructor(
    private readonly windowMs: number = 60_000,
    private readonly cap: number = 4096,
  ) {}

  add(ts: number, weight = 1): void {
    for (let w = 0; w < weight; w++) this.addOne(ts);
  }

  private addOne(ts: number): void {
    while (this.len > 0 && ts - (this.ring[this.head] as number) >= this.windowMs) {
      this.head = (this.head + 1) % this.ring.length;
      this.len--;
    }
    if (this.len === this.cap) {
      // Saturated: drop the oldest so memory stays bounded; max already reflects the cap.
      this.head = (this.head + 1) % this.ring.length;
      this.len--;
    }
    if (this.len === this.ring.length) this.grow();
    this.ring[(this.head + this.len) % this.ring.length] = ts;
    this.len++;
    if (this.len > this.max) this.max = this.len;
  }

  private grow(): void {
    const next = new Float64Array(Math.min(Math.max(8, this.ring.length * 2), this.cap));
    for (let i = 0; i < this.len; i++) next[i] = this.ring[(this.head + i) % this.ring.length] as number;
    this.ring = next;
    this.head = 0;
  }
}
