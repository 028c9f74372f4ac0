import { describe, expect, it } from 'vitest';
import { Blender } from './blender';
import { Cusum, DEFAULT_CUSUM } from './cusum';
import { markovSurprisal } from './ensemble';
import { brentRoot, fitGpd, gpdLogLikelihood, profileSigma, shrinkShape, spotQuantile } from './gpd';
import { HalfSpaceTrees, type HalfSpaceTreesState } from './half-space-trees';
import { ScoreTail } from './score-tail';
import { combinedSurprisal, logLikelihoodRatio, logLowerGamma, logUpperGamma, surprisalAbove, surprisalBelow } from './tail';
import { chooseSeason, constantPart, DEFAULT_HOLT_WINTERS, HoltWinters, type HoltWintersState } from './holt-winters';
import { MarkovChains } from './markov';
import { Prng } from './prng';
import { BiDSpot } from './spot';

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('HalfSpaceTrees', () => {
  // One tree of height 1 splitting dimension 0 at 0.5; reference mass 3 on the left, 1 on the right.
  const tiny = (sizeLimitFraction = 0): HalfSpaceTrees => {
    const h = new HalfSpaceTrees({ trees: 1, height: 1, windowSize: 4, sizeLimitFraction, dimensions: 1, seed: 1 });
    const s: HalfSpaceTreesState = {
      trees: 1, height: 1, windowSize: 4, sizeLimitFraction, dimensions: 1,
      splitDims: [0], splitValues: [0.5], reference: [4, 3, 1], latest: [], filled: 0, hasReference: true,
    };
    h.restore(s);
    return h;
  };
  // max mass M = windowSize * 2^height = 8; score = log2((M+1)/(m+1)) / log2(M+1)
  const expected = (m: number): number => Math.log2(9 / (m + 1)) / Math.log2(9);

  it('scores the mass r·2^depth of the leaf a point falls in', () => {
    const h = tiny();
    expect(h.score([0.2])).toBeCloseTo(expected(3 * 2), 12);
    expect(h.score([0.9])).toBeCloseTo(expected(1 * 2), 12);
    expect(h.score([0.9])).toBeCloseTo(0.5, 12);
  });

  it('stops at a node whose reference mass is at or below the size limit', () => {
    const h = tiny(1); // limit = 4: the root (mass 4) is terminal at depth 0
    expect(h.score([0.9])).toBeCloseTo(expected(4), 12);
  });

  it('swaps the latest window into the reference after windowSize events', () => {
    const h = tiny();
    for (const v of [0.9, 0.9, 0.9, 0.1]) h.learn([v]);
    expect(h.state().reference).toEqual([4, 1, 3]);
    expect(h.score([0.9])).toBeCloseTo(expected(6), 12);
  });

  it('is null until the first window fills, and scoreAndLearn equals score then learn', () => {
    const cfg = { trees: 25, height: 8, windowSize: 50, sizeLimitFraction: 0.1, dimensions: 5, seed: 9 };
    const a = new HalfSpaceTrees(cfg);
    const b = new HalfSpaceTrees(cfg);
    const rng = new Prng(4);
    expect(a.score([0.1, 0.2, 0.3, 0.4, 0.5])).toBeNull();
    for (let i = 0; i < 400; i++) {
      const x = Array.from({ length: 5 }, () => (i % 7 === 0 ? rng.next() : 0.3 + 0.05 * rng.next()));
      const s1 = a.score(x);
      a.learn(x);
      expect(b.scoreAndLearn(x)).toBe(s1);
    }
    expect(a.scoreAndLearn([0.99, 0.01, 0.99, 0.01, 0.99])!).toBeGreaterThan(a.scoreAndLearn([0.32, 0.32, 0.32, 0.32, 0.32])!);
  });

  it('restores from JSON and continues identically', () => {
    const cfg = { trees: 5, height: 4, windowSize: 20, sizeLimitFraction: 0.1, dimensions: 2, seed: 3 };
    const a = new HalfSpaceTrees(cfg);
    const rng = new Prng(8);
    for (let i = 0; i < 37; i++) a.learn([rng.next(), rng.next()]);
    const b = new HalfSpaceTrees({ ...cfg, seed: 99 });
    b.restore(roundTrip(a.state()));
    for (let i = 0; i < 50; i++) {
      const x = [rng.next(), rng.next()];
      expect(b.scoreAndLearn(x)).toBe(a.scoreAndLearn(x));
    }
  });
});

