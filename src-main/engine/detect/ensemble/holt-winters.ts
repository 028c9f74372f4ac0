import type { AnomalyDetector } from './detector';
import { MIN_RATE, surprisalAbove, surprisalBelow } from './tail';

/**
 * Additive Holt-Winters (level, damped trend, optional season) on one count series, one
 * observation per closed bucket. score(x) is the surprisal −ln p of the count under an
 * overdispersed Poisson around the forecast (tail.ts), on whichever side x falls.
 *
 * - The season is chosen from the data, not configured: the series starts as Holt's linear
 *   method and, once it holds two cycles of the longest candidate period, keeps the candidate
 *   whose lag autocorrelation of first differences is highest (and at least `seasonMinAcf`).
 *   Differencing first matters: a diurnal ramp makes raw counts correlate at every lag.
 * - Warm-up is a fixed, small number of buckets; the season arrives later if the data has one.
 * - Residuals are clipped to ±clipSigma·sd before they update the state, so a burst or a
 *   silence does not drag the baseline with it (it still moves it a little, so a lasting level
 *   shift is absorbed over a few dozen buckets).
 * - Spread is a dispersion φ (variance / mean), not a variance: a count's variance grows with
 *   its level, and a free EWMA variance collapses after a quiet stretch so the next ordinary
 *   cluster of lines reads as 10 sd. φ is a ratio of two EWMAs, of the squared residual and of
 *   the forecast: a ratio of averages, not an average of ratios, because for a sparse series
 *   r²/forecast is enormous in the rare bucket with a cluster and ~0 elsewhere, and its average
 *   is hostage to a rate floor. Both start from a prior (the pooled φ of the key kind, weighted
 *   as `priorWeight` observations), and φ never drops below `minDispersion` (1 = Poisson:
 *   integer counts are at least that noisy).
 * - A count may have a constant part c: a load balancer's health checks, a heartbeat, lines
 *   every minute whatever the traffic. Its variance is then ψ·(μ − c), not φ·μ: the constant
 *   part adds to the mean and nothing to the noise. Judged as φ·μ, the rest looks far less
 *   clustered than it is wherever c is a large share of the count (a quiet night: six health
 *   checks and a session every other minute), and the upper tail of a negative binomial of
 *   that mean and variance is much lighter than that of c + a few sessions: two or three
 *   ordinary sessions in one minute read as 10 nats. So the upper tail is that of X = c + Y,
 *   Y overdispersed around μ − c with ψ = the same squared residuals over the forecast above
 *   c (a second EWMA beside the forecast's). c is the series' floor: it drops to any lower
 *   count at once (outages excepted, see learn) and creeps back towards the forecast at
 *   `floorRise` per bucket, so it sits at a low quantile of the counts; a series often at
 *   zero keeps c = 0, the plain model. The c taken out never exceeds μ − μ/ψ, so the variance
 *   is never below a Poisson's. The lower tail stays the plain model with φ: under the shifted
 *   one any count below c would be impossible, and it is the cautious side for a silence.
 */
export interface HoltWintersConfig {
  alpha: number;
  beta: number;
  gamma: number;
  /** Trend damping; 1 is the textbook method, below 1 keeps a silence from extrapolating a slope forever. */
  phi: number;
  /** EWMA rate of the dispersion estimate once past its prior weight. */
  dispersionAlpha: number;
  minDispersion: number;
  /** How many observations the initial dispersion counts for. */
  priorWeight: number;
  /** Rate the prior's weight is placed at (its squared residuals are φ·priorRate). */
  priorRate: number;
  /** Fraction of the deseasonalized level below which the expected count is not taken. */
  seasonFloor: number;
  warmupBuckets: number;
  /** Candidate season lengths in buckets (e.g. 15 min and 1 h); empty = never seasonal. */
  seasonCandidates: number[];
  seasonMinAcf: number;
  clipSigma: number;
  /** Rate per bucket at which the floor (the constant part) creeps back up towards the forecast. */
  floorRise: number;
}

export const DEFAULT_HOLT_WINTERS: HoltWintersConfig = {
  alpha: 0.2,
  beta: 0.02,
  gamma: 0.15,
  phi: 0.98,
  dispersionAlpha: 0.02,
  minDispersion: 1,
  priorWeight: 10,
  priorRate: 1,
  seasonFloor: 0.25,
  warmupBuckets: 10,
  seasonCandidates: [15, 60],
  seasonMinAcf: 0.3,
  clipSigma: 4,
  floorRise: 0.002,
};

