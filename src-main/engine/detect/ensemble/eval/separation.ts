/**
 * Dev tool: how far apart anomalies and normal traffic score, per seed. For each injected
 * anomaly the highest blend in its window (and whether it alerted); then the highest blends
 * outside every window after warm-up, with their margin over the alert threshold. Run via
 * run-ts.mjs: separation.ts SEEDS
 */
import { EnsembleSet } from '../ensemble-set';
import { evaluate, PooledScore, scenarioMatch, seedList } from './metrics';
import { generateScenario } from './scenario';

const seeds = seedList(process.argv[3] ?? '1-6');
const iso = (t: number): string => new Date(t).toISOString().slice(11, 16);
const pooled = new PooledScore();
for (const seed of seeds) {
  const sc = generateScenario({ seed });
  const set = new EnsembleSet();
  set.pushAll(sc.events);
  const out = set.drain();
  const ev = evaluate(out.alerts, sc.truth, scenarioMatch(sc.warmupEnd));
  pooled.add(ev, sc.truth.length);
  console.log(`seed ${seed}: P=${ev.precision.toFixed(2)} R=${ev.recall.toFixed(2)} (${ev.truePositiveEpisodes}/${ev.episodes})`);
  const inWindow = (type: string, b: number): boolean => sc.truth.some((t) => t.sourceType === type && b >= t.start - 60_000 && b < t.end + 300_000);
  for (const t of sc.truth) {
    const pts = out.points.filter((p) => p.detector === 'blend' && p.sourceType === t.sourceType && p.bucket >= t.start - 60_000 && p.bucket < t.end + 300_000);
    pts.sort((a, b) => b.score / (b.threshold ?? 1) - a.score / (a.threshold ?? 1));
    const p = pts[0];
    const hit = out.alerts.some((a) => a.sourceType === t.sourceType && a.bucket >= t.start - 60_000 && a.bucket < t.end + 300_000);
    console.log(`  ${hit ? 'HIT ' : 'MISS'} ${t.kind.padEnd(14)} ${t.sourceType.padEnd(10)} ${iso(t.start)} best ${p ? `${p.key.kind}:${p.key.value} ${p.score.toFixed(1)}/${p.threshold?.toFixed(1)} @${iso(p.bucket)}` : '-'}`);
  }
  const normal = out.points.filter((p) => p.detector === 'blend' && p.bucket >= sc.warmupEnd && !inWindow(p.sourceType, p.bucket));
  normal.sort((a, b) => b.score - (b.threshold ?? 0) - (a.score - (a.threshold ?? 0)));
  for (const p of normal.slice(0, 4)) console.log(`  normal ${p.sourceType} ${iso(p.bucket)} ${p.key.kind}:${p.key.value} ${p.score.toFixed(1)}/${p.threshold?.toFixed(1)}`);
  for (const f of ev.falseEpisodes) {
    const a = f.alerts[0]!;
    console.log(`  FP ${f.sourceType} ${iso(f.start)} ${a.key.kind}:${a.key.value} ${a.score.toFixed(1)}/${a.threshold.toFixed(1)} ${JSON.stringify(a.channelScores, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(1)) : v))} cnt=${a.count}`);
  }
}
console.log(`pooled: ${pooled}`);
