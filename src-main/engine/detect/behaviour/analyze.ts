/**
 * One-shot analysis of a finished batch of events: the path for `vigil analyze`,
 * `POST /detect-sessions` and tests over real logs. Streams the events through the engine, then
 * (unless models are given) fits one forest per group kind on the batch itself, which is the
 * unsupervised setting Isolation Forest was designed for (attacks are few and isolate early).
 */
import type { NormalizedEvent } from '../../../../src-shared/event';
import { BehaviourModel } from './behaviourModel';
import type { BehaviourConfigInput } from './config';
import { type PatternDetection, detectionSource } from './detection';
import { type BehaviourGroup, BehaviourEngine, type BehaviourEngineState } from './engine';
import type { GroupKind } from './features';
import type { IsolationForestParams } from './iforest';
import { matrixFromRows } from './matrix';
import { riskLevel } from './riskLevel';

export interface AnalyzeOptions {
  config?: BehaviourConfigInput;
  state?: BehaviourEngineState;
  iforest?: Partial<IsolationForestParams>;
  /** Fit models on the batch when the state has none (default true). */
  train?: boolean;
  /** Fewer groups than this of a kind: no model is fitted for it (scores stay null). */
  minTrainingRows?: number;
  /**
   * Which groups the forest is fitted on. 'unflagged' (default) leaves out groups of IPs that a
   * named pattern already caught: a credential-stuffing run makes hundreds of near-identical
   * sessions, and such a cluster masks itself from Isolation Forest (the paper's "masking"); the
   * forest is meant to learn mostly-normal behaviour. 'all' is the plain unsupervised fit.
   */
  trainOn?: 'unflagged' | 'all';
}

export interface AnalyzeResult {
  sessions: BehaviourGroup[];
  ipWindows: BehaviourGroup[];
  detections: PatternDetection[];
  models: Partial<Record<GroupKind, BehaviourModel>>;
  state: BehaviourEngineState;
}

/** Sort by event time (stable), drop events without time. */
export function inEventTimeOrder(events: readonly NormalizedEvent[]): NormalizedEvent[] {
  return events.filter((e) => e.ts !== null).sort((a, b) => (a.ts as number) - (b.ts as number) || a.id - b.id);
}

/** Pattern detections only: the cheap path when no anomaly scores are wanted. */
export function detectAttackPatterns(events: readonly NormalizedEvent[], config: BehaviourConfigInput = {}): PatternDetection[] {
  const engine = new BehaviourEngine(config);
  for (const ev of inEventTimeOrder(events)) engine.push(ev);
  engine.flush();
  return engine.drain().detections;
}

export function analyzeEvents(events: readonly NormalizedEvent[], opts: AnalyzeOptions = {}): AnalyzeResult {
  const engine = new BehaviourEngine(opts.config, opts.state);
  const sessions: BehaviourGroup[] = [];
  const ipWindows: BehaviourGroup[] = [];
  const detections: PatternDetection[] = [];
  const collect = (): void => {
    const out = engine.drain();
    for (const g of out.groups) (g.kind === 'session' ? sessions : ipWindows).push(g);
    detections.push(...out.detections);
  };
  let n = 0;
  for (const ev of inEventTimeOrder(events)) {
    engine.push(ev);
    if (++n % 10_000 === 0) collect();
  }
  engine.flush();
  collect();

  const models: Partial<Record<GroupKind, BehaviourModel>> = {};
  const minRows = opts.minTrainingRows ?? 32;
  for (const [kind, groups] of [
    ['session', sessions],
    ['ip_window', ipWindows],
  ] as const) {
    let model = engine.getModel(kind);
    if (model === null && opts.train !== false && groups.length >= minRows) {
      let training = groups;
      if ((opts.trainOn ?? 'unflagged') === 'unflagged') {
        const flagged = new Set(detections.map(detectionSource));
        const clean = groups.filter((g) => !flagged.has(g.ip));
        if (clean.length >= minRows) training = clean;
      }
      model = BehaviourModel.train(
        kind,
        training.map((g) => g.features),
        { ...(opts.iforest ? { params: opts.iforest } : {}), trainedAt: groups[groups.length - 1]?.end ?? 0 },
      );
      engine.setModel(kind, model);
    }
    if (model === null) continue;
    models[kind] = model;
    const scores = model.scoreMatrix(matrixFromRows(groups.map((g) => g.features)));
    groups.forEach((g, i) => {
      g.score = scores[i] as number;
      g.level = riskLevel(g.score, model.cutoffs);
    });
  }
  return { sessions, ipWindows, detections, models, state: engine.state() };
}
