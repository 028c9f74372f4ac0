/**
 * Isolation Forest (Liu, Ting & Zhou, ICDM 2008), written from the paper.
 *
 * Trees are stored flat, in pre-order, across all trees: node i's left child is i+1, its right
 * child is right[i]; feature[i] < 0 marks a leaf whose value[i] is the whole path-length
 * contribution (depth + c(leaf size)), precomputed so scoring is a tight loop with no recursion
 * and no per-node objects.
 */
import { type FeatureMatrix } from './matrix';
import { Prng } from './prng';

const EULER_GAMMA = 0.5772156649015329;

export interface IsolationForestParams {
  /** Number of trees t (paper: 100). */
  nTrees: number;
  /** Subsample size psi per tree (paper: 256). Clamped to the number of training rows. */
  sampleSize: number;
  /** PRNG seed; the same seed and data give the same forest. */
  seed: number;
}

export const DEFAULT_IFOREST_PARAMS: IsolationForestParams = { nTrees: 100, sampleSize: 256, seed: 1 };

export const IFOREST_MODEL_KIND = 'isolation-forest';
export const IFOREST_MODEL_VERSION = 1;

export interface IsolationForestJson {
  kind: typeof IFOREST_MODEL_KIND;
  version: number;
  params: IsolationForestParams;
  /** Effective psi (min(sampleSize, training rows)); c(psi) normalises the score. */
  psi: number;
  heightLimit: number;
  nFeatures: number;
  featureNames: string[] | null;
  featureSetVersion: string | null;
  trainedRows: number;
  roots: number[];
  feature: number[];
  value: number[];
  right: number[];
}

/** Harmonic number H(i); exact for small i (c(2) must be exactly 1), asymptotic beyond. */
export function harmonic(i: number): number {
  if (i <= 0) return 0;
  if (i <= 64) {
    let h = 0;
    for (let k = 1; k <= i; k++) h += 1 / k;
    return h;
  }
  return Math.log(i) + EULER_GAMMA + 1 / (2 * i) - 1 / (12 * i * i);
}

/**
 * c(n): average path length of an unsuccessful search in a binary search tree of n points,
 * c(n) = 2H(n-1) - 2(n-1)/n; c(1) = c(0) = 0 and c(2) = 1.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  return 2 * harmonic(n - 1) - (2 * (n - 1)) / n;
}

export function anomalyScoreFromPathLength(meanPathLength: number, psi: number): number {
  const c = averagePathLength(psi);
  return c > 0 ? Math.pow(2, -meanPathLength / c) : 0.5;
}

/** Growable flat node storage used only while building. */
class NodeBuffer {
  feature: Int32Array;
  value: Float64Array;
  right: Int32Array;
  size = 0;

  constructor(capacity: number) {
    this.feature = new Int32Array(capacity);
    this.value = new Float64Array(capacity);
    this.right = new Int32Array(capacity);
  }

  push(feature: number, value: number): number {
    if (this.size === this.feature.length) this.grow();
    const i = this.size++;
    this.feature[i] = feature;
    this.value[i] = value;
    this.right[i] = -1;
    return i;
  }

  private grow(): void {
    const cap = this.feature.length * 2 || 16;
    const f = new Int32Array(cap);
    f.set(this.feature);
    const v = new Float64Array(cap);
    v.set(this.value);
    const r = new Int32Array(cap);
    r.set(this.right);
    this.feature = f;
    this.value = v;
    this.right = r;
  }
}

export class IsolationForest {
  private constructor(
    readonly params: IsolationForestParams,
    readonly psi: number,
    readonly heightLimit: number,
    readonly nFeatures: number,
    readonly featureNames: string[] | null,
    readonly featureSetVersion: string | null,
    readonly trainedRows: number,
    private readonly roots: Int32Array,
    private readonly feature: Int32Array,
    private readonly value: Float64Array,
    private readonly right: Int32Array,
  ) {}

