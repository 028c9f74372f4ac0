/**
 * Tail probabilities for counts and for combined evidence, in log space because the
 * anomalies we care about sit at p = 1e-30 and below, where p itself underflows nothing but
 * loses every digit that distinguishes "rare" from "impossible".
 *
 * Scores built from these are surprisals, -ln p, in nats: under the model they are
 * roughly Exp(1) distributed, so a score means the same thing on every key and channel
 * (10 nats ≈ one chance in 22 000), which raw z-scores of overdispersed counts never did.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(z) for z > 0 (Lanczos, g = 7; ~15 significant digits). */
export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - logGamma(1 - z);
  const x = z - 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-15;
const TINY = 1e-300;

/** ln of the series Σ xⁿ / ((a+1)…(a+n)), used for P(a, x) when x < a + 1. */
function logSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 1000; n++) {
    term *= x / (a + n);
    sum += term;
    if (term < sum * EPS) break;
  }
  return Math.log(sum);
}

/** ln of the continued fraction for Q(a, x) when x ≥ a + 1 (modified Lentz). */
function logFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.log(h);
}

/** ln P(a, x), the regularized lower incomplete gamma function; a > 0, x ≥ 0. */
export function logLowerGamma(a: number, x: number): number {
  if (x <= 0) return -Infinity;
  const front = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) return front + logSeries(a, x);
  return Math.log1p(-Math.exp(front + logFraction(a, x)));
}

/** ln Q(a, x) = ln(1 - P(a, x)). */
export function logUpperGamma(a: number, x: number): number {
  if (x <= 0) return 0;
  const front = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) return Math.log1p(-Math.exp(front + logSeries(a, x)));
  return front + logFraction(a, x);
}

/** ln of the continued fraction of the incomplete beta function (modified Lentz). */
function logBetaFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.log(h);
}

/** ln I_x(a, b), the regularized incomplete beta function; a, b > 0, 0 ≤ x ≤ 1. */
export function logIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return -Infinity;
  if (x >= 1) return 0;
  const front = a * Math.log(x) + b * Math.log1p(-x) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return front - Math.log(a) + logBetaFraction(x, a, b);
  return Math.log1p(-Math.exp(front - Math.log(b) + logBetaFraction(1 - x, b, a)));
}

/**
 * Counts have a mean μ and a variance φ·μ (φ ≥ 1): log lines come in clusters (a web page is
 * ten requests, an app flow five lines), which makes the variance several times the mean.
 * Two models of that, each used on the side where it is the cautious one:
 *  - upper tail: negative binomial (r = μ/(φ−1), p = 1/φ), whose tail is geometric, as heavy
 *    as clustered traffic really is (an ordinary minute with three page loads instead of one
 *    is not 10⁻⁶, as a Poisson stretched to the same variance would say);
 *  - lower tail and CUSUM: clusters, X/φ ~ Poisson(μ/φ). An empty minute then has probability
 *    e^(−μ/φ), "no cluster started", which is what it is; the negative binomial puts far less
 *    mass at zero and made single empty minutes of a busy service look like outages.
 * With φ ≈ 1 both are the Poisson. The tails use the incomplete beta and gamma functions,
 * which extend them to non-integer counts (seasonally adjusted ones).
 */
export const MIN_RATE = 1e-3;
/** Below this dispersion the negative binomial is numerically a Poisson. */
const POISSON_BELOW = 1.02;

/** −ln P(X ≥ x); 0 when x is at or below the mean (only the upper side is scored here). */
export function surprisalAbove(x: number, mean: number, dispersion: number): number {
  const mu = mean < MIN_RATE ? MIN_RATE : mean;
  if (x <= mu) return 0;
  if (dispersion < POISSON_BELOW) return -logLowerGamma(x, mu);
  return -logIncompleteBeta(1 - 1 / dispersion, x, mu / (dispersion - 1));
}

/** −ln P(X ≤ x); 0 when x is at or above the mean. */
export function surprisalBelow(x: number, mean: number, dispersion: number): number {
  if (x >= mean || mean <= MIN_RATE) return 0;
  const phi = dispersion < 1 ? 1 : dispersion;
  return -logUpperGamma(x / phi + 1, mean / phi);
}

/**
 * ln [P1(x) / P0(x)] for the cluster model X/φ ~ Poisson(μ/φ) at two means, μ1 = ratio·μ0 and
 * μ0, with the dispersion held fixed (the clustering of a source does not change when its
 * rate does): (x/φ)·ln(ratio) − (μ1 − μ0)/φ.
 */
export function logLikelihoodRatio(x: number, mean: number, ratio: number, dispersion: number): number {
  const mu0 = mean < MIN_RATE ? MIN_RATE : mean;
  const phi = dispersion < 1 ? 1 : dispersion;
  return ((x * Math.log(ratio)) - mu0 * (ratio - 1)) / phi;
}

/**
 * Fisher's combination: with k independent p-values whose −ln sum to s, the chance of a sum
 * at least that large is Q(k, s) (a sum of k Exp(1) is Gamma(k, 1)). Returned as −ln of it.
 */
export function combinedSurprisal(logSum: number, k: number): number {
  if (k <= 0 || logSum <= 0) return 0;
  return -logUpperGamma(k, logSum);
}