describe('HoltWinters', () => {
  const cfg = { ...DEFAULT_HOLT_WINTERS, alpha: 0.5, beta: 0.5, gamma: 0, phi: 1, warmupBuckets: 2, minDispersion: 1, clipSigma: 1e9, seasonCandidates: [] };
  /** P(Poisson(mu) ≥ k) summed term by term. */
  const poissonAtLeast = (k: number, mu: number): number => {
    let below = 0;
    let term = Math.exp(-mu);
    for (let i = 0; i < k; i++) {
      below += term;
      term *= mu / (i + 1);
    }
    return 1 - below;
  };

  it('one-step forecast, dispersion and count surprisal by hand', () => {
    const hw = new HoltWinters(cfg);
    hw.learn(10); // level 10, trend 0
    expect(hw.score(12)).toBeNull(); // still warming up
    // r = 2 against forecast 10: level .5·12 + .5·10 = 11, trend .5·1 + .5·0 = 0.5.
    // Dispersion EWMAs start at the prior (squares = φ0·1 = 1, rates = 1) with rate 1/(1+10):
    // squares = 1 + (4 - 1)/11 = 14/11, rates = 1 + (10 - 1)/11 = 20/11, φ = 0.7 → floored at 1.
    hw.learn(12);
    expect(hw.forecast()).toBeCloseTo(11.5, 12);
    expect(hw.dispersionEstimate).toBeCloseTo(0.7, 12);
    expect(hw.spread).toBe(1);
    expect(Math.exp(-hw.score(14)!)).toBeCloseTo(poissonAtLeast(14, 11.5), 10);
    hw.learn(14); // level .5·14 + .5·11.5 = 12.75, trend .5·1.75 + .5·.5 = 1.125
    expect(hw.forecast()).toBeCloseTo(13.875, 12);
  });

  it('bounds the constant part so the variance above it is never under a Poisson', () => {
    expect(constantPart(6, 10, 4)).toBe(6); // 10 − 10/4 = 7.5 leaves room for all of it
    expect(constantPart(6, 10, 2)).toBe(5); // 10 − 10/2: ψ·(10 − 5) = 10, a Poisson's variance
    expect(constantPart(6, 10, 1)).toBe(0); // no overdispersion, no room for a constant part
    expect(constantPart(0, 10, 4)).toBe(0);
    expect(constantPart(6, 0.5, 4)).toBeCloseTo(0.375, 12);
  });

  it('learns a floor and the dispersion above it by hand; the upper tail is that of floor + rest', () => {
    // Rate max(0.5, 1/seen): the prior is forgotten at the first residual.
    const c = { ...cfg, beta: 0, dispersionAlpha: 0.5, priorWeight: 0, floorRise: 0.1 };
    const hw = new HoltWinters(c);
    hw.learn(6); // level 6, floor 6
    expect(hw.constantPart).toBe(6);
    // predicted 6; ψ is still the prior 1, so no room for a constant part: excess = 6.
    // rate 1: squares = 8² = 64, rates = 6, excess rates = 6; floor stays (14 > 6, forecast = 6).
    hw.learn(14); // level 10
    expect(hw.dispersionEstimate).toBeCloseTo(64 / 6, 12);
    expect(hw.excessSpread).toBeCloseTo(64 / 6, 12);
    expect(hw.offset(10)).toBe(6); // min(6, 10 − 10/(64/6) = 9.0625)
    // predicted 10, constant part 6: excess 4. Rate 1/2: squares = 64 + (16 − 64)/2 = 40,
    // rates = 6 + (10 − 6)/2 = 8, excess rates = 6 + (4 − 6)/2 = 5, so φ = 5 and ψ = 8.
    // Floor: 6 is not below it; it creeps 0.1 of the way to the forecast: 6.4.
    hw.learn(6); // level 8
    expect(hw.spread).toBeCloseTo(5, 12);
    expect(hw.excessSpread).toBeCloseTo(8, 12);
    expect(hw.constantPart).toBeCloseTo(6.4, 12);
    expect(hw.forecast()).toBeCloseTo(8, 12);
    expect(hw.offset(8)).toBeCloseTo(6.4, 12); // min(6.4, 8 − 8/8)
    // 20 above 6.4 + NB(1.6, ψ 8), not NB(8, φ 5); the lower tail keeps the plain model.
    expect(hw.score(20)).toBeCloseTo(surprisalAbove(13.6, 1.6, 8), 12);
    expect(hw.score(2)).toBeCloseTo(surprisalBelow(2, 8, 5), 12);
    hw.learn(5);
    expect(hw.constantPart).toBe(5); // a lower count is the floor at once
    hw.learn(0, false);
    expect(hw.constantPart).toBe(5); // not during an outage
  });

  it('a constant part makes the upper tail heavier at the same mean and variance', () => {
    // mean 10, variance 20: 6 + NB(4, ψ 5) against NB(10, φ 2). 30 is ~4.5 sd either way:
    // 5.4 nats against 7.5.
    expect(surprisalAbove(30 - 6, 4, 5)).toBeLessThan(surprisalAbove(30, 10, 2) - 2);
  });

  it('restores a snapshot without floor fields as a series without a constant part', () => {
    const hw = new HoltWinters(cfg);
    for (const x of [6, 9, 7, 12]) hw.learn(x);
    const old: HoltWintersState = { ...hw.state() };
    delete old.floor;
    delete old.excessRates;
    const restored = new HoltWinters(cfg);
    restored.restore(roundTrip(old));
    expect(restored.constantPart).toBe(0);
    expect(restored.excessSpread).toBe(restored.spread);
    expect(restored.score(20)).toBeCloseTo(surprisalAbove(20, restored.expected(), restored.spread), 12);
    const same = new HoltWinters(cfg);
    same.restore(roundTrip(hw.state()));
    expect(same.score(20)).toBe(hw.score(20));
  });

  it('chooses a season from the autocorrelation of differences and seeds its indices', () => {
    const history = [0, 10, 0, 10, 0, 10, 0, 10];
    expect(chooseSeason(history, [2, 3], 0.3, 8)).toEqual([-5, 5]);
    expect(chooseSeason([1, 2, 3, 4, 5, 6, 7, 8], [2], 0.3, 8)).toBeNull(); // a ramp is not a season
  });

  it('learns an hourly-style spike as season, so the spike stops being anomalous', () => {
    const hw = new HoltWinters({ ...DEFAULT_HOLT_WINTERS, seasonCandidates: [6] });
    const series = (i: number): number => (i % 6 === 3 ? 30 : 2);
    for (let i = 0; i < 60; i++) hw.learn(series(i));
    expect(hw.state().season).not.toBeNull();
    for (let i = 60; i < 63; i++) {
      expect(hw.score(series(i))!).toBeLessThan(2);
      hw.learn(series(i));
    }
    expect(hw.score(30)!).toBeLessThan(2); // index 63 is a spike phase: 30 is expected there
  });

  it('a born-warm series scores its first bucket against a zero baseline with the prior dispersion', () => {
    const hw = new HoltWinters(DEFAULT_HOLT_WINTERS, true, 25);
    // NB with mean 1e-3 (the rate floor) and φ = 25: p = 1/25, r = 1e-3/24, P(X ≥ 1) = 1 - p^r.
    expect(hw.score(1)).toBeCloseTo(-Math.log(1 - Math.pow(1 / 25, 1e-3 / 24)), 9);
    expect(hw.score(0)).toBe(0);
  });
});