  /**
   * Fit on a matrix, or on a subset of its rows (e.g. a baseline period) given by `rows`.
   * Cost is O(t * psi * log psi * d) plus one pass to draw samples: independent of n beyond that.
   */
  static train(
    m: FeatureMatrix,
    params: Partial<IsolationForestParams> = {},
    meta: { featureNames?: string[]; featureSetVersion?: string; rows?: ArrayLike<number> } = {},
  ): IsolationForest {
    const p: IsolationForestParams = { ...DEFAULT_IFOREST_PARAMS, ...params };
    if (!(p.nTrees >= 1) || !(p.sampleSize >= 2)) throw new Error('nTrees must be >= 1 and sampleSize >= 2');
    if (meta.featureNames && meta.featureNames.length !== m.cols) {
      throw new Error(`featureNames has ${meta.featureNames.length} names for ${m.cols} columns`);
    }
    const pool = meta.rows ? Int32Array.from(meta.rows) : Int32Array.from({ length: m.rows }, (_, i) => i);
    const n = pool.length;
    if (n === 0) throw new Error('cannot train an isolation forest on zero rows');
    const psi = Math.min(p.sampleSize, n);
    const heightLimit = Math.ceil(Math.log2(Math.max(psi, 2)));
    const rng = new Prng(p.seed);
    const nodes = new NodeBuffer(p.nTrees * (2 * psi - 1));
    const roots = new Int32Array(p.nTrees);
    const sample = new Int32Array(psi);
    const cols = m.cols;
    const data = m.data;
    const lo = new Float64Array(cols);
    const hi = new Float64Array(cols);
    const splittable = new Int32Array(cols);

    const build = (start: number, end: number, depth: number): number => {
      const size = end - start;
      if (depth >= heightLimit || size <= 1) return nodes.push(-1, depth + averagePathLength(size));
      // Only features that vary inside the node can split it (as sklearn's random splitter does);
      // a node whose rows are all identical is a leaf, counted with c(size).
      lo.fill(Infinity);
      hi.fill(-Infinity);
      for (let k = start; k < end; k++) {
        const base = (sample[k] as number) * cols;
        for (let j = 0; j < cols; j++) {
          const v = data[base + j] as number;
          if (v < (lo[j] as number)) lo[j] = v;
          if (v > (hi[j] as number)) hi[j] = v;
        }
      }
      let nSplittable = 0;
      for (let j = 0; j < cols; j++) if ((hi[j] as number) > (lo[j] as number)) splittable[nSplittable++] = j;
      if (nSplittable === 0) return nodes.push(-1, depth + averagePathLength(size));
      const q = splittable[Math.floor(rng.next() * nSplittable)] as number;
      const min = lo[q] as number;
      const max = hi[q] as number;
      let split = min + rng.next() * (max - min);
      // Floating point can land exactly on min; then the left side would be empty.
      if (!(split > min)) split = min + (max - min) / 2;
      // In-place partition: rows with x_q < split first.
      let i = start;
      let k = end - 1;
      while (i <= k) {
        if ((data[(sample[i] as number) * cols + q] as number) < split) i++;
        else {
          const t = sample[i] as number;
          sample[i] = sample[k] as number;
          sample[k] = t;
          k--;
        }
      }
      const node = nodes.push(q, split);
      build(start, i, depth + 1);
      nodes.right[node] = build(i, end, depth + 1);
      return node;
    };

    for (let t = 0; t < p.nTrees; t++) {
      // Partial Fisher-Yates over the pool: psi rows without replacement. The pool order left by
      // the previous tree does not bias this: every suffix swap is uniform.
      for (let s = 0; s < psi; s++) {
        const j = s + Math.floor(rng.next() * (n - s));
        const picked = pool[j] as number;
        pool[j] = pool[s] as number;
        pool[s] = picked;
        sample[s] = picked;
      }
      roots[t] = build(0, psi, 0);
    }

    return new IsolationForest(
      p,
      psi,
      heightLimit,
      cols,
      meta.featureNames ? [...meta.featureNames] : null,
      meta.featureSetVersion ?? null,
      n,
      roots,
      nodes.feature.slice(0, nodes.size),
      nodes.value.slice(0, nodes.size),
      nodes.right.slice(0, nodes.size),
    );
  }

  get nodeCount(): number {
    return this.feature.length;
  }

  /** Path length h(x) in one tree, including the c(size) adjustment at the leaf. */
  treePathLength(tree: number, row: ArrayLike<number>): number {
    const feature = this.feature;
    const value = this.value;
    const right = this.right;
    let node = this.roots[tree] as number;
    for (;;) {
      const f = feature[node] as number;
      if (f < 0) return value[node] as number;
      node = (row[f] as number) < (value[node] as number) ? node + 1 : (right[node] as number);
    }
  }

