import type { AnomalyDetector } from './detector';
import { fitGpd, shrinkShape, spotQuantile, type GpdFit } from './gpd';

/**
 * biDSPOT (Siffer et al., KDD 2017): drift-aware, bidirectional Streaming Peaks-Over-Threshold.
 *
 * - Drift: every value is judged relative to the mean M of the last `depth` normal values
 *   (x' = x - M); thresholds reported to callers are back in x units (M + z).
 * - Calibration: the first `depth` values only fill the drift window; the next `nInit` give
 *   the initial thresholds t (quantile `initLevel`, and 1 - initLevel for the lower tail) and a
 *   GPD fit of the excesses, hence z_q for risk q (see gpd.ts, including its fallbacks).
 * - Streaming: beyond z_q is an alarm and is *not* learned (the model describes normal data);
 *   between t and z_q is a new peak, the GPD is refitted and z_q moves; otherwise only n and
 *   the drift window advance.
 * Peaks are bounded (oldest dropped first) so state stays small on a year-long stream.
 */
export interface SpotConfig {
  q: number;
  nInit: number;
  depth: number;
  initLevel: number;
  minPeaks: number;
  maxPeaks: number;
  /** Refit once the peaks added since the last fit reach this fraction of all peaks. */
  refitFraction: number;
  /**
   * Prior sd of the GPD shape around 0 (gpd.ts shrinkShape); 0 = plain maximum likelihood.
   * The scores thresholded here are calibrated surprisals, whose maxima have an exponential
   * tail (shape 0) in theory; 0.1 lets a few hundred peaks establish a heavier one, while a few
   * dozen cannot.
   */
  shapePriorSd?: number;
}

/**
 * Tuned for one sample per bucket (1-min buckets) that starts once the seasons are decided:
 * a 20-minute drift window, then 100 calibration values. The initial threshold sits at the
 * 90th percentile, so the first fit has 10 peaks instead of 5; z_q lies far above t anyway.
 */
export const DEFAULT_SPOT: SpotConfig = {
  q: 1e-4,
  nInit: 100,
  depth: 20,
  initLevel: 0.9,
  minPeaks: 10,
  maxPeaks: 1000,
  refitFraction: 0.02,
  shapePriorSd: 0.1,
};

export type SpotAlarm = 'up' | 'down' | null;

export interface SpotVerdict {
  /** Thresholds that applied to this value, in x units; null during calibration. */
  upper: number | null;
  lower: number | null;
  alarm: SpotAlarm;
}

interface Tail {
  t: number;
  z: number;
  peaks: number[];
  fit: GpdFit | null;
  /** Peaks added since the last fit. */
  pending: number;
}

export interface SpotState {
  window: number[];
  head: number;
  windowSum: number;
  calibration: number[] | null;
  n: number;
  up: Tail | null;
  down: Tail | null;
}

export class BiDSpot implements AnomalyDetector<number, SpotState> {
  private window: number[] = [];
  private head = 0;
  private windowSum = 0;
  private calibration: number[] | null = [];
  private n = 0;
  private up: Tail | null = null;
  private down: Tail | null = null;

  constructor(private readonly config: SpotConfig = DEFAULT_SPOT) {}

  get calibrated(): boolean {
    return this.up !== null;
  }

  private drift(): number {
    return this.window.length === 0 ? 0 : this.windowSum / this.window.length;
  }

  /** Thresholds that the next value will be judged against; null while calibrating. */
  thresholds(): { upper: number; lower: number } | null {
    if (this.up === null || this.down === null) return null;
    const m = this.drift();
    return { upper: m + this.up.z, lower: m - this.down.z };
  }

  /**
   * Distance beyond the thresholds as a fraction of the t..z_q band: ≥ 1 means an alarm in
   * either tail, 0 means inside the peaks thresholds.
   */
  score(x: number): number | null {
    if (this.up === null || this.down === null) return null;
    const v = x - this.drift();
    const upper = (v - this.up.t) / Math.max(1e-12, this.up.z - this.up.t);
    const lower = (-v - this.down.t) / Math.max(1e-12, this.down.z - this.down.t);
    return Math.max(0, upper, lower);
  }

  learn(x: number): void {
    this.step(x);
  }

