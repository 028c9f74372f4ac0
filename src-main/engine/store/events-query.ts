/** Paging and full-text search over a case's events, templates and entities. */
import type { Database, Statement } from 'better-sqlite3';
import type { AlertRow, EntityRow, EventRow, EventsPage, Page, TemplateRow, Timeline, TimelineSeries } from '../../../src-shared/dto';
import { Postings } from './postings';

/** Counting every match of a broad query over millions of rows is slow; past this we say "N+". */
export const COUNT_CAP = 100_000;
/** Rows cross the contract for display; a 1 MB line is cut here, not in the case. */
const MAX_RAW_CHARS = 8192;

interface Row {
  id: number;
  import_id: number;
  line_no: number;
  ts: number | null;
  raw: string;
  source: string;
  host: string | null;
  app: string | null;
  severity: number | null;
  template_id: string | null;
  src_ip: string | null;
  user: string | null;
  outcome: EventRow['outcome'];
  action: string | null;
  parser: string;
}

/**
 * Turn what an analyst types into an FTS5 query: every word or "quoted phrase" must match,
 * a trailing * makes a prefix; FTS operators in the input are taken literally, never as syntax.
 */
export function toFtsQuery(input: string): string | null {
  const terms: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  // FTS5 ends a string at NUL and then fails with "unterminated string": NUL separates words.
  input = input.replace(/\0/g, ' ');
  for (let m = re.exec(input); m; m = re.exec(input)) {
    const phrase = m[1] ?? m[2] ?? '';
    const prefix = m[2] !== undefined && phrase.endsWith('*');
    const text = prefix ? phrase.slice(0, -1) : phrase;
    // A term with no letter or digit tokenizes to nothing and would match nothing; skip it.
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    terms.push(`"${text.replace(/"/g, '""')}"${prefix ? '*' : ''}`);
  }
  return terms.length > 0 ? terms.join(' AND ') : null;
}

export interface EventFilter {
  query: string;
  from?: number;
  to?: number;
  templateId?: string;
  entityId?: string;
}

const COLS = `e.id, e.import_id, e.line_no, e.ts, substr(e.raw, 1, ${MAX_RAW_CHARS}) AS raw,
  coalesce(s.name, i.name) AS source, e.host, e.app, e.severity, e.template_id, e.src_ip, e.user, e.outcome, e.action, e.parser`;
const FROM = 'events e JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id';

export class EventsQuery {
  private readonly cache = new Map<string, { page: Statement; count: Statement }>();
  private readonly entityEvents: Postings;
  private readonly templateEvents: Postings;

  constructor(private readonly db: Database) {
    this.entityEvents = new Postings(db, 'entity_events');
    this.templateEvents = new Postings(db, 'template_events');
  }

