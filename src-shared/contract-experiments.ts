/**
 * The experiments domain of the contract: model runs and their metrics against labels.
 *
 * A run trains an Isolation Forest per group kind (sessions, per-IP windows) on the case's stored
 * behaviour groups with the given parameters, scores every group, labels the groups from ground
 * truth, and stores precision/recall/F1/ROC-AUC/PR-AUC with the parameters, model version and
 * feature-set version, plus per-pattern precision/recall of the named-pattern alerts.
 */
import { z } from 'zod';
import { filePath, empty, reply } from './contract-util';

export const GROUP_KINDS = ['session', 'ip_window'] as const;
export type ExperimentGroupKind = (typeof GROUP_KINDS)[number];

/** Operating point: the model's calibrated medium/high cut-off, or a fixed score in [0, 1]. */
export const thresholdInput = z.union([z.enum(['medium', 'high']), z.number().min(0).max(1)]);

export const experimentParamsInput = z
  .object({
    /** Trees in each forest (paper: 100). */
    trees: z.number().int().min(1).max(1000).default(100),
    /** Subsample size per tree (paper: 256). */
    sampleSize: z.number().int().min(2).max(65_536).default(256),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    threshold: thresholdInput.default('medium'),
    transform: z.enum(['log1p', 'none']).default('log1p'),
    /** Train on groups from IPs no named pattern flagged, as the pipeline does. */
    excludeFlagged: z.boolean().default(true),
    /** Widening of ground-truth spans when matching pattern alerts, ms. */
    slackMs: z.number().int().min(0).max(86_400_000).default(0),
  })
  .strict();

export type ExperimentParamsInput = z.input<typeof experimentParamsInput>;
export type ExperimentParams = z.output<typeof experimentParamsInput>;

const runId = z.object({ id: z.number().int().positive() }).strict();

export const experimentsMethods = {
  /** Train, score and measure on the open case against a ground-truth file; stores the run. */
  'experiments.runExperiment': {
    input: z
      .object({
        name: z.string().trim().min(1, 'a run needs a name').max(120),
        /** truth.json as written by the scenario generator: attacks with pattern, IP and time span. */
        truthPath: filePath,
        params: experimentParamsInput.default(experimentParamsInput.parse({})),
        notes: z.string().max(4000).default(''),
      })
      .strict(),
    output: reply<ExperimentRecord>(),
  },
  'experiments.listRuns': { input: empty, output: reply<ExperimentSummary[]>() },
  'experiments.getRun': { input: runId, output: reply<ExperimentRecord>() },
  'experiments.compareRuns': {
    input: z.object({ a: z.number().int().positive(), b: z.number().int().positive() }).strict(),
    output: reply<ExperimentComparison>(),
  },
  'experiments.deleteRun': { input: runId, output: reply<null>() },
} as const;

/** Threshold metrics and ranking quality of one forest against the labels. */
export interface KindMetrics {
  kind: ExperimentGroupKind;
  /** Groups scored, and how many the ground truth marks as attack. */
  rows: number;
  positives: number;
  /** Groups the forest was fitted on (after leaving flagged IPs out). */
  trainRows: number;
  trainMs: number;
  /** Score at or above which a group counts as predicted attack. */
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** null when one class is missing. */
  rocAuc: number | null;
  prAuc: number | null;
}

export interface PatternMetrics {
  detections: number;
  truths: number;
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export type ParamValue = string | number | boolean | null;

export interface ExperimentRecord {
  id: number;
  name: string;
  createdAt: number;
  modelVersion: string;
  featureSet: string;
  params: Record<string, ParamValue>;
  labels: {
    source: 'scenario';
    /** The ground-truth file the run was measured against. */
    file: string;
    attacks: number;
    /** Attacks whose time span falls inside the case's events. */
    attacksInCase: number;
  };
  /** One entry per group kind with enough groups to train on. */
  kinds: Partial<Record<ExperimentGroupKind, KindMetrics>>;
  /** Named-pattern alerts against the ground truth, by pattern name. */
  patterns: Record<string, PatternMetrics>;
  /** Things that make the numbers less meaningful, in plain words. */
  warnings: string[];
  notes: string;
  durationMs: number;
}

export interface ExperimentSummary {
  id: number;
  name: string;
  createdAt: number;
  modelVersion: string;
  featureSet: string;
  params: Record<string, ParamValue>;
  truthFile: string;
  /** Headline numbers: F1 and ROC-AUC per kind, mean pattern F1. */
  sessionF1: number | null;
  sessionRocAuc: number | null;
  ipWindowF1: number | null;
  ipWindowRocAuc: number | null;
  patternF1: number | null;
}

export interface ComparisonRow {
  /** "session", "ip_window" or "pattern". */
  section: string;
  /** Metric name, e.g. "rocAuc", or "brute_force precision". */
  metric: string;
  a: number | null;
  b: number | null;
  delta: number | null;
  /** Which side is better (all these metrics: higher is better); null on a tie or a gap. */
  better: 'a' | 'b' | null;
}

export interface ExperimentComparison {
  a: ExperimentRecord;
  b: ExperimentRecord;
  rows: ComparisonRow[];
  parameterChanges: { name: string; a: ParamValue; b: ParamValue }[];
  /** False when the runs were measured on different label sets: numbers are not directly comparable. */
  comparable: boolean;
}
