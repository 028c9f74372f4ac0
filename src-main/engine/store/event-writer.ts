/**
 * Writes normalized events into the case with their full-text index, entity and template posting
 * lists and counts, one batch per transaction. The caller owns the transaction boundary.
 */
import type { AssumedYears } from '../parse/parsers/context';
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { Entity } from '../parse/entities';
import type { TemplateInfo } from '../parse/drain';
import { Postings } from './postings';
import { eventValues, ROW_WIDTH, STORED_WIDTH, toStoredRow, unpackRow, type PackedEntities, type PackedRows } from './row-batch';

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

// insertRow passes the values one by one: 3 + STORED_WIDTH of them.
if (3 + STORED_WIDTH !== 31) throw new Error('EventWriter.insertRow must pass 3 + STORED_WIDTH values');

interface TemplateAcc {
  events: number[];
  first: number | null;
  last: number | null;
}

export class EventWriter {
  private readonly insertEvent: Statement;
  private readonly indexFrom: Statement;
  private readonly upsertEntity: Statement;
  private readonly entityEvents: Postings;
  private readonly templateEvents: Postings;
  private readonly upsertTemplate: Statement;
  private readonly maxId: Statement;
  private entities = new Map<string, EntityAcc>();
  private templates = new Map<string, TemplateAcc>();
  /** Template texts that came with batches normalized elsewhere. */
  private readonly infos = new Map<string, TemplateInfo>();
  private readonly args: unknown[] = new Array(3 + ROW_WIDTH).fill(null);
  private firstIdOfBatch = 0;

