/**
 * The link between a case's graph stage (created by Detection, which knows only the database) and
 * the graph handlers (which know the engine's event channel): a registry keyed by the case's
 * database handle, and listeners for the stage's background progress.
 */
import type { Database } from 'better-sqlite3';
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

type Listener = (db: Database, notice: GraphNotice) => void;

const runtimes = new WeakMap<Database, GraphRuntime>();
const listeners = new Set<Listener>();

export function registerGraph(db: Database, runtime: GraphRuntime): void {
  runtimes.set(db, runtime);
}

export function graphRuntime(db: Database): GraphRuntime | undefined {
  return runtimes.get(db);
}

export function onGraphNotice(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const metricsVersions = new WeakMap<Database, number>();

/** graph_metrics changed (a computation, a risk refresh, a fresh start): readers drop their copies. */
export function metricsChanged(db: Database): void {
  metricsVersions.set(db, (metricsVersions.get(db) ?? 0) + 1);
}

export function metricsVersion(db: Database): number {
  return metricsVersions.get(db) ?? 0;
}

export function notifyGraph(db: Database, notice: GraphNotice): void {
  for (const l of listeners) l(db, notice);
}
