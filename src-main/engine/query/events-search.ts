/**
 * The Events search: a query in the query language over a case's events, as pages in event-time
 * (or file) order, as a hit histogram over time, and one event in full. `vigil search` and the
 * Events view both come here.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { EventDetail, EventRow, EventsHistogram, EventsPage } from '../../../src-shared/dto';
import type { QueryNode } from '../../../src-shared/query';
import { EngineError } from '../errors';
import { extractEntities } from '../parse/entities';
import { rowToEvent, type StoredRow } from '../store/event-rows';
import { EventsQueryCompiler, ftsOf, type SqlWhere } from './events-sql';
import { parseEventsQuery } from './parse';

/** Counting every match of a broad query over millions of rows is slow; past this we say "N+". */
export const COUNT_CAP = 100_000;
/** Rows cross the contract for display; a 1 MB line is cut here, not in the case. */
const MAX_RAW_CHARS = 8192;
/** An expanded event shows its whole line up to this much. */
const MAX_DETAIL_CHARS = 1 << 20;

export type EventOrder = 'time' | 'file';

export interface EventFilter {
  query: string;
  from?: number;
  to?: number;
  templateId?: string;
  entityId?: string;
}

/** A result row as SQLite hands it over in `raw()` mode: COLS in order, no per-row object to build. */
type RawRow = [
  id: number,
  importId: number,
  lineNo: number,
  ts: number | null,
  raw: string,
  source: string,
  host: string | null,
  app: string | null,
  severity: number | null,
  templateId: string | null,
  srcIp: string | null,
  user: string | null,
  outcome: EventRow['outcome'],
  action: string | null,
  parser: string,
];

/** Where the page before ended, in the page's order: its last row's time and id. */
export interface EventCursor {
  ts: number | null;
  id: number;
}

/** Rows strictly after `after` in `order` (untimed lines sort first in event time, as SQLite sorts NULL). */
function keyset(order: EventOrder, after: EventCursor, sql: string[], params: unknown[]): void {
  if (order === 'file') {
    sql.push('e.id > ?');
    params.push(after.id);
  } else if (after.ts === null) {
    sql.push('(e.ts IS NOT NULL OR e.id > ?)');
    params.push(after.id);
  } else {
    sql.push('(e.ts > ? OR (e.ts = ? AND e.id > ?))');
    params.push(after.ts, after.ts, after.id);
  }
}

const COLS = `e.id, e.import_id, e.line_no, e.ts, substr(e.raw, 1, ${MAX_RAW_CHARS}) AS raw,
  coalesce(s.name, i.name) AS source, e.host, e.app, e.severity, e.template_id, e.src_ip, e.user, e.outcome, e.action, e.parser`;
const FROM = 'events e JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id';
const ORDER: Record<EventOrder, string> = { time: 'e.ts, e.id', file: 'e.id' };

/** Histogram bar widths an analyst reads at a glance. */
const WIDTHS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800, 1209600, 2592000, 7776000,
  31536000,
].map((s) => s * 1000);

