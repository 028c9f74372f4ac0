/**
 * ForceAtlas2 over typed arrays with graphology-layout-forceatlas2's own iteration step: the
 * matrices are built once per layout, iterated in slices, and read back as positions.
 */
import iterate from 'graphology-layout-forceatlas2/iterate.js';

/** Slots per vertex and per edge in graphology-layout-forceatlas2's matrices. */
const PPN = 10;
const PPE = 3;

export class Fa2Job {
  private readonly nodes: Float32Array;
  private readonly edges: Float32Array;
  private readonly settings: Record<string, number | boolean>;
  done = 0;
  ms = 0;

  /** `index` lists the vertices that take part (by their index in the view), `fixed[k]` 1 for those that stay put. */
  constructor(
    readonly index: Int32Array,
    xy: Float32Array,
    radius: Float32Array,
    fixed: Uint8Array,
    pairs: Uint32Array,
    readonly iterations: number,
  ) {
    const n = index.length;
    this.nodes = new Float32Array(n * PPN);
    for (let k = 0; k < n; k++) {
      const i = index[k]!;
      const o = k * PPN;
      this.nodes[o] = xy[2 * i]!;
      this.nodes[o + 1] = xy[2 * i + 1]!;
      this.nodes[o + 6] = 1;
      this.nodes[o + 7] = 1;
      this.nodes[o + 8] = radius[i]!;
      this.nodes[o + 9] = fixed[k]!;
    }
    const m = pairs.length / 2;
    this.edges = new Float32Array(m * PPE);
    for (let e = 0; e < m; e++) {
      const a = pairs[2 * e]!;
      const b = pairs[2 * e + 1]!;
      this.edges[e * PPE] = a * PPN;
      this.edges[e * PPE + 1] = b * PPN;
      this.edges[e * PPE + 2] = 1;
      this.nodes[a * PPN + 6] = this.nodes[a * PPN + 6]! + 1;
      this.nodes[b * PPN + 6] = this.nodes[b * PPN + 6]! + 1;
    }
    this.settings = {
      linLogMode: false,
      outboundAttractionDistribution: false,
      adjustSizes: false,
      edgeWeightInfluence: 1,
      scalingRatio: n > 2000 ? 4 : 8,
      strongGravityMode: true,
      gravity: 0.6,
      slowDown: 1 + Math.log(Math.max(1, n)),
      barnesHutOptimize: n > 400,
      // Coarser far-field sums on big graphs: the picture is the same, each iteration far cheaper.
      barnesHutTheta: n > 2000 ? 0.9 : 0.6,
    };
  }

  get finished(): boolean {
    return this.done >= this.iterations;
  }

  /** Iterate for about `budgetMs`; the sequence of iterations never depends on the budget. */
  run(budgetMs: number): void {
    const t0 = performance.now();
    while (this.done < this.iterations && performance.now() - t0 < budgetMs) {
      iterate(this.settings, this.nodes, this.edges);
      this.done++;
    }
    this.ms += performance.now() - t0;
  }

  /** Write the positions back into the view's xy array. */
  writeTo(xy: Float32Array): void {
    for (let k = 0; k < this.index.length; k++) {
      const i = this.index[k]!;
      xy[2 * i] = this.nodes[k * PPN]!;
      xy[2 * i + 1] = this.nodes[k * PPN + 1]!;
    }
  }
}
