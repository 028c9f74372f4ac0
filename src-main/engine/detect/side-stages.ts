/**
 * Sigma, the population detectors and the anomaly ensemble off the engine thread, collecting what
 * they find for the engine thread to store: the side half of a detection pass (side-worker.ts).
 * Rule packs come from the case through a read-only connection of its own; the population
 * detectors and the ensemble continue from the state handed over.
 */
import Database from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { AlertInput, AlertSink } from '../store/alerts';
import type { EnsembleSetState, ScorePoint } from './ensemble';
import { EnsembleStage } from './ensemble-stage';
import { PopulationStage, type PopulationState } from './population-stage';
import { SigmaStage } from './sigma-stage';
import type { SidePassData, SideTimes } from './side-pass';
import type { Stage } from './stage';

export interface SideFindings {
  alerts: AlertInput[];
  hits: [string, number][];
  points: ScorePoint[];
}

export class SideStages {
  readonly db: Database.Database;
  private readonly sigma: SigmaStage;
  private readonly population = new PopulationStage();
  private readonly ensemble: EnsembleStage;
  private alerts: AlertInput[] = [];
  private points: ScorePoint[] = [];
  /** A finding that grows replaces its earlier copy not yet posted (the engine thread's writer updates posted ones). */
  private readonly sink: AlertSink = {
    add: (a) => {
      const at = a.ref === undefined ? undefined : this.refs.get(a.ref);
      if (at !== undefined) this.alerts[at] = a;
      else {
        if (a.ref !== undefined) this.refs.set(a.ref, this.alerts.length);
        this.alerts.push(a);
      }
    },
  };
  /** Where each growing finding sits in `alerts`. */
  private refs = new Map<string, number>();
  private readonly ms: SideTimes = { sigma: 0, population: 0, ensemble: 0 };
  /** The stages in the order the engine thread runs them (registry.ts `all`). */
  private readonly stages: [keyof SideTimes, Stage][];

  constructor(data: SidePassData) {
    this.db = new Database(data.dbPath, {
      readonly: true,
      fileMustExist: true,
      ...(data.nativeBinding ? { nativeBinding: data.nativeBinding } : {}),
    });
    try {
      // Events are read once, in order: a small cache is enough, and the case's memory bar counts it.
      this.db.pragma('cache_size = -8192');
      this.sigma = new SigmaStage(this.db, data.rulesDir, { storeHits: false });
      this.ensemble = new EnsembleStage(null, (p) => this.points.push(p));
      this.ensemble.restore(data.ensemble);
      this.population.restore(data.population);
      this.stages = [
        ['sigma', this.sigma],
        ['population', this.population],
        ['ensemble', this.ensemble],
      ];
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  consume(events: readonly NormalizedEvent[]): void {
    for (const [name, s] of this.stages) {
      const t = performance.now();
      s.consume(events, this.sink);
      this.ms[name] += performance.now() - t;
    }
  }

  /** End of input: close Sigma's windows, the population detectors' episodes and the ensemble's open buckets. */
  finish(): void {
    for (const [name, s] of this.stages) {
      const t = performance.now();
      s.finish(this.sink);
      this.ms[name] += performance.now() - t;
    }
  }

  /** What was found since the last call. */
  take(): SideFindings {
    const found = { alerts: this.alerts, hits: [...this.sigma.takeHits()], points: this.points };
    this.alerts = [];
    this.refs = new Map();
    this.points = [];
    return found;
  }

  /** Each stage's own time so far, in ms. */
  times(): SideTimes {
    return { sigma: Math.round(this.ms.sigma), population: Math.round(this.ms.population), ensemble: Math.round(this.ms.ensemble) };
  }

  ensembleState(): EnsembleSetState {
    return this.ensemble.state();
  }

  populationState(): PopulationState {
    return this.population.state();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
