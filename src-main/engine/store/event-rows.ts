/** Stored events read back as normalized events, for detection passes over a case. */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent, Outcome } from '../../../src-shared/event';
import { ROW_WIDTH, unpackRow, type PackedRows } from './row-batch';
import { decodeParams, messageOf } from './text-spans';

export interface StoredRow {
  id: number;
  ts: number | null;
  raw: string;
  source: string | null;
  host: string | null;
  app: string | null;
  pid: number | null;
  severity: number | null;
  message: string | null;
  message_at: number | null;
  message_len: number | null;
  template_id: string | null;
  params: string | null;
  ls_product: string | null;
  ls_service: string | null;
  ls_category: string | null;
  src_ip: string | null;
  dst_ip: string | null;
  user: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  bytes: number | null;
  user_agent: string | null;
  outcome: Outcome;
  action: string | null;
  fields: string | null;
  parser: string;
}

export function rowToEvent(r: StoredRow): NormalizedEvent {
  return {
    id: r.id,
    ts: r.ts,
    source: r.source ?? '',
    host: r.host,
    app: r.app,
    pid: r.pid,
    severity: r.severity,
    message: messageOf(r.raw, r.message, r.message_at, r.message_len),
    template_id: r.template_id,
    params: r.params ? decodeParams(r.raw, JSON.parse(r.params) as StoredParams) : [],
    logsource: { product: r.ls_product, service: r.ls_service, category: r.ls_category },
    src_ip: r.src_ip,
    dst_ip: r.dst_ip,
    user: r.user,
    method: r.method,
    path: r.path,
    status: r.status,
    bytes: r.bytes,
    user_agent: r.user_agent,
    outcome: r.outcome,
    action: r.action,
    fields: r.fields ? (JSON.parse(r.fields) as NormalizedEvent['fields']) : {},
    parser: r.parser,
    raw: r.raw,
  };
}

type StoredParams = (string | [number, number])[];

/**
 * The columns TimeOrderedEvents reads, as arrays (objects per row cost three times as much): the
 * order of a stored row's values (row-batch.ts), so that rows read back and rows unpacked from a
 * batch are turned into events alike. Path and agent are read through their generated columns
 * (fresh strings, where a slice of the line would keep the line alive with them); a batch's rows
 * carry them as texts, so neither needs its span here.
 */
const COLUMNS = `e.id, e.ts, e.raw, e.source_id, e.host, e.app, e.pid, e.severity, e.message, e.message_at, e.template_id, e.params,
  e.ls_product, e.ls_service, e.ls_category, e.src_ip, e.dst_ip, e.user, e.method, e.path, e.status, e.bytes, e.user_agent,
  e.outcome, e.action, e.fields, e.parser, e.message_len`;

export type RawRow = [
  id: number,
  ts: number | null,
  raw: string,
  sourceId: number | null,
  host: string | null,
  app: string | null,
  pid: number | null,
  severity: number | null,
  message: string | null,
  messageAt: number | null,
  templateId: string | null,
  params: string | null,
  lsProduct: string | null,
  lsService: string | null,
  lsCategory: string | null,
  srcIp: string | null,
  dstIp: string | null,
  user: string | null,
  method: string | null,
  path: string | null,
  status: number | null,
  bytes: number | null,
  userAgent: string | null,
  outcome: Outcome,
  action: string | null,
  fields: string | null,
  parser: string,
  messageLen: number | null,
];

/**
 * Events in event-time order (then id), in pages, with keyset paging so a million rows cost the
 * same per page. Events without a time come first, in the order they were stored.
 */
export class TimeOrderedEvents {
  private readonly first: Statement;
  private readonly next: Statement;
  private readonly firstUntimed: Statement;
  private readonly nextUntimed: Statement;
  private readonly sourceName: Statement;
  /** Source names by id: a handful per case, looked up once instead of joined on every row. */
  private readonly sources = new Map<number, string>();

