/** Stored events read back as normalized events, for detection passes over a case. */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent, Outcome } from '../../../src-shared/event';

interface StoredRow {
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

const SELECT = `SELECT e.id, e.ts, e.raw, s.name AS source, e.host, e.app, e.pid, e.severity, e.message, e.message_at, e.template_id, e.params,
  e.ls_product, e.ls_service, e.ls_category, e.src_ip, e.dst_ip, e.user, e.method, e.path, e.status, e.bytes, e.user_agent,
  e.outcome, e.action, e.fields, e.parser
  FROM events e LEFT JOIN sources s ON s.id = e.source_id`;

export function rowToEvent(r: StoredRow): NormalizedEvent {
  return {
    id: r.id,
    ts: r.ts,
    source: r.source ?? '',
    host: r.host,
    app: r.app,
    pid: r.pid,
    severity: r.severity,
    message: r.message ?? (r.message_at !== null ? r.raw.slice(r.message_at) : r.raw),
    template_id: r.template_id,
    params: r.params ? (JSON.parse(r.params) as string[]) : [],
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

/**
 * Events in event-time order (then id), in pages, with keyset paging so a million rows cost the
 * same per page. Events without a time come first, in the order they were stored.
 */
export class TimeOrderedEvents {
  private readonly first: Statement;
  private readonly next: Statement;
  private readonly firstUntimed: Statement;
  private readonly nextUntimed: Statement;

  constructor(db: Database, importId: number | null) {
    const scope = importId === null ? '' : 'AND e.import_id = ' + Number(importId);
    this.firstUntimed = db.prepare(`${SELECT} WHERE e.ts IS NULL ${scope} ORDER BY e.id LIMIT ?`);
    this.nextUntimed = db.prepare(`${SELECT} WHERE e.ts IS NULL AND e.id > ? ${scope} ORDER BY e.id LIMIT ?`);
    this.first = db.prepare(`${SELECT} WHERE e.ts IS NOT NULL ${scope} ORDER BY e.ts, e.id LIMIT ?`);
    this.next = db.prepare(`${SELECT} WHERE (e.ts, e.id) > (?, ?) ${scope} ORDER BY e.ts, e.id LIMIT ?`);
  }

  *pages(size: number): Generator<NormalizedEvent[]> {
    let rows = this.firstUntimed.all(size) as StoredRow[];
    while (rows.length > 0) {
      yield rows.map(rowToEvent);
      rows = this.nextUntimed.all(rows[rows.length - 1]!.id, size) as StoredRow[];
    }
    rows = this.first.all(size) as StoredRow[];
    while (rows.length > 0) {
      yield rows.map(rowToEvent);
      const last = rows[rows.length - 1]!;
      rows = this.next.all(last.ts, last.id, size) as StoredRow[];
    }
  }
}
