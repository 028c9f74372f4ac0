/**
 * Timing report, skipped unless VIGIL_PERF=1 (no timing asserts in unit tests):
 *   VIGIL_PERF=1 [VIGIL_CSV_OUT=/tmp/behaviour.csv] npx vitest run src-main/engine/detect/behaviour/perf.test.ts
 * Prints engine throughput, Isolation Forest training and scoring time on 100K session rows,
 * and optionally writes the session matrix + labels CSV for bench/iforest_sklearn.py.
 */
import { writeFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { generateScenario } from '../../scenario/generate';
import { analyzeEvents } from './analyze';
import { BehaviourModel } from './behaviourModel';
import { featureMatrixCsv } from './csvExport';
import { BehaviourEngine } from './engine';
import { rocAuc } from './metrics';
import { matrixFromRows } from './matrix';
import { labelGroups } from './patternEval';
import { Prng } from './prng';

describe.skipIf(!process.env.VIGIL_PERF)('behaviour performance', () => {
  it('reports timings', () => {
    const sc = generateScenario({ seed: 5, days: 20 });
    let best = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      const t0 = performance.now();
      const engine = new BehaviourEngine();
      for (const e of sc.events) engine.push(e);
      engine.flush();
      engine.drain();
      best = Math.min(best, performance.now() - t0);
    }
    console.log(`engine (sessions + IP windows + features + patterns): ${sc.events.length} events in ${best.toFixed(0)} ms = ${Math.round(sc.events.length / (best / 1000))} events/s`);

    // 100K session rows: real session vectors from the scenario, resampled.
    const result = analyzeEvents(sc.events, { train: false });
    const vectors = result.sessions.map((g) => g.features);
    const rng = new Prng(1);
    const big = Array.from({ length: 100_000 }, () => vectors[Math.floor(rng.next() * vectors.length)] as number[]);
    let trainMs = Infinity;
    let scoreMs = Infinity;
    let buildMs = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      let t0 = performance.now();
      const model = BehaviourModel.train('session', big, { params: { seed: rep + 1 } });
      trainMs = Math.min(trainMs, performance.now() - t0);
      t0 = performance.now();
      const m = matrixFromRows(big);
      buildMs = Math.min(buildMs, performance.now() - t0);
      t0 = performance.now();
      model.scoreMatrix(m);
      scoreMs = Math.min(scoreMs, performance.now() - t0);
    }
    console.log(
      `Isolation Forest on 100K x ${vectors[0]?.length} session rows, 100 trees, psi 256 (best of 3): ` +
        `train ${trainMs.toFixed(0)} ms (incl. matrix build, log1p, cut-off calibration), score ${scoreMs.toFixed(0)} ms (+ ${buildMs.toFixed(0)} ms matrix build)`,
    );

    if (process.env.VIGIL_CSV_OUT) {
      const small = generateScenario({ seed: 1 });
      const r = analyzeEvents(small.events, { train: false });
      const labels = labelGroups(r.sessions, small.truth);
      const vectorsSmall = r.sessions.map((g) => g.features);
      writeFileSync(process.env.VIGIL_CSV_OUT, featureMatrixCsv(vectorsSmall, labels));
      // Same protocol as the Python script: fit on all rows, mean over 5 forest seeds.
      const aucs = [0, 1, 2, 3, 4].map((seed) => rocAuc(BehaviourModel.train('session', vectorsSmall, { params: { seed } }).scoreMatrix(matrixFromRows(vectorsSmall)), labels));
      const ours = aucs.reduce((a, b) => a + b, 0) / aucs.length;
      console.log(`wrote ${process.env.VIGIL_CSV_OUT}: ${labels.length} rows; our ROC-AUC (fit on all rows, mean of 5 seeds) ${ours.toFixed(4)} [${aucs.map((a) => a.toFixed(3)).join(' ')}]`);
    }
  });
});
