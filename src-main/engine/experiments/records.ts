/** Experiment runs read back from the case. */
import type { Database } from 'better-sqlite3';
import type { ExperimentRecord, ExperimentSummary, KindMetrics, ParamValue } from '../../../src-shared/contract-experiments';
import { GROUP_KINDS } from '../../../src-shared/contract-experiments';
import {} from '../detect/behaviour';
import { EngineError } from '../errors';
import type { StoredMetrics } from './run';

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

export function stored(db: Database, id: number): StoredMetrics {
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
