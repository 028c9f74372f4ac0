import { describe, expect, it } from 'vitest';
import { IsolationForest, anomalyScoreFromPathLength, averagePathLength, harmonic } from './iforest';
import { matrixFromRows } from './matrix';
import { Prng } from './prng';

describe('c(n), the average path length normaliser', () => {
  it('matches hand-computed values', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBeCloseTo(1, 12); // 2H(1) - 2*1/2 = 2 - 1
    expect(averagePathLength(3)).toBeCloseTo(2 * 1.5 - 4 / 3, 12); // 1.6667
    expect(averagePathLength(4)).toBeCloseTo(2 * (1 + 1 / 2 + 1 / 3) - 6 / 4, 12); // 2.1667
  });

  it('uses an asymptotic harmonic number that agrees with the exact sum', () => {
    let exact = 0;
    for (let k = 1; k <= 255; k++) exact += 1 / k;
    expect(harmonic(255)).toBeCloseTo(exact, 9);
    expect(averagePathLength(256)).toBeCloseTo(2 * exact - (2 * 255) / 256, 9);
    // 10.2487 with the exact H(255); the paper's ln(i) + 0.5772 shortcut (and scikit-learn) give
    // 10.2448. The difference scales every score alike, so rankings and ROC-AUC do not change.
    expect(averagePathLength(256)).toBeCloseTo(10.2487, 3);
  });

  it('maps E[h] = c(psi) to 0.5 and E[h] = 0 to 1', () => {
    expect(anomalyScoreFromPathLength(averagePathLength(256), 256)).toBeCloseTo(0.5, 12);
    expect(anomalyScoreFromPathLength(0, 256)).toBe(1);
  });
});

describe('path length on a hand-built tree', () => {
  // x0 < 5 ? leaf(size 1, depth 1) : (x1 < 2 ? leaf(size 3, depth 2) : leaf(size 2, depth 2))
  const c3 = averagePathLength(3);
  const forest = IsolationForest.fromNodes(
    { roots: [0], feature: [0, -1, 1, -1, -1], value: [5, 1 + 0, 2, 2 + c3, 2 + 1], right: [2, -1, 4, -1, -1] },
    6,
    2,
  );

  it('adds depth and c(leaf size)', () => {
    expect(forest.treePathLength(0, [1, 0])).toBe(1);
    expect(forest.treePathLength(0, [9, 0])).toBeCloseTo(2 + 1.6666667, 6);
    expect(forest.treePathLength(0, [9, 5])).toBe(3);
    expect(forest.treePathLength(0, [5, 2])).toBe(3); // split values go right (x >= split)
  });

  it('scores with 2^(-E[h]/c(psi))', () => {
    expect(forest.scoreRow([1, 0])).toBeCloseTo(Math.pow(2, -1 / averagePathLength(6)), 12);
    const m = matrixFromRows([
      [1, 0],
      [9, 5],
    ]);
    const s = forest.scoreMatrix(m);
    expect(s[0]).toBeCloseTo(forest.scoreRow([1, 0]), 12);
    expect(s[1]).toBeCloseTo(forest.scoreRow([9, 5]), 12);
  });
});

function cluster(seed: number, n: number): number[][] {
  const rng = new Prng(seed);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    // Sum of uniforms: a cheap bell shape around 0.
    rows.push([0, 1, 2].map(() => rng.next() + rng.next() + rng.next() - 1.5));
  }
  return rows;
}

describe('IsolationForest', () => {
  const rows = cluster(3, 2000);
  const m = matrixFromRows(rows);

  it('is reproducible for a seed and differs across seeds', () => {
    const a = IsolationForest.train(m, { seed: 42 }).toJSON();
    const b = IsolationForest.train(m, { seed: 42 }).toJSON();
    const c = IsolationForest.train(m, { seed: 43 }).toJSON();
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('respects the subsample size, tree count and height limit ceil(log2 psi)', () => {
    const f = IsolationForest.train(m, { seed: 1, nTrees: 10, sampleSize: 64 });
    const j = f.toJSON();
    expect(j.psi).toBe(64);
    expect(j.heightLimit).toBe(6);
    expect(j.roots).toHaveLength(10);
    // Walk every tree: no leaf deeper than the limit, leaf sizes sum to psi.
    for (const root of j.roots) {
      let leafSizeSum = 0;
      const walk = (node: number, depth: number): void => {
        expect(depth).toBeLessThanOrEqual(6);
        if ((j.feature[node] as number) < 0) {
          // value = depth + c(size); recover size by search (sizes are small integers).
          const rest = (j.value[node] as number) - depth;
          let size = 1;
          while (Math.abs(averagePathLength(size) - rest) > 1e-9 && size <= 64) size++;
          leafSizeSum += size;
          return;
        }
        walk(node + 1, depth + 1);
        walk(j.right[node] as number, depth + 1);
      };
      walk(root, 0);
      expect(leafSizeSum).toBe(64);
    }
    expect(IsolationForest.train(matrixFromRows(rows.slice(0, 50)), { seed: 1 }).psi).toBe(50);
  });

  it('scores an isolated point high and cluster points around or below 0.5', () => {
    const f = IsolationForest.train(m, { seed: 7 });
    const outlier = f.scoreRow([4, -4, 4]);
    const inlier = f.scoreRow([0, 0, 0]);
    const scores = f.scoreMatrix(m);
    const mean = scores.reduce((s, x) => s + x, 0) / scores.length;
    expect(outlier).toBeGreaterThan(0.7);
    expect(inlier).toBeLessThan(0.5);
    expect(mean).toBeLessThan(0.5);
  });

  it('round-trips through JSON with identical scores', () => {
    const f = IsolationForest.train(m, { seed: 9, nTrees: 20 });
    const g = IsolationForest.fromJSON(JSON.parse(JSON.stringify(f.toJSON())));
    expect(Array.from(g.scoreMatrix(m))).toEqual(Array.from(f.scoreMatrix(m)));
  });

  it('can be fitted on a baseline subset of rows', () => {
    const withOutliers = matrixFromRows([...rows, [6, 6, 6], [6, 6, 6.1]]);
    const baseline = Array.from({ length: rows.length }, (_, i) => i);
    const f = IsolationForest.train(withOutliers, { seed: 2 }, { rows: baseline });
    expect(f.trainedRows).toBe(rows.length);
    expect(f.scoreRow([6, 6, 6])).toBeGreaterThan(0.7);
  });

  it('rejects corrupt or mismatched input', () => {
    const j = IsolationForest.train(m, { seed: 1, nTrees: 2 }).toJSON();
    const bad = { ...j, right: j.right.map((r) => (r > 0 ? 0 : r)) };
    expect(() => IsolationForest.fromJSON(bad)).toThrow(/corrupt/);
    expect(() => IsolationForest.train(matrixFromRows([]), {})).toThrow();
    const f = IsolationForest.fromJSON(j);
    expect(() => f.scoreRow([1, 2])).toThrow(/features/);
  });
});
