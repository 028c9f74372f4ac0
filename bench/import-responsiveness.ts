/**
 * Issue 2's bar: 1M lines import without freezing the UI. The UI only freezes if the engine stops
 * answering, so this imports 1M lines through the real worker (as both hosts run it) while asking
 * for a page of events every 50 ms, and reports import speed and query latency during the import
 * and the detection pass that follows it.
 */
import { join } from 'node:path';
import { WorkerEngineLink } from '../src-main/engine/link';
import { ROOT } from '../test/paths';
import { BENCH_DIR, generatedAuthLog, median, percentile } from './util';
import { mkdtempSync } from 'node:fs';

export async function importResponsiveness(lines = 1_000_000): Promise<Record<string, number>> {
  const file = await generatedAuthLog(lines);
  const dataDir = mkdtempSync(join(BENCH_DIR, 'data-'));
  const link = new WorkerEngineLink(join(ROOT, 'out', 'main', 'engine.js'), { dataDir, version: 'bench' });
  const created = await link.request('cases.create', { name: 'bench' });
  if (!created.ok) throw new Error(created.error.message);
  let importedAt = 0;
  const done = new Promise<{ lines: number }>((resolve) =>
    link.onEvent((name, payload) => {
      if (name === 'ingest.finished') {
        importedAt = performance.now();
        resolve(payload as { lines: number });
      }
    }),
  );
  const detected = new Promise<void>((resolve) =>
    link.onEvent((name) => {
      if (name === 'detect.finished') resolve();
    }),
  );
  const t0 = performance.now();
  await link.request('ingest.startImport', { paths: [file] });
  const latencies: number[] = [];
  let finished = false;
  const poll = (async () => {
    let i = 0;
    while (!finished) {
      const q0 = performance.now();
      await link.request('events.search', { offset: (i++ * 997) % 1000, limit: 100 });
      latencies.push(performance.now() - q0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const result = await done;
  const seconds = (importedAt - t0) / 1000;
  await detected;
  const detectSeconds = (performance.now() - importedAt) / 1000;
  finished = true;
  await poll;
  const s0 = performance.now();
  await link.request('events.search', { query: 'Accepted publickey root' });
  const searchMs = performance.now() - s0;
  await link.close();
  return {
    lines: result.lines,
    import_lines_per_s: Math.round(result.lines / seconds),
    detection_events_per_s: Math.round(result.lines / detectSeconds),
    query_latency_p50_ms: Math.round(median(latencies)),
    query_latency_p95_ms: Math.round(percentile(latencies, 95)),
    query_latency_max_ms: Math.round(Math.max(...latencies)),
    queries_answered_during_import_and_detection: latencies.length,
    search_after_import_ms: Math.round(searchMs),
  };
}
