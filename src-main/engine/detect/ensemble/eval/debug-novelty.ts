/** Dev tool: events with novelty > 0 in a time range. Run via run-ts.mjs: debug-novelty.ts SEED TYPE FROM TO */
import { Novelty } from '../novelty';
import { generateScenario } from './scenario';

const [seed, type, from, to] = process.argv.slice(3);
const sc = generateScenario({ seed: Number(seed) });
const nov = new Novelty();
const day = Date.UTC(2024, 2, 4);
const hm = (s: string): number => day + (Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5))) * 60_000;
for (const e of sc.events) {
  if (e.parser !== type) continue;
  const s = nov.scoreAndLearn(e, Math.floor(e.ts! / 60_000));
  if (s > 0 && e.ts! >= hm(from!) && e.ts! <= hm(to!)) console.log(new Date(e.ts!).toISOString().slice(11, 19), s.toFixed(2), e.template_id, e.user, e.severity, JSON.stringify(nov.state().fields.map((f) => [f.total, f.singletons])));
}
