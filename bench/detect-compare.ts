/**
 * The detection pass of this checkout against another's, alternated on the same events, so that a
 * shared machine's noise falls on both alike:
 *
 *   git archive <commit> | tar -x -C /tmp/vigil-base && ln -s "$PWD/node_modules" /tmp/vigil-base/
 *   (cd /tmp/vigil-base && npx electron-vite build) && npx electron-vite build
 *   npx tsx bench/detect-compare.ts /tmp/vigil-base [rounds] [lines]
 *
 * The case is imported once by the other checkout (an older schema), and each round copies it: the
 * other's pass runs on it as it is, this one's after its migrations. Prints every round and the
 * medians; the bar of issue 20 is `new / base <= 1.10`.
 */
import { join, resolve } from 'node:path';
import { THIS_BUILD, detectPass, preparedCase } from './detect';
import { median } from './util';

async function main(): Promise<void> {
  const [baseDir, roundsArg, linesArg] = process.argv.slice(2);
  if (!baseDir) throw new Error('usage: npx tsx bench/detect-compare.ts BASE_CHECKOUT [rounds] [lines]');
  const base = { engineJs: join(resolve(baseDir), 'out', 'main', 'engine.js'), rulesDir: join(resolve(baseDir), 'resources', 'sigma') };
  const rounds = Number(roundsArg ?? 3);
  const lines = Number(linesArg ?? 1_000_000);
  const casePath = await preparedCase(lines, base, 'detect-compare-base');
  const baseMs: number[] = [];
  const newMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const b = await detectPass(casePath, base);
    const n = await detectPass(casePath, THIS_BUILD);
    baseMs.push(b.detect_ms!);
    newMs.push(n.detect_ms!);
    process.stderr.write(`round ${r + 1}: base ${JSON.stringify(b)}\n         new  ${JSON.stringify(n)}\n`);
  }
  const mb = median(baseMs);
  const mn = median(newMs);
  console.log(`detection pass over ${lines.toLocaleString('en-US')} lines, median of ${rounds} alternated rounds`);
  console.log(`  base  ${mb} ms   (${baseMs.join(', ')})`);
  console.log(`  new   ${mn} ms   (${newMs.join(', ')})`);
  console.log(`  new / base = ${(mn / mb).toFixed(3)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
