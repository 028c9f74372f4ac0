/**
 * The detector stages of a case, in one place. Sigma and the anomaly ensemble need nothing from the
 * case but the events, so a pass can run them in its side worker (side-stages.ts); every other
 * stage runs on the engine thread and is listed in `ENGINE_STAGES`. A new detector is a file of its
 * own (a Stage: consume, finish, state, restore) and a line in that list.
 */
import type { Database } from 'better-sqlite3';
import { BehaviourStage } from './behaviour-stage';
import { EnsembleStage } from './ensemble-stage';
import { GraphStage } from '../graph/stage';
import { PopulationStage } from './population-stage';
import { SigmaStage } from './sigma-stage';
import type { Stage } from './stage';

/** Stages of the engine thread, in the order each batch goes through them. */
export const ENGINE_STAGES: ((db: Database) => Stage)[] = [(db) => new BehaviourStage(db), () => new PopulationStage(), (db) => new GraphStage(db)];

export interface CaseStages {
  sigma: SigmaStage;
  ensemble: EnsembleStage;
  /** Every stage, in order: Sigma, the engine thread's, the ensemble. */
  all: Stage[];
  /** The stages the engine thread runs when the side worker runs `side`. */
  engine: Stage[];
  /** Sigma and the ensemble: what side-stages.ts runs in the worker. */
  side: Stage[];
}

/** Fresh stages for a case; `sigma` is kept when given (its rule packs stay loaded). */
export function caseStages(db: Database, rulesDir: string | null, sigma = new SigmaStage(db, rulesDir)): CaseStages {
  const ensemble = new EnsembleStage(db);
  const engine = ENGINE_STAGES.map((make) => make(db));
  return { sigma, ensemble, all: [sigma, ...engine, ensemble], engine, side: [sigma, ensemble] };
}
