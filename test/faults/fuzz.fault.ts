/**
 * Parsers (the whole normalize path: sniffing, every parser, Drain, entities) and the Sigma loader
 * and evaluator, fed generated garbage for a fixed time budget from a seeded PRNG: random bytes,
 * invalid UTF-8, 1-10 MB lines, deeply nested JSON and YAML, billion-laughs aliases, huge
 * conditions, pathological regexes. No input may throw, crash the process or take longer than its
 * limit. Each target runs in a child process watched by a watchdog, so a hang is caught and named.
 *
 * Replay a failure: VIGIL_FUZZ_SEED=<printed seed> npm run test:faults -- fuzz
 * Longer runs:      VIGIL_FUZZ_MS=120000 npm run test:faults -- fuzz
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../paths';
import { fuzzBudgetMs, seededRng } from './support';

/** Per-input limits: generous, since two shared cores make timings noisy; a hang blows through any of them. */
const LIMIT_MS: Record<string, number> = {
  '10 MB line': 20_000,
  '1 MB line': 6_000,
  'deep JSON': 6_000,
  'huge file': 8_000,
  'many documents': 8_000,
  'huge condition': 6_000,
  'deep YAML': 6_000,
  'billion laughs': 4_000,
};
const DEFAULT_LIMIT_MS = 3_000;
const limitOf = (kind: string) => LIMIT_MS[Object.keys(LIMIT_MS).find((k) => kind.startsWith(k)) ?? ''] ?? DEFAULT_LIMIT_MS;

interface Stat {
  n: number;
  maxMs: number;
}

async function fuzz(target: 'normalize' | 'sigma', budgetMs: number): Promise<{ stats: Map<string, Stat>; summary: Record<string, number> }> {
  const rng = seededRng(`fuzz ${target}`);
  const child = spawn(process.execPath, ['--max-old-space-size=2048', '--stack-size=984', '--import', 'tsx', join(ROOT, 'test', 'faults', 'fuzz-child.ts'), target, String(rng.seed), String(budgetMs)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const stats = new Map<string, Stat>();
  let current: { n: number; kind: string; at: number } | null = null;
  let summary: Record<string, number> | null = null;
  let threw: string | null = null;
  let hung: string | null = null;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as { start?: number; done?: number; kind?: string; ms?: number; summary?: Record<string, number>; threw?: string };
    if (m.start !== undefined) current = { n: m.start, kind: m.kind!, at: Date.now() };
    else if (m.done !== undefined) {
      const kind = m.kind!;
      const st = stats.get(kind) ?? { n: 0, maxMs: 0 };
      st.n++;
      st.maxMs = Math.max(st.maxMs, m.ms!);
      stats.set(kind, st);
      current = null;
    } else if (m.summary) summary = m.summary;
    else if (m.threw) threw = m.threw;
  });
  const watchdog = setInterval(() => {
    const c = current as { n: number; kind: string; at: number } | null;
    if (c && Date.now() - c.at > limitOf(c.kind) * 2 + 5_000) {
      hung = `input #${c.n} (${c.kind}) still running after ${Date.now() - c.at} ms (seed ${rng.seed})`;
      child.kill('SIGKILL');
    }
  }, 250);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  clearInterval(watchdog);
  expect(hung).toBeNull();
  expect(threw, `seed ${rng.seed}`).toBeNull();
  const last = current as { n: number; kind: string } | null;
  expect(exit, `the fuzz child died (seed ${rng.seed}) during ${last ? `input #${last.n} (${last.kind})` : 'no input'}: ${stderr.slice(-3000)}`).toEqual({ code: 0, signal: null });
  expect(summary).not.toBeNull();
  const rows = [...stats].sort((a, b) => b[1].maxMs - a[1].maxMs).map(([k, v]) => `${k.padEnd(40)} ${String(v.n).padStart(6)} inputs, slowest ${v.maxMs.toFixed(0)} ms (limit ${limitOf(k)})`);
  console.log(`[fuzz] ${target} (seed ${rng.seed}, ${budgetMs} ms): ${JSON.stringify(summary)}\n  ${rows.join('\n  ')}`);
  return { stats, summary: summary! };
}

describe('fuzz', () => {
  const budget = fuzzBudgetMs(20_000);

  it('the normalize path takes any bytes without throwing, crashing or hanging', async () => {
    const { stats, summary } = await fuzz('normalize', budget);
    expect(summary.inputs).toBeGreaterThan(20);
    for (const [kind, st] of stats) expect(st.maxMs, kind).toBeLessThan(limitOf(kind));
  }, budget + 120_000);

  it('the Sigma loader and evaluator take any text without throwing, crashing or hanging', async () => {
    const { stats, summary } = await fuzz('sigma', budget);
    expect(summary.inputs).toBeGreaterThan(20);
    expect(summary.failed).toBeGreaterThan(0);
    for (const [kind, st] of stats) expect(st.maxMs, kind).toBeLessThan(limitOf(kind));
  }, budget + 120_000);
});
