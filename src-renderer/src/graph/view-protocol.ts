/**
 * Messages between the graph view (main thread) and its worker, which lays the graph out AND draws
 * it on an OffscreenCanvas: the main thread only forwards input. Vertices travel as typed arrays
 * (index i is the i-th vertex of the last `graph` message), moved rather than copied, and the
 * worker derives everything else (sizes, colours, labels, seeded positions, edge ends by index):
 * the main thread never walks the vertices one by one.
 */

export interface ViewTheme {
  text: string;
  muted: string;
  accent: string;
  edge: string;
  /** Label halo: the page background. */
  background: string;
}

export type ToView =
  | { type: 'init'; canvas: OffscreenCanvas; width: number; height: number; dpr: number; theme: ViewTheme }
  | { type: 'resize'; width: number; height: number; dpr: number }
  | { type: 'theme'; theme: ViewTheme }
  | GraphMessage
  /** The selected vertex, the expanded ones, and a group selected with it (a campaign's members). */
  | { type: 'marks'; selected: number | null; expanded: number[]; group: number[] }
  | { type: 'wheel'; x: number; y: number; deltaY: number }
  | { type: 'pan'; dx: number; dy: number }
  | { type: 'fit' }
  | { type: 'focus'; id: number; zoom: boolean }
  | { type: 'hit'; seq: number; x: number; y: number }
  | { type: 'hover'; x: number; y: number }
  | { type: 'export'; seq: number; background: string };

/** The vertices and edges to show, as the slice's columns sent them. */
export interface GraphMessage {
  type: 'graph';
  job: number;
  /** A replaced view (camera reset, positions from the cache or seeded) rather than a grown one (positions kept). */
  fresh: boolean;
  ids: Int32Array;
  /** PageRank per vertex, NaN where none was computed. */
  pagerank: Float64Array;
  /** Community per vertex, -1 for none. */
  community: Int32Array;
  /**
   * The entities' values (labels are made from them), end to end in one string, `valueLength[i]`
   * characters each: one string is copied to the worker at once, 5,000 are copied one by one.
   */
  values: string;
  valueLength: Int32Array;
  /** Each edge's ends (vertex numbers, not indexes) and count. */
  src: Int32Array;
  dst: Int32Array;
  count: Float64Array;
  /** The view's finished layout, if any (a fresh view only): what it holds starts there and stays. */
  cached: { ids: Int32Array; xy: Float32Array } | null;
}

export type FromView =
  | { type: 'progress'; job: number; done: number; iterations: number }
  /** The layout of `job` finished (`cached`: every position came from the cache, nothing was computed). */
  | { type: 'done'; job: number; ms: number; iterations: number; cached: boolean; ids: Int32Array; xy: Float32Array; signature: string }
  | { type: 'hit'; seq: number; id: number | null }
  | { type: 'hover'; id: number | null }
  | { type: 'focused'; offset: number }
  | { type: 'export'; seq: number; blob: Blob | null }
  /** A frame drawn, and how long drawing it took (`light`: edges and labels left out while the camera moves). */
  | { type: 'frame'; ms: number; light: boolean };

/** Iterations for a fresh layout of n vertices: enough to settle, bounded in time. */
export function iterationsFor(n: number): number {
  if (n <= 300) return 700;
  if (n <= 1000) return 500;
  if (n <= 2500) return 300;
  return 200;
}
