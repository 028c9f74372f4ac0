/**
 * The Events search on a million-line case: how long one page of results (what the Events view
 * asks first), with its count, and the hit histogram take, for each kind of query; keyset paging;
 * and a common word's page through the engine's worker thread against its time in SQL.
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
  const out: Record<string, number> = {};
  try {
    const search = new EventSearch(store.db);
    out['events'] = search.countAll({ query: '' });
    for (const [name, filter] of Object.entries(QUERIES)) {
      out[`${name}_first_page_ms`] = time(() => search.search(filter, 'time', 0, 200));
      out[`${name}_histogram_ms`] = time(() => search.histogram(filter, 120));
    }
    out['all_page_at_500k_ms'] = time(() => search.search({ query: '' }, 'time', 500_000, 200));
    out['word_page_at_50k_ms'] = time(() => search.search(QUERIES.word!, 'time', 50_000, 200));
    // Keyset paging: the page after row 50,000, from that row, as the Events list scrolls on.
    const at50k = search.search(QUERIES.word!, 'time', 49_999, 1).rows[0]!;
    out['word_page_after_50k_keyset_ms'] = time(() => search.search(QUERIES.word!, 'time', 0, 200, { ts: at50k.ts, id: at50k.id }));
    // A common word's first page as the Events view asks for it, in-process (its SQL), and through
    // the engine's worker thread as a host calls it: the difference is the time outside SQL.
    out['common_word_first_page_ms'] = time(() => search.search(COMMON, 'time', 0, 200), 5);
  } finally {
    store.close();
  }
  out['common_word_via_engine_worker_ms'] = await viaEngine(await buildCase(lines), COMMON);
  out['common_word_outside_sql_ms'] = Math.max(0, out['common_word_via_engine_worker_ms'] - out['common_word_first_page_ms']!);
  return out;
}

const COMMON: EventFilter = { query: 'Failed' };

/** Median time of `events.search` through a worker engine on a copy of the case, once it has settled. */
async function viaEngine(casePath: string, filter: EventFilter): Promise<number> {
  const dir = mkdtempSync(join(BENCH_DIR, 'data-'));
  const copy = join(dir, 'case.vigil');
  copyFileSync(casePath, copy);
  const link = new WorkerEngineLink(join(ROOT, 'out', 'main', 'engine.js'), { dataDir: dir, version: 'bench' });
  try {
    const opened = await link.request('cases.open', { path: copy });
    if (!opened.ok) throw new Error(opened.error.message);
    // Opening a case starts background work (the graph read back): measure the search, not that.
    await new Promise((r) => setTimeout(r, 8000));
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const reply = await link.request('events.search', { query: filter.query, limit: 200 });
      if (!reply.ok) throw new Error(reply.error.message);
      ms.push(performance.now() - t0);
    }
    return Math.round(median(ms));
  } finally {
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