  search(filter: EventFilter, offset: number, limit: number): EventsPage {
    const fts = toFtsQuery(filter.query);
    const where: string[] = [];
    const params: unknown[] = [];
    let from = FROM;
    if (fts !== null) {
      from = `events_fts f JOIN events e ON e.id = f.rowid JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id`;
      where.push('events_fts MATCH ?');
      params.push(fts);
    }
    if (filter.from !== undefined) {
      where.push('e.ts >= ?');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('e.ts < ?');
      params.push(filter.to);
    }
    // Events of a template or a linked entity come from their posting lists, as an id list.
    let listed: number[] | null = null;
    const within = (ids: number[]) => {
      if (listed === null) return ids;
      const keep = new Set(ids);
      return listed.filter((id) => keep.has(id));
    };
    if (filter.templateId) listed = within(this.templateEvents.ids(filter.templateId));
    let entityKind = '';
    if (filter.entityId) {
      const entity = this.db.prepare('SELECT rowid, type, value FROM entities WHERE id = ?').get(filter.entityId) as
        | { rowid: number; type: string; value: string }
        | undefined;
      if (!entity) return { rows: [], offset, total: 0, totalCapped: false };
      // Hosts and processes are columns of the event; other entities are linked row by row.
      if (entity.type === 'host') {
        entityKind = 'host';
        where.push('lower(e.host) = ?');
        params.push(entity.value);
      } else if (entity.type === 'process') {
        entityKind = 'process';
        where.push('e.app = ?');
        params.push(entity.value);
      } else {
        listed = within(this.entityEvents.ids(entity.rowid));
      }
    }
    if (listed !== null) {
      if (listed.length === 0) return { rows: [], offset, total: 0, totalCapped: false };
      if (where.length === 0) {
        // Only a list: its length is the count, and the page is a slice of it.
        const page = listed.slice(offset, offset + limit);
        const rows = this.db.prepare(`SELECT ${COLS} FROM ${FROM} WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY e.id`).all(JSON.stringify(page)) as Row[];
        return { rows: rows.map(toEventRow), offset, total: listed.length, totalCapped: false };
      }
      where.push('e.id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify(listed));
    }
    const key = `${fts !== null}|${filter.from !== undefined}|${filter.to !== undefined}|${listed !== null}|${entityKind}`;
    let stmts = this.cache.get(key);
    if (!stmts) {
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      stmts = {
        page: this.db.prepare(`SELECT ${COLS} FROM ${from} ${w} ORDER BY e.id LIMIT ? OFFSET ?`),
        count: where.length
          ? this.db.prepare(`SELECT count(*) FROM (SELECT 1 FROM ${from} ${w} LIMIT ${COUNT_CAP + 1})`).pluck()
          : this.db.prepare('SELECT count(*) FROM events').pluck(),
      };
      this.cache.set(key, stmts);
    }
    const rows = stmts.page.all(...params, limit, offset) as Row[];
    const n = stmts.count.get(...params) as number;
    if (where.length === 0) return { rows: rows.map(toEventRow), offset, total: n, totalCapped: false };
    return { rows: rows.map(toEventRow), offset, total: Math.min(n, COUNT_CAP), totalCapped: n > COUNT_CAP };
  }

  templates(query: string, sort: 'count' | 'rare' | 'id', offset: number, limit: number): Page<TemplateRow> {
    const order = sort === 'count' ? 'count DESC, id' : sort === 'rare' ? 'count ASC, id' : 'CAST(substr(id, 2) AS INTEGER)';
    const like = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const where = query ? `WHERE template LIKE ? ESCAPE '\\' OR id = ?` : '';
    const params = query ? [like, query] : [];
    const rows = this.db
      .prepare(`SELECT id, template, count, examples, first_seen, last_seen FROM templates ${where} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as { id: string; template: string; count: number; examples: string; first_seen: number | null; last_seen: number | null }[];
    const total = this.db.prepare(`SELECT count(*) FROM templates ${where}`).pluck().get(...params) as number;
    return {
      rows: rows.map((r) => ({ id: r.id, template: r.template, count: r.count, examples: JSON.parse(r.examples) as string[], firstSeen: r.first_seen, lastSeen: r.last_seen })),
      offset,
      total,
    };
  }

  alerts(detector: string | undefined, kind: string | undefined, offset: number, limit: number): Page<AlertRow> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (detector) {
      where.push('detector = ?');
      params.push(detector);
    }
    if (kind) {
      where.push('kind = ?');
      params.push(kind);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT * FROM alerts ${w} ORDER BY first_ts, id LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as {
      id: number;
      detector: string;
      kind: string;
      title: string;
      severity: AlertRow['severity'];
      score: number | null;
      first_ts: number | null;
      last_ts: number | null;
      key: string | null;
      entities: string;
      evidence: string;
      details: string;
      tags: string;
    }[];
    const total = this.db.prepare(`SELECT count(*) FROM alerts ${w}`).pluck().get(...params) as number;
    return {
      rows: rows.map((r) => ({
        id: r.id,
        detector: r.detector,
        kind: r.kind,
        title: r.title,
        severity: r.severity,
        score: r.score,
        firstTs: r.first_ts,
        lastTs: r.last_ts,
        key: r.key,
        entities: JSON.parse(r.entities) as AlertRow['entities'],
        evidence: JSON.parse(r.evidence) as number[],
        details: JSON.parse(r.details) as Record<string, unknown>,
        tags: JSON.parse(r.tags) as string[],
      })),
      offset,
      total,
    };
  }

  timeline(sourceType: string | undefined, from: number | undefined, to: number | undefined, maxPoints: number): Timeline {
    const types = this.db.prepare('SELECT DISTINCT source_type FROM score_points ORDER BY source_type').pluck().all() as string[];
    const type = sourceType && types.includes(sourceType) ? sourceType : (types[0] ?? null);
    if (type === null) return { sourceTypes: [], sourceType: null, bucketMs: 0, series: [], alerts: [] };
    const range = this.db
      .prepare('SELECT min(bucket) AS lo, max(bucket) AS hi FROM score_points WHERE source_type = ? AND bucket >= ? AND bucket <= ?')
      .get(type, from ?? Number.MIN_SAFE_INTEGER, to ?? Number.MAX_SAFE_INTEGER) as { lo: number | null; hi: number | null };
    if (range.lo === null || range.hi === null) return { sourceTypes: types, sourceType: type, bucketMs: 0, series: [], alerts: [] };
    const native = 60_000;
    // Downsample by keeping each wider bucket's highest score: peaks are what an analyst looks for.
    const width = Math.max(native, Math.ceil((range.hi - range.lo + native) / maxPoints / native) * native);
    const rows = this.db
      .prepare(
        `SELECT detector, (bucket - ?) / ? AS slot, max(score) AS score, max(threshold) AS threshold FROM score_points
         WHERE source_type = ? AND bucket >= ? AND bucket <= ? GROUP BY detector, slot ORDER BY detector, slot`,
      )
      .all(range.lo, width, type, range.lo, range.hi) as { detector: string; slot: number; score: number; threshold: number | null }[];
    const byDetector = new Map<string, TimelineSeries>();
    for (const r of rows) {
      let s = byDetector.get(r.detector);
      if (!s) byDetector.set(r.detector, (s = { detector: r.detector, points: [] }));
      s.points.push([range.lo + Math.floor(r.slot) * width, r.score, r.threshold]);
    }
    const alerts = this.db
      .prepare(
        `SELECT id, first_ts AS ts, score, title, kind FROM alerts WHERE detector = 'ensemble' AND json_extract(details, '$.sourceType') = ?
         AND first_ts >= ? AND first_ts <= ? ORDER BY first_ts LIMIT 2000`,
      )
      .all(type, range.lo, range.hi + width) as Timeline['alerts'];
    return { sourceTypes: types, sourceType: type, bucketMs: width, series: [...byDetector.values()], alerts };
  }

  entities(type: string | undefined, query: string, offset: number, limit: number): Page<EntityRow> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (type) {
      where.push('type = ?');
      params.push(type);
    }
    if (query) {
      where.push(`value LIKE ? ESCAPE '\\'`);
      params.push(`%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const rows = this.db
      .prepare(`SELECT id, type, value, count, first_seen AS firstSeen, last_seen AS lastSeen FROM entities ${w} ORDER BY count DESC, value LIMIT ? OFFSET ?`)
      .all(...params, limit, offset) as EntityRow[];
    const total = this.db.prepare(`SELECT count(*) FROM entities ${w}`).pluck().get(...params) as number;
    return { rows, offset, total };
  }
}

function toEventRow(r: Row): EventRow {
  return {
    id: r.id,
    importId: r.import_id,
    source: r.source,
    lineNo: r.line_no,
    ts: r.ts,
    host: r.host,
    app: r.app,
    severity: r.severity,
    templateId: r.template_id,
    srcIp: r.src_ip,
    user: r.user,
    outcome: r.outcome,
    action: r.action,
    parser: r.parser,
    raw: r.raw,
  };
}
