/**
 * Behaviour-model benchmarks (DESIGN.md step 7), as flat figures for bench/run.ts:
 * - behaviourSklearn: our Isolation Forest and scikit-learn's on the same scenario feature matrix
 *   (featureMatrixCsv: the transformed cells our forest sees), both fitted on all rows with 100
 *   trees and 256 samples and averaged over 5 forest seeds; bar |difference| <= 0.02.
 * - behaviourTraining: forest training and scoring time on 100K session rows; bar < 10 s.
 * Standalone: npx tsx bench/behaviour.ts
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeEvents } from '../src-main/engine/detect/behaviour/analyze';
import { BehaviourModel } from '../src-main/engine/detect/behaviour/behaviourModel';
import { featureMatrixCsv } from '../src-main/engine/detect/behaviour/csvExport';
import type { BehaviourGroup } from '../src-main/engine/detect/behaviour/engine';
import { IsolationForest } from '../src-main/engine/detect/behaviour/iforest';
import { log1pMatrix, matrixFromRows } from '../src-main/engine/detect/behaviour/matrix';
import { rocAuc } from '../src-main/engine/detect/behaviour/metrics';
import { labelGroups } from '../src-main/engine/detect/behaviour/patternEval';
import { Prng } from '../src-main/engine/detect/behaviour/prng';
import { generateScenario } from '../src-main/engine/scenario/generate';
import { ROOT } from '../test/paths';
import { BENCH_DIR } from './util';

const SCENARIO_SEEDS = [1, 2, 3];
const FOREST_SEEDS = [0, 1, 2, 3, 4];
export const SKLEARN_TOLERANCE = 0.02;

/** A Python with scikit-learn: $VIGIL_PYTHON, then python3 on PATH, then Debian's own. */
function pythonWithSklearn(): string {
  const candidates = [process.env.VIGIL_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import sklearn'], { encoding: 'utf8' });
    if (r.status === 0) return py;
  }
  throw new Error(`no python3 with scikit-learn (tried ${candidates.join(', ')}): apt-get install python3-sklearn, or set VIGIL_PYTHON`);
}

interface LabelledGroups {
  vectors: number[][];
  labels: number[];
}

function scenarioGroups(): { session: LabelledGroups; ip_window: LabelledGroups } {
  const out = { session: { vectors: [] as number[][], labels: [] as number[] }, ip_window: { vectors: [] as number[][], labels: [] as number[] } };
  for (const seed of SCENARIO_SEEDS) {
    const sc = generateScenario({ seed });
    const r = analyzeEvents(sc.events, { train: false });
    const add = (target: LabelledGroups, groups: BehaviourGroup[]) => {
      target.vectors.push(...groups.map((g) => g.features));
      target.labels.push(...labelGroups(groups, sc.truth));
    };
    add(out.session, r.sessions);
    add(out.ip_window, r.ipWindows);
  }
  return out;
}

function ourAuc(g: LabelledGroups): number {
  const aucs = FOREST_SEEDS.map((seed) => rocAuc(BehaviourModel.train('session', g.vectors, { params: { seed } }).scoreMatrix(matrixFromRows(g.vectors)), g.labels));
  return aucs.reduce((a, b) => a + b, 0) / aucs.length;
}

function sklearnAuc(python: string, csv: string, ours: number): number {
  const r = spawnSync(python, [join(ROOT, 'bench', 'iforest_sklearn.py'), csv, '--seeds', String(FOREST_SEEDS.length), '--ours', ours.toFixed(6), '--tolerance', String(SKLEARN_TOLERANCE)], {
    encoding: 'utf8',
  });
  const m = /ROC-AUC mean=([0-9.]+)/.exec(r.stdout);
  if (!m) throw new Error(`bench/iforest_sklearn.py failed (${r.status}): ${r.stderr || r.stdout}`);
  process.stderr.write(r.stdout);
  return Number(m[1]);
}

export async function behaviourSklearn(): Promise<Record<string, number>> {
  const python = pythonWithSklearn();
  const groups = scenarioGroups();
  const out: Record<string, number> = {};
  let within = 1;
  for (const kind of ['session', 'ip_window'] as const) {
    const g = groups[kind];
    const csv = join(BENCH_DIR, `behaviour-${kind}.csv`);
    writeFileSync(csv, featureMatrixCsv(g.vectors, g.labels));
    const ours = ourAuc(g);
    const theirs = sklearnAuc(python, csv, ours);
    const diff = ours - theirs;
    if (Math.abs(diff) > SKLEARN_TOLERANCE) within = 0;
    out[`${kind}_rows`] = g.vectors.length;
    out[`${kind}_attack_rows`] = g.labels.filter(Boolean).length;
    out[`${kind}_roc_auc_vigil`] = round4(ours);
    out[`${kind}_roc_auc_sklearn`] = round4(theirs);
    out[`${kind}_roc_auc_diff`] = round4(diff);
  }
  out.within_tolerance = within;
  return out;
}

export async function behaviourTraining(): Promise<Record<string, number>> {
  // 100K session rows: real session vectors of a 20-day scenario, resampled.
  const sc = generateScenario({ seed: 5, days: 20 });
  const vectors = analyzeEvents(sc.events, { train: false }).sessions.map((g) => g.features);
  const rng = new Prng(1);
  const rows = Array.from({ length: 100_000 }, () => vectors[Math.floor(rng.next() * vectors.length)]!);
  let t0 = performance.now();
  const model = BehaviourModel.train('session', rows, { params: { nTrees: 100, sampleSize: 256, seed: 1 } });
  const trainMs = performance.now() - t0;
  t0 = performance.now();
  const raw = matrixFromRows(rows);
  const m = log1pMatrix(raw);
  const prepMs = performance.now() - t0;
  t0 = performance.now();
  IsolationForest.train(m, { nTrees: 100, sampleSize: 256, seed: 2 });
  const fitMs = performance.now() - t0;
  t0 = performance.now();
  model.scoreMatrix(raw);
  const scoreMs = performance.now() - t0;
  return {
    rows: rows.length,
    features: rows[0]!.length,
    // Everything a run pays to get a usable model: matrix, log1p, 100 trees, cut-off calibration.
    train_ms: Math.round(trainMs),
    forest_fit_ms: Math.round(fitMs),
    matrix_prep_ms: Math.round(prepMs),
    score_100k_ms: Math.round(scoreMs),
  };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  for (const [name, fn] of [
    ['behaviour-sklearn', behaviourSklearn],
    ['behaviour-training', behaviourTraining],
  ] as const) {
    const r = await fn();
    console.log(`\n${name}`);
    for (const [k, v] of Object.entries(r)) console.log(`  ${k.padEnd(28)} ${v}`);
  }
}
