/**
 * What the view's worker makes of a `graph` message before it lays out and draws: sizes, colours
 * and labels per vertex, edge ends as vertex indexes with their widths, and the starting positions
 * (from the view's cached layout, else seeded by community) with how much there is to compute.
 * All of it here, in the worker, so the main thread hands the slice's columns over untouched.
 */
import { COMMUNITY_COLOURS, NO_COMMUNITY } from './draw';
import { seedPositions } from './positions';
import { iterationsFor, type GraphMessage } from './view-protocol';

export interface PreparedGraph {
  /** Vertex number → index. */
  index: Map<number, number>;
  radius: Float32Array;
  colour: Uint8Array;
  labels: string[];
  /** Start positions; `given[i]` 0 where the worker places vertex i itself (near a neighbour). */
  xy: Float32Array;
  given: Uint8Array;
  /** Two vertex indexes per edge, and each edge's drawn width. */
  edges: Uint32Array;
  edgeWidth: Float32Array;
  /** ForceAtlas2 iterations to run (0: the positions are final). */
  iterations: number;
  /** Only vertices without a given position move (an expansion, a partly cached view). */
  onlyNew: boolean;
  /** Every position came from the cache. */
  cached: boolean;
}

/** Vertex radius in px from its PageRank share (1 = an average vertex), smaller when many are shown. */
export function vertexRadius(pagerank: number, count: number): number {
  const d = Number.isNaN(pagerank) ? 18 : Math.min(64, Math.max(14, 22 + 12 * Math.log2(Math.max(1e-3, pagerank * count))));
  const k = Math.min(1, Math.max(0.3, Math.sqrt(300 / Math.max(1, count))));
  return (d / 2) * k;
}

export function label(v: string): string {
  return v.length > 28 ? `${v.slice(0, 26)}…` : v;
}

export function prepareGraph(m: GraphMessage): PreparedGraph {
  const n = m.ids.length;
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) index.set(m.ids[i]!, i);
  const radius = new Float32Array(n);
  const colour = new Uint8Array(n);
  const labels = new Array<string>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    radius[i] = vertexRadius(m.pagerank[i]!, n);
    const c = m.community[i]!;
    colour[i] = c < 0 ? NO_COMMUNITY : c % COMMUNITY_COLOURS.length;
    const len = m.valueLength[i]!;
    labels[i] = label(m.values.slice(at, at + len));
    at += len;
  }

  // A replaced view starts where the same view ended last time; what the cache lacks, if it lacks
  // everything, from seeds; otherwise near its neighbours (placed by the worker).
  const xy = new Float32Array(2 * n);
  const given = new Uint8Array(n);
  let found = 0;
  if (m.fresh && m.cached) {
    const c = m.cached;
    for (let k = 0; k < c.ids.length; k++) {
      const i = index.get(c.ids[k]!);
      if (i === undefined || given[i]) continue;
      xy[2 * i] = c.xy[2 * k]!;
      xy[2 * i + 1] = c.xy[2 * k + 1]!;
      given[i] = 1;
      found++;
    }
  }
  const missing = m.fresh ? n - found : 0;
  if (m.fresh && n > 0 && missing === n) {
    xy.set(seedPositions(m.ids, m.community));
    given.fill(1);
  }

  const pairs = new Uint32Array(2 * m.src.length);
  const edgeWidth = new Float32Array(m.src.length);
  let p = 0;
  for (let e = 0; e < m.src.length; e++) {
    const a = index.get(m.src[e]!);
    const b = index.get(m.dst[e]!);
    if (a === undefined || b === undefined || a === b) continue;
    edgeWidth[p >> 1] = Math.min(3, 0.5 + 0.35 * Math.log2(Math.max(1, m.count[e]!)));
    pairs[p++] = a;
    pairs[p++] = b;
  }

  // Everything cached: nothing to lay out. Partly cached, or grown: only the newcomers move.
  const allGiven = m.fresh && missing === 0;
  const onlyNew = !m.fresh || (m.cached !== null && missing < n);
  return {
    index,
    radius,
    colour,
    labels,
    xy,
    given,
    edges: pairs.slice(0, p),
    edgeWidth: edgeWidth.slice(0, p >> 1),
    iterations: allGiven ? 0 : onlyNew ? 120 : iterationsFor(n),
    onlyNew,
    cached: allGiven && n > 0,
  };
}
