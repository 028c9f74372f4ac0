/**
 * Isolation Forest score -> low / medium / high.
 *
 * The paper's reading of s: near 1 is clearly anomalous, around 0.5 or below is not. Fixed
 * cut-offs alone would flag too much on a case where everything is a bit odd, so the cut-offs are
 * the larger of an absolute floor and a quantile of the training scores:
 *   medium: s >= max(0.60, 95th percentile of training scores)
 *   high:   s >= max(0.70, 99th percentile of training scores)
 * That keeps at most ~5% medium-or-high on the data the model was fitted on, and never calls a
 * score below 0.6 (about E[h] >= 0.74 c(psi)) anything but low.
 */
export type RiskLevel = 'low' | 'medium' | 'high';

export interface RiskCutoffs {
  medium: number;
  high: number;
}

export const DEFAULT_RISK_CUTOFFS: RiskCutoffs = { medium: 0.6, high: 0.7 };

export function riskLevel(score: number, cutoffs: RiskCutoffs = DEFAULT_RISK_CUTOFFS): RiskLevel {
  if (score >= cutoffs.high) return 'high';
  if (score >= cutoffs.medium) return 'medium';
  return 'low';
}

export function quantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = Math.min(1, Math.max(0, q)) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

export function calibrateCutoffs(trainingScores: ArrayLike<number>, floor: RiskCutoffs = DEFAULT_RISK_CUTOFFS): RiskCutoffs {
  if (trainingScores.length === 0) return { ...floor };
  const medium = Math.max(floor.medium, quantile(trainingScores, 0.95));
  const high = Math.max(floor.high, quantile(trainingScores, 0.99), medium);
  return { medium, high };
}
