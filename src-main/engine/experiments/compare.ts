/** Two experiment runs side by side. */
import type { ComparisonRow, ExperimentComparison, ExperimentRecord, ParamValue } from '../../../src-shared/contract-experiments';
import { GROUP_KINDS } from '../../../src-shared/contract-experiments';
import { ATTACK_PATTERNS, compareRuns } from '../detect/behaviour';
import type { StoredMetrics } from './run';

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
      parameterChanges ??= cmp.parameterChanges
        .filter((p) => p.name !== 'kind')
        .map((p) => ({ name: p.name, a: p.a as ParamValue, b: p.b as ParamValue }));
      for (const m of cmp.metrics) rows.push(row(kind, m.metric, m.a, m.b));
    } else if (ra || rb) {
      comparable = false;
      for (const metric of ['precision', 'recall', 'f1', 'rocAuc', 'prAuc'] as const)
        rows.push(row(kind, metric, ra?.metrics[metric] ?? null, rb?.metrics[metric] ?? null));
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
    parameterChanges = [...names]
      .filter((n) => a.params[n] !== b.params[n])
      .map((n) => ({ name: n, a: a.params[n] ?? null, b: b.params[n] ?? null }));
  }
  return { a, b, rows, parameterChanges, comparable };
}
