/**
 * One experiment run: the behaviour forests re-trained on the groups the pipeline stored in the case,
 * with the run's parameters, measured against ground truth; stored with its metrics.
 */
import { performance } from 'node:perf_hooks';
import type { Database } from 'better-sqlite3';
import type {
  ExperimentGroupKind,
  ExperimentParams,
  ExperimentRecord,
  ParamValue,
  PatternMetrics,
} from '../../../src-shared/contract-experiments';
import { GROUP_KINDS } from '../../../src-shared/contract-experiments';
import {
  ATTACK_PATTERNS,
  type AttackPattern,
  BEHAVIOUR_MODEL_VERSION,
  type BehaviourGroup,
  BehaviourModel,
  type ExperimentRun,
  FEATURE_NAMES,
  FEATURE_SET_VERSION,
  type PatternDetection,
  createExperimentRun,
  evaluatePatterns,
  labelGroups,
  matrixFromRows,
} from '../detect/behaviour';
import type { Truth } from './truth';
import { getRun } from './records';

/** Fewer groups than this and a forest's numbers say little; the run still happens, with a warning. */
const FEW_GROUPS = 32;

interface RunInput {
  name: string;
  truthFile: string;
  truth: Truth;
  params: ExperimentParams;
  notes: string;
}

/** What the `metrics` column holds. */
export interface StoredMetrics {
  version: 1;
  labels: ExperimentRecord['labels'];
  kinds: Partial<Record<ExperimentGroupKind, { run: ExperimentRun; trainRows: number; trainMs: number }>>;
  patterns: Record<string, PatternMetrics>;
  warnings: string[];
  durationMs: number;
}

interface GroupRow {
  ip: string | null;
  user: string | null;
  start_ts: number;
  end_ts: number;
  events: number;
  features: string;
}

export function runExperiment(db: Database, input: RunInput): ExperimentRecord {
  const t0 = performance.now();
  const { params, truth } = input;
  const warnings: string[] = [];
  const createdAt = Date.now();
  if (truth.unknown > 0) warnings.push(`${truth.unknown} ground-truth attacks name patterns Vigil does not detect; left out.`);

  const span = db.prepare('SELECT min(ts) AS lo, max(ts) AS hi FROM events WHERE ts IS NOT NULL').get() as {
    lo: number | null;
    hi: number | null;
  };
  const attacksInCase =
    span.lo === null || span.hi === null ? 0 : truth.attacks.filter((a) => a.end >= span.lo! && a.start <= span.hi!).length;
  if (truth.attacks.length > 0 && attacksInCase === 0) {
    warnings.push(
      'No ground-truth attack falls inside the time range of the case\u2019s events. Logs without a year in their timestamps take it from the file\u2019s modification time: check that the logs and the truth file describe the same period.',
    );
  }

  const parameters: Record<string, ParamValue> = {
    trees: params.trees,
    sampleSize: params.sampleSize,
    seed: params.seed,
    threshold: params.threshold,
    transform: params.transform,
    excludeFlagged: params.excludeFlagged,
    slackMs: params.slackMs,
  };

  const detections = patternDetections(db);
  const patterns = evaluatePatterns(detections, truth.attacks, params.slackMs) as Record<string, PatternMetrics>;
  const flagged = new Set(detections.map((d) => d.ip));

  const kinds: StoredMetrics['kinds'] = {};
  const otherFeatureSets = db
    .prepare('SELECT count(*) FROM behaviour_groups WHERE feature_set <> ?')
    .pluck()
    .get(FEATURE_SET_VERSION) as number;
  if (otherFeatureSets > 0)
    warnings.push(
      `${otherFeatureSets} behaviour groups were computed with another feature set and are left out; re-run detection to include them.`,
    );
  const select = db.prepare(
    'SELECT ip, user, start_ts, end_ts, events, features FROM behaviour_groups WHERE kind = ? AND feature_set = ? ORDER BY id',
  );

  for (const kind of GROUP_KINDS) {
    const rows = select.all(kind, FEATURE_SET_VERSION) as GroupRow[];
    if (rows.length < 2) {
      warnings.push(`Only ${rows.length} ${kindLabel(kind)} in the case: no forest trained for them.`);
      continue;
    }
    if (rows.length < FEW_GROUPS) warnings.push(`Only ${rows.length} ${kindLabel(kind)}: their metrics say little.`);
    const vectors = rows.map((r) => JSON.parse(r.features) as number[]);
    let train = params.excludeFlagged ? vectors.filter((_, i) => !flagged.has(rows[i]!.ip ?? '')) : vectors;
    if (train.length < 2) {
      warnings.push(
        `Every ${kindLabel(kind).replace(/s$/, '')} comes from an IP a pattern flagged; the ${kind} forest was trained on all of them.`,
      );
      train = vectors;
    }
    const t1 = performance.now();
    const model = BehaviourModel.train(kind, train, {
      params: { nTrees: params.trees, sampleSize: params.sampleSize, seed: params.seed },
      transform: params.transform,
    });
    const trainMs = performance.now() - t1;
    const scores = model.scoreMatrix(matrixFromRows(vectors, FEATURE_NAMES.length));
    const labels = labelGroups(rows.map(asGroup(kind)), truth.attacks);
    const threshold =
      params.threshold === 'medium' ? model.cutoffs.medium : params.threshold === 'high' ? model.cutoffs.high : params.threshold;
    const run = createExperimentRun({
      name: input.name,
      createdAt,
      modelVersion: BEHAVIOUR_MODEL_VERSION,
      featureSetVersion: FEATURE_SET_VERSION,
      parameters: { ...parameters, kind },
      labelSource: 'scenario',
      labelDescription: input.truthFile,
      scores,
      labels,
      threshold,
      patterns: patterns as ExperimentRun['patterns'],
      notes: input.notes,
    });
    if (run.labels.positives === 0)
      warnings.push(`No ${kindLabel(kind).replace(/s$/, '')} overlaps a ground-truth attack: ROC-AUC and PR-AUC are undefined.`);
    kinds[kind] = { run, trainRows: train.length, trainMs };
  }

  const stored: StoredMetrics = {
    version: 1,
    labels: { source: 'scenario', file: input.truthFile, attacks: truth.attacks.length, attacksInCase },
    kinds,
    patterns,
    warnings,
    durationMs: performance.now() - t0,
  };
  const id = db
    .prepare(
      'INSERT INTO experiments (created_at, name, model_version, feature_set, params, metrics, notes) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
    )
    .pluck()
    .get(
      createdAt,
      input.name,
      BEHAVIOUR_MODEL_VERSION,
      FEATURE_SET_VERSION,
      JSON.stringify(parameters),
      JSON.stringify(stored),
      input.notes,
    ) as number;
  return getRun(db, id);
}

