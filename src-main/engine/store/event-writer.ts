/**
 * Writes normalized events into the case with their full-text index, entity links and template
 * counts, one batch per transaction. The caller owns the transaction boundary.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { Entity } from '../parse/entities';
import type { TemplateInfo } from '../parse/drain';

interface EntityAcc {
  entity: Entity;
  first: number | null;
  last: number | null;
  events: number[];
}

/**
 * Entity types whose events are linked row by row. A host or a process is a column of the event
 * already (host, app): linking every line of a file to its one host would double the case's size
 * for nothing, so their events are found through those columns instead.
 */
export const LINKED: ReadonlySet<string> = new Set(['ip', 'user', 'file', 'domain', 'url', 'user_agent']);

interface TemplateAcc {
  n: number;
  first: number | null;
  last: number | null;
}

export class EventWriter {
  private readonly insertEvent: Statement;
  private readonly indexFrom: Statement;
  private readonly upsertEntity: Statement;
  private readonly link: Statement;
  private readonly upsertTemplate: Statement;
  private readonly maxId: Statement;
  private entities = new Map<string, EntityAcc>();
  private templates = new Map<string, TemplateAcc>();
  private firstIdOfBatch = 0;

  constructor(private readonly db: Database) {
    this.insertEvent = db.prepare(`
      INSERT INTO events (import_id, source_id, line_no, ts, raw, host, app, pid, severity, message, message_at, template_id, params,
        ls_product, ls_service, ls_category, src_ip, dst_ip, user, method, path, status, bytes, user_agent, outcome, action, fields, parser)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.indexFrom = db.prepare('INSERT INTO events_fts (rowid, raw) SELECT id, raw FROM events WHERE id >= ?');
    this.upsertEntity = db
      .prepare(
        `
      INSERT INTO entities (id, type, value, first_seen, last_seen, count) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET
        count = count + excluded.count,
        first_seen = CASE WHEN first_seen IS NULL OR excluded.first_seen < first_seen THEN excluded.first_seen ELSE first_seen END,
        last_seen = CASE WHEN last_seen IS NULL OR excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END
      RETURNING rowid`)
      .pluck();
    this.link = db.prepare('INSERT OR IGNORE INTO event_entities (entity, event) SELECT ?, value FROM json_each(?)');
    this.upsertTemplate = db.prepare(`
      INSERT INTO templates (id, template, count, examples, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET
        template = excluded.template,
        count = count + excluded.count,
        examples = excluded.examples,
        first_seen = CASE WHEN first_seen IS NULL OR excluded.first_seen < first_seen THEN excluded.first_seen ELSE first_seen END,
        last_seen = CASE WHEN last_seen IS NULL OR excluded.last_seen > last_seen THEN excluded.last_seen ELSE last_seen END`);
    this.maxId = db.prepare('SELECT coalesce(max(id), 0) FROM events').pluck();
  }

  /** Start a batch; call inside the batch's transaction. */
  begin(): void {
    this.firstIdOfBatch = (this.maxId.get() as number) + 1;
    this.entities.clear();
    this.templates.clear();
  }

  /** Store one event; sets and returns its id. */
  add(importId: number, sourceId: number, lineNo: number, ev: NormalizedEvent, entities: readonly Entity[]): number {
    const ls = ev.logsource;
    // A message that is the raw line's tail is stored as where it starts (rows stay small).
    const tail = ev.message !== ev.raw && ev.raw.endsWith(ev.message);
    const info = this.insertEvent.run(
      importId,
      sourceId,
      lineNo,
      ev.ts,
      ev.raw,
      ev.host,
      ev.app,
      ev.pid,
      ev.severity,
      ev.message === ev.raw || tail ? null : ev.message,
      tail ? ev.raw.length - ev.message.length : null,
      ev.template_id,
      ev.params.length ? JSON.stringify(ev.params) : null,
      ls.product,
      ls.service,
      ls.category,
      ev.src_ip,
      ev.dst_ip,
      ev.user,
      ev.method,
      ev.path,
      ev.status,
      ev.bytes,
      ev.user_agent,
      ev.outcome,
      ev.action,
      hasKeys(ev.fields) ? JSON.stringify(ev.fields) : null,
      ev.parser,
    );
    const id = Number(info.lastInsertRowid);
    ev.id = id;
    for (const e of entities) {
      let acc = this.entities.get(e.id);
      if (!acc) this.entities.set(e.id, (acc = { entity: e, first: ev.ts, last: ev.ts, events: [] }));
      acc.events.push(id);
      if (ev.ts !== null) {
        if (acc.first === null || ev.ts < acc.first) acc.first = ev.ts;
        if (acc.last === null || ev.ts > acc.last) acc.last = ev.ts;
      }
    }
    if (ev.template_id) {
      let t = this.templates.get(ev.template_id);
      if (!t) this.templates.set(ev.template_id, (t = { n: 0, first: ev.ts, last: ev.ts }));
      t.n++;
      if (ev.ts !== null) {
        if (t.first === null || ev.ts < t.first) t.first = ev.ts;
        if (t.last === null || ev.ts > t.last) t.last = ev.ts;
      }
    }
    return id;
  }

  /** Finish the batch: full-text index, entity rows and links, template counts. */
  commit(templateInfo: (id: string) => TemplateInfo | undefined): void {
    this.indexFrom.run(this.firstIdOfBatch);
    for (const acc of this.entities.values()) {
      const { entity } = acc;
      const rowid = this.upsertEntity.get(entity.id, entity.type, entity.value, acc.first, acc.last, acc.events.length) as number;
      // One statement per entity and batch, not per link: fewer crossings into SQLite.
      if (LINKED.has(entity.type)) this.link.run(rowid, JSON.stringify(acc.events));
    }
    for (const [id, t] of this.templates) {
      const info = templateInfo(id);
      this.upsertTemplate.run(id, info?.template ?? '', t.n, JSON.stringify(info?.examples ?? []), t.first, t.last);
    }
    this.entities.clear();
    this.templates.clear();
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true;
  return false;
}
