/**
 * The detector stages of a case, in one place. Sigma, the population detectors and the anomaly
 * ensemble need nothing from the case but the events, so a pass can run them in its side worker
 * (side-stages.ts); every other stage runs on the engine thread and is listed in `ENGINE_STAGES`.
 * A new detector is a file of its own (a Stage: consume, finish, state, restore) and a line in
 * that list.
 */
import type { Database } from 'better-sqlite3';
import { BehaviourStage } from './behaviour-stage';
import { EnsembleStage } from './ensemble-stage';
import { GraphStage } from '../graph/stage';
import type { CaseGraph } from '../graph/runtime';
import { PopulationStage } from './population-stage';
import { SigmaStage } from './sigma-stage';
import type { Stage } from './stage';

/** What a stage of a case may hold on to: its database and the case's graph. */
export interface StageContext {
  db: Database;
  graph: CaseGraph;
}

/** Stages of the engine thread, in the order each batch goes through them. */
export const ENGINE_STAGES: ((c: StageContext) => Stage)[] = [
  (c) => new BehaviourStage(c.db),
  (c) => new GraphStage(c.db, { caseGraph: c.graph }),
];

export interface CaseStages {
  sigma: SigmaStage;
  population: PopulationStage;
  ensemble: EnsembleStage;
  /**
   * Every stage, in order: Sigma, population, the engine thread's, the ensemble (population
   * finishes before behaviour trains, as when a worker runs it and its findings are stored first).
   */
  all: Stage[];
  /** The stages the engine thread runs when the side worker runs `side`. */
  engine: Stage[];
  /** Sigma, population and the ensemble: what side-stages.ts runs in the worker. */
  side: Stage[];
}

/** Fresh stages for a case; `sigma` is kept when given (its rule packs stay loaded). */
export function caseStages(c: StageContext, rulesDir: string | null, sigma = new SigmaStage(c.db, rulesDir)): CaseStages {
  const population = new PopulationStage();
  const ensemble = new EnsembleStage(c.db);
  const engine = ENGINE_STAGES.map((make) => make(c));
  return { sigma, population, ensemble, all: [sigma, population, ...engine, ensemble], engine, side: [sigma, population, ensemble] };
}
