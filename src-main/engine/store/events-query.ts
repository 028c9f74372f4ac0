/** Reading a case's events (through the Events search), templates, entities, alerts and score timelines. */
import type { Database } from 'better-sqlite3';
import type { AlertRow, EntityRow, EventsPage, Page, TemplateRow, Timeline, TimelineSeries } from '../../../src-shared/dto';
import { EventSearch, type EventCursor, type EventFilter, type EventOrder } from '../query/events-search';

export class EventsQuery {
  /** The Events search (query language, histogram, one event in full). */
  readonly search: EventSearch;

  constructor(private readonly db: Database) {
    this.search = new EventSearch(db);
  }

  page(filter: EventFilter, order: EventOrder, offset: number, limit: number, after?: EventCursor): EventsPage {
    return this.search.search(filter, order, offset, limit, after);
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