  constructor(db: Database, importId: number | null) {
    const scope = importId === null ? '' : 'AND e.import_id = ' + Number(importId);
    const select = `SELECT ${COLUMNS} FROM events e`;
    this.firstUntimed = db.prepare(`${select} WHERE e.ts IS NULL ${scope} ORDER BY e.id LIMIT ?`).raw(true);
    this.nextUntimed = db.prepare(`${select} WHERE e.ts IS NULL AND e.id > ? ${scope} ORDER BY e.id LIMIT ?`).raw(true);
    this.first = db.prepare(`${select} WHERE e.ts IS NOT NULL ${scope} ORDER BY e.ts, e.id LIMIT ?`).raw(true);
    this.next = db.prepare(`${select} WHERE (e.ts, e.id) > (?, ?) ${scope} ORDER BY e.ts, e.id LIMIT ?`).raw(true);
    this.sourceName = db.prepare('SELECT name FROM sources WHERE id = ?').pluck();
  }

  *pages(size: number): Generator<NormalizedEvent[]> {
    let rows = this.firstUntimed.all(size) as RawRow[];
    while (rows.length > 0) {
      yield this.toEvents(rows);
      rows = this.nextUntimed.all(rows[rows.length - 1]![0], size) as RawRow[];
    }
    rows = this.first.all(size) as RawRow[];
    while (rows.length > 0) {
      yield this.toEvents(rows);
      const last = rows[rows.length - 1]!;
      rows = this.next.all(last[1], last[0], size) as RawRow[];
    }
  }

  private source(id: number | null): string {
    if (id === null) return '';
    let name = this.sources.get(id);
    if (name === undefined) {
      name = (this.sourceName.get(id) as string | undefined) ?? '';
      this.sources.set(id, name);
    }
    return name;
  }

  private readonly json = new JsonColumns();

  private toEvents(rows: RawRow[]): NormalizedEvent[] {
    const out = new Array<NormalizedEvent>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rawRowToEvent(rows[i]!, this.source(rows[i]![3]), this.json);
    return out;
  }
}

/**
 * Parsed JSON columns, shared by the rows that hold the same text (a session line's fields repeat
 * on thousands of rows) and frozen, since they are shared: detection reads them only.
 */
export class JsonColumns {
  private readonly parsed = new Map<string, unknown>();

  get(text: string): unknown {
    let v = this.parsed.get(text);
    if (v === undefined) {
      v = deepFreeze(JSON.parse(text));
      if (this.parsed.size >= 4096) this.parsed.clear();
      this.parsed.set(text, v);
    }
    return v;
  }
}

/** A row of COLUMNS as the event detection stages take. */
export function rawRowToEvent(r: RawRow, source: string, json: JsonColumns): NormalizedEvent {
  const raw = r[2];
  return {
    id: r[0],
    ts: r[1],
    source,
    host: r[4],
    app: r[5],
    pid: r[6],
    severity: r[7],
    message: messageOf(raw, r[8], r[9], r[27]),
    template_id: r[10],
    params: r[11] ? decodeParams(raw, json.get(r[11]) as StoredParams) : [],
    logsource: { product: r[12], service: r[13], category: r[14] },
    src_ip: r[15],
    dst_ip: r[16],
    user: r[17],
    method: r[18],
    path: r[19],
    status: r[20],
    bytes: r[21],
    user_agent: r[22],
    outcome: r[23],
    action: r[24],
    fields: r[25] ? (json.get(r[25]) as NormalizedEvent['fields']) : {},
    parser: r[26],
    raw,
  };
}

/** Freeze a parsed JSON value and everything in it (values shared between rows are read only). */
export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * A stored batch's rows as events, built from the packed rows it was stored from instead of read
 * back (a detection pass following an import; see Detection.follow).
 */
export function packedToEvents(
  rows: PackedRows,
  lines: readonly string[],
  ids: Float64Array,
  sourceId: number,
  source: string,
  json: JsonColumns,
): NormalizedEvent[] {
  const out = new Array<NormalizedEvent>(rows.n);
  // COLUMNS order is id, ts, raw, source_id, then the rest of the row values: unpack from the
  // third place, then move ts and raw to the front. The array is copied into each event.
  const r = new Array(ROW_WIDTH + 2) as unknown[];
  for (let i = 0; i < rows.n; i++) {
    unpackRow(rows, i, lines[i]!, r, 2);
    r[0] = ids[i];
    r[1] = r[2];
    r[2] = r[3];
    r[3] = sourceId;
    out[i] = rawRowToEvent(r as RawRow, source, json);
  }
  return out;
}

