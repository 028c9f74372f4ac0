/**
 * PageRank, Louvain communities and betweenness over a snapshot of the entity graph, with the
 * graphology packages. The snapshot is plain typed arrays so it can cross to a worker thread.
 *
 * `computeMetrics` is deliberately self-contained (no module-level references, the libraries come
 * in as a parameter): the background worker runs its very source text (see compute-worker.ts), so
 * the code tested here is the code that runs in the worker, under vitest and in the bundled app.
 */
import Graph from 'graphology';
import louvain from 'graphology-communities-louvain';
import betweenness from 'graphology-metrics/centrality/betweenness.js';
import pagerank from 'graphology-metrics/centrality/pagerank.js';

/** Undirected, merged, weighted edges between dense vertex indices 0..n-1. */
export interface MetricsInput {
  n: number;
  src: Int32Array;
  dst: Int32Array;
  weight: Float64Array;
  /** Louvain's random seed: the same graph and seed give the same communities. */
  seed: number;
  /** Exact betweenness up to this many vertices; above it, over the top-PageRank core of that size. */
  betweennessMax: number;
}

export interface MetricsOutput {
  pagerank: Float64Array;
  community: Int32Array;
  /** NaN where not computed (outside the core of a big graph). */
  betweenness: Float64Array;
  communities: number;
  modularity: number | null;
  betweennessMode: 'exact' | 'core';
  ms: { pagerank: number; louvain: number; betweenness: number };
}

export type MetricsPhase = 'pagerank' | 'louvain' | 'betweenness';

export interface MetricsLibs {
  Graph: typeof Graph;
  louvain: typeof louvain;
  pagerank: typeof pagerank;
  betweenness: typeof betweenness;
}

export const LIBS: MetricsLibs = { Graph, louvain, pagerank, betweenness };

export function computeMetrics(input: MetricsInput, libs: MetricsLibs, onPhase?: (phase: MetricsPhase) => void): MetricsOutput {
  const n = input.n;
  const g = new libs.Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
  for (let i = 0; i < n; i++) g.addNode(i);
  for (let k = 0; k < input.src.length; k++) {
    const a = input.src[k] as number;
    const b = input.dst[k] as number;
    if (a !== b && !g.hasEdge(a, b)) g.addEdge(a, b, { weight: input.weight[k] as number });
  }

  onPhase?.('pagerank');
  let t = Date.now();
  const pr = new Float64Array(n);
  if (n > 0) {
    let ranks: Record<string, number>;
    try {
      ranks = libs.pagerank(g, { getEdgeWeight: 'weight', alpha: 0.85, maxIterations: 200, tolerance: 1e-10 });
    } catch {
      // Power iteration that has not settled to 1e-10 per vertex is still a fine ranking at 1e-6.
      ranks = libs.pagerank(g, { getEdgeWeight: 'weight', alpha: 0.85, maxIterations: 1000, tolerance: 1e-6 });
    }
    for (let i = 0; i < n; i++) pr[i] = ranks[i] ?? 0;
  }
  const msPagerank = Date.now() - t;

  onPhase?.('louvain');
  t = Date.now();
  const community = new Int32Array(n).fill(-1);
  let modularity: number | null = null;
  let communities = 0;
  if (g.size > 0) {
    // mulberry32: a tiny seeded generator, so a case gets the same communities on every run.
    let s = input.seed >>> 0;
    const rng = () => {
      s = (s + 0x6d2b79f5) >>> 0;
      let x = s;
      x = Math.imul(x ^ (x >>> 15), x | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
    };
    const out = libs.louvain.detailed(g, { getEdgeWeight: 'weight', rng, resolution: 1 });
    modularity = out.modularity;
    // Renumber by size (largest is 0), ties by lowest member, so ids read the same every run.
    const raw = new Int32Array(n).fill(-1);
    const size = new Map<number, number>();
    const lowest = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const c = out.communities[i];
      if (c === undefined) continue;
      raw[i] = c;
      size.set(c, (size.get(c) ?? 0) + 1);
      if (!lowest.has(c)) lowest.set(c, i);
    }
    const order = [...size.keys()].sort((a, b) => (size.get(b) as number) - (size.get(a) as number) || (lowest.get(a) as number) - (lowest.get(b) as number));
    const renumber = new Map<number, number>();
    order.forEach((c, k) => renumber.set(c, k));
    for (let i = 0; i < n; i++) if ((raw[i] as number) >= 0) community[i] = renumber.get(raw[i] as number) as number;
    communities = order.length;
  }
  // Isolated vertices (no edge) are communities of their own, numbered after the rest.
  for (let i = 0; i < n; i++) if (community[i] === -1) community[i] = communities++;
  const msLouvain = Date.now() - t;

  onPhase?.('betweenness');
  t = Date.now();
  const btw = new Float64Array(n).fill(NaN);
  let mode: 'exact' | 'core' = 'exact';
  if (n > 0 && n <= input.betweennessMax) {
    const b = libs.betweenness(g, { getEdgeWeight: null, normalized: true });
    for (let i = 0; i < n; i++) btw[i] = b[i] ?? 0;
  } else if (n > 0) {
    // Exact betweenness is O(V·E): on a big graph, take the most central vertices' subgraph.
    mode = 'core';
    const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => (pr[b] as number) - (pr[a] as number));
    const core = new libs.Graph({ type: 'undirected', multi: false, allowSelfLoops: false });
    const inCore = new Uint8Array(n);
    for (let k = 0; k < input.betweennessMax; k++) {
      inCore[idx[k] as number] = 1;
      core.addNode(idx[k] as number);
    }
    for (let k = 0; k < input.src.length; k++) {
      const a = input.src[k] as number;
      const b = input.dst[k] as number;
      if (a !== b && inCore[a] && inCore[b] && !core.hasEdge(a, b)) core.addEdge(a, b);
    }
    const b = libs.betweenness(core, { getEdgeWeight: null, normalized: true });
    for (let k = 0; k < input.betweennessMax; k++) btw[idx[k] as number] = b[idx[k] as number] ?? 0;
  }
  const msBetweenness = Date.now() - t;

  return {
    pagerank: pr,
    community,
    betweenness: btw,
    communities,
    modularity,
    betweennessMode: mode,
    ms: { pagerank: msPagerank, louvain: msLouvain, betweenness: msBetweenness },
  };
}
