/**
 * The graph of one open case as the rest of the engine sees it: the graph stage that detection
 * runs (made afresh when a pass starts over), the version of the stored metrics that readers cache
 * by, and where the stage's background progress goes. One per case session; a graph stage made on
 * its own (a bench, a test) makes its own.
 */
import type { GraphComputation, GraphProgress } from '../../../src-shared/contract-graph';
import type { EntityGraph } from './model';

export interface GraphRuntime {
  /** Algorithms are running in a worker thread. */
  readonly computing: boolean;
  /** Run the algorithms now over everything the graph holds; returns at once. */
  recompute(): void;
  /** The graph in memory, loaded from the case on first use: what edge queries read. */
  graph(): EntityGraph;
}

export type GraphNotice = { name: 'graph.progressed'; payload: GraphProgress } | { name: 'graph.computed'; payload: GraphComputation };

export class CaseGraph {
  /** The graph stage detection runs now, if any. */
  runtime: GraphRuntime | null = null;
  private version = 0;

  constructor(private readonly notify: (notice: GraphNotice) => void = () => {}) {}

  /** graph_metrics changed (a computation, a risk refresh, a fresh start): readers drop their copies. */
  metricsChanged(): void {
    this.version++;
  }

  get metricsVersion(): number {
    return this.version;
  }

  notice(n: GraphNotice): void {
    this.notify(n);
  }
}
