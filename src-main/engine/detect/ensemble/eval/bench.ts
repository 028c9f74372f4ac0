import type { NormalizedEvent } from '../../../../../src-shared/event';
import { EnsembleSet } from '../ensemble-set';
import { generateScenario } from './scenario';

/**
 * Throughput of the ensemble alone over ~1M generated events (normal traffic at 13x the test
 * rates plus the anomaly catalogue), after one warm-up pass for the JIT. Generation is not timed.
 * Run: node src-main/engine/detect/ensemble/eval/run-ts.mjs src-main/engine/detect/ensemble/eval/bench.ts
 */
const scale = Number(process.argv[3] ?? 13);
const sc = generateScenario({ seed: 7, rateScale: scale });
const events: NormalizedEvent[] = sc.events;
console.log(`events: ${events.length}`);
for (let run = 0; run < 3; run++) {
  const set = new EnsembleSet();
  const t0 = performance.now();
  for (const e of events) set.push(e);
  const out = set.drain();
  const s = (performance.now() - t0) / 1000;
  console.log(`run ${run}: ${(events.length / s).toFixed(0)} events/s (${s.toFixed(2)} s), ${out.points.length} points, ${out.alerts.length} alerts, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
}
