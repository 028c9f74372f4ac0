/**
 * Ranking and threshold metrics against binary labels (1 = true incident / attack, 0 = benign).
 * Conventions follow scikit-learn so numbers can be compared with a Python notebook:
 * precision is 0 when nothing is predicted positive, ROC-AUC gives tied scores their average
 * rank (a tie between a positive and a negative counts one half), average precision sums
 * (R_k - R_{k-1}) * P_k over distinct score thresholds, from the highest down.
 */

export interface ThresholdMetrics {
  threshold: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
}

function check(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new Error(`${scores.length} scores but ${labels.length} labels`);
}

export function prf(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1 };
}

/** Predicted positive when score >= threshold. */
export function metricsAtThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ThresholdMetrics {
  check(scores, labels);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < scores.length; i++) {
    const pos = (labels[i] as number) > 0;
    const pred = (scores[i] as number) >= threshold;
    if (pred && pos) tp++;
    else if (pred) fp++;
    else if (pos) fn++;
    else tn++;
  }
  return { threshold, tp, fp, fn, tn, ...prf(tp, fp, fn) };
}

/** Indices sorted by score descending. */
function orderDesc(scores: ArrayLike<number>): Int32Array {
  const idx = Int32Array.from({ length: scores.length }, (_, i) => i);
  return idx.sort((a, b) => (scores[b] as number) - (scores[a] as number));
}

/** Rank-based ROC-AUC (Mann-Whitney U with average ranks for ties). NaN when a class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(scores, labels);
  const n = scores.length;
  const idx = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let nPos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const s = scores[idx[i] as number] as number;
    while (j + 1 < n && scores[idx[j + 1] as number] === s) j++;
    // Ranks i+1 .. j+1 share their average.
    const avgRank = (i + 1 + (j + 1)) / 2;
    for (let k = i; k <= j; k++) {
      if ((labels[idx[k] as number] as number) > 0) {
        nPos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Average precision (area under the precision-recall curve, step-wise). NaN with no positives. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(scores, labels);
  const idx = orderDesc(scores);
  let totalPos = 0;
  for (let i = 0; i < labels.length; i++) if ((labels[i] as number) > 0) totalPos++;
  if (totalPos === 0) return NaN;
  let tp = 0;
  let seen = 0;
  let prevRecall = 0;
  let ap = 0;
  let i = 0;
  while (i < idx.length) {
    const s = scores[idx[i] as number] as number;
    // A threshold admits every row tied at its score at once.
    while (i < idx.length && scores[idx[i] as number] === s) {
      if ((labels[idx[i] as number] as number) > 0) tp++;
      seen++;
      i++;
    }
    const recall = tp / totalPos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/** The threshold that maximises F1 (ties: the higher threshold), useful as a reported operating point. */
export function bestF1Threshold(scores: ArrayLike<number>, labels: ArrayLike<number>): ThresholdMetrics {
  const distinct = [...new Set(Array.from(scores))].sort((a, b) => b - a);
  let best = metricsAtThreshold(scores, labels, Infinity);
  for (const t of distinct) {
    const m = metricsAtThreshold(scores, labels, t);
    if (m.f1 > best.f1) best = m;
  }
  return best;
}
