import { describe, expect, it } from 'vitest';
import { compareRuns, createExperimentRun } from './experiment';
import { averagePrecision, bestF1Threshold, metricsAtThreshold, rocAuc } from './metrics';

// Six rows by hand. Sorted by score: 0.9(+) 0.8(-) 0.7(+) 0.6(+) 0.55(-) 0.4(-).
const scores = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4];
const labels = [1, 0, 1, 1, 0, 0];

describe('threshold metrics', () => {
  it('counts precision, recall and F1 at a threshold (score >= t is positive)', () => {
    const m = metricsAtThreshold(scores, labels, 0.6);
    expect([m.tp, m.fp, m.fn, m.tn]).toEqual([3, 1, 0, 2]);
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBe(1);
    expect(m.f1).toBeCloseTo((2 * 0.75) / 1.75, 12); // 0.857142...
  });

  it('gives precision 0 when nothing is predicted positive', () => {
    const m = metricsAtThreshold(scores, labels, 2);
    expect(m.precision).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
  });

  it('finds the best-F1 operating point', () => {
    expect(bestF1Threshold(scores, labels).threshold).toBe(0.6);
  });
});

describe('ROC-AUC (rank based)', () => {
  it('matches the Mann-Whitney count', () => {
    // Positive ranks (ascending) 3, 4, 6: U = 13 - 3*4/2 = 7 of 3*3 pairs.
    expect(rocAuc(scores, labels)).toBeCloseTo(7 / 9, 12);
  });

  it('counts a tie between a positive and a negative as one half', () => {
    // Pairs: (0.5+,0.5-)=0.5, (0.5+,0.2-)=1, (0.8+,0.5-)=1, (0.8+,0.2-)=1 -> 3.5 / 4.
    expect(rocAuc([0.5, 0.5, 0.2, 0.8], [1, 0, 0, 1])).toBeCloseTo(0.875, 12);
    expect(rocAuc([1, 1, 1, 1], [1, 0, 1, 0])).toBeCloseTo(0.5, 12);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    expect(rocAuc([3, 2, 1], [1, 1, 0])).toBe(1);
    expect(rocAuc([1, 2, 3], [1, 1, 0])).toBe(0);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });
});

describe('average precision (PR-AUC)', () => {
  it('sums (R_k - R_k-1) * P_k', () => {
    // Hits at ranks 1, 3, 4: 1/3*1 + 1/3*2/3 + 1/3*3/4 = 0.805555...
    expect(averagePrecision(scores, labels)).toBeCloseTo(1 / 3 + 2 / 9 + 1 / 4, 12);
  });

  it('admits tied rows together', () => {
    // 0.8(+): P=1, R=.5; then the 0.5 tie (+,-): P=2/3, R=1 -> .5 + .5*2/3.
    expect(averagePrecision([0.5, 0.5, 0.2, 0.8], [1, 0, 0, 1])).toBeCloseTo(0.5 + 1 / 3, 12);
    expect(averagePrecision([1, 2], [0, 0])).toBeNaN();
  });
});

describe('experiment runs', () => {
  const base = {
    name: 'baseline',
    createdAt: 1_700_000_000_000,
    modelVersion: 'iforest-behaviour/1',
    featureSetVersion: 'behaviour-features/1',
    labelSource: 'scenario' as const,
    scores,
    labels,
    threshold: 0.6,
  };

  it('records parameters and metrics as plain JSON', () => {
    const run = createExperimentRun({ ...base, parameters: { nTrees: 100, sampleSize: 256 } });
    expect(JSON.parse(JSON.stringify(run))).toEqual(run);
    expect(run.metrics.rocAuc).toBeCloseTo(7 / 9, 12);
    expect(run.metrics.prAuc).toBeCloseTo(0.805556, 5);
    expect(run.metrics.f1).toBeCloseTo(0.857143, 5);
    expect(run.labels).toMatchObject({ rows: 6, positives: 3 });
  });

  it('compares two runs side by side', () => {
    const a = createExperimentRun({ ...base, parameters: { nTrees: 100, sampleSize: 256 } });
    const b = createExperimentRun({ ...base, id: 'b', scores: [0.9, 0.1, 0.8, 0.7, 0.2, 0.3], parameters: { nTrees: 100, sampleSize: 64 } });
    const cmp = compareRuns(a, b);
    expect(cmp.comparable).toBe(true);
    expect(cmp.parameterChanges).toEqual([{ name: 'sampleSize', a: 256, b: 64 }]);
    const auc = cmp.metrics.find((r) => r.metric === 'rocAuc');
    expect(auc?.b).toBe(1);
    expect(auc?.delta).toBeCloseTo(1 - 7 / 9, 12);
  });
});
