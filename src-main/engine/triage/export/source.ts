/**
 * What an export reads: labelled incidents one at a time, each with its entities, alerts, label
 * provenance and evidence events in pages of a few hundred, so memory stays flat however large
 * the case is.
 */
import { SELECT_INCIDENT, toIncidentRow, type IncidentDbRow } from '../../incidents/rows';
import type { Database } from 'better-sqlite3';
import type { CampaignMember, IncidentLabel, IncidentStatus } from '../../../../src-shared/contract-incidents';
import { campaignMembers } from '../../incidents/queries';
import type { ExportLabel } from '../../../../src-shared/contract-triage';
import { rowToEvent } from '../../store/event-rows';
import { labelProvenance } from '../labels';
import type { SuppressedDetail } from '../tuning';

export interface ExportEntity {
  type: string;
  value: string;
  role: 'actor' | 'target' | 'related';
}

export interface ExportAlert {
  id: number;
  detector: string;
  kind: string;
  title: string;
  severity: string;
  score: number | null;
  firstTs: number | null;
  lastTs: number | null;
  key: string | null;
}

export interface ExportIncident {
  id: string;
  title: string;
  category: string;
  pattern: string | null;
  severity: string;
  confidence: number;
  priority: number;
  firstTs: number | null;
  lastTs: number | null;
  groupKey: string;
  summary: string;
  detectors: string[];
  tags: string[];
  status: IncidentStatus;
  /** Null for an unlabelled incident (exports with label `all`). */
  label: IncidentLabel | null;
  note: string | null;
  labelledAt: number | null;
  labelledBy: string | null;
  entities: ExportEntity[];
  alerts: ExportAlert[];
  /** Evidence events the incident has (the export writes at most maxEvents of them). */
  evidenceTotal: number;
  /** Out of the queue because of tuning (a benign label), when exported. */
  suppressed: boolean;
  /** `campaign`: one row for many addresses that behave alike; they are in `members`. */
  kind: 'incident' | 'campaign';
  /** The campaign a member, or a member lifted out of it (one that got in), belongs to. */
  campaignId: string | null;
  memberCount: number;
  members: CampaignMember[];
}

export interface ExportEvent {
  id: number;
  ts: number | null;
  source: string;
  lineNo: number;
  host: string | null;
  app: string | null;
  pid: number | null;
  severity: number | null;
  message: string;
  templateId: string | null;
  srcIp: string | null;
  dstIp: string | null;
  user: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  bytes: number | null;
  userAgent: string | null;
  outcome: string;
  action: string | null;
  parser: string;
  raw: string;
}

const PAGE = 500;
/** A campaign's members in one export: the most active first. */
const MAX_MEMBERS = 5000;

/** A row to export: an incidents row, or a suppressed incident in that shape (its alerts named). */
type ExportDbRow = IncidentDbRow & { alert_ids?: string };

export class ExportSource {
  /** A suppressed incident in the shape of an incidents row, from what the build kept of it. */
  private suppressed(id: string): ExportDbRow | undefined {
    const x = this.db
      .prepare(`SELECT x.*, s.status, s.label, s.note FROM triage_suppressed x JOIN incident_state s ON s.id = x.id WHERE x.id = ?`)
      .get(id) as
      | {
          id: string;
          title: string;
          category: IncidentDbRow['category'];
          severity: IncidentDbRow['severity'];
          group_key: string;
          first_ts: number | null;
          last_ts: number | null;
          detail: string;
          status: IncidentStatus | null;
          label: IncidentLabel;
          note: string | null;
        }
      | undefined;
    if (!x) return undefined;
    const d = JSON.parse(x.detail) as Partial<SuppressedDetail>;
    return {
      id: x.id,
      category: x.category,
      pattern: d.pattern ?? null,
      title: x.title,
      severity: x.severity,
      confidence: d.confidence ?? 0,
      priority: d.priority ?? 0,
      first_ts: x.first_ts,
      last_ts: x.last_ts,
      group_key: x.group_key,
      entities: JSON.stringify(d.entities ?? []),
      tags: JSON.stringify(d.tags ?? []),
      detectors: JSON.stringify(d.detectors ?? []),
      evidence: JSON.stringify(d.evidence ?? []),
      event_count: (d.evidence ?? []).length,
      alert_count: (d.alertIds ?? []).length,
      summary: d.summary ?? x.title,
      explanation: '{}',
      risk: 0,
      kind: 'incident',
      campaign_id: null,
      top_level: 1,
      member_count: 0,
      status: x.status,
      label: x.label,
      note: x.note,
      alert_ids: JSON.stringify(d.alertIds ?? []),
    };
  }

  private readonly provenance: ReturnType<typeof labelProvenance>;

  constructor(
    private readonly db: Database,
    private readonly label: ExportLabel,
  ) {
    this.provenance = labelProvenance(db);
  }

