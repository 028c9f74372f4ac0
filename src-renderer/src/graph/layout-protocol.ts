/**
 * Messages between the graph view and its layout worker. Vertices and edges travel as typed arrays
 * (index i is the i-th vertex of the request), so a 5,000-vertex layout is a few transfers, not
 * thousands of objects to clone.
 */

export interface LayoutRequest {
  type: 'start';
  job: number;
  /** x0, y0, x1, y1, …: where each vertex starts (seeded, cached or kept from screen). */
  xy: Float32Array;
  /** Drawn radius of each vertex: big vertices push harder. */
  size: Float32Array;
  /** 1 for a vertex that must stay where it is (the rest of an expanded view). */
  fixed: Uint8Array;
  /** Vertex indexes, two per edge. */
  edges: Uint32Array;
  iterations: number;
}

export interface LayoutStop {
  type: 'stop';
  job: number;
}

export interface LayoutProgress {
  job: number;
  xy: Float32Array;
  /** Iterations run so far, of `iterations`. */
  done: number;
  iterations: number;
  final: boolean;
  /** Worker time spent iterating, ms. */
  ms: number;
}

/** Iterations for a fresh layout of n vertices: enough to settle, bounded in time. */
export function iterationsFor(n: number): number {
  if (n <= 300) return 700;
  if (n <= 1000) return 500;
  if (n <= 2500) return 350;
  return 260;
}
