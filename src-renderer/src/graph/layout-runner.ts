/**
 * Runs ForceAtlas2 for the graph view in its worker and writes the positions back into the view's
 * graphology graph as they come (one batched update per message, so sigma redraws once). Vertices
 * without an edge on screen take no part in the forces: they are set in rows under the rest.
 */
import type Graph from 'graphology';
import { iterationsFor, type LayoutProgress, type LayoutRequest } from './layout-protocol';

interface Callbacks {
  onProgress(): void;
  /** Worker time spent iterating, and how many iterations ran. */
  onDone(ms: number, iterations: number): void;
}

type Positioned = { x: number; y: number };

export class LayoutRunner {
  private readonly worker: Worker;
  private job = 0;
  private active: { job: number; index: Map<string, number>; loners: string[]; graph: Graph<Positioned>; cb: Callbacks } | null = null;

  constructor() {
    this.worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module', name: 'graph-layout' });
    this.worker.onmessage = (e: MessageEvent<LayoutProgress>) => this.onMessage(e.data);
  }

  get running(): boolean {
    return this.active !== null;
  }

  /**
   * Lay out `graph` from where its vertices are now. `moving` (when given) are the only vertices
   * that move; the others stay fixed and only pull and push. `iterations` defaults to what a fresh
   * layout of this size needs.
   */
  start<G extends Positioned>(graph: Graph<G>, moving: ReadonlySet<string> | null, iterations: number | undefined, cb: Callbacks): void {
    this.stop();
    const job = ++this.job;
    const ids: string[] = [];
    const loners: string[] = [];
    graph.forEachNode((id) => {
      if (graph.degreeWithoutSelfLoops(id) === 0 && (moving === null || moving.has(id))) loners.push(id);
      else ids.push(id);
    });
    const index = new Map(ids.map((id, i) => [id, i]));
    const xy = new Float32Array(2 * ids.length);
    const size = new Float32Array(ids.length);
    const fixed = new Uint8Array(ids.length);
    ids.forEach((id, i) => {
      const a = graph.getNodeAttributes(id) as G & { size?: number };
      xy[2 * i] = a.x;
      xy[2 * i + 1] = a.y;
      size[i] = a.size ?? 1;
      fixed[i] = moving === null || moving.has(id) ? 0 : 1;
    });
    const pairs: number[] = [];
    graph.forEachEdge((_e, _a, src, dst) => {
      const a = index.get(src);
      const b = index.get(dst);
      if (a !== undefined && b !== undefined && a !== b) pairs.push(a, b);
    });
    const edges = Uint32Array.from(pairs);
    this.active = { job, index, loners, graph: graph as unknown as Graph<Positioned>, cb };
    const req: LayoutRequest = { type: 'start', job, xy, size, fixed, edges, iterations: ids.length === 0 ? 0 : (iterations ?? iterationsFor(ids.length)) };
    this.worker.postMessage(req, [xy.buffer, size.buffer, fixed.buffer, edges.buffer]);
  }

  stop(): void {
    if (!this.active) return;
    this.worker.postMessage({ type: 'stop', job: this.active.job });
    this.active = null;
  }

  dispose(): void {
    this.stop();
    this.worker.terminate();
  }

  private onMessage(p: LayoutProgress): void {
    const a = this.active;
    if (!a || p.job !== a.job) return;
    const { graph, index, loners } = a;
    let x1 = Infinity;
    let x2 = -Infinity;
    let y1 = Infinity;
    graph.updateEachNodeAttributes((id, attrs) => {
      const i = index.get(id);
      if (i === undefined) return attrs;
      const x = p.xy[2 * i]!;
      const y = p.xy[2 * i + 1]!;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      return { ...attrs, x, y };
    });
    if (loners.length > 0) {
      if (!Number.isFinite(x1)) [x1, x2, y1] = [0, 100, 0];
      const perRow = Math.max(10, Math.ceil(Math.sqrt(loners.length * 4)));
      const step = Math.max(1, (x2 - x1) / perRow);
      const lonerSet = new Set(loners);
      let k = 0;
      // Graph y grows upwards on a sigma screen: "under the rest" is below the lowest y.
      graph.updateEachNodeAttributes((id, attrs) => {
        if (!lonerSet.has(id)) return attrs;
        const i = k++;
        return { ...attrs, x: x1 + (i % perRow) * step, y: y1 - step * (2 + Math.floor(i / perRow)) };
      });
    }
    if (p.final) {
      this.active = null;
      a.cb.onDone(p.ms, p.done);
    } else a.cb.onProgress();
  }
}
