/**
 * The empirical upper tail of a score in [0, 1] (Half-Space Trees' log-mass score), so the
 * channel can report a calibrated surprisal like the others. Scores are binned; the tail
 * probability of s is (events scoring at or above s's bin + 1) / (events + 1), the +1 keeping
 * a never-seen extreme finite (it reads as "rarer than everything so far"). Counts are halved
 * when the total reaches `maxTotal`, so the reference follows a changing mix, and the halving
 * is at a fixed count, so replays halve at the same event.
 */
export interface ScoreTailState {
  counts: number[];
  total: number;
}

export class ScoreTail {
  private counts: Float64Array;
  /** counts[i] + counts[i+1] + …, rebuilt lazily after pushes. */
  private suffix: Float64Array;
  private total = 0;
  private dirty = true;

  constructor(
    private readonly bins = 512,
    private readonly maxTotal = 1 << 20,
  ) {
    this.counts = new Float64Array(bins);
    this.suffix = new Float64Array(bins + 1);
  }

  private bin(s: number): number {
    const b = Math.floor(s * this.bins);
    return b < 0 ? 0 : b >= this.bins ? this.bins - 1 : b;
  }

  push(s: number): void {
    this.counts[this.bin(s)]! += 1;
    this.total++;
    this.dirty = true;
    if (this.total >= this.maxTotal) {
      this.total = 0;
      for (let i = 0; i < this.bins; i++) {
        const h = Math.floor(this.counts[i]! / 2);
        this.counts[i] = h;
        this.total += h;
      }
    }
  }

  /**
   * −ln P(the highest of `events` scores ≥ s), taking the events as independent draws:
   * the maximum of k draws exceeds a level k times as often as one draw does.
   */
  surprisal(s: number, events: number): number {
    if (this.dirty) {
      for (let i = this.bins - 1; i >= 0; i--) this.suffix[i] = this.suffix[i + 1]! + this.counts[i]!;
      this.dirty = false;
    }
    const p = ((this.suffix[this.bin(s)]! + 1) / (this.total + 1)) * Math.max(1, events);
    return p >= 1 ? 0 : -Math.log(p);
  }

  get size(): number {
    return this.total;
  }

  state(): ScoreTailState {
    return { counts: Array.from(this.counts), total: this.total };
  }

  restore(s: ScoreTailState): void {
    this.counts = Float64Array.from(s.counts);
    this.total = s.total;
    this.dirty = true;
  }
}
