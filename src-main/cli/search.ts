/**
 * `vigil search CASE QUERY [--count] [--jsonl] [--from T --to T]`: the Events query language from a
 * terminal, on the same parser and compiler as the workbench's Events view.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseTime } from '../../src-shared/query-time';
import { EVENT_FIELDS, QUERY_SYNTAX_HELP } from '../../src-shared/query-fields';
import { EngineError } from '../engine/errors';
import { EventSearch, type EventFilter, type EventOrder } from '../engine/query/events-search';
import { CaseDb } from '../engine/store/case-db';

const HELP = `Usage: vigil search CASE QUERY [--count] [--jsonl] [--from T] [--to T] [--order time|file] [--limit N]
  Search a case's events with the Events query language (the words after CASE are the query).
  (default)    print matching lines: time (UTC), source:line, the line; the first --limit of them
  --count      print how many events match
  --jsonl      print every match as one normalized event per line (JSON lines)
  --from T     only events at or after T: 2015-05-17, 2015-05-17T10:05, …:03Z, +02:00, epoch ms (UTC unless a zone is given)
  --to T       only events up to the end of T (a date alone is the whole day)
  --order O    time (event time, the default) or file (the order lines were read)
  --limit N    lines to print without --jsonl (default 100; 0 prints all)

Query syntax:
${QUERY_SYNTAX_HELP.map((h) => `  ${h.example.padEnd(44)} ${h.meaning}`).join('\n')}

Fields:
${EVENT_FIELDS.map((f) => `  ${[f.name, ...(f.aliases ?? [])].join(', ').padEnd(28)} ${f.help}  (${f.example})`).join('\n')}
`;

export async function runSearch(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        count: { type: 'boolean', default: false },
        jsonl: { type: 'boolean', default: false },
        from: { type: 'string' },
        to: { type: 'string' },
        order: { type: 'string', default: 'time' },
        limit: { type: 'string', default: '100' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    err.write(`vigil search: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  const usage = (msg: string) => {
    err.write(`vigil search: ${msg}\n\n${HELP}`);
    return 2;
  };
  if (positionals.length < 1) return usage('give a CASE file and a QUERY');
  if (values.count && values.jsonl) return usage('--count and --jsonl do not go together');
  const order = values.order as EventOrder;
  if (order !== 'time' && order !== 'file') return usage('--order is time or file');
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0) return usage('--limit must be a whole number');
  const filter: EventFilter = { query: positionals.slice(1).join(' ') };
  for (const side of ['from', 'to'] as const) {
    const text = values[side];
    if (text === undefined) continue;
    const t = parseTime(text);
    if (!t) return usage(`--${side} ${text} is not a time: use 2015-05-17, 2015-05-17T10:05, …:03Z or epoch ms`);
    filter[side] = side === 'from' ? t.lo : t.hi;
  }
  const casePath = resolve(positionals[0]!);
  if (!existsSync(casePath)) {
    err.write(`vigil search: no case at ${casePath}\n`);
    return 2;
  }

  let store: CaseDb | null = null;
  try {
    store = CaseDb.open(casePath);
    const search = new EventSearch(store.db);
    if (values.count) {
      out.write(`${search.countAll(filter)}\n`);
      return 0;
    }
    let n = 0;
    let batch = '';
    const flush = async () => {
      if (batch && !out.write(batch)) await once(out, 'drain');
      batch = '';
    };
    for (const { event, lineNo } of search.stream(filter, order)) {
      if (values.jsonl) batch += `${JSON.stringify(event)}\n`;
      else if (limit === 0 || n < limit) batch += `${fmtTime(event.ts)}  ${event.source}:${lineNo}  ${event.raw}\n`;
      else if (n >= limit) {
        n = -1;
        break;
      }
      n++;
      if (batch.length > 1 << 16) await flush();
    }
    await flush();
    if (!values.jsonl) {
      const total = n === -1 ? search.countAll(filter) : n;
      err.write(
        n === -1
          ? `${limit} of ${total} matches shown; --limit 0 prints all, --count counts\n`
          : `${total} match${total === 1 ? '' : 'es'}\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof EngineError && e.code === 'invalid_input') {
      const d = e.details as { position?: number; length?: number; query?: string } | undefined;
      err.write(`vigil search: ${e.message}\n`);
      if (d?.query !== undefined && d.position !== undefined)
        err.write(`  ${d.query}\n  ${' '.repeat(d.position)}${'^'.repeat(Math.max(1, d.length ?? 1))}\n`);
      return 2;
    }
    err.write(`vigil search: ${(e as Error).message}\n`);
    return 1;
  } finally {
    store?.close();
  }
}

function fmtTime(ts: number | null): string {
  return ts === null
    ? '-'.padEnd(20)
    : new Date(ts)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z');
}
