import type { AnomalyDetector } from './detector';
import { constantPart } from './holt-winters';
import { logLikelihoodRatio } from './tail';

/**
 * Two-sided CUSUM (Page 1954) on one count series, in its likelihood-ratio form.
 *
 * Each bucket's count x is compared with a slow EMA baseline m under the same negative
 * binomial as Holt-Winters (dispersion φ supplied by the caller), against two alternatives:
 * the rate multiplied by `upRatio` and by `downRatio`:
 *   S+ = max(0, S+ + ln P(x | upRatio·m) / P(x | m)),   S- likewise with downRatio.
 * score(x) is max(S+, S-) after folding x in, in nats.
 *
 * The drift is built in: under the baseline each increment has mean −KL < 0, so the sums hug
 * zero; a sum above h restarts at the first bucket whose ratio favours the baseline (the
 * anomaly is over, and the next one should be seen from zero), and a ratio e^h is the evidence Lorden's bound turns into a false-alarm rate of about
 * one per e^h buckets — the same scale as the other channels. What the textbook chart on z
 * could not do: a silence of a clustered source is only ~1 sd per empty minute, and with a
 * restart at the alarm the evidence was capped at h, so a ten-minute outage never looked
 * stronger than a two-minute lull. Here every empty minute adds −ln P(0) (a few nats for a
 * quiet 4 a.m. service, tens for a busy one) and nothing caps the sum while the outage lasts.
 *
 * The baseline learns from values clipped to ±clipSigma·sd, and not at all while the downward
 * sum is above h: otherwise a silence teaches the baseline that silence is normal and the
 * evidence per empty bucket fades within minutes. After `maxAlarmBuckets` in alarm the drop is
 * taken as the new normal and the baseline learns again.
 *
 * A count with a constant part c (Holt-Winters' floor, passed in as `offset`, with ψ the
 * dispersion of the count above it) is judged on the way up as c + Y: the alternative
 * multiplies the rate of Y, and the ratio is that of Y with dispersion ψ, as in
 * holt-winters.ts. The downward side stays the plain model with φ (a silence takes the
 * constant part with it, and it is the cautious side). Upward alarms do not freeze it: an
 * entity's traffic comes in on/off stretches, and a frozen baseline let every stretch ratchet
 * the upward sum higher; the clip already keeps one burst from dragging the baseline along.
 */
export interface CusumConfig {
  /** Rate multipliers of the two alternatives: what "a change" means up and down. */
  upRatio: number;
  downRatio: number;
  /** Whether drops are watched at all (see EnsembleConfig.silenceKinds). */
  downward: boolean;
  /** h, in nats: where a sum counts as an alarm (baseline frozen) and the timeline's line. */
  threshold: number;
  baselineAlpha: number;
  warmupBuckets: number;
  clipSigma: number;
  maxAlarmBuckets: number;
  /**
   * The baseline is floored at this many events per bucket when judging: for a sparser series
   * the per-bucket likelihood ratios drift down so slowly that a few ordinary clusters of
   * lines add up to an alarm.
   */
  minRate: number;
}

export const DEFAULT_CUSUM: CusumConfig = {
  upRatio: 3,
  downRatio: 0.2,
  downward: true,
  threshold: 5,
  baselineAlpha: 0.05,
  warmupBuckets: 10,
  clipSigma: 4,
  maxAlarmBuckets: 60,
  minRate: 1,
};

export interface CusumState {
  mean: number;
  seen: number;
  high: number;
  low: number;
  /** Consecutive buckets with the downward sum above h. */
  alarmRun: number;
}

/**
 * One observation: the count and the dispersion to judge it with; optionally a constant part
 * and the dispersion of the count above it (default: none).
 */
export interface CountObservation {
  count: number;
  dispersion: number;
  offset?: number;
  excessDispersion?: number;
}

export class Cusum implements AnomalyDetector<CountObservation, CusumState> {
  private mean = 0;
  private seen = 0;
  private high = 0;
  private low = 0;
  private alarmRun = 0;
  private nextHigh = 0;
  private nextLow = 0;

