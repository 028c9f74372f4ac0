/** Messages per second over a sliding window of one-second buckets, cheap enough per message. */
export class RateMeter {
  private readonly buckets: Float64Array;
  private readonly stamps: Float64Array;

  constructor(private readonly windowSeconds = 10) {
    if (!(windowSeconds >= 1)) throw new RangeError(`rate window must be at least 1 s (got ${windowSeconds})`);
    this.buckets = new Float64Array(windowSeconds);
    this.stamps = new Float64Array(windowSeconds).fill(-1);
  }

  add(count: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const i = second % this.windowSeconds;
    if (this.stamps[i] !== second) {
      this.stamps[i] = second;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += count;
  }

  /**
   * The mean over the last full seconds; the current, partial second is left out so the figure
   * does not sag at the start of every second.
   */
  rate(nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    const span = this.windowSeconds - 1;
    let total = 0;
    for (let i = 0; i < this.windowSeconds; i++) {
      const s = this.stamps[i]!;
      if (s < now && s >= now - span) total += this.buckets[i]!;
    }
    return span > 0 ? total / span : total;
  }
}
