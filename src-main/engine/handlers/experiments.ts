/**
 * Handlers of the experiments domain: model runs and their metrics against labels.
 *
 * A run re-trains the behaviour forests on the groups the pipeline stored in the case, with the
 * run's parameters, so two runs on the same case differ only by their configuration. Ground
 * truth comes from a truth.json of the scenario generator until incident labels exist.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import type { ComparisonRow, ExperimentComparison, ExperimentGroupKind, ExperimentParams, ExperimentRecord, ExperimentSummary, KindMetrics, ParamValue, PatternMetrics } from '../../../src-shared/contract-experiments';
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
  type GroundTruthAttack,
  type PatternDetection,
  compareRuns,
  createExperimentRun,
  evaluatePatterns,
  labelGroups,
  matrixFromRows,
} from '../detect/behaviour';
import type { DomainHandlers, EngineContext, OpenCase } from '../engine';
import { EngineError, ioError } from '../errors';

/** Fewer groups than this and a forest's numbers say little; the run still happens, with a warning. */
const FEW_GROUPS = 32;

export function experimentsHandlers(ctx: EngineContext): DomainHandlers<'experiments'> {
  const db = () => ctx.open().store.db;
  return {
    'experiments.runExperiment': async ({ name, truthPath, params, notes }) => {
      const c = ctx.open();
      // Read the truth before queueing: a wrong path should fail at once, not after an import.
      const truth = readTruth(resolve(truthPath));
      return afterPendingWork(ctx, c, () => runExperiment(c.store.db, { name, truthFile: resolve(truthPath), truth, params, notes }));
    },
    'experiments.listRuns': () => listRuns(db()),
    'experiments.getRun': ({ id }) => getRun(db(), id),
    'experiments.compareRuns': ({ a, b }) => compareStoredRuns(getRun(db(), a), getRun(db(), b), stored(db(), a), stored(db(), b)),
    'experiments.deleteRun': ({ id }) => {
      const changes = db().prepare('DELETE FROM experiments WHERE id = ?').run(id).changes;
      if (changes === 0) throw new EngineError('not_found', `No experiment run #${id} in this case.`);
      return null;
    },
  };
}

/**
 * Imports and detection passes run one after another in the importer's queue; a run queued
 * behind them measures the case as it will be once they finish, not a half-written one.
 */
