/**
 * Generalized Pareto fit to peaks-over-threshold excesses, and the SPOT tail quantile.
 *
 * Maximum likelihood uses Grimshaw's reduction (as in Siffer et al. 2017): with x = gamma/sigma
 * the 2-D likelihood problem becomes the 1-D root problem
 *   w(x) = u(x)·v(x) - 1 = 0,  u(x) = mean 1/(1 + x·Y),  v(x) = 1 + mean ln(1 + x·Y),
 * on (-1/Ymax, 0) and (0, 2(mean - Ymin)/(mean·Ymin)); each root gives gamma = v(x) - 1,
 * sigma = gamma/x. x = 0 is always a trivial root, so we scan a log-spaced grid on both sides
 * (roots sit close to 0 when gamma is small), solve every sign change (Brent), and keep the candidate
 * with the highest likelihood, the exponential (gamma = 0, sigma = mean) included.
 *
 * Fallbacks, because a thresholder must always answer:
 *  - fewer than `minPeaks` excesses, or no finite candidate: method of moments,
 *    gamma = (1 - m²/s²)/2, sigma = m(1 + m²/s²)/2 (valid for gamma < 1/2, which it returns);
 *  - fewer than two excesses or zero variance: "empirical" — no tail model; the quantile is the
 *    largest excess seen, i.e. the threshold sits at the largest value observed so far. The
 *    risk q is far below 1/n there, so the empirical quantile can say nothing finer.
 */
/** Grid points per side: 8 decades at 5 points each is enough to bracket the roots, then Brent. */
const GRID_STEPS = 40;

export type GpdMethod = 'mle' | 'moments' | 'empirical' | 'shrunk';

export interface GpdFit {
  gamma: number;
  sigma: number;
  method: GpdMethod;
  /** Largest excess, used by the empirical fallback. */
  maxExcess: number;
}

export function gpdLogLikelihood(y: readonly number[], gamma: number, sigma: number): number {
  if (!(sigma > 0)) return -Infinity;
  const n = y.length;
  if (Math.abs(gamma) < 1e-12) {
    let s = 0;
    for (const v of y) s += v;
    return -n * Math.log(sigma) - s / sigma;
  }
  let s = 0;
  for (const v of y) {
    const t = 1 + (gamma * v) / sigma;
    if (t <= 0) return -Infinity;
    s += Math.log(t);
  }
  return -n * Math.log(sigma) - (1 + 1 / gamma) * s;
}

function w(y: readonly number[], x: number): number {
  let u = 0;
  let v = 0;
  for (const yi of y) {
    const t = 1 + x * yi;
    u += 1 / t;
    v += Math.log(t);
  }
  const n = y.length;
  return (u / n) * (1 + v / n) - 1;
}

function gammaAt(y: readonly number[], x: number): number {
  let v = 0;
  for (const yi of y) v += Math.log(1 + x * yi);
  return v / y.length;
}

/**
 * A root of `f` in [a, b], whose ends have values of opposite sign, by Brent's method: inverse
 * quadratic or secant steps where they shrink the bracket fast enough, bisection where they do
 * not. It reaches the root to about 2 ulp of it in ten-odd evaluations of `f` where plain
 * bisection took sixty; each costs a pass over every peak with a logarithm per peak, and the
 * refits were the ensemble's largest cost. `tiny`: an absolute tolerance for roots near 0.
 */
export function brentRoot(f: (x: number) => number, a0: number, b0: number, fa0: number, fb0: number, tiny = 1e-300): number {
  let a = a0;
  let b = b0;
  let fa = fa0;
  let fb = fb0;
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let i = 0; i < 200; i++) {
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + tiny;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb) && Number.isFinite(fa) && Number.isFinite(fc)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
    if (fb > 0 === fc > 0) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
  }
  return b;
}

/** Points from `end` toward 0 on a log scale: end·10^(-k·span/steps). */
function logGrid(end: number, steps: number, span: number): number[] {
  const pts: number[] = [];
  for (let k = 0; k <= steps; k++) pts.push(end * Math.pow(10, (-k * span) / steps));
  return pts;
}

function momentsFit(y: readonly number[], maxExcess: number): GpdFit | null {
  const n = y.length;
  if (n < 2) return null;
  let m = 0;
  for (const v of y) m += v;
  m /= n;
  let s2 = 0;
  for (const v of y) s2 += (v - m) * (v - m);
  s2 /= n - 1;
  if (!(s2 > 0) || !(m > 0)) return null;
  const r = (m * m) / s2;
  const gamma = 0.5 * (1 - r);
  const sigma = 0.5 * m * (r + 1);
  if (!Number.isFinite(gamma) || !(sigma > 0)) return null;
  return { gamma, sigma, method: 'moments', maxExcess };
}

