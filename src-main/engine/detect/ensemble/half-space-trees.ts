import type { AnomalyDetector } from './detector';
import { Prng } from './prng';

/**
 * Half-Space Trees (Tan, Ting & Liu 2011) over features in [0, 1].
 *
 * Each tree is a complete binary tree stored heap-style (children of i are 2i+1, 2i+2) in flat
 * typed arrays shared by all trees, because the per-event cost (one root-to-leaf walk per tree)
 * is the ensemble's hot path. Mass is counted in the latest window; every `windowSize` events it
 * becomes the reference profile that scores are read from (the paper's window swap).
 *
 * Score: the paper's mass score sums r(node)·2^depth at the node where the walk stops (a leaf,
 * or a node whose reference mass is below `sizeLimit`); higher means normal. We report
 * log2((M+1)/(m+1)) / log2(M+1), with m the per-tree mean and M = windowSize·2^height its
 * maximum, so higher means anomalous and the scale is logarithmic: the raw mass of normal points
 * varies over orders of magnitude, and on a linear scale an empty half-space (m = 0) would sit
 * only a few percent above a thin but normal one, too close for the blender's z-score to see.
 *
 * Speed, exactly: inputs are quantized to 1/256 per dimension (far finer than the splits, which
 * halve work ranges at least two units wide only `height` times). A quantized point always walks
 * the same paths, and the reference profile only changes at a window swap, so
 *  - its score is computed once per window and cached;
 *  - the latest window is kept as counts per quantized point, and its node masses are built at
 *    the swap by walking each distinct point once with its count.
 * Log lines repeat (same template, similar lengths), so per event this is one Map lookup instead
 * of trees·height node visits, and the result is identical to walking every event.
 */
export interface HalfSpaceTreesConfig {
  trees: number;
  height: number;
  windowSize: number;
  /** Fraction of windowSize below which a node is too thin to descend further (paper: 0.1). */
  sizeLimitFraction: number;
  dimensions: number;
  seed: number;
}

export const DEFAULT_HST: Omit<HalfSpaceTreesConfig, 'dimensions'> = {
  trees: 25,
  height: 8,
  windowSize: 250,
  sizeLimitFraction: 0.1,
  seed: 42,
};

export interface HalfSpaceTreesState {
  trees: number;
  height: number;
  windowSize: number;
  sizeLimitFraction: number;
  dimensions: number;
  /** Split dimension per internal node, tree after tree. */
  splitDims: number[];
  splitValues: number[];
  reference: number[];
  /** Latest window as [quantized point, events]. */
  latest: [number, number][];
  /** Events counted in the latest window so far. */
  filled: number;
  hasReference: boolean;
}

const LEVELS = 256;

interface Cell {
  count: number;
  /** Score against the current reference; NaN until computed in this window. */
  score: number;
}

export class HalfSpaceTrees implements AnomalyDetector<ArrayLike<number>, HalfSpaceTreesState> {
  private trees: number;
  private height: number;
  private windowSize: number;
  private sizeLimitFraction: number;
  private dimensions: number;
  private internal: number;
  private nodes: number;
  private splitDims: Uint8Array;
  private splitValues: Float64Array;
  private reference: Float64Array<ArrayBufferLike>;
  private spare: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private latest = new Map<number, Cell>();
  private filled = 0;
  private hasReference = false;
  private readonly point: Float64Array;

  constructor(config: HalfSpaceTreesConfig) {
    if (config.dimensions > 6) throw new Error('quantized keys hold at most 6 dimensions');
    this.trees = config.trees;
    this.height = config.height;
    this.windowSize = config.windowSize;
    this.sizeLimitFraction = config.sizeLimitFraction;
    this.dimensions = config.dimensions;
    this.internal = (1 << config.height) - 1;
    this.nodes = (1 << (config.height + 1)) - 1;
    this.splitDims = new Uint8Array(this.trees * this.internal);
    this.splitValues = new Float64Array(this.trees * this.internal);
    this.reference = new Float64Array(this.trees * this.nodes);
    this.point = new Float64Array(config.dimensions);
    this.build(new Prng(config.seed));
  }

  /**
   * Work ranges follow the paper: per dimension a random s in [0,1] and the range
   * [s - 2·max(s, 1-s), s + 2·max(s, 1-s)], which always covers [0, 1] but places the halving
   * points differently in every tree. Splits halve the node's current range of the chosen dimension.
   */
  private build(rng: Prng): void {
    const lo = new Float64Array(this.dimensions);
    const hi = new Float64Array(this.dimensions);
    for (let t = 0; t < this.trees; t++) {
      for (let q = 0; q < this.dimensions; q++) {
        const s = rng.next();
        const r = 2 * Math.max(s, 1 - s);
        lo[q] = s - r;
        hi[q] = s + r;
      }
      this.buildNode(rng, t, 0, lo, hi);
    }
  }

  private buildNode(rng: Prng, tree: number, node: number, lo: Float64Array, hi: Float64Array): void {
    if (node >= this.internal) return;
    const q = rng.int(this.dimensions);
    const mid = (lo[q]! + hi[q]!) / 2;
    this.splitDims[tree * this.internal + node] = q;
    this.splitValues[tree * this.internal + node] = mid;
    const saved = hi[q]!;
    hi[q] = mid;
    this.buildNode(rng, tree, 2 * node + 1, lo, hi);
    hi[q] = saved;
    const savedLo = lo[q]!;
    lo[q] = mid;
    this.buildNode(rng, tree, 2 * node + 2, lo, hi);
    lo[q] = savedLo;
  }