export interface HoltWintersState {
  level: number;
  trend: number;
  season: number[] | null;
  /** Observations folded in so far (including the virtual zeros of a series born warm). */
  seen: number;
  /** EWMAs of the squared residual (capped at 5 sd) and of the forecast. */
  squares: number;
  rates: number;
  /** Recent observations kept until the season is decided, oldest first; null once decided. */
  history: number[] | null;
  /**
   * The constant part (floor) of the count, and the EWMA of the forecast above it; absent in
   * older snapshots (floor 0, excess = rates: no constant part).
   */
  floor?: number;
  excessRates?: number;
}

export class HoltWinters implements AnomalyDetector<number, HoltWintersState> {
  private level = 0;
  private trend = 0;
  private season: number[] | null = null;
  private seen = 0;
  private squares: number;
  private rates: number;
  private floor = 0;
  private excessRates: number;
  private history: number[] | null;
  private readonly historyLength: number;
  /** staysUnder's finding that zeros would complete the history into a season; kept until a count is learned. */
  private seasonAhead = false;

  /**
   * @param startWarm begin from a zero baseline that is already warm: used for keys first seen
   * after the ensemble is warm, since "no events for this key until now" is real information.
   * @param initialDispersion prior φ, usually the pooled dispersion of the key kind.
   */
  constructor(
    private readonly config: HoltWintersConfig = DEFAULT_HOLT_WINTERS,
    startWarm = false,
    initialDispersion = config.minDispersion,
  ) {
    this.rates = config.priorRate;
    this.excessRates = config.priorRate;
    this.squares = initialDispersion * config.priorRate;
    this.historyLength = 2 * Math.max(0, ...config.seasonCandidates);
    this.history = this.historyLength > 0 ? [] : null;
    if (startWarm) this.seen = config.warmupBuckets;
  }

  forecast(): number {
    const s = this.season;
    return this.level + this.config.phi * this.trend + (s === null ? 0 : s[this.seen % s.length]!);
  }

  /** The seasonal component the next observation is expected to carry (0 when not seasonal). */
  seasonal(): number {
    const s = this.season;
    return s === null ? 0 : s[this.seen % s.length]!;
  }

  get warm(): boolean {
    return this.seen >= this.config.warmupBuckets;
  }

  /** Observations so far, the virtual zeros of a series born warm included. */
  get observations(): number {
    return this.seen;
  }

  /** The raw estimate, which may sit below minDispersion (it feeds the kind's pooled prior). */
  get dispersionEstimate(): number {
    return this.squares / Math.max(this.rates, MIN_RATE);
  }

  /** φ as used for scoring. */
  get spread(): number {
    return Math.max(this.dispersionEstimate, this.config.minDispersion);
  }

  /** ψ, the dispersion of the count above its constant part (= φ when there is none). */
  get excessSpread(): number {
    return Math.max(this.squares / Math.max(this.excessRates, MIN_RATE), this.config.minDispersion);
  }

  /** The floor as estimated, before the bound of offset(). */
  get constantPart(): number {
    return this.floor;
  }

  /**
   * The constant part to take out of a count expected at mu: the floor, but never so much
   * that the variance ψ·(mu − c) falls under mu (a Poisson's).
   */
  offset(mu: number): number {
    return constantPart(this.floor, mu, this.excessSpread);
  }

  /**
   * The count expected next, for the tail model. An additive season can forecast zero or less
   * at quiet phases of a spiky series (a checkpoint every 5 minutes, nothing in between), and
   * two stray lines there would then read as p = 1e-7; the forecast is not that certain, so it
   * never drops below `seasonFloor` of the deseasonalized level.
   */
  expected(): number {
    const f = this.forecast();
    const floor = Math.max(MIN_RATE, this.config.seasonFloor * (this.level + this.config.phi * this.trend));
    return f < floor ? floor : f;
  }

  get sd(): number {
    return Math.sqrt(this.spread * Math.max(this.forecast(), 1));
  }

  score(x: number): number | null {
    if (!this.warm) return null;
    const mu = this.expected();
    if (x < mu) return surprisalBelow(x, mu, this.spread);
    const c = this.offset(mu);
    return c > 0 ? surprisalAbove(x - c, mu - c, this.excessSpread) : surprisalAbove(x, mu, this.spread);
  }

