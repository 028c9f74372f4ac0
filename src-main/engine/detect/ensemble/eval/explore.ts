/** Dev tool: per-seed evaluation with missed anomalies and false episodes. Run via run-ts.mjs. */
import { EnsembleSet } from '../ensemble-set';
import { evaluate, scenarioMatch, seedList } from './metrics';
import { generateScenario } from './scenario';

const seeds = seedList(process.argv[3] ?? '1-3');
for (const seed of seeds) {
  const sc = generateScenario({ seed });
  const set = new EnsembleSet();
  const t0 = performance.now();
  set.pushAll(sc.events);
  const ms = performance.now() - t0;
  const out = set.drain();
  const ev = evaluate(out.alerts, sc.truth, scenarioMatch(sc.warmupEnd));
  console.log(`seed ${seed}: ${sc.events.length} events in ${ms.toFixed(0)} ms; P=${ev.precision.toFixed(2)} R=${ev.recall.toFixed(2)} episodes=${ev.episodes} tp=${ev.truePositiveEpisodes} alerts=${ev.alerts} warmupAlerts=${ev.alertsInWarmup} rawP=${ev.rawAlertPrecision.toFixed(2)}`);
  const iso = (t: number): string => new Date(t).toISOString().slice(11, 16);
  for (const t of sc.truth) {
    const hits = out.alerts.filter((a) => a.sourceType === t.sourceType && a.bucket >= t.start - 60_000 && a.bucket < t.end + 300_000);
    if (hits.length === 0) {
      const near = out.points.filter((p) => p.sourceType === t.sourceType && p.bucket >= t.start - 60_000 && p.bucket < t.end + 300_000);
      const top = near.sort((a, b) => b.score - a.score).slice(0, 6);
      console.log(`    near: ${top.map((p) => `${p.detector}@${iso(p.bucket)} ${p.key.kind}:${p.key.value}=${p.score.toFixed(1)}/${p.threshold?.toFixed(1) ?? '-'}`).join(' | ')}`);
    }
    console.log(`  truth ${t.kind} ${t.sourceType} ${iso(t.start)}-${iso(t.end)} ${t.description}: ${hits.length} alerts ${hits.slice(0, 4).map((a) => `${a.key.kind}:${a.key.value}=${a.score.toFixed(1)}/${a.threshold.toFixed(1)}`).join(' ')}`);
  }
  for (const f of ev.falseEpisodes.slice(0, 12)) {
    const a = f.alerts[0]!;
    console.log(`  FP ${f.sourceType} ${iso(f.start)}-${iso(f.end)} n=${f.alerts.length} ${a.key.kind}:${a.key.value} s=${a.score.toFixed(2)} thr=${a.threshold.toFixed(2)} c=${JSON.stringify(a.channelScores, (k, v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))} cnt=${a.count}`);
  }
}
