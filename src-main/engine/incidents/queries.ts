/** Reading the queue and an incident's detail from the case; the analyst's status and label. */
import type { Database } from 'better-sqlite3';
import type {
  CampaignMember,
  DetectorContribution,
  IncidentAlert,
  IncidentDetail,
  IncidentEntity,
  IncidentEvidencePage,
  IncidentExplanation,
  IncidentGraph,
  IncidentLabel,
  IncidentRow,
  IncidentsPage,
  IncidentStatus,
  IncidentTimelineSeries,
  RiskRow,
} from '../../../src-shared/contract-incidents';
import { EngineError } from '../errors';
import { incidentsWhere } from '../query/incidents-sql';
import { SELECT_INCIDENT, toIncidentRow, type IncidentDbRow } from './rows';
import { classify } from './classify';
import { evidencePage, evidenceSample } from './evidence';
import { accountFacts, incidentOutcome, rankEntities, standingOf } from './outcome';
import { entityRowid, readAlertsByIds } from './persist';

const ROW_ENTITIES = 12;

export interface ListOptions {
  query: string;
  category?: string;
  severity?: string;
  status?: string;
  label?: string;
  kind?: string;
  campaignId?: string;
  /** Campaign members too (otherwise only the queue's rows). */
  all?: boolean;
  sort: 'priority' | 'severity' | 'first' | 'last' | 'events' | 'risk' | 'category';
  desc: boolean;
  offset: number;
  limit: number;
}

const SORT_SQL: Record<ListOptions['sort'], string> = {
  priority: 'i.priority',
  severity: `CASE i.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END`,
  first: 'i.first_ts',
  last: 'i.last_ts',
  events: 'i.event_count',
  risk: 'i.risk',
  category: 'i.category',
};

export function listIncidents(db: Database, o: ListOptions): IncidentsPage {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  // The queue: campaign rows stand for their members, unless a campaign's members are asked for.
  if (o.campaignId) add('i.campaign_id = ?', o.campaignId);
  else if (!o.all) add('i.top_level = 1');
  if (o.kind) add('i.kind = ?', o.kind);
  if (o.category) add('i.category = ?', o.category);
  if (o.severity) add('i.severity = ?', o.severity);
  if (o.status) add(`coalesce(s.status, 'open') = ?`, o.status);
  if (o.label === 'none') add('s.label IS NULL');
  else if (o.label) add('s.label = ?', o.label);
  // The Events query language over the queue's fields (a bad query is an invalid_input that says where).
  const q = incidentsWhere(o.query);
  if (q) add(q.sql, ...q.params);
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const dir = o.desc ? 'DESC' : 'ASC';
  const rows = db
    .prepare(`${SELECT_INCIDENT} ${w} ORDER BY ${SORT_SQL[o.sort]} ${dir}, i.priority DESC, i.last_ts DESC, i.id LIMIT ? OFFSET ?`)
    .all(...params, o.limit, o.offset) as IncidentDbRow[];
  const total = db
    .prepare(`SELECT count(*) FROM incidents i LEFT JOIN incident_state s ON s.id = i.id ${w}`)
    .pluck()
    .get(...params) as number;
  const facet = (expr: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of db
      .prepare(`SELECT ${expr} AS k, count(*) AS n FROM incidents i LEFT JOIN incident_state s ON s.id = i.id WHERE i.top_level = 1 GROUP BY k`)
      .all() as { k: string; n: number }[])
      out[r.k] = r.n;
    return out;
  };
  return {
    rows: rows.map((r) => toIncidentRow(r, ROW_ENTITIES)),
    offset: o.offset,
    total,
    counts: {
      category: facet('i.category'),
      severity: facet('i.severity'),
      status: facet(`coalesce(s.status, 'open')`),
      label: facet(`coalesce(s.label, 'none')`),
      kind: facet('i.kind'),
    },
  };
}