  /**
   * @param updateSpread false while the caller knows the series is in an outage (CUSUM's
   * downward alarm): it must not teach the dispersion, nor the floor, that zeros are ordinary.
   */
  learn(x: number, updateSpread = true): void {
    const c = this.config;
    if (x !== 0) this.seasonAhead = false;
    if (this.seen === 0) {
      this.level = x;
      this.floor = x;
      this.seen = 1;
      this.remember(x);
      return;
    }
    const predicted = this.forecast();
    const bound = c.clipSigma * this.sd;
    const raw = x - predicted;
    const rateNow = Math.max(predicted, MIN_RATE);
    // The forecast above the constant part, for ψ (judged with the state before x).
    const excess = this.floor > 0 ? Math.max(predicted - this.offset(predicted), MIN_RATE) : rateNow;
    const square = Math.min(raw * raw, 25 * this.spread * Math.max(rateNow, 1));
    const r = Math.max(-bound, Math.min(bound, x - predicted));
    const y = predicted + r;
    const s = this.season;
    const phase = s === null ? 0 : this.seen % s.length;
    const sPhase = s === null ? 0 : s[phase]!;
    const prevLevel = this.level;
    this.level = c.alpha * (y - sPhase) + (1 - c.alpha) * (prevLevel + c.phi * this.trend);
    this.trend = c.beta * (this.level - prevLevel) + (1 - c.beta) * c.phi * this.trend;
    if (s !== null) s[phase] = c.gamma * (y - this.level) + (1 - c.gamma) * sPhase;
    // Clipped at 5 sd, not at clipSigma: a cluster of lines is exactly what the dispersion has
    // to learn, while an outage or a flood should move it by a bounded step only.
    if (updateSpread) {
      const rate = Math.max(c.dispersionAlpha, 1 / (this.seen + c.priorWeight));
      this.squares += rate * (square - this.squares);
      this.rates += rate * (rateNow - this.rates);
      this.excessRates += rate * (excess - this.excessRates);
      if (x < this.floor) this.floor = x;
      else if (predicted > this.floor) this.floor += c.floorRise * (predicted - this.floor);
    }
    this.seen++;
    this.remember(x);
  }

  private remember(x: number): void {
    const h = this.history;
    if (h === null) return;
    h.push(x);
    if (h.length < this.historyLength) return;
    this.season = chooseSeason(h, this.config.seasonCandidates, this.config.seasonMinAcf, this.seen);
    if (this.season !== null) {
      const p = this.season.length;
      let sum = 0;
      for (let i = h.length - p; i < h.length; i++) sum += h[i]!;
      this.level = sum / p;
      this.trend = 0;
    }
    this.history = null;
  }

  /**
   * True when zeros from now on can never lift the expected count to `limit`: the series has no
   * season now and will decide on none (its history completed with zeros has none), and the
   * level and trend, decaying under zeros, stay under the bound `k` gives for them. The zeros
   * then go in unclipped (the clip is at least clipSigma·√minDispersion), so the forecast
   * follows the linear map quietBounds() bounds. Conservative: false whenever unsure.
   */
  staysUnder(limit: number, k: QuietBounds): boolean {
    const c = this.config;
    if (this.season !== null || this.seen === 0 || c.seasonFloor > 1 || MIN_RATE >= limit) return false;
    if (limit > c.clipSigma * Math.sqrt(c.minDispersion)) return false;
    if ((k.level * Math.abs(this.level) + k.trend * Math.abs(this.trend)) * (1 + 1e-6) + 1e-9 >= limit) return false;
    const h = this.history;
    if (h === null) return true;
    if (this.seasonAhead) return false;
    const ahead = this.historyLength - h.length;
    const full = h.concat(new Array<number>(ahead).fill(0));
    // More zeros complete it into the same history: the finding holds until a count comes.
    this.seasonAhead = chooseSeason(full, c.seasonCandidates, c.seasonMinAcf, this.seen + ahead) !== null;
    return !this.seasonAhead;
  }

  state(): HoltWintersState {
    return {
      level: this.level,
      trend: this.trend,
      season: this.season === null ? null : [...this.season],
      seen: this.seen,
      squares: this.squares,
      rates: this.rates,
      history: this.history === null ? null : [...this.history],
      floor: this.floor,
      excessRates: this.excessRates,
    };
  }