function afterPendingWork<T>(ctx: EngineContext, c: OpenCase, work: () => T): Promise<T> {
  return new Promise<T>((resolveWork, reject) => {
    let started = false;
    // The importer drops queued work when the case closes; do not leave the caller hanging.
    const watch = setInterval(() => {
      if (started) return;
      let current: OpenCase | null = null;
      try {
        current = ctx.open();
      } catch {
        current = null;
      }
      if (current !== c) {
        clearInterval(watch);
        reject(new EngineError('cancelled', 'The case was closed before the experiment could run.'));
      }
    }, 250);
    c.importer.schedule(async () => {
      started = true;
      clearInterval(watch);
      try {
        resolveWork(work());
      } catch (err) {
        reject(err);
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Ground truth

const truthAttack = z
  .object({
    pattern: z.string(),
    key: z.string().min(1),
    users: z.array(z.string()).default([]),
    start: z.number(),
    end: z.number(),
    note: z.string().optional(),
  })
  .loose();
const truthFile = z.union([z.object({ attacks: z.array(truthAttack) }).loose(), z.array(truthAttack)]);

export interface Truth {
  attacks: GroundTruthAttack[];
  /** Attacks of pattern names this build does not know, left out. */
  unknown: number;
}

export function readTruth(path: string): Truth {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw ioError(err, `The ground-truth file ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EngineError('bad_format', `${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed = truthFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError('bad_format', `${path} is not a ground-truth file (attacks with pattern, key, start, end)${issue ? `: ${issue.path.join('.')}: ${issue.message}` : ''}`);
  }
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.attacks;
  const known = new Set<string>(ATTACK_PATTERNS);
  const attacks: GroundTruthAttack[] = list
    .filter((a) => known.has(a.pattern))
    .map((a) => ({ pattern: a.pattern as AttackPattern, key: a.key, users: a.users, start: a.start, end: a.end, ...(a.note ? { note: a.note } : {}) }));
  return { attacks, unknown: list.length - attacks.length };
}

// ---------------------------------------------------------------------------------------------
// A run

interface RunInput {
  name: string;
  truthFile: string;
  truth: Truth;
  params: ExperimentParams;
  notes: string;
}

/** What the `metrics` column holds. */
interface StoredMetrics {
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

  const span = db.prepare('SELECT min(ts) AS lo, max(ts) AS hi FROM events WHERE ts IS NOT NULL').get() as { lo: number | null; hi: number | null };
  const attacksInCase = span.lo === null || span.hi === null ? 0 : truth.attacks.filter((a) => a.end >= span.lo! && a.start <= span.hi!).length;
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
  const flagged = new Set(detections.map((d) => d.key));

  const kinds: StoredMetrics['kinds'] = {};
  const otherFeatureSets = db.prepare('SELECT count(*) FROM behaviour_groups WHERE feature_set <> ?').pluck().get(FEATURE_SET_VERSION) as number;
  if (otherFeatureSets > 0) warnings.push(`${otherFeatureSets} behaviour groups were computed with another feature set and are left out; re-run detection to include them.`);
  const select = db.prepare('SELECT ip, user, start_ts, end_ts, events, features FROM behaviour_groups WHERE kind = ? AND feature_set = ? ORDER BY id');

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
      warnings.push(`Every ${kindLabel(kind).replace(/s$/, '')} comes from an IP a pattern flagged; the ${kind} forest was trained on all of them.`);
      train = vectors;
    }
    const t1 = performance.now();
    const model = BehaviourModel.train(kind, train, { params: { nTrees: params.trees, sampleSize: params.sampleSize, seed: params.seed }, transform: params.transform });
    const trainMs = performance.now() - t1;
    const scores = model.scoreMatrix(matrixFromRows(vectors, FEATURE_NAMES.length));
    const labels = labelGroups(rows.map(asGroup(kind)), truth.attacks);
    const threshold = params.threshold === 'medium' ? model.cutoffs.medium : params.threshold === 'high' ? model.cutoffs.high : params.threshold;
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
    if (run.labels.positives === 0) warnings.push(`No ${kindLabel(kind).replace(/s$/, '')} overlaps a ground-truth attack: ROC-AUC and PR-AUC are undefined.`);
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
    .prepare('INSERT INTO experiments (created_at, name, model_version, feature_set, params, metrics, notes) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id')
    .pluck()
    .get(createdAt, input.name, BEHAVIOUR_MODEL_VERSION, FEATURE_SET_VERSION, JSON.stringify(parameters), JSON.stringify(stored), input.notes) as number;
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
    .prepare(`SELECT kind, key, first_ts, last_ts, score, entities FROM alerts WHERE detector = 'behaviour' AND kind IN (${placeholders}) AND key LIKE 'ip:%'`)
    .all(...ATTACK_PATTERNS) as { kind: AttackPattern; key: string; first_ts: number | null; last_ts: number | null; score: number | null; entities: string }[];
  return rows
    .filter((r) => r.first_ts !== null && r.last_ts !== null)
    .map((r) => {
      const ip = r.key.slice(3);
      const users = (JSON.parse(r.entities) as { type: string; value: string }[]).filter((e) => e.type === 'user').map((e) => e.value);
      return { pattern: r.kind, keyType: 'ip', key: ip, users, firstTs: r.first_ts!, lastTs: r.last_ts!, evidence: [], facts: {}, score: r.score ?? 0, summary: '' };
    });
}

// ---------------------------------------------------------------------------------------------
// Reading runs back

interface ExperimentRowDb {
  id: number;
  created_at: number;
  name: string;
  model_version: string;
  feature_set: string;
  params: string;
  metrics: string;
  notes: string | null;
}

function stored(db: Database, id: number): StoredMetrics {
  const row = db.prepare('SELECT metrics FROM experiments WHERE id = ?').pluck().get(id) as string | undefined;
  if (row === undefined) throw new EngineError('not_found', `No experiment run #${id} in this case.`);
  return JSON.parse(row) as StoredMetrics;
}

function toRecord(row: ExperimentRowDb): ExperimentRecord {
  const m = JSON.parse(row.metrics) as StoredMetrics;
  const kinds: ExperimentRecord['kinds'] = {};
  for (const kind of GROUP_KINDS) {
    const k = m.kinds[kind];
    if (!k) continue;
    const r = k.run;
    kinds[kind] = {
      kind,
      rows: r.labels.rows,
      positives: r.labels.positives,
      trainRows: k.trainRows,
      trainMs: k.trainMs,
      threshold: r.threshold,
      ...r.metrics,
    } satisfies KindMetrics;
  }
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    modelVersion: row.model_version,
    featureSet: row.feature_set,
    params: JSON.parse(row.params) as Record<string, ParamValue>,
    labels: m.labels,
    kinds,
    patterns: m.patterns,
    warnings: m.warnings,
    notes: row.notes ?? '',
    durationMs: m.durationMs,
  };
}

export function getRun(db: Database, id: number): ExperimentRecord {
  const row = db.prepare('SELECT * FROM experiments WHERE id = ?').get(id) as ExperimentRowDb | undefined;
  if (!row) throw new EngineError('not_found', `No experiment run #${id} in this case.`);
  return toRecord(row);
}

export function listRuns(db: Database): ExperimentSummary[] {
  const rows = db.prepare('SELECT * FROM experiments ORDER BY id DESC').all() as ExperimentRowDb[];
  return rows.map((row) => {
    const r = toRecord(row);
    const f1s = Object.values(r.patterns)
      .filter((p) => p.truths > 0 || p.detections > 0)
      .map((p) => p.f1);
    return {
      id: r.id,
      name: r.name,
      createdAt: r.createdAt,
      modelVersion: r.modelVersion,
      featureSet: r.featureSet,
      params: r.params,
      truthFile: r.labels.file,
      sessionF1: r.kinds.session?.f1 ?? null,
      sessionRocAuc: r.kinds.session?.rocAuc ?? null,
      ipWindowF1: r.kinds.ip_window?.f1 ?? null,
      ipWindowRocAuc: r.kinds.ip_window?.rocAuc ?? null,
      patternF1: f1s.length > 0 ? f1s.reduce((s, x) => s + x, 0) / f1s.length : null,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Side by side

const EPSILON = 1e-9;

function better(a: number | null, b: number | null): 'a' | 'b' | null {
  if (a === null || b === null || Math.abs(a - b) < EPSILON) return null;
  return a > b ? 'a' : 'b';
}

function row(section: string, metric: string, a: number | null, b: number | null): ComparisonRow {
  return { section, metric, a, b, delta: a !== null && b !== null ? b - a : null, better: better(a, b) };
}

export function compareStoredRuns(a: ExperimentRecord, b: ExperimentRecord, sa: StoredMetrics, sb: StoredMetrics): ExperimentComparison {
  const rows: ComparisonRow[] = [];
  let comparable = a.labels.file === b.labels.file && a.labels.attacks === b.labels.attacks;
  let parameterChanges: ExperimentComparison['parameterChanges'] | null = null;
  for (const kind of GROUP_KINDS) {
    const ra = sa.kinds[kind]?.run;
    const rb = sb.kinds[kind]?.run;
    if (ra && rb) {
      const cmp = compareRuns(ra, rb);
      comparable &&= cmp.comparable;
      parameterChanges ??= cmp.parameterChanges.filter((p) => p.name !== 'kind').map((p) => ({ name: p.name, a: p.a as ParamValue, b: p.b as ParamValue }));
      for (const m of cmp.metrics) rows.push(row(kind, m.metric, m.a, m.b));
    } else if (ra || rb) {
      comparable = false;
      for (const metric of ['precision', 'recall', 'f1', 'rocAuc', 'prAuc'] as const) rows.push(row(kind, metric, ra?.metrics[metric] ?? null, rb?.metrics[metric] ?? null));
    }
  }
  for (const p of ATTACK_PATTERNS) {
    const pa = a.patterns[p];
    const pb = b.patterns[p];
    if (!pa && !pb) continue;
    rows.push(row('pattern', `${p} precision`, pa?.precision ?? null, pb?.precision ?? null));
    rows.push(row('pattern', `${p} recall`, pa?.recall ?? null, pb?.recall ?? null));
  }
  if (!parameterChanges) {
    const names = new Set([...Object.keys(a.params), ...Object.keys(b.params)]);
    parameterChanges = [...names].filter((n) => a.params[n] !== b.params[n]).map((n) => ({ name: n, a: a.params[n] ?? null, b: b.params[n] ?? null }));
  }
  return { a, b, rows, parameterChanges, comparable };
}