  /**
   * Judges x against the current thresholds, then learns it unless it is an alarm or the
   * caller knows it is anomalous (`learnable` false): a tail model that learns a gradually
   * growing anomaly (a silence whose evidence grows every bucket) raises its own threshold
   * out of reach, one learned peak at a time.
   */
  step(x: number, learnable = true): SpotVerdict {
    const c = this.config;
    if (this.calibration !== null) {
      if (!learnable) return { upper: null, lower: null, alarm: null };
      if (this.window.length < c.depth) {
        this.slide(x);
        return { upper: null, lower: null, alarm: null };
      }
      this.calibration.push(x - this.drift());
      this.slide(x);
      if (this.calibration.length >= c.nInit) this.calibrate(this.calibration);
      return { upper: null, lower: null, alarm: null };
    }
    const up = this.up!;
    const down = this.down!;
    const m = this.drift();
    const verdict: SpotVerdict = { upper: m + up.z, lower: m - down.z, alarm: null };
    const v = x - m;
    if (v > up.z) verdict.alarm = 'up';
    else if (-v > down.z) verdict.alarm = 'down';
    else if (learnable) {
      this.n++;
      if (v > up.t) this.addPeak(up, v - up.t);
      else if (-v > down.t) this.addPeak(down, -v - down.t);
      this.slide(x);
    }
    return verdict;
  }

  /** The drift window is a ring: `head` is the slot the next value overwrites once it is full. */
  private slide(x: number): void {
    const d = this.config.depth;
    if (d <= 0) return;
    if (this.window.length < d) {
      this.window.push(x);
      this.windowSum += x;
      return;
    }
    this.windowSum += x - this.window[this.head]!;
    this.window[this.head] = x;
    this.head = (this.head + 1) % d;
  }

  private calibrate(values: number[]): void {
    const sorted = [...values].sort((a, b) => a - b);
    const level = this.config.initLevel;
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * sorted.length)))]!;
    this.n = values.length;
    // The lower tail is handled as the upper tail of -x, so one code path serves both.
    this.up = this.tail(at(level), values);
    this.down = this.tail(-at(1 - level), values.map((v) => -v));
    this.calibration = null;
  }

  private tail(t: number, values: number[]): Tail {
    const peaks: number[] = [];
    for (const v of values) if (v > t) peaks.push(v - t);
    const tail: Tail = { t, z: t, peaks, fit: null, pending: 0 };
    this.refit(tail);
    return tail;
  }

  private addPeak(tail: Tail, excess: number): void {
    tail.peaks.push(excess);
    if (tail.peaks.length > this.config.maxPeaks) tail.peaks.shift();
    // Refit on every new peak while the sample is small; once it is large, one more peak moves
    // the estimate by little, so refit when the peaks have grown by refitFraction (the fit is
    // O(peaks) per likelihood evaluation and was the ensemble's main cost when done every time).
    tail.pending++;
    if (tail.pending >= Math.max(1, Math.floor(tail.peaks.length * this.config.refitFraction))) this.refit(tail);
    else tail.z = this.quantile(tail);
  }

  private refit(tail: Tail): void {
    tail.fit = shrinkShape(fitGpd(tail.peaks, this.config.minPeaks), tail.peaks, this.config.shapePriorSd ?? 0);
    tail.pending = 0;
    tail.z = this.quantile(tail);
  }

  /** z_q with the current fit, n and peak count (both move even when the fit does not). */
  private quantile(tail: Tail): number {
    const fit = tail.fit!;
    const z = spotQuantile(tail.t, fit, this.config.q, this.n, tail.peaks.length);
    // A degenerate fit must not produce Infinity/NaN: they would not survive JSON state.
    return Number.isFinite(z) ? z : tail.t + fit.maxExcess;
  }

  state(): SpotState {
    const copy = (t: Tail | null): Tail | null => (t === null ? null : { ...t, peaks: [...t.peaks], fit: t.fit === null ? null : { ...t.fit } });
    return {
      window: [...this.window],
      head: this.head,
      windowSum: this.windowSum,
      calibration: this.calibration === null ? null : [...this.calibration],
      n: this.n,
      up: copy(this.up),
      down: copy(this.down),
    };
  }

  restore(s: SpotState): void {
    const copy = (t: Tail | null): Tail | null => (t === null ? null : { ...t, peaks: [...t.peaks], fit: t.fit === null ? null : { ...t.fit } });
    this.window = [...s.window];
    this.head = s.head;
    this.windowSum = s.windowSum;
    this.calibration = s.calibration === null ? null : [...s.calibration];
    this.n = s.n;
    this.up = copy(s.up);
    this.down = copy(s.down);
  }
}