describe('count tails', () => {
  it('match the Poisson, negative binomial and cluster formulas by hand', () => {
    // Poisson(2): P(X ≥ 3) = 1 - e^-2 (1 + 2 + 2); the lower regularized gamma P(3, 2) is the same.
    expect(Math.exp(logLowerGamma(3, 2))).toBeCloseTo(1 - 5 * Math.exp(-2), 12);
    expect(Math.exp(logUpperGamma(3, 2))).toBeCloseTo(5 * Math.exp(-2), 12);
    expect(Math.exp(-surprisalAbove(3, 2, 1))).toBeCloseTo(1 - 5 * Math.exp(-2), 12);
    // NB mean 2, φ 2 (r = 2, p = 1/2): P(0..2) = 1/4 + 2/8 + 3/16 = 0.6875.
    expect(Math.exp(-surprisalAbove(3, 2, 2))).toBeCloseTo(0.3125, 12);
    // Clusters below the mean: X/φ ~ Poisson(μ/φ), an empty bucket has e^(-μ/φ).
    expect(surprisalBelow(0, 15, 5)).toBeCloseTo(3, 12);
    expect(surprisalBelow(5, 4, 2)).toBe(0);
    // Likelihood ratio of rate 3μ to μ: (x ln 3 - 2μ)/φ.
    expect(logLikelihoodRatio(8, 4, 3, 1)).toBeCloseTo(8 * Math.log(3) - 8, 12);
    // Fisher: one p-value is itself; two with −ln sum s give e^-s (1 + s).
    expect(combinedSurprisal(7, 1)).toBeCloseTo(7, 10);
    expect(combinedSurprisal(7, 2)).toBeCloseTo(7 - Math.log(8), 10);
  });

  it('stays finite and monotone far in the tail', () => {
    const a = surprisalAbove(240, 2, 1.5);
    const b = surprisalAbove(400, 2, 1.5);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    expect(b).toBeGreaterThan(a);
    expect(a).toBeGreaterThan(100);
  });
});