  constructor(private readonly db: Database) {
    this.insertEvent = db.prepare(`
      INSERT INTO events (import_id, source_id, line_no, ts, raw, host, app, pid, severity, message, message_at, template_id, params,
        ls_product, ls_service, ls_category, src_ip, dst_ip, user, method, path_text, status, bytes, user_agent_text, outcome, action, fields, parser,
        message_len, path_span, user_agent_span)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
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
    this.entityEvents = new Postings(db, 'entity_events');
    this.templateEvents = new Postings(db, 'template_events');
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
    this.discard();
  }

  /**
   * Start a batch whose entities and templates join those noted since the last flushKeys()
   * instead of being stored with it (an import stores them at its checkpoints).
   */
  beginRows(): void {
    this.firstIdOfBatch = (this.maxId.get() as number) + 1;
  }

  /** Forget entities and templates noted and not stored (their batch's transaction failed). */
  discard(): void {
    this.entities.clear();
    this.templates.clear();
    this.infos.clear();
  }

  /** Store one event; sets and returns its id. */
  add(importId: number, sourceId: number, lineNo: number, ev: NormalizedEvent, entities: readonly Entity[]): number {
    const args = this.args;
    args[0] = importId;
    args[1] = sourceId;
    args[2] = lineNo;
    eventValues(ev, args, 3);
    const id = this.insertRow(args);
    ev.id = id;
    for (const e of entities) this.note(e, id, ev.ts);
    if (ev.template_id) this.noteTemplate(ev.template_id, id, ev.ts);
    return id;
  }

  /**
   * Store the rows of a batch normalized elsewhere (ingest/normalize-worker.ts), lines numbered
   * from `firstLineNo`; returns their ids. Its entities and templates wait for noteBatch().
   */
  insertBatch(importId: number, sourceId: number, firstLineNo: number, lines: readonly string[], batch: NormalizedBatch): Float64Array {
    const args = this.args;
    args[0] = importId;
    args[1] = sourceId;
    const { rows } = batch;
    const ids = new Float64Array(rows.n);
    for (let i = 0; i < rows.n; i++) {
      args[2] = firstLineNo + i;
      unpackRow(rows, i, lines[i]!, args, 3);
      ids[i] = this.insertRow(args);
    }
    return ids;
  }

  /** Note the entities and templates of a batch stored with insertBatch, its rows' ids `ids`. */
  noteBatch(batch: NormalizedBatch, ids: Float64Array): void {
    const e = batch.entities;
    for (let k = 0, from = 0; k < e.ids.length; k++) {
      const id = e.ids[k]!;
      let acc = this.entities.get(id);
      if (!acc) this.entities.set(id, (acc = { entity: { id, type: e.types[k]!, value: e.values[k]! }, first: null, last: null, events: [] }));
      const to = e.ends[k]!;
      for (; from < to; from++) acc.events.push(ids[e.at[from]!]!);
      widen(acc, nullable(e.first[k]!), nullable(e.last[k]!));
    }
    for (const t of batch.templates) {
      let acc = this.templates.get(t.id);
      if (!acc) this.templates.set(t.id, (acc = { events: [], first: null, last: null }));
      for (const i of t.at) acc.events.push(ids[i]!);
      widen(acc, t.first, t.last);
      this.infos.set(t.id, { id: t.id, template: t.template, count: 0, examples: t.examples });
    }
  }

  /**
   * Store a row of 3 + ROW_WIDTH values as toStoredRow makes it (its first 3 + STORED_WIDTH). They
   * are passed one by one: better-sqlite3 binds an array argument through a slower path, a fifth
   * of an import's storing time.
   */
  private insertRow(a: unknown[]): number {
    toStoredRow(a, 3);
    return Number(
      this.insertEvent.run(
        a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
        a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21], a[22], a[23], a[24], a[25], a[26], a[27], a[28], a[29], a[30],
      ).lastInsertRowid,
    );
  }

  private note(e: Entity, id: number, ts: number | null): void {
    let acc = this.entities.get(e.id);
    if (!acc) this.entities.set(e.id, (acc = { entity: e, first: ts, last: ts, events: [] }));
    if (acc.events[acc.events.length - 1] === id) return;
    acc.events.push(id);
    widen(acc, ts, ts);
  }

  private noteTemplate(templateId: string, id: number, ts: number | null): void {
    let t = this.templates.get(templateId);
    if (!t) this.templates.set(templateId, (t = { events: [], first: ts, last: ts }));
    t.events.push(id);
    widen(t, ts, ts);
  }

  /** Finish the batch: full-text index, entity rows and postings, template counts and postings. */
  commit(templateInfo: (id: string) => TemplateInfo | undefined): void {
    this.indexRows();
    this.flushKeys(templateInfo);
  }

  /** Index the rows stored since begin() or beginRows() for full-text search. */
  indexRows(): void {
    this.indexFrom.run(this.firstIdOfBatch);
  }

  /** Store the entities and templates noted so far, with their posting lists. */
  flushKeys(templateInfo: (id: string) => TemplateInfo | undefined): void {
    for (const acc of this.entities.values()) {
      const { entity } = acc;
      const rowid = this.upsertEntity.get(entity.id, entity.type, entity.value, acc.first, acc.last, acc.events.length) as number;
      if (LINKED.has(entity.type)) this.entityEvents.add(rowid, acc.events);
    }
    for (const [id, t] of this.templates) {
      const info = this.infos.get(id) ?? templateInfo(id);
      this.upsertTemplate.run(id, info?.template ?? '', t.events.length, JSON.stringify(info?.examples ?? []), t.first, t.last);
      this.templateEvents.add(id, t.events);
    }
    this.discard();
  }
}

function nullable(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

/** Extend an accumulator's first/last event time to cover [first, last]. */
export function widen(acc: { first: number | null; last: number | null }, first: number | null, last: number | null): void {
  if (first !== null && (acc.first === null || first < acc.first)) acc.first = first;
  if (last !== null && (acc.last === null || last > acc.last)) acc.last = last;
}

/** Lines normalized off the engine thread, ready for EventWriter.insertBatch and noteBatch. */
export interface NormalizedBatch {
  rows: PackedRows;
  /** Lines no parser fit. */
  unparsed: number;
  /** The years the source's yearless lines were given so far (all its batches), or null. */
  years: AssumedYears | null;
  /** Each entity of the batch once, with the lines (indices into the batch) it occurs in. */
  entities: PackedEntities;
  templates: BatchTemplate[];
}

export interface BatchTemplate {
  id: string;
  template: string;
  examples: string[];
  first: number | null;
  last: number | null;
  /** Lines of the batch (indices) of this template. */
  at: number[];
}
