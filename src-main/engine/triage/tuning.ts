/**
 * Feedback from benign labels into detection (DESIGN.md step 12). A benign incident's alerts are
 * grouped by detector, kind and subject (the entity, template or source they are about). Where
 * every alert of a group has a score, the group's threshold for that subject rises to the highest
 * score the analyst called benign: later alerts count only when they score above it. Alerts
 * without a score (Sigma matches) are suppressed for that subject instead.
 *
 * Tuning applies where incidents are built, after every detection pass: held-back alerts add no
 * risk and open no incident. Incidents that only existed through held-back alerts are kept aside
 * with the tunings that removed them, so the analyst sees what was suppressed and why.
 */
import type { Database } from 'better-sqlite3';
import type { SuppressedIncident, TuningRow } from '../../../src-shared/contract-triage';
import type { ClassifiedAlert, StoredAlert } from '../incidents/classify';
import { actorOf } from '../incidents/classify';
import type { IncidentDraft } from '../incidents/builder';

export interface Tuning {
  id: number;
  mode: 'threshold' | 'suppress';
  detector: string;
  kind: string | null;
  subject: string;
  threshold: number | null;
}

/** What an alert is about, for tuning: its actor, else its key, else what fired. */
export function subjectOf(a: StoredAlert): string {
  return actorOf(a) ?? a.key ?? `${a.detector}:${a.kind}`;
}

export function activeTunings(db: Database): Tuning[] {
  return db
    .prepare('SELECT id, mode, detector, kind, subject, threshold FROM triage_tuning WHERE removed_at IS NULL ORDER BY id')
    .all() as Tuning[];
}

/** The first tuning that holds this alert back, if any. */
export function holdingTuning(a: StoredAlert, bySubject: Map<string, Tuning[]>): Tuning | null {
  const list = bySubject.get(subjectOf(a));
  if (!list) return null;
  for (const t of list) {
    if (t.detector !== a.detector || (t.kind !== null && t.kind !== a.kind)) continue;
    if (t.mode === 'suppress') return t;
    if (t.threshold !== null && (a.score === null || a.score <= t.threshold)) return t;
  }
  return null;
}

export interface TunedAlerts {
  kept: ClassifiedAlert[];
  /** Alert id → the tuning that held it back. */
  held: Map<number, Tuning>;
}

export function applyTuning(alerts: readonly ClassifiedAlert[], tunings: readonly Tuning[]): TunedAlerts {
  if (tunings.length === 0) return { kept: [...alerts], held: new Map() };
  const bySubject = new Map<string, Tuning[]>();
  for (const t of tunings) {
    const l = bySubject.get(t.subject);
    if (l) l.push(t);
    else bySubject.set(t.subject, [t]);
  }
  const kept: ClassifiedAlert[] = [];
  const held = new Map<number, Tuning>();
  for (const a of alerts) {
    const t = holdingTuning(a.alert, bySubject);
    if (t) held.set(a.alert.id, t);
    else kept.push(a);
  }
  return { kept, held };
}

/**
 * Records what tuning did at this build: the incidents the full alert set would have given that
 * are not in the queue, and per tuning how many alerts it held back. Runs in the build's
 * transaction.
 */
