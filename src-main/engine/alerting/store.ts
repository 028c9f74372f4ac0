/** Rules, sinks, the outbox and the history as rows of the case database. */
import type { Database, Statement } from 'better-sqlite3';
import type {
  AlertMessage,
  AlertRule,
  HistoryEvent,
  HistoryRow,
  OutboxRow,
  OutboxStatus,
  SinkKind,
  SinkRow,
  SinkSettings,
} from '../../../src-shared/contract-alerting';
import type { IncidentCategory, IncidentSeverity } from '../../../src-shared/contract-incidents';

const statements = new WeakMap<Database, Map<string, Statement>>();

/** A prepared statement kept per connection: the outbox and history are written once per alert and sink. */
function stmt(db: Database, sql: string): Statement {
  let m = statements.get(db);
  if (!m) statements.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) m.set(sql, (s = db.prepare(sql)));
  return s;
}

interface RuleDbRow {
  id: number;
  name: string;
  enabled: number;
  categories: string;
  min_severity: string;
  min_priority: number;
  sink_ids: string;
  dedup_window_ms: number;
  live_only: number;
  quiet_start: string | null;
  quiet_end: string | null;
  rate_count: number | null;
  rate_window_ms: number | null;
  created_at: number;
}

export function listRules(db: Database): AlertRule[] {
  return (db.prepare('SELECT * FROM alert_rules ORDER BY id').all() as RuleDbRow[]).map(toRule);
}

export function getRule(db: Database, id: number): AlertRule | null {
  const r = db.prepare('SELECT * FROM alert_rules WHERE id = ?').get(id) as RuleDbRow | undefined;
  return r ? toRule(r) : null;
}

function toRule(r: RuleDbRow): AlertRule {
  return {
    id: r.id,
    name: r.name,
    enabled: r.enabled === 1,
    categories: json<IncidentCategory[]>(r.categories, []),
    minSeverity: r.min_severity as IncidentSeverity,
    minPriority: r.min_priority,
    sinkIds: json<string[]>(r.sink_ids, []),
    dedupWindowMs: r.dedup_window_ms,
    liveOnly: r.live_only === 1,
    quietHours: r.quiet_start && r.quiet_end ? { start: r.quiet_start, end: r.quiet_end } : null,
    rateLimit: r.rate_count && r.rate_window_ms ? { count: r.rate_count, windowMs: r.rate_window_ms } : null,
    createdAt: r.created_at,
  };
}

