/**
 * Messages per second over a sliding window of 100 ms slots, cheap enough per message. The rate is
 * the last full second (sliding, so it moves with the traffic rather than with a ten-second mean),
 * and the peak is the busiest second anywhere in the window: a burst that came in under 0.1 s
 * reads as what it was, and stays visible for the window's length after it ended.
 */
const SLOT_MS = 100;
const SLOTS_PER_SECOND = 1000 / SLOT_MS;

export class RateMeter {
  private readonly counts: Float64Array;
  private readonly stamps: Float64Array;
  private readonly slots: number;

  constructor(windowSeconds = 10) {
    if (!(windowSeconds >= 1)) throw new RangeError(`rate window must be at least 1 s (got ${windowSeconds})`);
    this.slots = Math.round(windowSeconds * SLOTS_PER_SECOND) + 1;
    this.counts = new Float64Array(this.slots);
    this.stamps = new Float64Array(this.slots).fill(-1);
  }

  add(count: number, nowMs: number): void {
    const slot = Math.floor(nowMs / SLOT_MS);
    const i = slot % this.slots;
    if (this.stamps[i] !== slot) {
      this.stamps[i] = slot;
      this.counts[i] = 0;
    }
    this.counts[i]! += count;
  }

  /** Messages in the last full second (the current, partial slot left out so it does not sag). */
  rate(nowMs: number): number {
    const now = Math.floor(nowMs / SLOT_MS);
    let total = 0;
    for (let s = now - SLOTS_PER_SECOND; s < now; s++) total += this.at(s);
    return total;
  }

  /** The busiest second (any 1 s span of whole slots) within the window. */
  peak(nowMs: number): number {
    const now = Math.floor(nowMs / SLOT_MS);
    const first = now - this.slots + 1;
    let sum = 0;
    let best = 0;
    for (let s = first; s < now; s++) {
      sum += this.at(s);
      if (s - SLOTS_PER_SECOND >= first) sum -= this.at(s - SLOTS_PER_SECOND);
      if (sum > best) best = sum;
    }
    return best;
  }

  private at(slot: number): number {
    const i = ((slot % this.slots) + this.slots) % this.slots;
    return this.stamps[i] === slot ? this.counts[i]! : 0;
  }
}