describe('ScoreTail', () => {
  it('empirical tail with +1 smoothing, times the number of events', () => {
    const t = new ScoreTail(10);
    for (let i = 0; i < 9; i++) t.push(0.15);
    t.push(0.95);
    expect(t.surprisal(0.95, 1)).toBeCloseTo(-Math.log(2 / 11), 12);
    expect(t.surprisal(0.95, 2)).toBeCloseTo(-Math.log(4 / 11), 12);
    expect(t.surprisal(0.05, 1)).toBe(0);
  });
});

describe('Cusum', () => {
  const cfg = { ...DEFAULT_CUSUM, baselineAlpha: 0, warmupBuckets: 1, upRatio: 3, downRatio: 0.2, threshold: 5, minRate: 1 };

  it('accumulates likelihood ratios by hand and restarts when a bucket favours the baseline', () => {
    const c = new Cusum(cfg);
    c.learnCount(4, 1); // baseline 4
    // up: 8 ln 3 - 4·(3 - 1) = 0.789; down: 8 ln 0.2 + 4·0.8 < 0
    expect(c.scoreCount(8, 1)).toBeCloseTo(8 * Math.log(3) - 8, 12);
    c.learnCount(8, 1);
    expect(c.falling).toBe(false);
    // an empty bucket: up 0 - 8 (sum back to 0), down 0 + 3.2
    c.learnCount(0, 1);
    expect(c.sums.high).toBe(0);
    expect(c.sums.low).toBeCloseTo(3.2, 12);
    c.learnCount(0, 1);
    c.learnCount(0, 1);
    expect(c.sums.low).toBeCloseTo(9.6, 12); // nothing caps a silence
    expect(c.alarming).toBe(true);
    expect(c.falling).toBe(true);
    // the source is back: 4 ln 0.2 + 3.2 < 0 ends the alarm
    c.learnCount(4, 1);
    expect(c.sums).toEqual({ high: 0, low: 0 });
  });

  it('judges a rise above a constant part as a rise of the rest, and a drop with the plain model', () => {
    const c = new Cusum(cfg);
    c.learnCount(10, 2); // baseline 10; variance φ·10 = 20 = ψ·(10 − 6) with ψ = 5
    // up: constant part min(6, 10 − 10/5) = 6, then (16 − 6)·ln 3 − (10 − 6)·2, over ψ
    expect(c.scoreCount(16, 2, 6, 5)).toBeCloseTo((10 * Math.log(3) - 8) / 5, 12);
    expect(c.scoreCount(16, 2)).toBe(0); // plain: (16 ln 3 − 20)/2 < 0
    // down: 0·ln 0.2 + 10·0.8, over φ, whatever the constant part
    expect(c.scoreCount(0, 2, 6, 5)).toBeCloseTo(4, 12);
    expect(c.score({ count: 16, dispersion: 2, offset: 6, excessDispersion: 5 })).toBe(c.scoreCount(16, 2, 6, 5));
  });

  it('clustered counts carry 1/φ of the evidence, and sparse baselines are judged at minRate', () => {
    const c = new Cusum(cfg);
    c.learnCount(0.1, 1);
    expect(c.scoreCount(0, 2)).toBeCloseTo((0 - 1 * (0.2 - 1)) / 2, 12);
    expect(new Cusum({ ...cfg, downward: false }).scoreCount(0, 1)).toBeNull(); // not warm yet
  });
});

