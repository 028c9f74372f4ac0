/**
 * The detector stages of a case, in one place: what every pass runs, in the order each batch goes
 * through them, and which of them can run in the side worker (they need nothing from the case but
 * the events). A new stage is a file of its own and a line here.
 */
import type { Database } from 'better-sqlite3';
import { BehaviourStage } from './behaviour-stage';
import { EnsembleStage } from './ensemble-stage';
import { graphStages } from './graph-stage';
import { PopulationStage } from './population-stage';
import { SigmaStage } from './sigma-stage';
import type { Stage } from './stage';

export interface CaseStages {
  sigma: SigmaStage;
  ensemble: EnsembleStage;
  /** Every stage, in order. */
  all: Stage[];
  /** The stages the engine thread runs when the side worker runs `side`. */
  engine: Stage[];
  /** Sigma and the ensemble: what side-stages.ts runs in the worker. */
  side: Stage[];
}

/** Fresh stages for a case; `sigma` is kept when given (its rule packs stay loaded). */
export function caseStages(db: Database, rulesDir: string | null, sigma = new SigmaStage(db, rulesDir)): CaseStages {
  const ensemble = new EnsembleStage(db);
  const engine: Stage[] = [new BehaviourStage(db), new PopulationStage(), ...graphStages(db)];
  const all: Stage[] = [sigma, engine[0]!, engine[1]!, ensemble, ...engine.slice(2)];
  return { sigma, ensemble, all, engine, side: [sigma, ensemble] };
}