function kindLabel(kind: ExperimentGroupKind): string {
  return kind === 'session' ? 'sessions' : 'IP windows';
}

/** labelGroups needs only IP and span; the rest of a group is not stored and not needed here. */
function asGroup(kind: ExperimentGroupKind): (r: GroupRow) => BehaviourGroup {
  return (r) => ({
    kind,
    key: '',
    ip: r.ip ?? '',
    user: r.user,
    userAgent: null,
    start: r.start_ts,
    end: r.end_ts,
    events: r.events,
    evidence: [],
    featureSetVersion: FEATURE_SET_VERSION,
    features: [],
    closeReason: 'flush',
    score: null,
    level: null,
  });
}

/** The named-pattern alerts of the behaviour stage, back in the shape the evaluator reads. */
function patternDetections(db: Database): PatternDetection[] {
  const placeholders = ATTACK_PATTERNS.map(() => '?').join(',');
  const rows = db
    .prepare(
      `SELECT kind, key, first_ts, last_ts, score, entities FROM alerts WHERE detector = 'behaviour' AND kind IN (${placeholders}) AND key LIKE 'ip:%'`,
    )
    .all(...ATTACK_PATTERNS) as {
    kind: AttackPattern;
    key: string;
    first_ts: number | null;
    last_ts: number | null;
    score: number | null;
    entities: string;
  }[];
  return rows
    .filter((r) => r.first_ts !== null && r.last_ts !== null)
    .map((r) => {
      const ip = r.key.slice(3);
      const users = (JSON.parse(r.entities) as { type: string; value: string }[]).filter((e) => e.type === 'user').map((e) => e.value);
      return {
        pattern: r.kind,
        keyType: 'ip',
        key: ip,
        ip,
        users,
        firstTs: r.first_ts!,
        lastTs: r.last_ts!,
        evidence: [],
        facts: {},
        score: r.score ?? 0,
        summary: '',
      };
    });
}
