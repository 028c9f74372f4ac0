/**
 * The triage domain of the contract (DESIGN.md steps 12-13): labels with notes, history and undo;
 * the tuning that benign labels add (raised thresholds, suppressions) and what it held back;
 * exports of labelled incidents with their evidence, and the merge of another analyst's labels.
 */
import { z } from 'zod';
import { filePath, reply } from './contract-util';
import { INCIDENT_LABELS, type IncidentLabel, type IncidentRow } from './contract-incidents';

export const EXPORT_FORMATS = ['json', 'csv', 'timesketch', 'stix', 'misp'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/**
 * What an export holds: incidents with this label, every labelled incident (`any`), or every
 * incident, labelled or not (`all`).
 */
export const EXPORT_LABELS = ['true', 'benign', 'any', 'all'] as const;
export type ExportLabel = (typeof EXPORT_LABELS)[number];
/** File name extension of each format. */
export const EXPORT_EXTENSIONS: Record<ExportFormat, string> = {
  json: 'json',
  csv: 'csv',
  timesketch: 'jsonl',
  stix: 'stix.json',
  misp: 'misp.json',
};

/** One analyst action: labelling (one or many incidents), removing a tuning, an import, or an undo. */
export interface TriageAction {
  id: number;
  kind: 'label' | 'remove_tuning' | 'import';
  at: number;
  author: string;
  summary: string;
  /** When it was undone; null while it stands. */
  undoneAt: number | null;
}

/** One label change of one incident, as the history shows it. */
export interface LabelHistoryRow {
  id: number;
  actionId: number;
  incidentId: string;
  /** The incident's title when labelled (it may be gone from the queue since). */
  title: string;
  before: IncidentLabel | null;
  after: IncidentLabel | null;
  note: string | null;
  at: number;
  author: string;
  via: TriageAction['kind'];
  undone: boolean;
}

/**
 * What a benign label changed in detection. `threshold`: alerts of this detector and kind about
 * this subject count only when their score is above `threshold`. `suppress`: they never count.
 */
export interface TuningRow {
  id: number;
  mode: 'threshold' | 'suppress';
  detector: string;
  /** The alert kind (rule id, pattern, channel); null for every kind of the detector. */
  kind: string | null;
  /** Who or what the alerts are about: `ip:203.0.113.5`, `user:alice`, `template:...`, `source:...`. */
  subject: string;
  threshold: number | null;
  /** Why, in words: the label, the incident, who and when. */
  reason: string;
  incidentId: string | null;
  createdAt: number;
  author: string;
  removedAt: number | null;
  /** At the last incident build: alerts it held back and incidents it took out of the queue. */
  heldAlerts: number;
  suppressedIncidents: number;
}

/** An incident the tuning took out of the queue, and why. */
export interface SuppressedIncident {
  id: string;
  title: string;
  category: string;
  severity: string;
  groupKey: string;
  firstTs: number | null;
  lastTs: number | null;
  alerts: number;
  label: IncidentLabel | null;
  reasons: { tuningId: number; text: string }[];
}

export interface IncidentTriage {
  id: string;
  history: LabelHistoryRow[];
  /** Tunings made from this incident's benign label. */
  tunings: TuningRow[];
  /** Set when the incident is suppressed (it then is not in the queue). */
  suppressed: SuppressedIncident | null;
}

export interface LabelResult {
  action: TriageAction;
  /** The labelled incidents as the queue shows them now. */
  rows: IncidentRow[];
  /** Tunings this label added; they take effect when detection re-runs. */
  tunings: TuningRow[];
  /** Ids given that are not in this case. */
  missing: string[];
}

export interface UndoResult {
  action: TriageAction;
  /** Incidents whose label went back. */
  incidents: number;
  /** Tunings the undo removed or brought back. */
  tunings: number;
}

export interface ExportResult {
  path: string;
  format: ExportFormat;
  incidents: number;
  events: number;
  bytes: number;
  ms: number;
  /** In the browser host, where the file can be downloaded from (a name under the exports folder). */
  download: string | null;
}

export interface ExportProgress {
  format: ExportFormat;
  path: string;
  incidents: number;
  events: number;
  bytes: number;
  done: boolean;
}

export interface MergeChange {
  id: string;
  title: string;
  local: IncidentLabel | null;
  incoming: IncidentLabel | null;
  localAt: number | null;
  incomingAt: number;
  note: string | null;
}

/** What merging another analyst's labels changed: the newer label wins. */
export interface MergeReport {
  file: string;
  /** Labels taken from the file (theirs was newer, or ours was unset). */
  applied: MergeChange[];
  /** Conflicts where our label is newer and stays. */
  kept: MergeChange[];
  unchanged: number;
  /** Labelled incidents of the file this case does not have (kept by id, in case detection finds them). */
  unknown: number;
  actionId: number | null;
}

export interface GroundTruthResult {
  path: string;
  /** True-labelled incidents written as attacks. */
  attacks: number;
  /** True-labelled incidents left out: no IP actor or no named attack pattern. */
  skipped: number;
}

export interface TriageChange {
  reason: 'labelled' | 'undone' | 'tuning' | 'imported';
}

const incidentId = z.string().trim().min(1).max(64);
const author = z.string().trim().min(1).max(120).optional();

export const triageMethods = {
  /** Label one or many incidents (null clears), with an optional note; benign labels add tuning. */
  'triage.label': {
    input: z
      .object({
        ids: z.array(incidentId).min(1, 'select at least one incident').max(10_000),
        label: z.enum(INCIDENT_LABELS).nullable(),
        /** Omitted keeps each incident's note; null clears it. */
        note: z.string().max(10_000).nullable().optional(),
        /** `auto`: benign labels raise thresholds or suppress; `none`: only the label. */
        tuning: z.enum(['auto', 'none']).default('auto'),
        author,
      })
      .strict(),
    output: reply<LabelResult>(),
  },
  /** Undo an action (default: the latest that stands). */
  'triage.undo': { input: z.object({ actionId: z.number().int().positive().optional() }).strict(), output: reply<UndoResult>() },
  /** Label changes, newest first; of one incident when given. */
  'triage.history': {
    input: z
      .object({ incidentId: incidentId.optional(), limit: z.number().int().min(1).max(10_000).default(500) })
      .strict(),
    output: reply<LabelHistoryRow[]>(),
  },
  'triage.listActions': {
    input: z.object({ limit: z.number().int().min(1).max(1000).default(50) }).strict(),
    output: reply<TriageAction[]>(),
  },
  'triage.listTuning': {
    input: z.object({ includeRemoved: z.boolean().default(false) }).strict(),
    output: reply<TuningRow[]>(),
  },
  /** Remove a tuning (undoable); the held-back alerts count again when detection re-runs. */
  'triage.removeTuning': { input: z.object({ id: z.number().int().positive(), author }).strict(), output: reply<TuningRow>() },
  'triage.listSuppressed': {
    input: z.object({ limit: z.number().int().min(1).max(10_000).default(1000) }).strict(),
    output: reply<SuppressedIncident[]>(),
  },
  'triage.getIncident': { input: z.object({ id: incidentId }).strict(), output: reply<IncidentTriage>() },
  /** Stream labelled incidents with evidence, entities and labels to a file. */
  'triage.export': {
    input: z
      .object({
        format: z.enum(EXPORT_FORMATS),
        /** Where to write (a relative path is inside the exports folder of the data dir); default a new file there. */
        path: filePath.optional(),
        label: z.enum(EXPORT_LABELS).default('any'),
        /** Evidence events per incident at most. */
        maxEvents: z.number().int().min(0).max(1_000_000).default(100_000),
      })
      .strict(),
    output: reply<ExportResult>(),
  },
  /** Stop running exports; their partial files are removed. Says how many were running. */
  'triage.cancelExport': { input: z.object({}).strict(), output: reply<{ cancelled: number }>() },
  /** Merge labels from a JSON export of this or another analyst's copy: the newer label wins. */
  'triage.importLabels': { input: z.object({ path: filePath, author }).strict(), output: reply<MergeReport>() },
  /** True-labelled incidents as a ground-truth file that experiments.runExperiment reads. */
  'triage.writeGroundTruth': { input: z.object({ path: filePath.optional() }).strict(), output: reply<GroundTruthResult>() },
} as const;

export const triageEvents = {
  /** Labels, tuning or suppressions changed. */
  'triage.changed': reply<TriageChange>(),
  'triage.exportProgressed': reply<ExportProgress>(),
} as const;