function loadRow(db: Database, id: string): IncidentDbRow {
  const r = db.prepare(`${SELECT_INCIDENT} WHERE i.id = ?`).get(id) as IncidentDbRow | undefined;
  if (!r) throw new EngineError('not_found', `No incident ${id} in this case (detection may have re-run: refresh the queue).`);
  return r;
}

export function getIncidentRow(db: Database, id: string): IncidentRow {
  return toIncidentRow(loadRow(db, id), ROW_ENTITIES);
}

export function setIncidentState(
  db: Database,
  id: string,
  change: { status?: IncidentStatus; label?: IncidentLabel | null; note?: string | null },
): IncidentRow {
  loadRow(db, id);
  const cur = db.prepare('SELECT status, label, note FROM incident_state WHERE id = ?').get(id) as
    { status: IncidentStatus; label: IncidentLabel | null; note: string | null } | undefined;
  const next = {
    status: change.status ?? cur?.status ?? 'open',
    label: change.label !== undefined ? change.label : (cur?.label ?? null),
    note: change.note !== undefined ? change.note : (cur?.note ?? null),
  };
  db.prepare(
    `INSERT INTO incident_state (id, status, label, note, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET status = excluded.status, label = excluded.label, note = excluded.note, updated_at = excluded.updated_at`,
  ).run(id, next.status, next.label, next.note, Date.now());
  // A campaign's label is its members' label (those that got in are judged on their own).
  if (change.label !== undefined) {
    const members = campaignMemberIds(db, id);
    const put = db.prepare(
      `INSERT INTO incident_state (id, status, label, updated_at) VALUES (?, 'open', ?, ?)
       ON CONFLICT(id) DO UPDATE SET label = excluded.label, updated_at = excluded.updated_at`,
    );
    for (const m of members) put.run(m, next.label, Date.now());
  }
  return getIncidentRow(db, id);
}

/** The incidents a campaign stands for (not those lifted out of it); none for a plain incident. */
export function campaignMemberIds(db: Database, id: string): string[] {
  return db.prepare(`SELECT id FROM incidents WHERE campaign_id = ? AND top_level = 0 AND kind = 'incident' ORDER BY id`).pluck().all(id) as string[];
}