export function fitGpd(excesses: readonly number[], minPeaks = 10): GpdFit {
  const y = excesses;
  let maxExcess = 0;
  let minExcess = Infinity;
  let mean = 0;
  for (const v of y) {
    if (v > maxExcess) maxExcess = v;
    if (v < minExcess) minExcess = v;
    mean += v;
  }
  mean /= Math.max(1, y.length);
  const empirical: GpdFit = { gamma: 0, sigma: 0, method: 'empirical', maxExcess };
  if (y.length < minPeaks || !(mean > 0)) return momentsFit(y, maxExcess) ?? empirical;

  const candidates: { gamma: number; sigma: number }[] = [{ gamma: 0, sigma: mean }];
  const roots: number[] = [];
  const scan = (pts: number[]): void => {
    let prevX = pts[0]!;
    let prevW = w(y, prevX);
    for (let i = 1; i < pts.length; i++) {
      const x = pts[i]!;
      const wx = w(y, x);
      if (Number.isFinite(prevW) && Number.isFinite(wx) && wx !== 0 && prevW !== 0 && wx > 0 !== prevW > 0) {
        roots.push(brentRoot((t) => w(y, t), prevX, x, prevW, wx));
      }
      prevX = x;
      prevW = wx;
    }
  };
  const lower = (-1 / maxExcess) * (1 - 1e-9);
  scan(logGrid(lower, GRID_STEPS, 8));
  if (minExcess > 0) {
    const upper = (2 * (mean - minExcess)) / (mean * minExcess);
    if (upper > 0) scan(logGrid(upper, GRID_STEPS, 8));
  }
  for (const x of roots) {
    const gamma = gammaAt(y, x);
    const sigma = gamma / x;
    if (Number.isFinite(gamma) && sigma > 0 && Number.isFinite(sigma)) candidates.push({ gamma, sigma });
  }
  let best: GpdFit | null = null;
  let bestLl = -Infinity;
  for (const c of candidates) {
    const ll = gpdLogLikelihood(y, c.gamma, c.sigma);
    if (ll > bestLl) {
      bestLl = ll;
      best = { gamma: c.gamma, sigma: c.sigma, method: 'mle', maxExcess };
    }
  }
  return best ?? momentsFit(y, maxExcess) ?? empirical;
}

/**
 * σ maximizing the GPD likelihood of `y` for a fixed shape γ: the root of
 * (1+γ)/n · Σ y/(σ + γy) = 1, which is decreasing in σ (solved on a log scale).
 */
export function profileSigma(y: readonly number[], gamma: number): number {
  let maxY = 0;
  let mean = 0;
  for (const v of y) {
    if (v > maxY) maxY = v;
    mean += v;
  }
  mean /= Math.max(1, y.length);
  const h = (sigma: number): number => {
    let s = 0;
    for (const v of y) s += v / (sigma + gamma * v);
    return ((1 + gamma) * s) / y.length - 1;
  };
  const lo = Math.max(1e-12, gamma < 0 ? -gamma * maxY * (1 + 1e-9) : 1e-12);
  let hi = Math.max(lo * 2, mean * (1 + Math.abs(gamma)) * 4, 1e-9);
  for (let i = 0; i < 60 && h(hi) > 0; i++) hi *= 2;
  // On a log scale, where the bracket spans many decades: u = ln σ, to 1e-15 of σ.
  const g = (u: number): number => h(Math.exp(u));
  const a = Math.log(lo);
  const b = Math.log(hi);
  const ga = g(a);
  const gb = g(b);
  if (!(ga > 0)) return lo;
  if (!(gb < 0)) return hi;
  return Math.exp(brentRoot(g, a, b, ga, gb, 1e-15));
}

/**
 * The fit with its shape shrunk toward 0 (the exponential tail) under a N(0, priorSd²) prior,
 * by the normal approximation to the posterior: the MLE's shape has variance ≈ (1+γ)²/n, so
 * γ' = γ · nτ² / (nτ² + (1+γ)²), and σ is refitted for γ'. With a few dozen peaks a GPD shape
 * is noise (one stray peak made it 0.8 and put the threshold at 50 where every normal value was
 * under 3), while the maxima of calibrated surprisals have an exponential tail in theory;
 * with hundreds of peaks the data decide. Empirical fits are returned as they are.
 */
export function shrinkShape(fit: GpdFit, y: readonly number[], priorSd: number): GpdFit {
  if (fit.method === 'empirical' || !(priorSd > 0) || y.length < 2) return fit;
  const n = y.length;
  const g = fit.gamma;
  const prior = n * priorSd * priorSd;
  const gamma = (g * prior) / (prior + (1 + g) * (1 + g));
  const sigma = profileSigma(y, gamma);
  if (!Number.isFinite(sigma) || !(sigma > 0)) return fit;
  return { gamma, sigma, method: 'shrunk', maxExcess: fit.maxExcess };
}

/**
 * SPOT's threshold for risk q: z_q = t + (sigma/gamma)·((q·n/Nt)^(-gamma) - 1), or
 * t - sigma·ln(q·n/Nt) when gamma = 0; n = observations so far, Nt = excesses over t.
 */
export function spotQuantile(t: number, fit: GpdFit, q: number, n: number, peaks: number): number {
  if (fit.method === 'empirical' || peaks === 0) return t + fit.maxExcess;
  const r = (q * n) / peaks;
  if (Math.abs(fit.gamma) < 1e-12) return t - fit.sigma * Math.log(r);
  return t + (fit.sigma / fit.gamma) * (Math.pow(r, -fit.gamma) - 1);
}
