/**
 * Dev tool: pooled precision/recall over seeds with an optional config override (JSON), one line
 * per seed plus the misses and false episodes. Run via run-ts.mjs: sweep.ts SEEDS ['{"minThreshold":9}']
 */
import type { EnsembleConfig } from '../config';
import { EnsembleSet } from '../ensemble-set';
import { evaluate, PooledScore, scenarioMatch, seedList } from './metrics';
import { generateScenario } from './scenario';

const seeds = seedList(process.argv[3] ?? '1-6');
const override = JSON.parse(process.argv[4] ?? '{}') as Partial<EnsembleConfig>;
const iso = (t: number): string => new Date(t).toISOString().slice(11, 16);
const pooled = new PooledScore();
let ms = 0;
for (const seed of seeds) {
  const sc = generateScenario({ seed });
  const set = new EnsembleSet(override);
  const t0 = performance.now();
  set.pushAll(sc.events);
  ms += performance.now() - t0;
  const out = set.drain();
  const ev = evaluate(out.alerts, sc.truth, scenarioMatch(sc.warmupEnd));
  pooled.add(ev, sc.truth.length);
  const miss = ev.missed.map((m) => `${m.kind}/${m.sourceType}@${iso(m.start)}`).join(' ');
  const fp = ev.falseEpisodes.map((f) => `${f.sourceType}@${iso(f.start)} ${f.alerts[0]!.key.kind}:${f.alerts[0]!.key.value} ${f.alerts[0]!.score.toFixed(1)}/${f.alerts[0]!.threshold.toFixed(1)}`).join(' | ');
  console.log(`seed ${String(seed).padStart(2)}: P=${ev.precision.toFixed(2)} R=${ev.recall.toFixed(2)}${miss ? ` MISS ${miss}` : ''}${fp ? ` FP ${fp}` : ''}`);
}
console.log(`pooled: ${pooled} ensemble ${(ms / seeds.length).toFixed(0)} ms/seed`);
