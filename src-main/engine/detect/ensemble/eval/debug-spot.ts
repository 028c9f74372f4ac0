/** Dev tool: blend threshold and score per bucket of one type/kind. debug-spot.ts SEED TYPE KIND */
import { EnsembleSet } from '../ensemble-set';
import { generateScenario } from './scenario';

const [seed, type, kind] = process.argv.slice(3);
const sc = generateScenario({ seed: Number(seed) });
const set = new EnsembleSet();
set.pushAll(sc.events);
const pts = set.drain().points.filter((p) => p.sourceType === type && p.detector === 'blend' && p.key.kind === kind);
let line = '';
pts.forEach((p, i) => {
  line += `${new Date(p.bucket).toISOString().slice(11, 16)} ${p.score.toFixed(1)}/${p.threshold?.toFixed(1)}  `;
  if (i % 8 === 7) {
    console.log(line);
    line = '';
  }
});
const st = set.state().ensembles.find(([t]) => t === type)![1].spots[kind as 'source'];
console.log(JSON.stringify({ n: st.n, up: st.up && { t: st.up.t, z: st.up.z, fit: st.up.fit, peaks: st.up.peaks.length, sample: st.up.peaks.slice(0, 30).map((v) => v.toFixed(2)) } }));
