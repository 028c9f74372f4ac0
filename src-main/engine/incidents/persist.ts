/**
 * Rebuilds risk and incidents from the case's alerts and stores them. Runs inside the caller's
 * transaction at the end of a detection pass. The whole queue is rebuilt each time (alerts are
 * few next to events), and ids are hashes of grouping key and first hour, so re-runs over the
 * same data give the same ids and the analyst's status and label (kept by id) stay put.
 */
import type { Database } from 'better-sqlite3';
import type { IncidentSeverity } from '../../../src-shared/contract-incidents';
import { entityId, type EntityType } from '../parse/entities';
import { deepFreeze } from '../store/event-rows';
import { Postings } from '../store/postings';
import { buildIncidents, type IncidentDraft } from './builder';
import { groupCampaigns } from './campaigns';
import { classify, type ClassifiedAlert, type StoredAlert } from './classify';
import { explain, type ExplainLookup } from './explain';
import { riskRegister } from './risk';
import { activeTunings, applyTuning, recordSuppressed } from '../triage/tuning';

interface AlertDbRow {
  id: number;
  detector: string;
  kind: string;
  title: string;
  severity: string;
  score: number | null;
  first_ts: number | null;
  last_ts: number | null;
  key: string | null;
  entities: string;
  evidence: string;
  details: string;
  tags: string;
}

const SEVERITIES = new Set(['informational', 'low', 'medium', 'high', 'critical']);

const ALERT_COLUMNS = 'id, detector, kind, title, severity, score, first_ts, last_ts, key, entities, evidence, details, tags';

/**
 * Every alert of the case, oldest first. Read row by row (never the whole result set at once), and
 * what alerts repeat is kept once: a rule that fires on every line of a flood writes 100,000s of
 * alerts with the same title, tags, details and a few entity lists, so the rebuild's memory goes
 * with the distinct values, not with the rows (a 166,000-alert flood took 170 MB more).
 */
export function readAlerts(db: Database): StoredAlert[] {
  const shared = new SharedValues();
  const out: StoredAlert[] = [];
  for (const r of db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts ORDER BY id`).iterate() as IterableIterator<AlertDbRow>) out.push(toStored(r, shared));
  return out;
}

export function readAlertsByIds(db: Database, ids: readonly number[]): StoredAlert[] {
  if (ids.length === 0) return [];
  const shared = new SharedValues();
  return (
    db
      .prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`)
      .all(JSON.stringify(ids)) as AlertDbRow[]
  ).map((r) => toStored(r, shared));
}

function toStored(r: AlertDbRow, shared: SharedValues): StoredAlert {
  return {
    id: r.id,
    detector: shared.text(r.detector),
    kind: shared.text(r.kind),
    title: shared.text(r.title),
    severity: (SEVERITIES.has(r.severity) ? shared.text(r.severity) : 'medium') as IncidentSeverity,
    score: r.score,
    firstTs: r.first_ts,
    lastTs: r.last_ts,
    key: r.key === null ? null : shared.text(r.key),
    entities: shared.json(r.entities, []),
    // Evidence is each alert's own: parsed, not shared.
    evidence: parse(r.evidence, []),
    details: shared.json(r.details, {}),
    tags: shared.json(r.tags, []),
  };
}

/** Distinct values kept at most: past it a value is parsed afresh (still right, only not shared). */
const MAX_SHARED = 100_000;

/**
 * Equal strings and equal JSON columns of the alerts read in one go, kept once. The parsed values
 * are shared between alerts and frozen: nothing that reads alerts changes them, and should
 * anything try, it fails loudly instead of changing every alert that shares the value.
 */
class SharedValues {
  private readonly strings = new Map<string, string>();
  private readonly parsed = new Map<string, unknown>();

  text(s: string): string {
    const known = this.strings.get(s);
    if (known !== undefined) return known;
    if (this.strings.size < MAX_SHARED) this.strings.set(s, s);
    return s;
  }

  json<T>(s: string, fallback: T): T {
    if (this.parsed.has(s)) return this.parsed.get(s) as T;
    const value = deepFreeze(parse(s, fallback));
    if (this.parsed.size < MAX_SHARED) this.parsed.set(s, value);
    return value;
  }
}

function parse<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

export function clearIncidents(db: Database): void {
  db.exec('DELETE FROM incidents; DELETE FROM incident_alerts; DELETE FROM entity_risk; DELETE FROM campaign_members;');
}

