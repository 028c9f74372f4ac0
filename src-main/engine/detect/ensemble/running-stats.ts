/**
 * Exponentially weighted mean and variance. The first 1/alpha values are averaged plainly
 * (Welford-like), so early estimates are not biased toward the zero start. Values are
 * winsorized to mean ± clipSigma·sd before they update the estimate: the thing we measure
 * against should not learn the anomalies it is meant to expose.
 */
export interface RunningStatsState {
  count: number;
  mean: number;
  variance: number;
}

export class RunningStats {
  count = 0;
  mean = 0;
  variance = 0;

  constructor(
    private readonly alpha: number,
    private readonly minSd: number,
    private readonly clipSigma = 6,
  ) {}

  get sd(): number {
    return Math.max(Math.sqrt(this.variance), this.minSd);
  }

  z(x: number): number {
    return (x - this.mean) / this.sd;
  }

  push(x: number): void {
    this.count++;
    let v = x;
    if (this.count > 1 / this.alpha) {
      const bound = this.clipSigma * this.sd;
      v = Math.max(this.mean - bound, Math.min(this.mean + bound, x));
    }
    const rate = Math.max(this.alpha, 1 / this.count);
    const d = v - this.mean;
    this.mean += rate * d;
    this.variance += rate * (d * d * (1 - rate) - this.variance);
  }

  state(): RunningStatsState {
    return { count: this.count, mean: this.mean, variance: this.variance };
  }

  restore(s: RunningStatsState): void {
    this.count = s.count;
    this.mean = s.mean;
    this.variance = s.variance;
  }
}