  get warm(): boolean {
    return this.hasReference;
  }

  /** Packs the quantized point into one number (8 bits per dimension, at most 48 bits). */
  private key(x: ArrayLike<number>): number {
    let k = 0;
    for (let q = 0; q < this.dimensions; q++) {
      const v = x[q]!;
      const level = v >= 1 ? LEVELS - 1 : v <= 0 ? 0 : Math.floor(v * LEVELS);
      k = k * LEVELS + level;
    }
    return k;
  }

  /** The representative point of a key: the centre of its cell. */
  private unpack(key: number): Float64Array {
    let k = key;
    for (let q = this.dimensions - 1; q >= 0; q--) {
      const level = k % LEVELS;
      this.point[q] = (level + 0.5) / LEVELS;
      k = (k - level) / LEVELS;
    }
    return this.point;
  }

  score(x: ArrayLike<number>): number | null {
    if (!this.hasReference) return null;
    const key = this.key(x);
    const cell = this.latest.get(key);
    if (cell !== undefined && !Number.isNaN(cell.score)) return cell.score;
    return this.scoreKey(key);
  }

  learn(x: ArrayLike<number>): void {
    this.count(this.key(x), NaN);
  }

  /** Same result as score(x) then learn(x). */
  scoreAndLearn(x: ArrayLike<number>): number | null {
    const key = this.key(x);
    const cell = this.latest.get(key);
    let score: number | null = null;
    if (this.hasReference) {
      if (cell !== undefined && !Number.isNaN(cell.score)) score = cell.score;
      else score = this.scoreKey(key);
    }
    if (cell !== undefined) {
      cell.count++;
      if (score !== null) cell.score = score;
      this.advanceWindow();
    } else this.count(key, score ?? NaN);
    return score;
  }

  private count(key: number, score: number): void {
    const cell = this.latest.get(key);
    if (cell === undefined) this.latest.set(key, { count: 1, score });
    else cell.count++;
    this.advanceWindow();
  }

  private scoreKey(key: number): number {
    const x = this.unpack(key);
    let mass = 0;
    for (let t = 0; t < this.trees; t++) mass += this.massAt(t, x);
    return this.normalise(mass);
  }

  /** The paper's Score(x, T): r·2^depth at the first node that is a leaf or too thin. */
  private massAt(tree: number, x: Float64Array): number {
    const base = tree * this.nodes;
    const splitBase = tree * this.internal;
    const limit = this.sizeLimitFraction * this.windowSize;
    const ref = this.reference;
    let node = 0;
    let depth = 0;
    for (;;) {
      const r = ref[base + node]!;
      if (node >= this.internal || r <= limit) return r * (1 << depth);
      node = x[this.splitDims[splitBase + node]!]! < this.splitValues[splitBase + node]! ? 2 * node + 1 : 2 * node + 2;
      depth++;
    }
  }

  private advanceWindow(): void {
    if (++this.filled < this.windowSize) return;
    // Double buffer: the old reference becomes the scratch space for the next profile.
    const mass = this.spare.length === this.reference.length ? this.spare : new Float64Array(this.reference.length);
    mass.fill(0);
    const splitDims = this.splitDims;
    const splitValues = this.splitValues;
    const internal = this.internal;
    for (const [key, cell] of this.latest) {
      const x = this.unpack(key);
      for (let t = 0; t < this.trees; t++) {
        const base = t * this.nodes;
        const splitBase = t * internal;
        const n = cell.count;
        let node = 0;
        for (;;) {
          mass[base + node]! += n;
          if (node >= internal) break;
          node = x[splitDims[splitBase + node]!]! < splitValues[splitBase + node]! ? 2 * node + 1 : 2 * node + 2;
        }
      }
    }
    this.spare = this.reference;
    this.reference = mass;
    this.latest = new Map();
    this.filled = 0;
    this.hasReference = true;
  }

  private normalise(massSum: number): number {
    const max = this.windowSize * (1 << this.height);
    const m = massSum / this.trees;
    return Math.log2((max + 1) / (m + 1)) / Math.log2(max + 1);
  }

  state(): HalfSpaceTreesState {
    return {
      trees: this.trees,
      height: this.height,
      windowSize: this.windowSize,
      sizeLimitFraction: this.sizeLimitFraction,
      dimensions: this.dimensions,
      splitDims: Array.from(this.splitDims),
      splitValues: Array.from(this.splitValues),
      reference: Array.from(this.reference),
      latest: [...this.latest].map(([k, c]) => [k, c.count]),
      filled: this.filled,
      hasReference: this.hasReference,
    };
  }

  /** Score caches are not state: they are recomputed from the reference on demand. */
  restore(s: HalfSpaceTreesState): void {
    this.trees = s.trees;
    this.height = s.height;
    this.windowSize = s.windowSize;
    this.sizeLimitFraction = s.sizeLimitFraction;
    this.dimensions = s.dimensions;
    this.internal = (1 << s.height) - 1;
    this.nodes = (1 << (s.height + 1)) - 1;
    this.splitDims = Uint8Array.from(s.splitDims);
    this.splitValues = Float64Array.from(s.splitValues);
    this.reference = Float64Array.from(s.reference);
    this.latest = new Map(s.latest.map(([k, count]) => [k, { count, score: NaN }]));
    this.filled = s.filled;
    this.hasReference = s.hasReference;
  }
}