export function putRule(db: Database, rule: Omit<AlertRule, 'id' | 'createdAt'> & { id?: number }, now: number): AlertRule {
  const values = [
    rule.name,
    rule.enabled ? 1 : 0,
    JSON.stringify(rule.categories),
    rule.minSeverity,
    rule.minPriority,
    JSON.stringify(rule.sinkIds),
    rule.dedupWindowMs,
    rule.liveOnly ? 1 : 0,
    rule.quietHours?.start ?? null,
    rule.quietHours?.end ?? null,
    rule.rateLimit?.count ?? null,
    rule.rateLimit?.windowMs ?? null,
  ];
  if (rule.id !== undefined) {
    db.prepare(
      `UPDATE alert_rules SET name = ?, enabled = ?, categories = ?, min_severity = ?, min_priority = ?, sink_ids = ?, dedup_window_ms = ?, live_only = ?,
         quiet_start = ?, quiet_end = ?, rate_count = ?, rate_window_ms = ? WHERE id = ?`,
    ).run(...values, rule.id);
    return getRule(db, rule.id)!;
  }
  const id = db
    .prepare(
      `INSERT INTO alert_rules (name, enabled, categories, min_severity, min_priority, sink_ids, dedup_window_ms, live_only, quiet_start, quiet_end,
         rate_count, rate_window_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    )
    .pluck()
    .get(...values, now) as number;
  return getRule(db, id)!;
}

interface SinkDbRow {
  id: string;
  name: string;
  kind: string;
  enabled: number;
  settings: string;
  target: string;
  header_names: string;
  hmac: number;
  max_attempts: number;
  backoff_ms: number;
  created_at: number;
}

/** A sink as the engine keeps it; `secret` is filled in by the caller that knows the secret store. */
export type StoredSink = Omit<SinkRow, 'secret' | 'counts'>;

export function listSinks(db: Database): StoredSink[] {
  return (db.prepare('SELECT * FROM alert_sinks ORDER BY created_at, id').all() as SinkDbRow[]).map(toSink);
}

export function getSink(db: Database, id: string): StoredSink | null {
  const r = db.prepare('SELECT * FROM alert_sinks WHERE id = ?').get(id) as SinkDbRow | undefined;
  return r ? toSink(r) : null;
}

function toSink(r: SinkDbRow): StoredSink {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind as SinkKind,
    enabled: r.enabled === 1,
    settings: json<SinkSettings>(r.settings, {}),
    target: r.target,
    headerNames: json<string[]>(r.header_names, []),
    hmac: r.hmac === 1,
    maxAttempts: r.max_attempts,
    backoffMs: r.backoff_ms,
    createdAt: r.created_at,
  };
}

export function putSink(db: Database, s: StoredSink, exists: boolean): void {
  const values = [
    s.name,
    s.kind,
    s.enabled ? 1 : 0,
    JSON.stringify(s.settings),
    s.target,
    JSON.stringify(s.headerNames),
    s.hmac ? 1 : 0,
    s.maxAttempts,
    s.backoffMs,
  ];
  if (exists) {
    db.prepare(
      `UPDATE alert_sinks SET name = ?, kind = ?, enabled = ?, settings = ?, target = ?, header_names = ?, hmac = ?, max_attempts = ?, backoff_ms = ? WHERE id = ?`,
    ).run(...values, s.id);
  } else {
    db.prepare(
      `INSERT INTO alert_sinks (name, kind, enabled, settings, target, header_names, hmac, max_attempts, backoff_ms, id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...values, s.id, s.createdAt);
  }
}

export function sinkCounts(db: Database): Map<string, { pending: number; sent: number; dead: number }> {
  const out = new Map<string, { pending: number; sent: number; dead: number }>();
  const rows = db.prepare(`SELECT sink_id, status, count(*) AS n FROM alert_outbox GROUP BY sink_id, status`).all() as {
    sink_id: string;
    status: string;
    n: number;
  }[];
  for (const r of rows) {
    const c = out.get(r.sink_id) ?? { pending: 0, sent: 0, dead: 0 };
    if (r.status === 'pending' || r.status === 'sent' || r.status === 'dead') c[r.status] = r.n;
    out.set(r.sink_id, c);
  }
  return out;
}

export interface OutboxItem {
  id: number;
  sinkId: string;
  ruleId: number | null;
  incidentId: string | null;
  message: AlertMessage;
  attempts: number;
  repeats: number;
}

export function enqueue(
  db: Database,
  o: {
    sinkId: string;
    ruleId: number | null;
    incidentId: string | null;
    dedupKey: string | null;
    message: AlertMessage;
    nextAttemptAt: number;
    now: number;
  },
): number {
  return stmt(
    db,
    `INSERT INTO alert_outbox (sink_id, rule_id, incident_id, dedup_key, reason, payload, status, next_attempt_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id`,
  )
    .pluck()
    .get(o.sinkId, o.ruleId, o.incidentId, o.dedupKey, o.message.reason, JSON.stringify(o.message), o.nextAttemptAt, o.now) as number;
}

export function outboxItem(db: Database, id: number): OutboxItem | null {
  const r = db
    .prepare(`SELECT id, sink_id, rule_id, incident_id, payload, attempts, repeats FROM alert_outbox WHERE id = ? AND status = 'pending'`)
    .get(id) as ItemDbRow | undefined;
  return r ? toItem(r) : null;
}

interface ItemDbRow {
  id: number;
  sink_id: string;
  rule_id: number | null;
  incident_id: string | null;
  payload: string;
  attempts: number;
  repeats: number;
}