  restore(s: HoltWintersState): void {
    this.seasonAhead = false;
    this.level = s.level;
    this.trend = s.trend;
    this.season = s.season === null ? null : [...s.season];
    this.seen = s.seen;
    this.squares = s.squares;
    this.rates = s.rates;
    this.history = s.history === null ? null : [...s.history];
    this.floor = s.floor ?? 0;
    this.excessRates = s.excessRates ?? s.rates;
  }
}

/** sup over t of |forecast_t| ≤ level·|level₀| + trend·|trend₀| for a series fed zeros with no season. */
export interface QuietBounds {
  level: number;
  trend: number;
}

/**
 * The bounds of staysUnder(): with no season and unclipped zeros, one step is linear,
 *   level' = (1 − α)(level + φ·trend),  trend' = β(level' − level) + (1 − β)·φ·trend,
 * and the forecast is level + φ·trend. The forecast from a unit level and from a unit trend is
 * followed until both have died out; the largest of each is its bound. A configuration whose
 * map does not die out gets bounds that no series meets (nothing ever rests).
 */
export function quietBounds(c: HoltWintersConfig): QuietBounds {
  const step = (l: number, t: number): [number, number] => {
    const next = (1 - c.alpha) * (l + c.phi * t);
    return [next, c.beta * (next - l) + (1 - c.beta) * c.phi * t];
  };
  let [al, at] = [1, 0];
  let [bl, bt] = [0, 1];
  const out = { level: 0, trend: 0 };
  for (let i = 0; i < 100_000; i++) {
    out.level = Math.max(out.level, Math.abs(al + c.phi * at));
    out.trend = Math.max(out.trend, Math.abs(bl + c.phi * bt));
    if (Math.abs(al) + Math.abs(at) + Math.abs(bl) + Math.abs(bt) < 1e-12) return out;
    [al, at] = step(al, at);
    [bl, bt] = step(bl, bt);
  }
  return { level: Infinity, trend: Infinity };
}

/**
 * The constant part of a count expected at `mean` whose part above it has dispersion
 * `excessDispersion`: `floor`, but at most mean − mean/ψ so that ψ·(mean − c) ≥ mean (never
 * less noisy than a Poisson), and never below 0.
 */
export function constantPart(floor: number, mean: number, excessDispersion: number): number {
  if (floor <= 0) return 0;
  const c = Math.min(floor, mean - mean / Math.max(excessDispersion, 1));
  return c > 0 ? c : 0;
}

/**
 * Picks the candidate period with the strongest lag autocorrelation of first differences and
 * returns initial seasonal indices, or null when no candidate reaches `minAcf`.
 * `seen` is the index of the next observation, which fixes each history entry's phase.
 */
export function chooseSeason(history: number[], candidates: number[], minAcf: number, seen: number): number[] | null {
  const n = history.length;
  const d: number[] = [];
  for (let i = 1; i < n; i++) d.push(history[i]! - history[i - 1]!);
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  let denom = 0;
  for (const v of d) denom += (v - mean) * (v - mean);
  if (denom <= 0) return null;
  let best = 0;
  let bestAcf = minAcf;
  for (const p of [...candidates].sort((a, b) => a - b)) {
    if (p < 2 || 2 * p > n) continue;
    let num = 0;
    for (let i = p; i < d.length; i++) num += (d[i]! - mean) * (d[i - p]! - mean);
    const acf = num / denom;
    // Multiples of a true period correlate too; a longer one must be clearly better to win.
    if (acf > bestAcf + (best === 0 ? 0 : 0.05)) {
      best = p;
      bestAcf = acf;
    }
  }
  if (best === 0) return null;
  const cycles = Math.floor(n / best);
  const start = n - cycles * best;
  const season = new Array<number>(best).fill(0);
  for (let c = 0; c < cycles; c++) {
    let cycleMean = 0;
    for (let j = 0; j < best; j++) cycleMean += history[start + c * best + j]!;
    cycleMean /= best;
    for (let j = 0; j < best; j++) {
      const i = start + c * best + j;
      const observationIndex = seen - n + i;
      season[observationIndex % best]! += (history[i]! - cycleMean) / cycles;
    }
  }
  return season;
}