export function listRisk(db: Database, o: { type?: string; values?: string[]; limit: number }): RiskRow[] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (o.type) {
    where.push('type = ?');
    params.push(o.type);
  }
  if (o.values) {
    if (o.values.length === 0) return [];
    where.push(`value IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(o.values));
  }
  const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return db
    .prepare(
      `SELECT type, value, risk, peak, peak_ts AS peakTs, alerts, first_ts AS firstTs, last_ts AS lastTs FROM entity_risk ${w} ORDER BY risk DESC, value LIMIT ?`,
    )
    .all(...params, o.limit) as RiskRow[];
}

export function getIncidentDetail(db: Database, id: string, evidenceLimit: number): IncidentDetail {
  const r = loadRow(db, id);
  const incident = toIncidentRow(r, ROW_ENTITIES);
  const explanation = JSON.parse(r.explanation) as IncidentExplanation;
  const evidenceIds = JSON.parse(r.evidence) as number[];
  const alertIds = db.prepare('SELECT alert_id FROM incident_alerts WHERE incident_id = ? ORDER BY alert_id').pluck().all(id) as number[];
  const alerts = readAlertsByIds(db, alertIds).map(classify);

  const riskOf = db.prepare('SELECT peak FROM entity_risk WHERE type = ? AND value = ?').pluck();
  const entityInfo = db.prepare('SELECT first_seen AS firstSeen, count FROM entities WHERE rowid = ?');
  const actor = /^(ip|user):/.test(r.group_key) ? r.group_key : null;
  const facts = actor ? accountFacts(db, actor, r.first_ts, r.last_ts) : null;
  const outcome = facts ? incidentOutcome(facts, actor) : { headline: '', access: [], pinned: [] };
  const listed = (JSON.parse(r.entities) as { type: string; value: string; role: IncidentEntity['role'] }[]).slice(0, 100);
  // Accounts it got into belong on the page even when no alert named them.
  for (const a of outcome.access) if (!listed.some((e) => e.type === 'user' && e.value === a.user)) listed.push({ type: 'user', value: a.user, role: 'target' });
  const entities: IncidentEntity[] = rankEntities(
    listed.map((e) => {
      const rowid = entityRowid(db, e.type, e.value);
      const info = rowid === null ? undefined : (entityInfo.get(rowid) as { firstSeen: number | null; count: number } | undefined);
      return {
        ...e,
        standing: facts && e.type === 'user' ? standingOf(facts, e.value) : null,
        risk: (riskOf.get(e.type, e.value) as number | undefined) ?? 0,
        firstSeen: info?.firstSeen ?? null,
        events: info?.count ?? 0,
      };
    }),
  );

  const byKind = new Map<string, DetectorContribution>();
  let totalPoints = 0;
  for (const a of alerts) {
    const k = `${a.alert.detector}\0${a.alert.kind}`;
    let c = byKind.get(k);
    if (!c)
      byKind.set(
        k,
        (c = {
          detector: a.alert.detector,
          kind: a.alert.kind,
          title: a.alert.title,
          alerts: 0,
          maxScore: null,
          points: 0,
          share: 0,
          firstTs: null,
          lastTs: null,
        }),
      );
    c.alerts++;
    if (a.alert.score !== null) c.maxScore = Math.max(c.maxScore ?? -Infinity, a.alert.score);
    c.points += a.points;
    totalPoints += a.points;
    if (a.alert.firstTs !== null) c.firstTs = Math.min(c.firstTs ?? Infinity, a.alert.firstTs);
    if (a.alert.lastTs !== null) c.lastTs = Math.max(c.lastTs ?? -Infinity, a.alert.lastTs);
  }
  const contributions = [...byKind.values()]
    .map((c) => ({
      ...c,
      points: Math.round(c.points * 10) / 10,
      share: totalPoints > 0 ? Math.round((1000 * c.points) / totalPoints) / 1000 : 0,
    }))
    .sort((a, b) => b.points - a.points);

  // A first page over the whole span (the outcome's lines always in it); incidents.getEvidence pages through the rest.
  const sample = evidenceSample(db, id, outcome.pinned, evidenceLimit);

  const window = r.first_ts !== null && r.last_ts !== null ? padWindow(r.first_ts, r.last_ts) : null;
  const timelines = window
    ? timelinesOf(
        db,
        evidenceIds,
        alerts.map((a) => a.alert),
        window,
      )
    : [];
  const alertRows: IncidentAlert[] = alerts.map(({ alert: a }) => ({
    id: a.id,
    detector: a.detector,
    kind: a.kind,
    title: a.title,
    severity: a.severity,
    score: a.score,
    firstTs: a.firstTs,
    lastTs: a.lastTs,
  }));
  return {
    incident,
    outcome,
    explanation,
    entities,
    contributions,
    evidence: sample.lines,
    evidenceTotal: sample.total,
    timelines,
    window,
    graph: graphOf(db, evidenceIds, entities, r.group_key),
    alerts: alertRows.slice(0, 500),
    note: r.note,
    members: r.kind === 'campaign' ? campaignMembers(db, id, MAX_MEMBERS) : [],
    campaign: r.campaign_id ? campaignRef(db, r.campaign_id) : null,
  };
}

/** Every evidence line of an incident in event-time order, a page at a time (the outcome's lines marked). */
export function getIncidentEvidence(db: Database, id: string, offset: number, limit: number): IncidentEvidencePage {
  const r = loadRow(db, id);
  // The outcome is worked out only when the incident's lines are not indexed yet (its page opened first).
  const pinned = () => {
    const actor = /^(ip|user):/.test(r.group_key) ? r.group_key : null;
    const facts = actor ? accountFacts(db, actor, r.first_ts, r.last_ts) : null;
    return facts ? incidentOutcome(facts, actor).pinned : [];
  };
  return evidencePage(db, id, pinned, offset, limit);
}

const MAX_MEMBERS = 5000;

interface MemberDbRow {
  ip: string;
  first_ts: number;
  last_ts: number;
  tries: number;
  failures: number;
  successes: number;
  outcome: CampaignMember['outcome'];
  tried: string;
  evidence: string;
  incident_id: string | null;
  lifted: number;
}

/** A campaign's addresses: those that got in first, then the most active. */
export function campaignMembers(db: Database, campaignId: string, limit: number): CampaignMember[] {
  return (
    db
      .prepare(
        `SELECT * FROM campaign_members WHERE campaign_id = ? ORDER BY lifted DESC, outcome = 'got_in' DESC, tries DESC, first_ts, ip LIMIT ?`,
      )
      .all(campaignId, limit) as MemberDbRow[]
  ).map((m) => ({
    ip: m.ip,
    firstTs: m.first_ts,
    lastTs: m.last_ts,
    tries: m.tries,
    failures: m.failures,
    successes: m.successes,
    outcome: m.outcome,
    tried: JSON.parse(m.tried) as string[],
    evidence: JSON.parse(m.evidence) as number[],
    incidentId: m.incident_id,
    lifted: m.lifted === 1,
  }));
}

function campaignRef(db: Database, id: string): IncidentDetail['campaign'] {
  const r = db.prepare('SELECT id, title, member_count AS memberCount FROM incidents WHERE id = ?').get(id) as
    { id: string; title: string; memberCount: number } | undefined;
  return r ?? null;
}

function padWindow(first: number, last: number): { from: number; to: number } {
  const pad = Math.max(30 * 60_000, (last - first) * 0.5);
  return { from: first - pad, to: last + pad };
}

const MAX_POINTS = 240;

/** Ensemble channels of the incident's source types in its window, plus each other detector's alert scores. */
function timelinesOf(
  db: Database,
  evidenceIds: number[],
  alerts: {
    detector: string;
    kind: string;
    title: string;
    score: number | null;
    firstTs: number | null;
    details: Record<string, unknown>;
  }[],
  w: { from: number; to: number },
): IncidentTimelineSeries[] {
  const types = new Set(
    db
      .prepare('SELECT DISTINCT parser FROM events WHERE id IN (SELECT value FROM json_each(?))')
      .pluck()
      .all(JSON.stringify(evidenceIds.slice(0, 500))) as string[],
  );
  for (const a of alerts) if (a.detector === 'ensemble' && typeof a.details['sourceType'] === 'string') types.add(a.details['sourceType']);
  const out: IncidentTimelineSeries[] = [];
  const native = 60_000;
  const width = Math.max(native, Math.ceil((w.to - w.from) / MAX_POINTS / native) * native);
  for (const type of [...types].sort()) {
    const rows = db
      .prepare(
        `SELECT detector, (bucket - ?) / ? AS slot, max(score) AS score, max(threshold) AS threshold FROM score_points
         WHERE source_type = ? AND bucket >= ? AND bucket <= ? GROUP BY detector, slot ORDER BY detector, slot`,
      )
      .all(w.from, width, type, w.from, w.to) as { detector: string; slot: number; score: number; threshold: number | null }[];
    const series = new Map<string, IncidentTimelineSeries>();
    for (const p of rows) {
      let s = series.get(p.detector);
      if (!s)
        series.set(p.detector, (s = { name: `${type} · ${p.detector}`, detector: `ensemble/${p.detector}`, points: [], markers: [] }));
      s.points.push([w.from + Math.floor(p.slot) * width, p.score, p.threshold]);
    }
    const ordered = [...series.values()].sort((a, b) =>
      a.detector === 'ensemble/blend' ? -1 : b.detector === 'ensemble/blend' ? 1 : a.detector.localeCompare(b.detector),
    );
    const marks = alerts
      .filter((a) => a.detector === 'ensemble' && a.details['sourceType'] === type && a.firstTs !== null)
      .map((a) => ({ ts: a.firstTs as number, title: a.title }));
    if (ordered[0]) ordered[0].markers = marks;
    out.push(...ordered);
  }
  const byDetector = new Map<string, IncidentTimelineSeries>();
  for (const a of alerts) {
    if (a.detector === 'ensemble' || a.firstTs === null) continue;
    let s = byDetector.get(a.detector);
    if (!s) byDetector.set(a.detector, (s = { name: a.detector, detector: a.detector, points: [], markers: [] }));
    s.points.push([a.firstTs, a.score ?? 1, null]);
    if (s.markers.length < 200) s.markers.push({ ts: a.firstTs, title: a.title });
  }
  for (const s of byDetector.values()) s.points.sort((x, y) => x[0] - y[0]);
  return [...byDetector.values(), ...out];
}

const MAX_NODES = 40;

/** The incident's entities and which of them occur together in its evidence lines. */
function graphOf(db: Database, evidenceIds: number[], entities: IncidentEntity[], groupKey: string): IncidentGraph {
  const rows = db
    .prepare(`SELECT src_ip, json_extract(fields, '$.src_host') AS src_host, user, host, path FROM events WHERE id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(evidenceIds.slice(0, 2000))) as {
    src_ip: string | null;
    src_host: string | null;
    user: string | null;
    host: string | null;
    path: string | null;
  }[];
  const weight = new Map<string, number>();
  const edges = new Map<string, number>();
  for (const r of rows) {
    const ids = [
      r.src_ip && `ip:${r.src_ip}`,
      // A source the log named by host name only (pam's rhost=) is an actor of its own.
      !r.src_ip && r.src_host && `host:${r.src_host}`,
      r.user && `user:${r.user}`,
      r.host && `host:${r.host}`,
      r.path && `path:${r.path.split('?')[0]}`,
    ].filter((x): x is string => !!x);
    for (const n of ids) weight.set(n, (weight.get(n) ?? 0) + 1);
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const k = ids[i]! < ids[j]! ? `${ids[i]}\0${ids[j]}` : `${ids[j]}\0${ids[i]}`;
        edges.set(k, (edges.get(k) ?? 0) + 1);
      }
  }
  for (const e of entities) {
    const k = `${e.type}:${e.value}`;
    if (!weight.has(k)) weight.set(k, 1);
  }
  const keep = new Set(
    [...weight.entries()]
      .sort((a, b) => (a[0] === groupKey ? -1 : b[0] === groupKey ? 1 : b[1] - a[1]))
      .slice(0, MAX_NODES)
      .map(([k]) => k),
  );
  const riskOf = new Map(entities.map((e) => [`${e.type}:${e.value}`, e.risk]));
  const nodes = [...keep].map((id) => {
    const at = id.indexOf(':');
    return {
      id,
      type: id.slice(0, at),
      value: id.slice(at + 1),
      risk: riskOf.get(id) ?? 0,
      weight: weight.get(id) ?? 1,
      actor: id === groupKey,
    };
  });
  const edgeList = [...edges.entries()]
    .map(([k, w]) => {
      const [source, target] = k.split('\0') as [string, string];
      return { source, target, weight: w };
    })
    .filter((e) => keep.has(e.source) && keep.has(e.target));
  // Entities the alerts name but no evidence line joins still hang off the actor.
  if (keep.has(groupKey)) {
    for (const n of nodes)
      if (n.id !== groupKey && !edgeList.some((e) => e.source === n.id || e.target === n.id))
        edgeList.push({ source: groupKey, target: n.id, weight: 1 });
  }
  return { nodes, edges: edgeList };
}
