/**
 * Issue 3's bars: parse + templates + entities (no storage) in lines/s; the import into a case
 * with its full-text index in lines/s; peak RSS while importing 2M lines; reopening a case.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineSplitter } from '../src-main/engine/parse/lines';
import { SourceNormalizer, newDrain } from '../src-main/engine/pipeline/normalize';
import { WorkerEngineLink } from '../src-main/engine/link';
import { ROOT, SHARED_DATA } from '../test/paths';
import { BENCH_DIR, generatedAuthLog } from './util';

/** Real logs repeated to about `target` lines: auth.log and the Apache access log, half each. */
function realLines(target: number): string[][] {
  const files = [join(SHARED_DATA, 'elastic', 'auth.log'), join(SHARED_DATA, 'elastic', 'apache_access.log')];
  return files.map((f) => {
    const lines = readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0);
    const out: string[] = [];
    while (out.length < target / files.length) out.push(...lines);
    return out;
  });
}

export async function normalizeThroughput(): Promise<Record<string, number>> {
  const sets = realLines(1_000_000);
  const drain = newDrain();
  let n = 0;
  const t0 = performance.now();
  for (const lines of sets) {
    const s = new SourceNormalizer(drain, { name: 'bench', format: 'auto', head: lines.slice(0, 50), referenceTime: Date.now() });
    for (const line of lines) {
      s.line(line);
      n++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  return { lines: n, parse_templates_entities_lines_per_s: Math.round(n / seconds), templates: drain.size };
}

/** The same path on 1M generated sshd lines whose messages rarely repeat (ports, pids, users vary). */
export async function normalizeGenerated(): Promise<Record<string, number>> {
  const lines = readFileSync(await generatedAuthLog(1_000_000), 'utf8').split('\n').filter((l) => l.length > 0);
  const drain = newDrain();
  const s = new SourceNormalizer(drain, { name: 'bench', format: 'auto', head: lines.slice(0, 50), referenceTime: Date.now() });
  const t0 = performance.now();
  for (const line of lines) s.line(line);
  const seconds = (performance.now() - t0) / 1000;
  return { lines: lines.length, parse_templates_entities_lines_per_s: Math.round(lines.length / seconds), templates: drain.size };
}

export async function splitterThroughput(): Promise<Record<string, number>> {
  const buf = readFileSync(join(SHARED_DATA, 'elastic', 'apache_access.log'));
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < 100; i++) {
    const s = new LineSplitter();
    n += s.feed(buf).length + s.end().length;
  }
  return { lines_per_s: Math.round(n / ((performance.now() - t0) / 1000)) };
}

interface ImportFigures extends Record<string, number> {
  lines: number;
  import_lines_per_s: number;
  detection_events_per_s: number;
  peak_rss_mb: number;
  reopen_ms: number;
}

/** Import `lines` generated auth lines through the real worker, sampling RSS of the whole process. */
export async function importCase(lines: number): Promise<ImportFigures> {
  const file = await generatedAuthLog(lines);
  const dataDir = mkdtempSync(join(BENCH_DIR, 'data-'));
  const link = new WorkerEngineLink(join(ROOT, 'out', 'main', 'engine.js'), { dataDir, version: 'bench', rulesDir: join(ROOT, 'resources', 'sigma') });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  const created = await link.request('cases.create', { name: 'bench' });
  if (!created.ok) throw new Error(created.error.message);
  const casePath = (created.value as { path: string }).path;
  let importedAt = 0;
  const detected = new Promise<{ events: number; stageMs?: Record<string, number> }>((resolve) =>
    link.onEvent((name, payload) => {
      if (name === 'ingest.finished') importedAt = performance.now();
      if (name === 'detect.finished') resolve(payload as { events: number; stageMs?: Record<string, number> });
    }),
  );
  const t0 = performance.now();
  await link.request('ingest.startImport', { paths: [file] });
  const run = await detected;
  const t1 = performance.now();
  clearInterval(sampler);
  await link.request('cases.close', {});
  const r0 = performance.now();
  const reopened = await link.request('cases.open', { path: casePath });
  const reopenMs = performance.now() - r0;
  if (!reopened.ok) throw new Error(reopened.error.message);
  await link.close();
  const stages = Object.fromEntries(Object.entries(run.stageMs ?? {}).map(([k, v]) => [`stage_${k}_ms`, v]));
  const totalMs = t1 - t0;
  // Issue #5's bar: what the ensemble stage adds to the archive pipeline (import + detection).
  // Counted as if it ran on the engine thread even when it ran in the pass's worker, in parallel.
  const ensembleMs = (run.stageMs?.ensemble ?? 0) + (run.stageMs?.ensemble_worker ?? 0);
  return {
    lines,
    import_lines_per_s: Math.round(lines / ((importedAt - t0) / 1000)),
    detection_events_per_s: Math.round(run.events / ((t1 - importedAt) / 1000)),
    pipeline_events_per_s: Math.round(lines / (totalMs / 1000)),
    ...stages,
    ensemble_added_pct: Number(((ensembleMs / (totalMs - ensembleMs)) * 100).toFixed(1)),
    peak_rss_mb: Math.round(peak / (1024 * 1024)),
    reopen_ms: Math.round(reopenMs),
  };
}
