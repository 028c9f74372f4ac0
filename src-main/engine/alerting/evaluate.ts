/**
 * Which incidents alert, decided after every incident rebuild inside the detection transaction:
 * only rows are written here (outbox, dedup state, history); delivery happens outside it.
 *
 * Incidents are rebuilt with stable ids, so a rule remembers per (incident, entity) what it last
 * saw. An unseen incident alerts (`new`); a seen one whose alerts grew alerts again (`updated`)
 * only once its rule's dedup window has passed since the last alert, and otherwise counts up a
 * repeat on that alert. Quiet hours hold alerts in the outbox until they end; a rate limit caps
 * alerts per rule in a sliding window, and what it holds back alerts on the incident's next change
 * after the window.
 */
import type { Database } from 'better-sqlite3';
import { SELECT_INCIDENT, type IncidentDbRow } from '../incidents/rows';
import type { AlertMessage, AlertRule, QuietHours } from '../../../src-shared/contract-alerting';
import { INCIDENT_SEVERITIES, type IncidentCategory, type IncidentSeverity } from '../../../src-shared/contract-incidents';
import { addHistory, enqueue, listRules, listSinks } from './store';

interface StateRow {
  seen_alerts: number;
  seen_last_ts: number | null;
  notified_at: number | null;
  repeats: number;
  limited: number;
}

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Quiet hours are local wall-clock time; a start after the end spans midnight. */
export function inQuietHours(q: QuietHours | null, now: number): boolean {
  if (!q) return false;
  const s = minutesOf(q.start);
  const e = minutesOf(q.end);
  if (s === e) return false;
  const d = new Date(now);
  const m = d.getHours() * 60 + d.getMinutes();
  return s < e ? m >= s && m < e : m >= s || m < e;
}

/** The next moment the local clock shows the quiet hours' end. */
export function quietEnd(q: QuietHours, now: number): number {
  const e = minutesOf(q.end);
  const d = new Date(now);
  d.setHours(Math.floor(e / 60), e % 60, 0, 0);
  if (d.getTime() <= now) d.setDate(d.getDate() + 1);
  return d.getTime();
}

export function matches(rule: AlertRule, inc: { category: string; severity: string; priority: number }): boolean {
  if (rule.categories.length > 0 && !rule.categories.includes(inc.category as IncidentCategory)) return false;
  const rank = INCIDENT_SEVERITIES.indexOf(inc.severity as IncidentSeverity);
  if (rank < INCIDENT_SEVERITIES.indexOf(rule.minSeverity)) return false;
  return inc.priority >= rule.minPriority;
}

export function messageOf(inc: IncidentDbRow, reason: AlertMessage['reason'], rule: string, caseName: string, now: number): AlertMessage {
  const entities = parse<{ type: string; value: string }[]>(inc.entities, []);
  return {
    reason,
    incidentId: inc.id,
    title: inc.title,
    summary: inc.summary,
    category: inc.category,
    pattern: inc.pattern,
    severity: inc.severity,
    priority: inc.priority,
    confidence: inc.confidence,
    firstTs: inc.first_ts,
    lastTs: inc.last_ts,
    groupKey: inc.group_key,
    entities: entities.slice(0, 20).map(({ type, value }) => ({ type, value })),
    tags: parse<string[]>(inc.tags, []),
    eventCount: inc.event_count,
    alertCount: inc.alert_count,
    repeats: 0,
    rule,
    caseName,
    createdAt: now,
  };
}

export function caseName(db: Database): string {
  return (db.prepare(`SELECT value FROM case_meta WHERE key = 'name'`).pluck().get() as string | undefined) ?? 'case';
}

/** Alerts queued by a rule in its window: one per incident and moment, whatever the number of sinks. */
function alertsInWindow(db: Database, ruleId: number, since: number): number {
  return db
    .prepare(
      `SELECT count(DISTINCT incident_id || ':' || created_at) FROM alert_outbox WHERE rule_id = ? AND reason != 'test' AND created_at > ?`,
    )
    .pluck()
    .get(ruleId, since) as number;
}

/**
 * Returns how many alerts were queued. `live`: the pass came from live collection; rules that
 * only notify live remember what other passes (imports, re-runs) found as seen, without alerting.
 */