describe('MarkovChains', () => {
  const cfg = { smoothing: 1, maxTemplates: 10, maxEntities: 10, maxTransitions: 100, warmupTransitions: 0, commonLevel: 1 };

  it('smoothed transition probabilities and p-values by hand', () => {
    const m = new MarkovChains(cfg);
    for (const t of ['A', 'B', 'A', 'B']) m.learn({ entity: 'ip:1', template: t });
    // counts: START→A 1, A→B 2, B→A 1; V = 2, denominators add smoothing·(V + 1) = 3
    expect(m.probability('A', 'B')).toBeCloseTo(3 / 5, 12);
    expect(m.probability(null, 'A')).toBeCloseTo(2 / 4, 12);
    expect(m.probability('A', 'C')).toBeCloseTo(1 / 5, 12);
    // p-value: the mass of all successors at most as likely. From A: B has 3/5, the two empty
    // slots (A itself and "unseen") 1/5 each, so B's p-value is 1 and an unseen C's is 2/5.
    expect(m.pValue('A', 'B')).toBeCloseTo(1, 12);
    expect(m.pValue('A', 'C')).toBeCloseTo(2 / 5, 12);
    // ip:1 last template is B; P(A | B) is the most likely step: p = 1, surprisal 0
    expect(m.score({ entity: 'ip:1', template: 'A' })).toBeCloseTo(0, 12);
    // a new entity opening with B: from START only A was seen, B shares 2/4 with "unseen"
    expect(m.score({ entity: 'ip:2', template: 'B' })).toBeCloseTo(Math.log(2), 12);
    expect(m.score({ entity: null, template: 'B' })).toBeNull();
  });

  it('skips the scan for common steps', () => {
    const m = new MarkovChains({ ...cfg, commonLevel: 0.5 });
    for (const t of ['A', 'B', 'A', 'B']) m.learn({ entity: 'ip:1', template: t });
    expect(m.pValue('A', 'B')).toBe(1);
    expect(m.pValue('A', 'C')).toBeCloseTo(2 / 5, 12);
  });

  it('bounds entities and restores from JSON', () => {
    const small = { ...cfg, smoothing: 0.1, maxEntities: 5 };
    const m = new MarkovChains(small);
    for (let i = 0; i < 20; i++) m.learn({ entity: `e${i}`, template: i % 2 ? 'A' : 'B' });
    expect(m.state().entities.length).toBeLessThanOrEqual(5);
    const r = new MarkovChains(small);
    r.restore(roundTrip(m.state()));
    expect(r.scoreAndLearn('e19', 'B')).toBe(m.scoreAndLearn('e19', 'B'));
    expect(r.state()).toEqual(m.state());
  });
});

describe('Blender', () => {
  const make = (): Blender => new Blender({ channels: ['a', 'b', 'c'], weights: [1, 1, 1], agreeLevel: 3, boost: 2, families: [0, 1, 2] });

  it('evidence-weighted mean of surprisals, boosted when most families agree', () => {
    const b = make();
    // one decisive channel: weights 1·(1+8), 1, 1 → (9·8) / 11
    expect(b.blend([8, 0, 0]).score).toBeCloseTo(72 / 11, 12);
    // negative values are not evidence
    expect(b.blend([-5, 0, 0]).score).toBe(0);
    // two of three agree at ≥ 3: (4·3 + 4·3 + 0) / 9 · 2
    const agreed = b.blend([3, 3, 0]);
    expect(agreed.score).toBeCloseTo((24 / 9) * 2, 12);
    expect(agreed.contributions.reduce<number>((s, c) => s + (c ?? 0), 0)).toBeCloseTo(agreed.score, 12);
    expect(b.score([3, 3, 0])).toBe(agreed.score);
    // channels without an opinion (NaN) are left out
    expect(b.blend([NaN, 6, NaN]).score).toBeCloseTo(6, 12);
    expect(b.blend([NaN, 6, NaN]).contributions[0]).toBeNull();
  });
});

