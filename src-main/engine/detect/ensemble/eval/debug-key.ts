/** Dev tool: the per-bucket trajectory of one key. Run via run-ts.mjs: debug-key.ts SEED TYPE KIND KEY FROM TO */
import { Ensemble } from '../ensemble';
import { generateScenario } from './scenario';

const [seed, type, kind, key, from, to] = process.argv.slice(3);
const sc = generateScenario({ seed: Number(seed) });
const ens = new Ensemble(type!);
const day = Date.UTC(2024, 2, 4);
const hm = (s: string): number => day + (Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5))) * 60_000;
const lo = hm(from!);
const hi = hm(to!);
// Reach into the table through the state snapshot only at the buckets of interest.
let lastBucket = -1;
for (const e of sc.events) {
  if (e.parser !== type) continue;
  const b = Math.floor(e.ts! / 60_000);
  if (b !== lastBucket && e.ts! >= lo && e.ts! <= hi) {
    const st = ens.state();
    const entry = st.series[kind as 'entity'].find(([k]) => k === key);
    if (entry) {
      const s = entry[1];
      console.log(new Date(b * 60_000).toISOString().slice(11, 16), JSON.stringify({ hw: { level: s.hw.level.toFixed(2), disp: (s.hw.squares / s.hw.rates).toFixed(2), seen: s.hw.seen }, cusum: s.cusum }));
    }
    lastBucket = b;
  }
  ens.push(e);
}
for (const a of ens.drain().alerts) if (a.key.value === key) console.log('alert', new Date(a.bucket).toISOString().slice(11, 16), a.score.toFixed(1), JSON.stringify(a.channelScores), a.count);