export class EventSearch {
  private readonly compiler: EventsQueryCompiler;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.compiler = new EventsQueryCompiler(db);
  }

  /** The WHERE clause of a filter, or null when it matches every event. */
  where(filter: EventFilter): SqlWhere | null {
    const parts: QueryNode[] = [];
    const parsed = parseEventsQuery(filter.query);
    if (parsed) parts.push(parsed);
    const span = { at: 0, end: 0 };
    if (filter.templateId)
      parts.push({ type: 'field', field: 'template', kind: 'text', test: { op: 'match', value: filter.templateId, pattern: false }, span });
    if (filter.entityId)
      parts.push({ type: 'field', field: 'entity', kind: 'entity', test: { op: 'match', value: filter.entityId, pattern: false }, span });
    const sql: string[] = [];
    const params: unknown[] = [];
    if (parts.length > 0) {
      const w = this.compiler.compile(parts.length === 1 ? parts[0]! : { type: 'and', children: parts });
      sql.push(w.sql);
      params.push(...w.params);
    }
    // The time range stays a plain conjunct so SQLite can walk the time index.
    if (filter.from !== undefined) {
      sql.push('e.ts >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      sql.push('e.ts < ?');
      params.push(filter.to);
    }
    return sql.length ? { sql: sql.join(' AND '), params } : null;
  }

  /**
   * A page of matches in `order`, `offset` rows past the cursor `after` (the last row of the page
   * before, in the same order) or from the start. The total counts the matches past the cursor, up
   * to COUNT_CAP; a query that is all words and phrases is counted exactly from the full-text index.
   */
  search(filter: EventFilter, order: EventOrder, offset: number, limit: number, after?: EventCursor): EventsPage {
    const w = this.where(filter);
    const sql: string[] = w ? [w.sql] : [];
    const params: unknown[] = w ? [...w.params] : [];
    if (after) keyset(order, after, sql, params);
    const where = sql.length ? `WHERE ${sql.join(' AND ')}` : '';
    const rows = this.stmt(`SELECT ${COLS} FROM ${FROM} ${where} ORDER BY ${ORDER[order]} LIMIT ? OFFSET ?`)
      .raw()
      .all(...params, limit, offset) as RawRow[];
    const page = rows.map(toEventRow);
    if (!w && !after) {
      const n = this.stmt('SELECT count(*) FROM events').pluck().get() as number;
      return { rows: page, offset, total: n, totalCapped: false };
    }
    const exact = after ? null : this.ftsCount(filter);
    if (exact !== null) return { rows: page, offset, total: exact, totalCapped: false };
    const n = this.count({ sql: sql.join(' AND '), params });
    return { rows: page, offset, total: Math.min(n, COUNT_CAP), totalCapped: n > COUNT_CAP };
  }

  /**
   * Matches of a query that is nothing but full text (words, phrases, AND / OR / NOT of them),
   * counted exactly in the full-text index: a few ms where counting through the events table
   * reads every match. Null for any other filter.
   */
  private ftsCount(filter: EventFilter): number | null {
    if (filter.from !== undefined || filter.to !== undefined || filter.templateId || filter.entityId) return null;
    const parsed = parseEventsQuery(filter.query);
    const fts = parsed ? ftsOf(parsed) : null;
    if (fts === null) return null;
    return this.stmt('SELECT count(*) FROM events_fts WHERE events_fts MATCH ?').pluck().get(fts) as number;
  }

  /** Matches, counted up to `cap` (+1 to tell "more"). */
  private count(w: SqlWhere, cap = COUNT_CAP): number {
    const where = w.sql ? `WHERE ${w.sql}` : '';
    return this.stmt(`SELECT count(*) FROM (SELECT 1 FROM events e ${where} LIMIT ${cap + 1})`)
      .pluck()
      .get(...w.params) as number;
  }

  /** Every match counted, however many (for `vigil search --count`). */
  countAll(filter: EventFilter): number {
    const w = this.where(filter);
    if (!w) return this.stmt('SELECT count(*) FROM events').pluck().get() as number;
    return this.stmt(`SELECT count(*) FROM events e WHERE ${w.sql}`)
      .pluck()
      .get(...w.params) as number;
  }

  /** Every match, in order, a page at a time with keyset paging (for `vigil search --jsonl`). */
  *stream(filter: EventFilter, order: EventOrder, pageSize = 2000): Generator<{ event: ReturnType<typeof rowToEvent>; lineNo: number }> {
    const w = this.where(filter);
    const base = w ? `${w.sql} AND ` : '';
    const params = w?.params ?? [];
    const select = `SELECT e.*, coalesce(s.name, i.name) AS source FROM ${FROM}`;
    if (order === 'file') {
      const next = this.stmt(`${select} WHERE ${base}e.id > ? ORDER BY e.id LIMIT ?`);
      let after = 0;
      for (;;) {
        const rows = next.all(...params, after, pageSize) as (StoredRow & { line_no: number })[];
        for (const r of rows) yield { event: rowToEvent(r), lineNo: r.line_no };
        if (rows.length < pageSize) return;
        after = rows[rows.length - 1]!.id;
      }
    }
    // Untimed events first (as in every event-time pass), then by time and id.
    const untimed = this.stmt(`${select} WHERE ${base}e.ts IS NULL AND e.id > ? ORDER BY e.id LIMIT ?`);
    let after = 0;
    for (;;) {
      const rows = untimed.all(...params, after, pageSize) as (StoredRow & { line_no: number })[];
      for (const r of rows) yield { event: rowToEvent(r), lineNo: r.line_no };
      if (rows.length < pageSize) break;
      after = rows[rows.length - 1]!.id;
    }
    const timed = this.stmt(`${select} WHERE ${base}(e.ts, e.id) > (?, ?) ORDER BY e.ts, e.id LIMIT ?`);
    let key: [number, number] = [Number.MIN_SAFE_INTEGER, 0];
    for (;;) {
      const rows = timed.all(...params, key[0], key[1], pageSize) as (StoredRow & { line_no: number })[];
      for (const r of rows) yield { event: rowToEvent(r), lineNo: r.line_no };
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      key = [last.ts!, last.id];
    }
  }

  /**
   * Matches per time bucket over [from, to) (the matches' own extent when open), in about
   * `buckets` bars of a width an analyst reads at a glance.
   */
  histogram(filter: EventFilter, buckets: number): EventsHistogram {
    const w = this.where(filter);
    const where = w ? `WHERE ${w.sql} AND e.ts IS NOT NULL` : 'WHERE e.ts IS NOT NULL';
    const params = w?.params ?? [];
    let lo = filter.from ?? null;
    let hi = filter.to ?? null;
    if (lo === null || hi === null) {
      const ext = this.stmt(`SELECT min(e.ts) AS lo, max(e.ts) AS hi FROM events e ${where}`).get(...params) as {
        lo: number | null;
        hi: number | null;
      };
      if (ext.lo === null || ext.hi === null) return { from: lo ?? 0, to: hi ?? 0, bucketMs: 0, counts: [], total: 0 };
      lo ??= ext.lo;
      hi ??= ext.hi + 1;
    }
    if (hi <= lo) return { from: lo, to: hi, bucketMs: 0, counts: [], total: 0 };
    const want = (hi - lo) / Math.max(1, buckets);
    const width = WIDTHS.find((x) => x >= want) ?? Math.ceil(want / WIDTHS[WIDTHS.length - 1]!) * WIDTHS[WIDTHS.length - 1]!;
    const start = Math.floor(lo / width) * width;
    const n = Math.ceil((hi - start) / width);
    const rows = this.stmt(
      `SELECT CAST((e.ts - ?) / ? AS INTEGER) AS b, count(*) AS n FROM events e ${where} AND e.ts >= ? AND e.ts < ? GROUP BY b`,
    )
      .raw()
      .all(start, width, ...params, lo, hi) as [number, number][];
    const counts = new Array<number>(n).fill(0);
    let total = 0;
    for (const [b, c] of rows) {
      if (b >= 0 && b < n) counts[b] = c;
      total += c;
    }
    return { from: start, to: start + n * width, bucketMs: width, counts, total };
  }

  /** One event in full: every normalized field, its template, its entities and its whole line. */
  get(id: number): EventDetail {
    const r = this.stmt(`SELECT e.*, coalesce(s.name, i.name) AS source FROM ${FROM} WHERE e.id = ?`).get(id) as
      (StoredRow & { line_no: number; import_id: number }) | undefined;
    if (!r) throw new EngineError('not_found', `No event ${id} in this case.`);
    const event = rowToEvent(r);
    const template = r.template_id
      ? ((this.stmt('SELECT template FROM templates WHERE id = ?').pluck().get(r.template_id) as string | undefined) ?? null)
      : null;
    const entities = extractEntities(event).map((e) => ({ id: e.id, type: e.type, value: e.value }));
    const rawLength = event.raw.length;
    if (rawLength > MAX_DETAIL_CHARS) event.raw = event.raw.slice(0, MAX_DETAIL_CHARS);
    if (event.message.length > MAX_DETAIL_CHARS) event.message = event.message.slice(0, MAX_DETAIL_CHARS);
    return { event, importId: r.import_id, lineNo: r.line_no, template, entities, rawLength };
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      // Statements differ by query shape, not by values: keep the recent ones.
      if (this.statements.size >= 64) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, s);
    }
    return s;
  }
}

function toEventRow(r: RawRow): EventRow {
  return {
    id: r[0],
    importId: r[1],
    lineNo: r[2],
    ts: r[3],
    raw: r[4],
    source: r[5],
    host: r[6],
    app: r[7],
    severity: r[8],
    templateId: r[9],
    srcIp: r[10],
    user: r[11],
    outcome: r[12],
    action: r[13],
    parser: r[14],
  };
}
