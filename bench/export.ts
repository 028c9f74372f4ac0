/**
 * Issue 10 benchmark: exporting the labelled incidents of a 100K-event case in every format, with
 * peak RSS, to show the export streams (memory does not grow with what it writes).
 *
 * The case: a generated sshd log of 100K lines in which 20 addresses guess passwords all along
 * (most lines), so detection makes about 20 incidents whose evidence reaches the builder's cap of
 * 5,000 lines each: the export carries about 100K evidence events. Every incident is labelled.
 * RSS includes SQLite's page cache (64 MB per case), warmed up by one full export first; constant
 * memory shows as the same growth for a tenth of the evidence as for all of it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { IncidentsPage } from '../src-shared/contract-incidents';
import { EXPORT_FORMATS, type ExportResult } from '../src-shared/contract-triage';
import type { Envelope } from '../src-shared/envelope';
import { InProcessEngineLink } from '../src-main/engine/link';
import { ROOT } from '../test/paths';
import { BENCH_DIR, trackPeakRss } from './util';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

async function stormLog(n: number): Promise<string> {
  const path = join(BENCH_DIR, `auth-storm-${n}.log`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  const base = Date.UTC(2026, 10, 20, 0, 0, 0);
  let x = 777;
  const rand = (k: number) => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % k;
  };
  const pad = (v: number) => (v < 10 ? `0${v}` : String(v));
  for (let i = 0; i < n; i++) {
    const d = new Date(base + i * 300);
    const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const pid = 1000 + rand(30000);
    const port = 1024 + rand(60000);
    const line =
      rand(100) < 80
        ? `${stamp} web-01 sshd[${pid}]: Failed password for invalid user guess${rand(400)} from 203.0.${113 + (i % 20 >> 4)}.${10 + (i % 20)} port ${port} ssh2`
        : `${stamp} web-01 sshd[${pid}]: Accepted publickey for user${rand(200)} from 10.${rand(8)}.${rand(256)}.${1 + rand(250)} port ${port} ssh2: RSA SHA256:k${rand(997)}`;
    if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return path;
}

function analyze(log: string, casePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'vigil.mjs'), 'analyze', log, '--json', '--case', casePath], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vigil analyze exited with ${code}`))));
  });
}

/** Export every format of a labelled 100K-event case; per format: seconds, MB written, events, peak and growth of RSS. */
export async function exportLabelled(lines = 100_000): Promise<Record<string, number>> {
  const log = await stormLog(lines);
  const dir = mkdtempSync(join(BENCH_DIR, 'export-'));
  const casePath = join(dir, 'storm.vigil');
  await analyze(log, casePath);

  const link = new InProcessEngineLink({ dataDir: join(dir, 'data'), version: 'bench', rulesDir: join(ROOT, 'resources', 'sigma') });
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const reply = (await link.request(method, input)) as Envelope<T>;
    if (!reply.ok) throw new Error(`${method}: ${reply.error.message}`);
    return reply.value;
  };
  const out: Record<string, number> = { case_events: lines };
  try {
    await call('cases.open', { path: casePath });
    const rows = (await call<IncidentsPage>('incidents.list', { limit: 10_000 })).rows;
    out['incidents'] = rows.length;
    const half = Math.ceil(rows.length / 2);
    await call('triage.label', { ids: rows.slice(0, half).map((r) => r.id), label: 'true', note: 'bench' });
    if (rows.length > half) await call('triage.label', { ids: rows.slice(half).map((r) => r.id), label: 'benign', tuning: 'none' });

    const run = async (name: string, format: (typeof EXPORT_FORMATS)[number], maxEvents: number) => {
      const target = join(dir, `export.${name}`);
      const before = Math.round(process.memoryUsage.rss() / (1024 * 1024));
      const stop = trackPeakRss(10);
      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      const heapTimer = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 10);
      const t0 = performance.now();
      const r = await call<ExportResult>('triage.export', { format, path: target, label: 'any', maxEvents });
      const seconds = (performance.now() - t0) / 1000;
      const peak = stop();
      clearInterval(heapTimer);
      out[`${name}_events`] = r.events;
      out[`${name}_seconds`] = Math.round(seconds * 100) / 100;
      out[`${name}_mb_written`] = Math.round(statSync(target).size / (1024 * 1024));
      out[`${name}_peak_rss_mb`] = peak;
      out[`${name}_rss_growth_mb`] = peak - before;
      out[`${name}_heap_growth_mb`] = Math.round((heapPeak - heapBefore) / (1024 * 1024));
      rmSync(target, { force: true });
    };
    // Warm up code and SQLite's page cache (64 MB, counted in RSS) with one full export, so the
    // growth measured below is the export's own and not the first read of the evidence pages.
    await run('warmup', 'csv', 100_000);
    for (const k of Object.keys(out)) if (k.startsWith('warmup_')) delete out[k];
    // A tenth of the evidence first: constant memory means the full exports peak no higher.
    await run('json_tenth', 'json', 500);
    for (const format of EXPORT_FORMATS) await run(format, format, 100_000);
  } finally {
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
