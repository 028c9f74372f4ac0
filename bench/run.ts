/**
 * `npm run bench [name...]`: runs each benchmark several times and reports the median of every
 * figure (machines here are shared and noisy). Results also land in .bench/results.json.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { behaviourSklearn, behaviourTraining } from './behaviour';
import { importResponsiveness } from './import-responsiveness';
import { graphAlgorithms, graphBuild, graphExplorer, graphQueries } from './graph';
import { exportLabelled } from './export';
import { detect1m } from './detect';
import { analyzeArchive } from './incidents';
import { analyzeReal, analyzeRealRss } from './analyze-real';
import { liveIntoCase } from './live-e2e';
import { responsiveness220k, timelines190k } from './responsiveness';
import { searchCase } from './search';
import { sigmaThroughput } from './sigma';
import { LIVE_BENCHES } from './live-syslog';
import { importCase, normalizeGenerated, normalizeThroughput, splitterThroughput } from './pipeline';
import { BENCH_DIR, median } from './util';

type Bench = { runs: number; fn: () => Promise<Record<string, number>> };

const BENCHES: Record<string, Bench> = {
  'normalize': { runs: 3, fn: normalizeThroughput },
  'normalize-generated': { runs: 3, fn: normalizeGenerated },
  'splitter': { runs: 3, fn: splitterThroughput },
  'import-1m': { runs: 3, fn: () => importCase(1_000_000) },
  'import-2m-rss': { runs: 1, fn: () => importCase(2_000_000) },
  'import-responsiveness': { runs: 3, fn: () => importResponsiveness(1_000_000) },
  'sigma': { runs: 3, fn: sigmaThroughput },
  'search-1m': { runs: 1, fn: () => searchCase(1_000_000) },
  'analyze-1m': { runs: 3, fn: () => analyzeArchive() },
  'analyze-real-1m': { runs: 3, fn: analyzeReal },
  'analyze-real-rss': { runs: 1, fn: analyzeRealRss },
  'detect-1m': { runs: 3, fn: detect1m },
  'export-100k': { runs: 3, fn: () => exportLabelled() },
  'graph-build-1m': { runs: 3, fn: () => graphBuild() },
  'graph-queries-1m': { runs: 1, fn: () => graphQueries() },
  'graph-algorithms-50k': { runs: 3, fn: () => graphAlgorithms() },
  'graph-explorer-5k': { runs: 3, fn: () => graphExplorer() },
  'responsiveness-220k': { runs: 3, fn: responsiveness220k },
  'timelines-190k': { runs: 3, fn: timelines190k },
  'iforest-vs-sklearn': { runs: 1, fn: behaviourSklearn },
  'iforest-training-100k': { runs: 3, fn: behaviourTraining },
  'live-udp-50k-into-case': { runs: 1, fn: () => liveIntoCase('udp', 50_000) },
  'live-tcp-100k-into-case': { runs: 1, fn: () => liveIntoCase('tcp', 100_000) },
  ...Object.fromEntries(Object.entries(LIVE_BENCHES).map(([name, fn]) => [name, { runs: 3, fn }])),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? wanted : Object.keys(BENCHES);
  const all: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    const runs: Record<string, number>[] = [];
    // BENCH_RUNS=1 for a quick look; the medians quoted in notes use each benchmark's own count.
    const count = Number(process.env.BENCH_RUNS) || bench.runs;
    for (let i = 0; i < count; i++) {
      runs.push(await bench.fn());
      process.stderr.write(`${name}: run ${i + 1}/${count} ${JSON.stringify(runs[i])}\n`);
    }
    const med: Record<string, number> = {};
    for (const key of Object.keys(runs[0]!)) med[key] = median(runs.map((r) => r[key]!));
    all[name] = med;
    console.log(`\n${name} (median of ${count})`);
    for (const [k, v] of Object.entries(med)) console.log(`  ${k.padEnd(34)} ${v.toLocaleString('en-US')}`);
  }
  writeFileSync(join(BENCH_DIR, 'results.json'), JSON.stringify(all, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
