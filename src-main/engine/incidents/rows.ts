/**
 * An incident row as the case stores it, and the one mapping from it to what the contract shows:
 * the queue, the detail, exports and triage all read rows through here.
 */
import type { IncidentLabel, IncidentRow, IncidentStatus } from '../../../src-shared/contract-incidents';

/** An incidents row joined with its triage state, as SELECT_INCIDENT reads it. */
export interface IncidentDbRow {
  id: string;
  category: IncidentRow['category'];
  pattern: string | null;
  title: string;
  severity: IncidentRow['severity'];
  confidence: number;
  priority: number;
  first_ts: number | null;
  last_ts: number | null;
  group_key: string;
  entities: string;
  tags: string;
  detectors: string;
  evidence: string;
  event_count: number;
  alert_count: number;
  summary: string;
  explanation: string;
  risk: number;
  kind: IncidentRow['kind'];
  campaign_id: string | null;
  top_level: number;
  member_count: number;
  status: IncidentStatus | null;
  label: IncidentLabel | null;
  note: string | null;
}

/** Incidents with their triage state: what every reader of incident rows selects from. */
export const SELECT_INCIDENT = `SELECT i.*, s.status, s.label, s.note FROM incidents i LEFT JOIN incident_state s ON s.id = i.id`;

/** A row as the queue shows it (the contract's IncidentRow), entities cut to `maxEntities`. */
export function toIncidentRow(r: IncidentDbRow, maxEntities = Infinity): IncidentRow {
  const entities = JSON.parse(r.entities) as { type: string; value: string }[];
  return {
    id: r.id,
    category: r.category,
    pattern: r.pattern,
    title: r.title,
    severity: r.severity,
    confidence: r.confidence,
    priority: r.priority,
    firstTs: r.first_ts,
    lastTs: r.last_ts,
    groupKey: r.group_key,
    entities: entities.slice(0, maxEntities).map(({ type, value }) => ({ type, value })),
    eventCount: r.event_count,
    alertCount: r.alert_count,
    summary: r.summary,
    detectors: JSON.parse(r.detectors) as string[],
    tags: JSON.parse(r.tags) as string[],
    status: r.status ?? 'open',
    label: r.label ?? null,
    risk: r.risk,
    kind: r.kind ?? 'incident',
    campaignId: r.campaign_id ?? null,
    memberCount: r.member_count ?? 0,
    topLevel: r.top_level !== 0,
  };
}