  /**
   * Ids of the incidents to export (ids only: a few bytes each): the queue's in its order, then
   * the suppressed ones (benign incidents that tuning took out of the queue are still labelled).
   * A campaign's members travel inside it; a member is a row of its own only when its campaign is
   * not exported (the analyst labelled the member and not the campaign).
   */
  ids(): string[] {
    const match = (s: string) => (this.label === 'all' ? '1' : this.label === 'any' ? `${s}.label IS NOT NULL` : `${s}.label = @label`);
    const args = this.label === 'any' || this.label === 'all' ? {} : { label: this.label };
    const live = this.db
      .prepare(
        `SELECT i.id FROM incidents i LEFT JOIN incident_state s ON s.id = i.id
         WHERE ${match('s')} AND (i.top_level = 1 OR i.campaign_id IS NULL OR i.campaign_id NOT IN (
           SELECT c.id FROM incidents c LEFT JOIN incident_state cs ON cs.id = c.id WHERE c.kind = 'campaign' AND ${match('cs')}))
         ORDER BY i.priority DESC, i.last_ts DESC, i.id`,
      )
      .pluck()
      .all(args) as string[];
    const suppressed = this.db
      .prepare(
        `SELECT x.id FROM triage_suppressed x JOIN incident_state s ON s.id = x.id WHERE ${match('s')}
         AND x.id NOT IN (SELECT id FROM incidents) ORDER BY x.last_ts DESC, x.id`,
      )
      .pluck()
      .all(args) as string[];
    return [...live, ...suppressed];
  }

  incident(id: string): { incident: ExportIncident; evidence: number[] } | null {
    const r = (this.db.prepare(`${SELECT_INCIDENT} WHERE i.id = ?`).get(id) ?? this.suppressed(id)) as ExportDbRow | undefined;
    if (!r || (!r.label && this.label !== 'all')) return null;
    const alerts = r.alert_ids
      ? (this.db
          .prepare(
            `SELECT id, detector, kind, title, severity, score, first_ts AS firstTs, last_ts AS lastTs, key
             FROM alerts WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id`,
          )
          .all(r.alert_ids) as ExportAlert[])
      : (this.db
          .prepare(
            `SELECT a.id, a.detector, a.kind, a.title, a.severity, a.score, a.first_ts AS firstTs, a.last_ts AS lastTs, a.key
             FROM incident_alerts x JOIN alerts a ON a.id = x.alert_id WHERE x.incident_id = ? ORDER BY a.id`,
          )
          .all(id) as ExportAlert[]);
    const evidence = JSON.parse(r.evidence) as number[];
    const prov = this.provenance(id);
    const row = toIncidentRow(r);
    return {
      evidence,
      incident: {
        id: row.id,
        title: row.title,
        category: row.category,
        pattern: row.pattern,
        severity: row.severity,
        confidence: row.confidence,
        priority: row.priority,
        firstTs: row.firstTs,
        lastTs: row.lastTs,
        groupKey: row.groupKey,
        summary: row.summary,
        detectors: row.detectors,
        tags: row.tags,
        status: row.status,
        label: row.label,
        note: r.note,
        labelledAt: prov.at,
        labelledBy: prov.author,
        // Every entity with its role, not the queue's first few.
        entities: JSON.parse(r.entities) as ExportEntity[],
        alerts,
        evidenceTotal: evidence.length,
        suppressed: r.alert_ids !== undefined,
        kind: row.kind,
        campaignId: row.campaignId,
        memberCount: row.memberCount,
        members: row.kind === 'campaign' ? campaignMembers(this.db, r.id, MAX_MEMBERS) : [],
      },
    };
  }

  /** The evidence events, a page at a time, in event-id order. */
  *events(evidence: readonly number[], max: number): Generator<ExportEvent[]> {
    const stmt = this.db.prepare(
      `SELECT e.id, e.ts, e.raw, coalesce(s.name, i.name) AS source, e.line_no, e.host, e.app, e.pid, e.severity, e.message, e.message_at, e.message_len,
         e.template_id, e.params, e.ls_product, e.ls_service, e.ls_category, e.src_ip, e.dst_ip, e.user, e.method, e.path, e.status,
         e.bytes, e.user_agent, e.outcome, e.action, e.fields, e.parser
       FROM events e JOIN imports i ON i.id = e.import_id LEFT JOIN sources s ON s.id = e.source_id
       WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY e.id`,
    );
    const n = Math.min(max, evidence.length);
    for (let at = 0; at < n; at += PAGE) {
      const ids = evidence.slice(at, Math.min(n, at + PAGE));
      const rows = stmt.all(JSON.stringify(ids)) as (Parameters<typeof rowToEvent>[0] & { line_no: number })[];
      yield rows.map((r) => {
        const e = rowToEvent(r);
        return {
          id: e.id,
          ts: e.ts,
          source: e.source,
          lineNo: r.line_no,
          host: e.host,
          app: e.app,
          pid: e.pid,
          severity: e.severity,
          message: e.message,
          templateId: e.template_id,
          srcIp: e.src_ip,
          dstIp: e.dst_ip,
          user: e.user,
          method: e.method,
          path: e.path,
          status: e.status,
          bytes: e.bytes,
          userAgent: e.user_agent,
          outcome: e.outcome,
          action: e.action,
          parser: e.parser,
          raw: e.raw,
        };
      });
    }
  }
}