export function rebuildIncidents(db: Database): { incidents: number; entities: number } {
  const all: ClassifiedAlert[] = readAlerts(db).map(classify);
  // Analyst feedback (benign labels) holds some alerts back: they add no risk and open nothing.
  const tuned = applyTuning(all, activeTunings(db));
  const classified = tuned.kept;
  const { entities } = riskRegister(classified);
  const drafts = groupCampaigns(buildIncidents(classified));
  const lookup = caseLookup(db);
  recordSuppressed(db, tuned, new Set(drafts.map((d) => d.id)), tuned.held.size ? buildIncidents(all) : [], (d) => explain(d, lookup).summary);

  clearIncidents(db);
  const putRisk = db.prepare(
    'INSERT INTO entity_risk (type, value, risk, peak, peak_ts, alerts, first_ts, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const r of entities.values()) putRisk.run(r.type, r.value, round2(r.risk), round2(r.peak), r.peakTs, r.alerts, r.firstTs, r.lastTs);

  const putIncident = db.prepare(
    `INSERT INTO incidents (id, category, pattern, title, severity, confidence, priority, first_ts, last_ts, group_key, entities, tags, detectors,
       evidence, event_count, alert_count, summary, explanation, risk, kind, campaign_id, top_level, member_count)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO NOTHING`,
  );
  const putMember = db.prepare(
    `INSERT OR IGNORE INTO campaign_members (campaign_id, ip, first_ts, last_ts, tries, failures, successes, outcome, tried, evidence, incident_id, lifted)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const campaignTitle = new Map(drafts.filter((d) => d.kind === 'campaign').map((d) => [d.id, d]));
  const putLink = db.prepare('INSERT OR IGNORE INTO incident_alerts (incident_id, alert_id) VALUES (?, ?)');
  const entityEvents = new Postings(db, 'entity_events');
  for (const d of drafts) {
    const explanation = explain(d, lookup, d.campaignId ? campaignTitle.get(d.campaignId) : undefined);
    // Peak risk, not risk decayed to the case's last alert (a week-old break-in would read 0.0), and
    // the actor's own when it has one: the same address shows the same figure here and in the graph.
    const peakOf = (k: string) => entities.get(k)?.peak ?? 0;
    const risk = d.actor ? peakOf(d.actor) : Math.max(0, ...d.entities.map((e) => peakOf(`${e.type}:${e.value}`)));
    putIncident.run(
      d.id,
      d.category,
      d.pattern,
      d.title,
      d.severity,
      d.confidence,
      d.priority,
      d.firstTs,
      d.lastTs,
      d.groupKey,
      JSON.stringify(d.entities.map(({ type, value, role }) => ({ type, value, role }))),
      JSON.stringify(d.tags),
      JSON.stringify(d.detectors),
      JSON.stringify(d.evidence),
      eventCount(db, entityEvents, d),
      d.alerts.length + d.context.length,
      explanation.summary,
      JSON.stringify(explanation),
      round2(risk),
      d.kind ?? 'incident',
      d.campaignId ?? null,
      d.topLevel === false ? 0 : 1,
      d.memberCount ?? 0,
    );
    for (const m of d.campaign?.members ?? [])
      putMember.run(d.id, m.ip, m.firstTs, m.lastTs, m.tries, m.failures, m.successes, m.outcome, JSON.stringify(m.tried), JSON.stringify(m.evidence), m.incidentId, m.lifted ? 1 : 0);
    for (const a of d.alerts) putLink.run(d.id, a.alert.id);
    for (const a of d.context) putLink.run(d.id, a.alert.id);
  }
  return { incidents: drafts.length, entities: entities.size };
}

/**
 * Events of the actor between the incident's first and last evidence line: behaviour evidence is
 * bounded, this is not. Counted from the actor's posting lists (event ids follow the import's order).
 */
function eventCount(db: Database, entityEvents: Postings, d: IncidentDraft): number {
  if (d.campaign) return Math.max(d.evidence.length, d.campaign.members.reduce((s, m) => s + m.tries, 0));
  if (d.lifted) return Math.max(d.evidence.length, d.lifted.tries);
  if (!d.actor || d.evidence.length === 0) return d.evidence.length;
  const at = d.actor.indexOf(':');
  const rowid = entityRowid(db, d.actor.slice(0, at), d.actor.slice(at + 1));
  if (rowid === null) return d.evidence.length;
  const n = entityEvents.countBetween(rowid, d.evidence[0]!, d.evidence[d.evidence.length - 1]!);
  return Math.max(n, d.evidence.length);
}

export function entityRowid(db: Database, type: string, value: string): number | null {
  const byId = db
    .prepare('SELECT rowid FROM entities WHERE id = ?')
    .pluck()
    .get(entityId(type as EntityType, value)) as number | undefined;
  if (byId !== undefined) return byId;
  const byValue = db.prepare('SELECT rowid FROM entities WHERE type = ? AND value = ?').pluck().get(type, value) as number | undefined;
  return byValue ?? null;
}

function caseLookup(db: Database): ExplainLookup {
  const totalEvents = (db.prepare('SELECT max(id) FROM events').pluck().get() as number | null) ?? 0;
  const entityRow = db.prepare('SELECT first_seen AS firstSeen, count AS events FROM entities WHERE rowid = ?');
  const templateOf = db.prepare('SELECT template_id FROM events WHERE id = ?').pluck();
  const templateRow = db.prepare('SELECT template, count FROM templates WHERE id = ?');
  return {
    totalEvents,
    entity(type, value) {
      const rowid = entityRowid(db, type, value);
      return rowid === null ? null : ((entityRow.get(rowid) as { firstSeen: number | null; events: number } | undefined) ?? null);
    },
    templates(ids) {
      const seen = new Set<string>();
      for (const id of ids.slice(0, 500)) {
        const t = templateOf.get(id) as string | null | undefined;
        if (t) seen.add(t);
      }
      return [...seen]
        .map((id) => templateRow.get(id) as { template: string; count: number } | undefined)
        .filter((x): x is { template: string; count: number } => !!x);
    },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