export function recordSuppressed(
  db: Database,
  tuned: TunedAlerts,
  liveIds: ReadonlySet<string>,
  full: readonly IncidentDraft[],
  summaryOf: (d: IncidentDraft) => string,
): void {
  db.prepare('DELETE FROM triage_suppressed').run();
  db.prepare('UPDATE triage_tuning SET held_alerts = 0, suppressed = 0 WHERE held_alerts <> 0 OR suppressed <> 0').run();
  if (tuned.held.size === 0) return;
  const heldCount = new Map<number, number>();
  for (const t of tuned.held.values()) heldCount.set(t.id, (heldCount.get(t.id) ?? 0) + 1);
  const suppressedCount = new Map<number, number>();
  const reasonOf = db.prepare('SELECT reason FROM triage_tuning WHERE id = ?').pluck();
  const put = db.prepare(
    `INSERT OR IGNORE INTO triage_suppressed (id, title, category, severity, group_key, first_ts, last_ts, alerts, reasons, detail)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const d of full) {
    if (liveIds.has(d.id)) continue;
    const by = new Map<number, Tuning>();
    for (const a of d.alerts) {
      const t = tuned.held.get(a.alert.id);
      if (t) by.set(t.id, t);
    }
    if (by.size === 0) continue;
    const reasons = [...by.values()].map((t) => ({ tuningId: t.id, text: (reasonOf.get(t.id) as string | undefined) ?? describe(t) }));
    for (const id of by.keys()) suppressedCount.set(id, (suppressedCount.get(id) ?? 0) + 1);
    const detail: SuppressedDetail = {
      pattern: d.pattern,
      confidence: d.confidence,
      priority: d.priority,
      summary: summaryOf(d),
      entities: d.entities.map(({ type, value, role }) => ({ type, value, role })),
      tags: d.tags,
      detectors: d.detectors,
      evidence: d.evidence,
      alertIds: [...d.alerts, ...d.context].map((a) => a.alert.id),
    };
    put.run(d.id, d.title, d.category, d.severity, d.groupKey, d.firstTs, d.lastTs, d.alerts.length, JSON.stringify(reasons), JSON.stringify(detail));
  }
  const upd = db.prepare('UPDATE triage_tuning SET held_alerts = ?, suppressed = ? WHERE id = ?');
  for (const [id, n] of heldCount) upd.run(n, suppressedCount.get(id) ?? 0, id);
}

/** What an export needs of a suppressed incident (it has no row in the incidents table). */
export interface SuppressedDetail {
  pattern: string | null;
  confidence: number;
  priority: number;
  summary: string;
  entities: { type: string; value: string; role: 'actor' | 'target' | 'related' }[];
  tags: string[];
  detectors: string[];
  evidence: number[];
  alertIds: number[];
}

/** The rule in words, e.g. "behaviour/brute_force alerts about ip:203.0.113.5 need a score above 0.82". */
export function describe(t: Pick<Tuning, 'mode' | 'detector' | 'kind' | 'subject' | 'threshold'>): string {
  const what = `${t.detector}${t.kind ? `/${t.kind}` : ''} alerts about ${t.subject}`;
  return t.mode === 'suppress' ? `${what} are suppressed` : `${what} count only with a score above ${fmtScore(t.threshold ?? 0)}`;
}

export function fmtScore(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** Tuning proposed by a benign incident: one per detector, kind and subject of its own alerts. */
export function proposeTuning(
  alerts: readonly StoredAlert[],
  groupKey: string,
): Omit<Tuning, 'id'>[] {
  // Context alerts (source-wide ones that overlapped in time) are not what the analyst judged.
  const own = alerts.filter((a) => subjectOf(a) === groupKey || a.key === groupKey);
  const pool = own.length ? own : alerts;
  const groups = new Map<string, StoredAlert[]>();
  for (const a of pool) {
    const k = `${a.detector}\0${a.kind}\0${subjectOf(a)}`;
    const l = groups.get(k);
    if (l) l.push(a);
    else groups.set(k, [a]);
  }
  const out: Omit<Tuning, 'id'>[] = [];
  for (const list of groups.values()) {
    const a = list[0]!;
    const scored = a.detector !== 'sigma' && list.every((x) => x.score !== null && Number.isFinite(x.score));
    out.push({
      mode: scored ? 'threshold' : 'suppress',
      detector: a.detector,
      kind: a.kind,
      subject: subjectOf(a),
      threshold: scored ? Math.max(...list.map((x) => x.score as number)) : null,
    });
  }
  return out.sort((x, y) => x.detector.localeCompare(y.detector) || (x.kind ?? '').localeCompare(y.kind ?? ''));
}

interface TuningDbRow {
  id: number;
  mode: 'threshold' | 'suppress';
  detector: string;
  kind: string | null;
  subject: string;
  threshold: number | null;
  reason: string;
  incident_id: string | null;
  created_at: number;
  author: string;
  removed_at: number | null;
  held_alerts: number;
  suppressed: number;
}

export function toTuningRow(r: TuningDbRow): TuningRow {
  return {
    id: r.id,
    mode: r.mode,
    detector: r.detector,
    kind: r.kind,
    subject: r.subject,
    threshold: r.threshold,
    reason: r.reason,
    incidentId: r.incident_id,
    createdAt: r.created_at,
    author: r.author,
    removedAt: r.removed_at,
    heldAlerts: r.held_alerts,
    suppressedIncidents: r.suppressed,
  };
}

export function listTuning(db: Database, includeRemoved: boolean, where = '', ...params: unknown[]): TuningRow[] {
  const clauses = [includeRemoved ? '' : 'removed_at IS NULL', where].filter(Boolean);
  return (
    db
      .prepare(`SELECT * FROM triage_tuning ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY id DESC`)
      .all(...params) as TuningDbRow[]
  ).map(toTuningRow);
}

interface SuppressedDbRow {
  id: string;
  title: string;
  category: string;
  severity: string;
  group_key: string;
  first_ts: number | null;
  last_ts: number | null;
  alerts: number;
  reasons: string;
  label: 'true' | 'benign' | null;
}

export function listSuppressed(db: Database, limit: number, id?: string): SuppressedIncident[] {
  const rows = db
    .prepare(
      `SELECT x.*, s.label FROM triage_suppressed x LEFT JOIN incident_state s ON s.id = x.id
       ${id ? 'WHERE x.id = ?' : ''} ORDER BY x.last_ts DESC, x.id LIMIT ?`,
    )
    .all(...(id ? [id] : []), limit) as SuppressedDbRow[];
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    category: r.category,
    severity: r.severity,
    groupKey: r.group_key,
    firstTs: r.first_ts,
    lastTs: r.last_ts,
    alerts: r.alerts,
    label: r.label,
    reasons: JSON.parse(r.reasons) as SuppressedIncident['reasons'],
  }));
}