  /** @param startWarm as for Holt-Winters: a key first seen late starts from a zero baseline. */
  constructor(
    private readonly config: CusumConfig = DEFAULT_CUSUM,
    startWarm = false,
  ) {
    if (startWarm) this.seen = config.warmupBuckets;
  }

  get warm(): boolean {
    return this.seen >= this.config.warmupBuckets;
  }

  /** True while either sum is above h (the bucket is no calibration sample for biDSPOT then). */
  get alarming(): boolean {
    return this.high > this.config.threshold || this.low > this.config.threshold;
  }

  /** True while the downward sum is above h: an outage (the series' dispersion should not learn then). */
  get falling(): boolean {
    return this.low > this.config.threshold;
  }

  get baseline(): number {
    return this.mean;
  }

  get sums(): { high: number; low: number } {
    return { high: this.high, low: this.low };
  }

  /** Computes the sums x would lead to into nextHigh/nextLow; returns the larger. */
  private fold(x: number, dispersion: number, offset: number, excessDispersion: number): number {
    const c = this.config;
    const m = Math.max(this.mean, c.minRate);
    const k = constantPart(offset, m, excessDispersion);
    const up = k > 0 ? logLikelihoodRatio(x - k, m - k, c.upRatio, excessDispersion) : logLikelihoodRatio(x, m, c.upRatio, dispersion);
    const down = c.downward ? logLikelihoodRatio(x, m, c.downRatio, dispersion) : 0;
    // An alarm ends when a bucket favours the baseline again: a 240-line burst leaves hundreds of
    // nats that would take hours to drain at a fraction of a nat per ordinary bucket.
    this.nextHigh = this.high > c.threshold && up < 0 ? 0 : Math.max(0, this.high + up);
    this.nextLow = this.low > c.threshold && down < 0 ? 0 : Math.max(0, this.low + down);
    return this.nextHigh > this.nextLow ? this.nextHigh : this.nextLow;
  }

  score(x: CountObservation): number | null {
    return this.scoreCount(x.count, x.dispersion, x.offset, x.excessDispersion);
  }

  learn(x: CountObservation): void {
    this.learnCount(x.count, x.dispersion, x.offset, x.excessDispersion);
  }

  /** score() without an observation object. */
  scoreCount(x: number, dispersion: number, offset = 0, excessDispersion = dispersion): number | null {
    return this.warm ? this.fold(x, dispersion, offset, excessDispersion) : null;
  }

  /** Same as scoreCount(x) then learnCount(x), folding once (the per-bucket path). */
  scoreAndLearnCount(x: number, dispersion: number, offset = 0, excessDispersion = dispersion): number | null {
    const s = this.warm ? this.fold(x, dispersion, offset, excessDispersion) : null;
    this.update(x, dispersion, s !== null);
    return s;
  }

  learnCount(x: number, dispersion: number, offset = 0, excessDispersion = dispersion): void {
    const warm = this.warm;
    if (warm) this.fold(x, dispersion, offset, excessDispersion);
    this.update(x, dispersion, warm);
  }

  private update(x: number, dispersion: number, folded: boolean): void {
    const c = this.config;
    if (folded) {
      this.high = this.nextHigh;
      this.low = this.nextLow;
      if (this.low > c.threshold) {
        this.alarmRun++;
        if (this.alarmRun <= c.maxAlarmBuckets) {
          this.seen++;
          return;
        }
      } else this.alarmRun = 0;
    }
    this.seen++;
    if (this.seen === 1) {
      this.mean = x;
      return;
    }
    const sd = Math.sqrt(dispersion * Math.max(this.mean, 1));
    const clipped = Math.max(this.mean - c.clipSigma * sd, Math.min(this.mean + c.clipSigma * sd, x));
    const rate = this.seen <= c.warmupBuckets ? 1 / this.seen : c.baselineAlpha;
    this.mean += rate * (clipped - this.mean);
  }

  state(): CusumState {
    return { mean: this.mean, seen: this.seen, high: this.high, low: this.low, alarmRun: this.alarmRun };
  }

  restore(s: CusumState): void {
    this.mean = s.mean;
    this.seen = s.seen;
    this.high = s.high;
    this.low = s.low;
    this.alarmRun = s.alarmRun;
  }
}