describe('GPD fit and SPOT quantile', () => {
  it('Grimshaw MLE matches scipy on a known sample', () => {
    // GPD(gamma 0.2, sigma 1) quantiles at (i - 0.5)/200; scipy.stats.genpareto.fit(x, floc=0)
    // gives c = 0.19110934, scale = 1.00678004 (Nelder-Mead on the likelihood agrees to 1e-5).
    const x = Array.from({ length: 200 }, (_, i) => (Math.pow(1 - (i + 0.5) / 200, -0.2) - 1) / 0.2);
    const fit = fitGpd(x);
    expect(fit.method).toBe('mle');
    expect(fit.gamma).toBeCloseTo(0.1911093, 4);
    expect(fit.sigma).toBeCloseTo(1.00678, 4);
    expect(gpdLogLikelihood(x, fit.gamma, fit.sigma)).toBeGreaterThanOrEqual(gpdLogLikelihood(x, 0.2, 1));
  });

  it('finds a negative shape (bounded tail)', () => {
    const x = Array.from({ length: 300 }, (_, i) => (Math.pow(1 - (i + 0.5) / 300, 0.3) - 1) / -0.3);
    const fit = fitGpd(x);
    expect(fit.gamma).toBeLessThan(-0.2);
  });

  it('falls back to the method of moments with few peaks, then to the empirical maximum', () => {
    const y = [1, 2, 3, 4, 5];
    const fit = fitGpd(y, 10);
    const m = 3;
    const s2 = 2.5;
    expect(fit.method).toBe('moments');
    expect(fit.gamma).toBeCloseTo(0.5 * (1 - (m * m) / s2), 12);
    expect(fit.sigma).toBeCloseTo(0.5 * m * ((m * m) / s2 + 1), 12);
    const one = fitGpd([2.5], 10);
    expect(one.method).toBe('empirical');
    expect(spotQuantile(4, one, 1e-4, 100, 1)).toBe(6.5);
    expect(fitGpd([2, 2, 2], 10).method).toBe('empirical');
  });

  it('shrinks the shape toward 0 with few peaks and leaves a large sample to the data', () => {
    // exponential: the profile σ for γ = 0 is the mean excess
    expect(profileSigma([1, 2, 3, 6], 0)).toBeCloseTo(3, 9);
    // 30 ordinary excesses and two stray ones: the MLE calls the tail heavy
    const few = [...Array.from({ length: 30 }, (_, i) => 0.05 + i * 0.03), 5, 7];
    const mle = fitGpd(few, 10);
    const shrunk = shrinkShape(mle, few, 0.1);
    expect(mle.gamma).toBeGreaterThan(0.25);
    expect(shrunk.method).toBe('shrunk');
    // weight nτ²/(nτ² + (1+γ)²) with n = 32, τ = 0.1: under a fifth of the MLE's shape
    expect(shrunk.gamma).toBeLessThan(mle.gamma / 5);
    expect(spotQuantile(1, shrunk, 1e-4, 320, 32)).toBeLessThan(0.6 * spotQuantile(1, mle, 1e-4, 320, 32));
    // σ is the likelihood's best for the shrunk shape
    const ll = gpdLogLikelihood(few, shrunk.gamma, shrunk.sigma);
    expect(ll).toBeGreaterThanOrEqual(gpdLogLikelihood(few, shrunk.gamma, shrunk.sigma * 1.01));
    expect(ll).toBeGreaterThanOrEqual(gpdLogLikelihood(few, shrunk.gamma, shrunk.sigma * 0.99));
    // 2000 GPD(0.2, 1) quantiles: the data outweigh the prior
    const x = Array.from({ length: 2000 }, (_, i) => (Math.pow(1 - (i + 0.5) / 2000, -0.2) - 1) / 0.2);
    const big = shrinkShape(fitGpd(x), x, 0.1);
    expect(big.gamma).toBeGreaterThan(0.17);
    // no prior, or no model: unchanged
    expect(shrinkShape(mle, few, 0)).toBe(mle);
    const empirical = fitGpd([2.5], 10);
    expect(shrinkShape(empirical, [2.5], 0.1)).toBe(empirical);
  });

  it('finds a bracketed root to the last bits in a dozen evaluations, not sixty', () => {
    let calls = 0;
    const f = (x: number): number => {
      calls++;
      return Math.log(x) + x - 2; // root 1.5571455989976113
    };
    const root = brentRoot(f, 0.1, 10, f(0.1), f(10));
    expect(Math.abs(root - 1.5571455989976113)).toBeLessThan(1e-15);
    expect(calls).toBeLessThan(15);
    // an end far steeper than the rest (as w is next to -1/max excess) still converges
    const g = (x: number): number => 1 / (x + 1e-9) - 3;
    expect(brentRoot(g, 0, 5, g(0), g(5))).toBeCloseTo(1 / 3 - 1e-9, 14);
    // a root at a bracket's end
    expect(brentRoot((x) => x - 2, 2, 4, 0, 2)).toBe(2);
  });

  it('SPOT threshold formula', () => {
    // z_q = t + sigma/gamma·((q·n/Nt)^-gamma - 1) = 2 + 2·(0.05^-0.5 - 1)
    expect(spotQuantile(2, { gamma: 0.5, sigma: 1, method: 'mle', maxExcess: 9 }, 1e-3, 1000, 20)).toBeCloseTo(2 + 2 * (Math.sqrt(20) - 1), 10);
    // gamma = 0: t - sigma·ln(q·n/Nt)
    expect(spotQuantile(2, { gamma: 0, sigma: 1, method: 'mle', maxExcess: 9 }, 1e-3, 1000, 20)).toBeCloseTo(2 - Math.log(0.05), 10);
  });
});

