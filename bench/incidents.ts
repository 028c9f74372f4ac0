/**
 * Issue 9 benchmarks: `vigil analyze` of a 1M-line archive end to end (the bar: under 20 s), and
 * the incident rebuild alone (risk, grouping, explanations) over that case's alerts.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { rebuildIncidents } from '../src-main/engine/incidents/persist';
import { ROOT } from '../test/paths';
import { BENCH_DIR, generatedAuthLog } from './util';

async function gzipped(file: string): Promise<string> {
  const out = `${file}.gz`;
  if (!existsSync(out)) await pipeline(createReadStream(file), createGzip(), createWriteStream(out));
  return out;
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, peakRssMb: 0 }));
  });
}

/** `vigil analyze ARCHIVE --json --case FILE` on a 1M-line gzipped auth log, wall clock. */
export async function analyzeArchive(lines = 1_000_000): Promise<Record<string, number>> {
  const archive = await gzipped(await generatedAuthLog(lines));
  const casePath = join(mkdtempSync(join(BENCH_DIR, 'analyze-')), 'bench.vigil');
  const t0 = performance.now();
  const { code, stdout } = await runCli(['analyze', archive, '--json', '--case', casePath]);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`vigil analyze exited with ${code}`);
  const incidents = (JSON.parse(stdout) as { incidents: unknown[] }).incidents.length;

  const db = new Database(casePath);
  const alerts = db.prepare('SELECT count(*) FROM alerts').pluck().get() as number;
  const r0 = performance.now();
  let rebuilt = 0;
  db.transaction(() => (rebuilt = rebuildIncidents(db).incidents))();
  const rebuildMs = performance.now() - r0;
  db.close();
  return {
    lines,
    analyze_seconds: Math.round(seconds * 100) / 100,
    analyze_lines_per_s: Math.round(lines / seconds),
    incidents,
    alerts,
    incident_rebuild_ms: Math.round(rebuildMs),
    incidents_rebuilt: rebuilt,
  };
}