function toItem(r: ItemDbRow): OutboxItem {
  return {
    id: r.id,
    sinkId: r.sink_id,
    ruleId: r.rule_id,
    incidentId: r.incident_id,
    message: { ...(JSON.parse(r.payload) as AlertMessage), repeats: r.repeats },
    attempts: r.attempts,
    repeats: r.repeats,
  };
}

/** Pending rows whose time has come, oldest first. */
export function dueItems(
  db: Database,
  now: number,
  limit: number,
  skipIds: readonly number[],
  skipSinks: readonly string[] = [],
): OutboxItem[] {
  const rows = stmt(
    db,
    `SELECT id, sink_id, rule_id, incident_id, payload, attempts, repeats FROM alert_outbox
     WHERE status = 'pending' AND next_attempt_at <= ? AND id NOT IN (SELECT value FROM json_each(?))
       AND sink_id NOT IN (SELECT value FROM json_each(?))
     ORDER BY next_attempt_at, id LIMIT ?`,
  ).all(now, JSON.stringify(skipIds), JSON.stringify(skipSinks), limit) as ItemDbRow[];
  return rows.map(toItem);
}

export function nextDueAt(db: Database): number | null {
  return (db.prepare(`SELECT min(next_attempt_at) FROM alert_outbox WHERE status = 'pending'`).pluck().get() as number | null) ?? null;
}

interface OutboxDbRow {
  id: number;
  sink_id: string;
  sink_name: string | null;
  sink_kind: string | null;
  rule_id: number | null;
  incident_id: string | null;
  payload: string;
  reason: string;
  status: string;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  repeats: number;
  created_at: number;
  sent_at: number | null;
}

export function listOutbox(db: Database, status: OutboxStatus | undefined, limit: number): OutboxRow[] {
  const rows = db
    .prepare(
      `SELECT o.*, s.name AS sink_name, s.kind AS sink_kind FROM alert_outbox o LEFT JOIN alert_sinks s ON s.id = o.sink_id
       ${status ? 'WHERE o.status = ?' : ''} ORDER BY o.id DESC LIMIT ?`,
    )
    .all(...(status ? [status, limit] : [limit])) as OutboxDbRow[];
  return rows.map((r) => ({
    id: r.id,
    sinkId: r.sink_id,
    sinkName: r.sink_name ?? '(deleted sink)',
    sinkKind: (r.sink_kind ?? 'webhook') as SinkKind,
    ruleId: r.rule_id,
    incidentId: r.incident_id,
    title: json<{ title?: string }>(r.payload, {}).title ?? '',
    reason: r.reason as AlertMessage['reason'],
    status: r.status as OutboxStatus,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
    lastError: r.last_error,
    repeats: r.repeats,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  }));
}

export function addHistory(
  db: Database,
  h: {
    at: number;
    event: HistoryEvent;
    incidentId: string | null;
    ruleId: number | null;
    sinkId: string | null;
    outboxId: number | null;
    detail: string;
  },
): void {
  stmt(db, 'INSERT INTO alert_history (at, event, incident_id, rule_id, sink_id, outbox_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    h.at,
    h.event,
    h.incidentId,
    h.ruleId,
    h.sinkId,
    h.outboxId,
    h.detail,
  );
}

export function incidentHistory(db: Database, incidentId: string, limit: number): HistoryRow[] {
  const rows = db
    .prepare(
      `SELECT h.*, r.name AS rule_name, s.name AS sink_name FROM alert_history h
       LEFT JOIN alert_rules r ON r.id = h.rule_id LEFT JOIN alert_sinks s ON s.id = h.sink_id
       WHERE h.incident_id = ? ORDER BY h.id DESC LIMIT ?`,
    )
    .all(incidentId, limit) as {
    id: number;
    at: number;
    event: string;
    incident_id: string | null;
    rule_id: number | null;
    rule_name: string | null;
    sink_id: string | null;
    sink_name: string | null;
    outbox_id: number | null;
    detail: string;
  }[];
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    event: r.event as HistoryEvent,
    incidentId: r.incident_id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    sinkId: r.sink_id,
    sinkName: r.sink_name,
    outboxId: r.outbox_id,
    detail: r.detail,
  }));
}

function json<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}