export function evaluateIncidents(db: Database, now: number, live = true): number {
  const sinks = new Map(listSinks(db).map((s) => [s.id, s]));
  const rules = listRules(db).filter((r) => r.enabled && r.sinkIds.some((id) => sinks.get(id)?.enabled));
  if (rules.length === 0) return 0;
  // The queue's rows: a campaign notifies once, its members inside it.
  const incidents = db.prepare(`${SELECT_INCIDENT} WHERE i.top_level = 1 ORDER BY i.priority DESC, i.id`).all() as IncidentDbRow[];
  const getState = db.prepare(
    'SELECT seen_alerts, seen_last_ts, notified_at, repeats, limited FROM alert_state WHERE rule_id = ? AND incident_id = ? AND entity = ?',
  );
  const putState = db.prepare(
    `INSERT INTO alert_state (rule_id, incident_id, entity, seen_alerts, seen_last_ts, notified_at, repeats, limited) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(rule_id, incident_id, entity) DO UPDATE SET seen_alerts = excluded.seen_alerts, seen_last_ts = excluded.seen_last_ts,
       notified_at = excluded.notified_at, repeats = excluded.repeats, limited = excluded.limited`,
  );
  // A repeat inside the window lands on the alert still waiting, if any, so it goes out counted.
  const bumpPending = db.prepare(`UPDATE alert_outbox SET repeats = ? WHERE dedup_key = ? AND rule_id = ? AND status = 'pending'`);
  const name = caseName(db);
  let queued = 0;

  for (const rule of rules) {
    const targets = rule.sinkIds.map((id) => sinks.get(id)).filter((s) => s?.enabled);
    for (const inc of incidents) {
      // What the analyst closed or called benign does not page anyone.
      if (inc.status === 'closed' || inc.label === 'benign' || !matches(rule, inc)) continue;
      const entity = inc.group_key;
      const dedupKey = `${inc.id}|${entity}`;
      const st = getState.get(rule.id, inc.id, entity) as StateRow | undefined;
      const changed = !st || inc.alert_count > st.seen_alerts || (inc.last_ts ?? 0) > (st.seen_last_ts ?? 0);
      if (!changed) continue;
      if (rule.liveOnly && !live) {
        putState.run(rule.id, inc.id, entity, inc.alert_count, inc.last_ts, st?.notified_at ?? null, st?.repeats ?? 0, st?.limited ?? 0);
        continue;
      }
      const history = (
        event: 'deduplicated' | 'rate_limited' | 'queued' | 'deferred',
        detail: string,
        sinkId: string | null = null,
        outboxId: number | null = null,
      ) => addHistory(db, { at: now, event, incidentId: inc.id, ruleId: rule.id, sinkId, outboxId, detail });

      if (st && !st.limited && st.notified_at !== null && now - st.notified_at < rule.dedupWindowMs) {
        const repeats = st.repeats + 1;
        putState.run(rule.id, inc.id, entity, inc.alert_count, inc.last_ts, st.notified_at, repeats, 0);
        bumpPending.run(repeats, dedupKey, rule.id);
        history('deduplicated', `${inc.alert_count} alerts now; repeat ${repeats} within the ${fmtDuration(rule.dedupWindowMs)} window`);
        continue;
      }
      if (rule.rateLimit && alertsInWindow(db, rule.id, now - rule.rateLimit.windowMs) >= rule.rateLimit.count) {
        putState.run(rule.id, inc.id, entity, inc.alert_count, inc.last_ts, st?.notified_at ?? null, st?.repeats ?? 0, 1);
        if (!st?.limited)
          history(
            'rate_limited',
            `more than ${rule.rateLimit.count} alerts in ${fmtDuration(rule.rateLimit.windowMs)}; held back until the incident changes after that`,
          );
        continue;
      }
      const reason = st && st.notified_at !== null ? 'updated' : 'new';
      const message = messageOf(inc, reason, rule.name, name, now);
      const quiet = inQuietHours(rule.quietHours, now);
      const at = quiet ? quietEnd(rule.quietHours!, now) : now;
      for (const sink of targets) {
        const id = enqueue(db, { sinkId: sink!.id, ruleId: rule.id, incidentId: inc.id, dedupKey, message, nextAttemptAt: at, now });
        if (quiet)
          history(
            'deferred',
            `quiet hours ${rule.quietHours!.start}–${rule.quietHours!.end}: waits until ${new Date(at).toLocaleTimeString()}`,
            sink!.id,
            id,
          );
        else history('queued', `${reason} alert`, sink!.id, id);
      }
      putState.run(rule.id, inc.id, entity, inc.alert_count, inc.last_ts, now, 0, 0);
      queued++;
    }
  }
  return queued;
}

export function fmtDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

function parse<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}
