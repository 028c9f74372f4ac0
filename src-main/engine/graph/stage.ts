/**
 * The graph stage of detection passes. Per batch (inside the batch's transaction): add the events'
 * edges, feed new edges to the fan-out detector, write what changed. At the end of a pass: run
 * PageRank, Louvain and betweenness, store them per vertex, raise the detections that need them.
 *
 * Where the algorithms run: a graph of up to INLINE_EDGE_LIMIT merged edges is computed inline at
 * the end of the pass (tens of milliseconds), so its results and alerts land in the pass itself and
 * feed its incidents. A bigger graph is snapshotted to typed arrays and computed in a worker thread
 * (compute-worker.ts); the engine thread keeps answering queries, the results are written in their
 * own transaction when they arrive, and `graph.computed` tells the workbench. A pass that ends while
 * a computation runs queues one more computation after it.
 *
 * The graph itself lives in the case's graph tables, not in the stage's saved state: a reopened
 * case reloads it; a stage that starts without saved state (a new case, or `detect.rerun`, which
 * forgets every stage's state) starts from an empty graph.
 */
import type { Database } from 'better-sqlite3';
import type { GraphComputation } from '../../../src-shared/contract-graph';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { Stage } from '../detect/stage';
import { AlertWriter, type AlertSink } from '../store/alerts';
import { computeMetrics, LIBS, type MetricsOutput } from './algorithms';
import { computeInWorker } from './compute-worker';
import { FanOutDetector, type FanOutState } from './detections';
import { EntityGraph, type Snapshot } from './model';
import { applyResults, recordRun } from './results';
import { CaseGraph, type GraphRuntime } from './runtime';

export const INLINE_EDGE_LIMIT = 20_000;
/** Louvain's seed: fixed, so the same case gives the same communities. */
export const LOUVAIN_SEED = 42;
export const BETWEENNESS_MAX = 2000;

export interface GraphStageOptions {
  inlineEdgeLimit?: number;
  /** The case's graph, which this stage becomes the runtime of; a stage on its own makes one. */
  caseGraph?: CaseGraph;
}

interface SavedState {
  v: 1;
  fanOut: FanOutState;
}

export class GraphStage implements Stage, GraphRuntime {
  readonly name = 'graph';
  private model: EntityGraph | null = null;
  private restored = false;
  private readonly fanOut = new FanOutDetector(() => this.graph());
  private watermark: number | null = null;
  /** Graph version the stored results describe; -1 when they describe nothing current. */
  private computedVersion = -1;
  private sinceEvent = 0;
  private running: Promise<void> | null = null;
  private pending = false;
  private readonly inlineEdgeLimit: number;
  private readonly caseGraph: CaseGraph;

  constructor(
    private readonly db: Database,
    opts: GraphStageOptions = {},
  ) {
    this.inlineEdgeLimit = opts.inlineEdgeLimit ?? INLINE_EDGE_LIMIT;
    this.caseGraph = opts.caseGraph ?? new CaseGraph();
    this.caseGraph.runtime = this;
  }

  get computing(): boolean {
    return this.running !== null;
  }

  /** The graph, loaded from the case on first use (or emptied when this stage starts afresh). */
  graph(): EntityGraph {
    if (this.model) return this.model;
    const g = new EntityGraph();
    if (this.restored) {
      g.load(this.db);
      const last = this.db.prepare(`SELECT max_event FROM graph_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1`).pluck().get() as number | undefined;
      this.sinceEvent = last ?? 0;
      // Results stored for everything loaded are current; otherwise the next pass recomputes.
      this.computedVersion = last !== undefined && last >= g.maxEvent ? 0 : -1;
    } else {
      this.db.transaction(() => this.db.exec('DELETE FROM graph_vertices; DELETE FROM graph_edge_pages; DELETE FROM graph_metrics; DELETE FROM graph_communities; DELETE FROM graph_runs;'))();
      this.caseGraph.metricsChanged();
    }
    return (this.model = g);
  }

  consume(events: readonly NormalizedEvent[], sink: AlertSink): void {
    const g = this.graph();
    const onNew = this.fanOut.onNewEdge;
    let wm = this.watermark;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i] as NormalizedEvent;
      g.addEvent(ev, onNew);
      if (ev.ts !== null && (wm === null || ev.ts > wm)) wm = ev.ts;
    }
    this.watermark = wm;
    this.fanOut.flush(sink, wm);
    g.flush(this.db, false);
  }

  finish(sink: AlertSink): void {
    const g = this.graph();
    this.fanOut.flush(sink, null);
    g.flush(this.db);
    if (g.version !== this.computedVersion) this.compute(sink);
  }

  state(): SavedState {
    return { v: 1, fanOut: this.fanOut.state() };
  }

  restore(state: unknown): void {
    this.restored = true;
    const s = state as Partial<SavedState> | null;
    if (s && s.v === 1) this.fanOut.restore(s.fanOut);
  }

  recompute(): void {
    this.graph();
    this.computedVersion = -1;
    this.compute(null);
  }

  /** Wait for a background computation (tests, benchmarks, closing). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** With a sink: inside the caller's transaction. Without: in a transaction of its own. */
  private compute(sink: AlertSink | null): void {
    if (this.running) {
      this.pending = true;
      return;
    }
    const g = this.graph();
    const version = g.version;
    const sinceEvent = this.sinceEvent;
    const started = Date.now();
    const snap = g.snapshot(LOUVAIN_SEED, BETWEENNESS_MAX);
    if (snap.input.src.length <= this.inlineEdgeLimit) {
      const out = computeMetrics(snap.input, LIBS);
      this.store(snap, out, sink, { mode: 'inline', ms: Date.now() - started, sinceEvent }, version);
      return;
    }
    const size = { vertices: snap.input.n, edges: g.size };
    this.caseGraph.notice({ name: 'graph.progressed', payload: { phase: 'snapshot', ...size } });
    this.running = computeInWorker(snap.input, (phase) => this.caseGraph.notice({ name: 'graph.progressed', payload: { phase, ...size } }))
      .then((out) => {
        if (!this.db.open) return;
        this.caseGraph.notice({ name: 'graph.progressed', payload: { phase: 'writing', ...size } });
        this.store(snap, out, null, { mode: 'worker', ms: Date.now() - started, sinceEvent }, version);
      })
      .catch((err: unknown) => {
        if (!this.db.open) return;
        const failed: GraphComputation = {
          mode: 'worker',
          status: 'failed',
          vertices: size.vertices,
          edges: size.edges,
          communities: 0,
          modularity: null,
          betweenness: 'exact',
          ms: Date.now() - started,
          finishedAt: Date.now(),
          error: err instanceof Error ? err.message : String(err),
        };
        this.db.transaction(() => recordRun(this.db, failed, 0))();
        this.caseGraph.notice({ name: 'graph.computed', payload: failed });
      })
      .finally(() => {
        this.running = null;
        if (this.pending && this.db.open) {
          this.pending = false;
          if (this.model && this.model.version !== this.computedVersion) this.compute(null);
        }
      });
  }

  private store(snap: Snapshot, out: MetricsOutput, sink: AlertSink | null, run: { mode: 'inline' | 'worker'; ms: number; sinceEvent: number }, version: number): void {
    const g = this.graph();
    const write = (s: AlertSink) => applyResults(this.db, g, snap, out, s, run);
    const result = sink ? write(sink) : this.db.transaction(() => write(new AlertWriter(this.db, null)))();
    this.computedVersion = version;
    this.sinceEvent = snap.maxEvent;
    this.caseGraph.metricsChanged();
    this.caseGraph.notice({ name: 'graph.computed', payload: result });
  }
}
