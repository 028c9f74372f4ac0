/**
 * Issue 20's bar: the detection pass over a case of 1M lines (`detect.rerun`: every stage over
 * every event, then incidents and campaigns) may cost at most 10% more than before the
 * population detectors and campaigns. `detect-1m` measures this tree's pass; `bench/detect-compare.ts`
 * alternates it with another checkout's on the same events (see there).
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerEngineLink } from '../src-main/engine/link';
import { ROOT } from '../test/paths';
import { BENCH_DIR, generatedAuthLog } from './util';

export interface EngineBuild {
  /** The built engine worker script (`out/main/engine.js` of a checkout). */
  engineJs: string;
  rulesDir: string;
}

export const THIS_BUILD: EngineBuild = { engineJs: join(ROOT, 'out', 'main', 'engine.js'), rulesDir: join(ROOT, 'resources', 'sigma') };

type Payload = {
  scope?: string;
  importId?: number | null;
  events: number;
  alerts: number;
  status: string;
  stageMs?: Record<string, number>;
};

async function withEngine<T>(
  build: EngineBuild,
  fn: (call: (m: string, i?: unknown) => Promise<unknown>, next: (scope: string) => Promise<Payload>) => Promise<T>,
): Promise<T> {
  const dataDir = mkdtempSync(join(BENCH_DIR, 'detect-data-'));
  const link = new WorkerEngineLink(build.engineJs, { dataDir, version: 'bench', rulesDir: build.rulesDir });
  const waiting: { scope: string; resolve: (p: Payload) => void }[] = [];
  link.onEvent((name, payload) => {
    if (name !== 'detect.finished') return;
    const p = payload as Payload;
    for (const w of waiting.splice(0))
      if (w.scope === p.scope) w.resolve(p);
      else waiting.push(w);
  });
  const call = async (method: string, input: unknown = {}) => {
    const r = await link.request(method, input);
    if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
    return r.value;
  };
  const next = (scope: string) => new Promise<Payload>((resolve) => waiting.push({ scope, resolve }));
  try {
    return await fn(call, next);
  } finally {
    await link.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A case holding `lines` generated auth lines, imported by `build` (cached under .bench). */
export async function preparedCase(lines: number, build: EngineBuild, name: string): Promise<string> {
  const path = join(BENCH_DIR, `${name}-${lines}.vigil`);
  if (existsSync(path)) return path;
  const file = await generatedAuthLog(lines);
  await withEngine(build, async (call, next) => {
    await call('cases.create', { name, path });
    const done = next('import');
    await call('ingest.startImport', { paths: [file] });
    await done;
    await call('cases.close');
  });
  return path;
}

/** One full detection pass by `build` over a copy of `casePath`; wall time and the stages' times. */
export async function detectPass(casePath: string, build: EngineBuild): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(BENCH_DIR, 'detect-'));
  const copy = join(dir, 'case.vigil');
  copyFileSync(casePath, copy);
  try {
    return await withEngine(build, async (call, next) => {
      await call('cases.open', { path: copy });
      const done = next('all');
      const t0 = performance.now();
      await call('detect.rerun');
      const run = await done;
      const ms = performance.now() - t0;
      if (run.status !== 'done') throw new Error(`detection ${run.status}`);
      const page = (await call('incidents.list', { limit: 1 })) as { total: number };
      await call('cases.close');
      return {
        events: run.events,
        detect_ms: Math.round(ms),
        detect_events_per_s: Math.round(run.events / (ms / 1000)),
        alerts: run.alerts,
        queue_rows: page.total,
        ...Object.fromEntries(Object.entries(run.stageMs ?? {}).map(([k, v]) => [`stage_${k}_ms`, v])),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npm run bench detect-1m`: this tree's detection pass over 1M lines. */
export async function detect1m(): Promise<Record<string, number>> {
  const casePath = await preparedCase(1_000_000, THIS_BUILD, 'detect-case');
  return detectPass(casePath, THIS_BUILD);
}
