/**
 * Experiment tracking core (DESIGN.md step 12): one run = one model/feature-set/parameter
 * configuration measured against labels. The run is plain JSON so the case can store it and the
 * Experiments view can put two runs side by side.
 */
import type { AttackPattern } from './detection';
import { type ThresholdMetrics, averagePrecision, metricsAtThreshold, rocAuc } from './metrics';
import type { PatternScore } from './patternEval';

export const EXPERIMENT_RUN_VERSION = 1;

export interface ExperimentRun {
  version: typeof EXPERIMENT_RUN_VERSION;
  id: string;
  name: string;
  /** Epoch ms when the run was made. */
  createdAt: number;
  modelVersion: string;
  featureSetVersion: string;
  /** Everything that shaped the model: forest params, transform, group kind, thresholds. */
  parameters: Record<string, string | number | boolean | null>;
  /** Where the labels came from and how many. */
  labels: { source: 'analyst' | 'scenario' | 'import'; rows: number; positives: number; description: string };
  threshold: number;
  metrics: {
    precision: number;
    recall: number;
    f1: number;
    tp: number;
    fp: number;
    fn: number;
    tn: number;
    /** null when one class is missing (undefined AUC). */
    rocAuc: number | null;
    prAuc: number | null;
  };
  /** Optional per-pattern scores of the named detections. */
  patterns: Partial<Record<AttackPattern, PatternScore>> | null;
  notes: string;
}

export interface ExperimentRunInput {
  id?: string;
  name: string;
  createdAt: number;
  modelVersion: string;
  featureSetVersion: string;
  parameters: ExperimentRun['parameters'];
  labelSource: ExperimentRun['labels']['source'];
  labelDescription?: string;
  scores: ArrayLike<number>;
  labels: ArrayLike<number>;
  threshold: number;
  patterns?: ExperimentRun['patterns'];
  notes?: string;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function createExperimentRun(input: ExperimentRunInput): ExperimentRun {
  const m: ThresholdMetrics = metricsAtThreshold(input.scores, input.labels, input.threshold);
  let positives = 0;
  for (let i = 0; i < input.labels.length; i++) if ((input.labels[i] as number) > 0) positives++;
  return {
    version: EXPERIMENT_RUN_VERSION,
    id: input.id ?? `run-${input.createdAt}`,
    name: input.name,
    createdAt: input.createdAt,
    modelVersion: input.modelVersion,
    featureSetVersion: input.featureSetVersion,
    parameters: { ...input.parameters },
    labels: { source: input.labelSource, rows: input.labels.length, positives, description: input.labelDescription ?? '' },
    threshold: input.threshold,
    metrics: {
      precision: m.precision,
      recall: m.recall,
      f1: m.f1,
      tp: m.tp,
      fp: m.fp,
      fn: m.fn,
      tn: m.tn,
      rocAuc: finiteOrNull(rocAuc(input.scores, input.labels)),
      prAuc: finiteOrNull(averagePrecision(input.scores, input.labels)),
    },
    patterns: input.patterns ?? null,
    notes: input.notes ?? '',
  };
}

export interface RunComparisonRow {
  metric: string;
  a: number | null;
  b: number | null;
  /** b - a; null when either side is missing. */
  delta: number | null;
}

/** Side-by-side rows for the Experiments view; parameters that differ are listed separately. */
export function compareRuns(a: ExperimentRun, b: ExperimentRun): { metrics: RunComparisonRow[]; parameterChanges: { name: string; a: unknown; b: unknown }[]; comparable: boolean } {
  const keys = ['precision', 'recall', 'f1', 'rocAuc', 'prAuc'] as const;
  const metrics = keys.map((k) => {
    const av = a.metrics[k];
    const bv = b.metrics[k];
    return { metric: k, a: av, b: bv, delta: av !== null && bv !== null ? bv - av : null };
  });
  const names = new Set([...Object.keys(a.parameters), ...Object.keys(b.parameters)]);
  const parameterChanges = [...names]
    .filter((n) => a.parameters[n] !== b.parameters[n])
    .map((n) => ({ name: n, a: a.parameters[n] ?? null, b: b.parameters[n] ?? null }));
  // Runs on different label sets are shown but flagged: the numbers are not directly comparable.
  const comparable = a.labels.rows === b.labels.rows && a.labels.positives === b.labels.positives && a.labels.source === b.labels.source;
  return { metrics, parameterChanges, comparable };
}