  /** E[h(x)] over all trees. */
  meanPathLength(row: ArrayLike<number>): number {
    if (row.length !== this.nFeatures) throw new Error(`row has ${row.length} features, model expects ${this.nFeatures}`);
    let sum = 0;
    for (let t = 0; t < this.roots.length; t++) sum += this.treePathLength(t, row);
    return sum / this.roots.length;
  }

  /** s(x, psi) = 2^(-E[h(x)] / c(psi)); near 1 is anomalous, at or below 0.5 is ordinary. */
  scoreRow(row: ArrayLike<number>): number {
    return anomalyScoreFromPathLength(this.meanPathLength(row), this.psi);
  }

  scoreMatrix(m: FeatureMatrix): Float64Array {
    if (m.cols !== this.nFeatures) throw new Error(`matrix has ${m.cols} columns, model expects ${this.nFeatures}`);
    const { feature, value, right, roots } = this;
    const data = m.data;
    const cols = m.cols;
    const nTrees = roots.length;
    const cPsi = averagePathLength(this.psi);
    const sums = new Float64Array(m.rows);
    // Tree-major order: one tree's few hundred nodes stay in cache while every row walks it.
    for (let t = 0; t < nTrees; t++) {
      const root = roots[t] as number;
      for (let r = 0; r < m.rows; r++) {
        const base = r * cols;
        let node = root;
        let f = feature[node] as number;
        while (f >= 0) {
          node = (data[base + f] as number) < (value[node] as number) ? node + 1 : (right[node] as number);
          f = feature[node] as number;
        }
        sums[r] = (sums[r] as number) + (value[node] as number);
      }
    }
    for (let r = 0; r < m.rows; r++) sums[r] = cPsi > 0 ? Math.pow(2, -(sums[r] as number) / nTrees / cPsi) : 0.5;
    return sums;
  }

  toJSON(): IsolationForestJson {
    return {
      kind: IFOREST_MODEL_KIND,
      version: IFOREST_MODEL_VERSION,
      params: { ...this.params },
      psi: this.psi,
      heightLimit: this.heightLimit,
      nFeatures: this.nFeatures,
      featureNames: this.featureNames ? [...this.featureNames] : null,
      featureSetVersion: this.featureSetVersion,
      trainedRows: this.trainedRows,
      roots: Array.from(this.roots),
      feature: Array.from(this.feature),
      value: Array.from(this.value),
      right: Array.from(this.right),
    };
  }

  static fromJSON(json: IsolationForestJson): IsolationForest {
    if (json.kind !== IFOREST_MODEL_KIND || json.version !== IFOREST_MODEL_VERSION) {
      throw new Error(`unsupported model ${String(json.kind)} v${String(json.version)}`);
    }
    const n = json.feature.length;
    if (json.value.length !== n || json.right.length !== n) throw new Error('corrupt model: node arrays differ in length');
    for (const r of json.roots) if (!(r >= 0 && r < n)) throw new Error('corrupt model: root out of range');
    for (let i = 0; i < n; i++) {
      const f = json.feature[i] as number;
      if (f >= json.nFeatures) throw new Error('corrupt model: feature index out of range');
      // A malformed right pointer would loop forever or read out of bounds while scoring.
      if (f >= 0 && !((json.right[i] as number) > i + 1 && (json.right[i] as number) < n)) {
        throw new Error('corrupt model: child pointer out of range');
      }
    }
    return new IsolationForest(
      { ...json.params },
      json.psi,
      json.heightLimit,
      json.nFeatures,
      json.featureNames ? [...json.featureNames] : null,
      json.featureSetVersion,
      json.trainedRows,
      Int32Array.from(json.roots),
      Int32Array.from(json.feature),
      Float64Array.from(json.value),
      Int32Array.from(json.right),
    );
  }

  /** For tests: build a forest from explicit flat arrays (hand-made trees). */
  static fromNodes(
    nodes: { roots: number[]; feature: number[]; value: number[]; right: number[] },
    psi: number,
    nFeatures: number,
  ): IsolationForest {
    return IsolationForest.fromJSON({
      kind: IFOREST_MODEL_KIND,
      version: IFOREST_MODEL_VERSION,
      params: { nTrees: nodes.roots.length, sampleSize: psi, seed: 0 },
      psi,
      heightLimit: Math.ceil(Math.log2(Math.max(psi, 2))),
      nFeatures,
      featureNames: null,
      featureSetVersion: null,
      trainedRows: psi,
      ...nodes,
    });
  }
}
