/**
 * Messages between the graph view (main thread) and its worker, which lays the graph out AND draws
 * it on an OffscreenCanvas: the main thread only forwards input. Vertices travel as typed arrays
 * (index i is the i-th vertex of the last `graph` message).
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
  | {
      type: 'graph';
      job: number;
      /** A replaced view (camera reset, positions given) rather than a grown one (positions kept). */
      fresh: boolean;
      ids: Int32Array;
      /** Radius in px at the fitted zoom. */
      radius: Float32Array;
      /** Index into COMMUNITY_COLOURS, or 255 for none. */
      colour: Uint8Array;
      labels: string[];
      /** Start positions (x, y per vertex); `given[i]` 0 where the worker should place vertex i itself. */
      xy: Float32Array;
      given: Uint8Array;
      /** Two vertex indexes per edge, and each edge's drawn width. */
      edges: Uint32Array;
      edgeWidth: Float32Array;
      /** ForceAtlas2 iterations to run (0: the positions are final, e.g. a cached layout). */
      iterations: number;
      /** Only vertices without a given position move (an expansion, a partly cached view). */
      onlyNew: boolean;
    }
  /** The selected vertex, the expanded ones, and a group selected with it (a campaign's members). */
  | { type: 'marks'; selected: number | null; expanded: number[]; group: number[] }
  | { type: 'wheel'; x: number; y: number; deltaY: number }
  | { type: 'pan'; dx: number; dy: number }
  | { type: 'fit' }
  | { type: 'focus'; id: number; zoom: boolean }
  | { type: 'hit'; seq: number; x: number; y: number }
  | { type: 'hover'; x: number; y: number }
  | { type: 'export'; seq: number; background: string };

export type FromView =
  | { type: 'progress'; job: number; done: number; iterations: number }
  | { type: 'done'; job: number; ms: number; iterations: number; ids: Int32Array; xy: Float32Array; signature: string }
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