describe('BiDSpot', () => {
  const cfg = { q: 1e-3, nInit: 200, depth: 10, initLevel: 0.95, minPeaks: 10, maxPeaks: 500, refitFraction: 0.02 };

  it('calibrates, flags both tails relative to the drift, and does not learn alarms', () => {
    const s = new BiDSpot(cfg);
    const rng = new Prng(5);
    const noise = (): number => (rng.next() - 0.5) * 2;
    for (let i = 0; i < 210; i++) expect(s.step(10 + noise()).alarm).toBeNull();
    const th = s.thresholds()!;
    expect(th.upper).toBeGreaterThan(10.5);
    expect(th.lower).toBeLessThan(9.5);
    expect(s.step(30).alarm).toBe('up');
    expect(s.step(-10).alarm).toBe('down');
    expect(s.thresholds()).toEqual(th); // alarms leave the model untouched
    for (let i = 0; i < 200; i++) s.step(10 + i * 0.05 + noise()); // slow drift upward
    expect(s.step(20.2).alarm).toBeNull(); // 20.2 is normal once the level has drifted to ~20
    expect(s.step(10).alarm).toBe('down'); // and the old level is now the anomaly
  });

  it('uses the fallback on degenerate calibration data and stays JSON-safe', () => {
    const s = new BiDSpot(cfg);
    for (let i = 0; i < 210; i++) s.step(5);
    const th = s.thresholds()!;
    expect(Number.isFinite(th.upper) && Number.isFinite(th.lower)).toBe(true);
    expect(s.step(6).alarm).toBe('up');
    const r = new BiDSpot(cfg);
    r.restore(roundTrip(s.state()));
    expect(r.thresholds()).toEqual(s.thresholds());
  });
});

describe('Markov channel over the bucket grid', () => {
  it('combines with the previous bucket only when that is stronger, paying ln 2 for the second look', () => {
    expect(markovSurprisal(12, 3, 0, 0)).toBe(combinedSurprisal(12, 3));
    // two halves of a reversed session: the whole beats either half
    const both = combinedSurprisal(20, 6) - Math.LN2;
    expect(markovSurprisal(10, 3, 10, 3)).toBeCloseTo(both, 12);
    expect(both).toBeGreaterThan(combinedSurprisal(10, 3) + 2.5);
    // a previous bucket of ordinary steps does not dilute this one
    expect(markovSurprisal(20, 4, 0, 4)).toBe(combinedSurprisal(20, 4));
  });
});
