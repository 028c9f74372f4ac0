/**
 * The Events search on a million-line case: how long one page of results (what the Events view
 * asks first), the capped count and the hit histogram take, for each kind of query.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportJob } from '../src-shared/dto';
import { WorkerEngineLink } from '../src-main/engine/link';
import { EventSearch, type EventFilter } from '../src-main/engine/query/events-search';
import { CaseDb } from '../src-main/engine/store/case-db';
import { ROOT } from '../test/paths';
import { BENCH_DIR, generatedAuthLog, median } from './util';

const QUERIES: Record<string, EventFilter> = {
  all: { query: '' },
  word: { query: 'invalid' },
  phrase: { query: '"failed password"' },
  and_not: { query: 'failed password -invalid' },
  or: { query: '"invalid user" OR "session closed"' },
  ip_exact: { query: 'ip:166.184.232.167' },
  user_exact: { query: 'user:user136' },
  field_wildcard: { query: 'user:guess1*' },
  field_and_text: { query: 'outcome:failure user:user136' },
  not_field: { query: '-app:sshd' },
  time_range: { query: 'time:[2026-11-20T03:00 TO 2026-11-20T04:00]' },
};

async function buildCase(lines: number): Promise<string> {
  const kept = join(BENCH_DIR, `search-${lines}.vigil`);
  if (existsSync(kept)) return kept;
  const file = await generatedAuthLog(lines);
  const dataDir = mkdtempSync(join(BENCH_DIR, 'data-'));
  const link = new WorkerEngineLink(join(ROOT, 'out', 'main', 'engine.js'), { dataDir, version: 'bench' });
  const created = await link.request('cases.create', { name: 'search', path: join(dataDir, 'search.vigil') });
  if (!created.ok) throw new Error(created.error.message);
  const done = new Promise<void>((resolve) =>
    link.onEvent((name, p) => name === 'ingest.finished' && (p as ImportJob).status === 'done' && resolve()),
  );
  await link.request('ingest.startImport', { paths: [file] });
  await done;
  await link.request('cases.close', {});
  await link.close();
  copyFileSync(join(dataDir, 'search.vigil'), kept);
  rmSync(dataDir, { recursive: true, force: true });
  return kept;
}

function time(fn: () => unknown, runs = 3): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return Math.round(median(ms));
}

export async function searchCase(lines = 1_000_000): Promise<Record<string, number>> {
  const store = CaseDb.open(await buildCase(lines));
  try {
    const search = new EventSearch(store.db);
    const out: Record<string, number> = { events: search.countAll({ query: '' }) };
    for (const [name, filter] of Object.entries(QUERIES)) {
      out[`${name}_first_page_ms`] = time(() => search.search(filter, 'time', 0, 200));
      out[`${name}_histogram_ms`] = time(() => search.histogram(filter, 120));
    }
    out['all_page_at_500k_ms'] = time(() => search.search({ query: '' }, 'time', 500_000, 200));
    out['word_page_at_50k_ms'] = time(() => search.search(QUERIES.word!, 'time', 50_000, 200));
    return out;
  } finally {
    store.close();
  }
}
