import type { NormalizedEvent } from '../../../../src-shared/event';
import type { EnsembleConfig } from './config';
import { Ensemble, type EnsembleState } from './ensemble';
import type { EnsembleOutput } from './types';

export type SourceTypeOf = (e: NormalizedEvent) => string;

/** One detector set per source type: the parser that produced the event. */
export const byParser: SourceTypeOf = (e) => e.parser;

export interface EnsembleSetState {
  version: 1;
  ensembles: [string, EnsembleState][];
}

/**
 * Routes each event to the ensemble of its source type, creating ensembles on first sight.
 * Types never share models (an access log and sshd have nothing in common to learn), and each
 * has its own event-time clock, so one type's silence is not hidden by another's traffic.
 */
export class EnsembleSet {
  private ensembles = new Map<string, Ensemble>();

  constructor(
    private readonly config: Partial<EnsembleConfig> = {},
    private readonly sourceTypeOf: SourceTypeOf = byParser,
  ) {}

  push(e: NormalizedEvent): void {
    const type = this.sourceTypeOf(e);
    let ens = this.ensembles.get(type);
    if (ens === undefined) {
      ens = new Ensemble(type, this.config);
      this.ensembles.set(type, ens);
    }
    ens.push(e);
  }

  pushAll(events: Iterable<NormalizedEvent>): void {
    for (const e of events) this.push(e);
  }

  advanceTo(ts: number): void {
    for (const ens of this.ensembles.values()) ens.advanceTo(ts);
  }

  get(type: string): Ensemble | undefined {
    return this.ensembles.get(type);
  }

  /** Outputs of every ensemble, grouped by ensemble in creation order. */
  drain(): EnsembleOutput {
    const out: EnsembleOutput = { points: [], alerts: [] };
    for (const ens of this.ensembles.values()) {
      const o = ens.drain();
      for (const p of o.points) out.points.push(p);
      for (const a of o.alerts) out.alerts.push(a);
    }
    return out;
  }

  state(): EnsembleSetState {
    return { version: 1, ensembles: [...this.ensembles].map(([k, e]) => [k, e.state()]) };
  }

  restore(s: EnsembleSetState): void {
    this.ensembles = new Map();
    for (const [type, st] of s.ensembles) {
      const ens = new Ensemble(type, this.config);
      ens.restore(st);
      this.ensembles.set(type, ens);
    }
  }
}
