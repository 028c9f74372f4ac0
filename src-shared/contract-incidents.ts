/** The incidents domain of the contract: the queue, an incident's detail, risk, explanations. */
import { z } from 'zod';
import { empty, reply } from './contract-util';

export const INCIDENT_CATEGORIES = ['auth_attack', 'scanner', 'misconfiguration', 'app_error', 'anomaly'] as const;
export type IncidentCategory = (typeof INCIDENT_CATEGORIES)[number];
export const INCIDENT_SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];
export const INCIDENT_STATUSES = ['open', 'investigating', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
/** `true`: a real incident; `benign`: nothing to act on. */
export const INCIDENT_LABELS = ['true', 'benign'] as const;
export type IncidentLabel = (typeof INCIDENT_LABELS)[number];

export interface IncidentEntityRef {
  type: string;
  value: string;
}

/** One row of the queue. */
export interface IncidentRow {
  /** Stable across re-runs: a hash of the grouping key and the first hour. */
  id: string;
  category: IncidentCategory;
  /** The named attack pattern (brute_force, password_spraying, ...) or what fired, when known. */
  pattern: string | null;
  title: string;
  severity: IncidentSeverity;
  /** 0..1: how sure the detectors together are. */
  confidence: number;
  /** 0..100: severity and confidence together; the queue's default order. */
  priority: number;
  firstTs: number | null;
  lastTs: number | null;
  /** The grouping key, e.g. `ip:203.0.113.5`. */
  groupKey: string;
  entities: IncidentEntityRef[];
  eventCount: number;
  alertCount: number;
  summary: string;
  /** Detectors that contributed, e.g. `behaviour`, `sigma`, `ensemble`. */
  detectors: string[];
  /** ATT&CK tags, e.g. `attack.t1110.001`. */
  tags: string[];
  status: IncidentStatus;
  label: IncidentLabel | null;
  /** Peak risk of its actor (of its riskiest entity when it has none): the graph shows the same figure. */
  risk: number;
  /** `campaign`: one row for many actors that behave alike; its members are in the detail. */
  kind: IncidentKind;
  /** The campaign a member or a lifted member (one that got in) belongs to. */
  campaignId: string | null;
  /** Addresses in the campaign (0 for a plain incident). */
  memberCount: number;
  /** False for the members a campaign row stands for: they are listed with `campaignId` or `all`. */
  topLevel: boolean;
}

export const INCIDENT_KINDS = ['incident', 'campaign'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** One address of a campaign. */
export interface CampaignMember {
  /** Its address, or the host name the log gave instead. */
  ip: string;
  firstTs: number;
  lastTs: number;
  /** Login attempts or requests it made. */
  tries: number;
  failures: number;
  successes: number;
  outcome: 'failed' | 'got_in';
  /** Accounts or paths it tried (bounded). */
  tried: string[];
  /** A few evidence event ids. */
  evidence: number[];
  /** Its own incident, when it has one. */
  incidentId: string | null;
  /** Got in: its incident is in the queue on its own, linked to the campaign. */
  lifted: boolean;
}

export interface IncidentExplanation {
  /** Short and specific, built from the evidence. */
  summary: string;
  /** Which detectors fired and why. */
  detectors: { detector: string; kind: string; title: string; alerts: number; why: string }[];
  /** First-seen and rarity facts. */
  facts: string[];
}

export interface IncidentEntity extends IncidentEntityRef {
  /** actor: what the incident is about; target: what it acted on. */
  role: 'actor' | 'target' | 'related';
  /**
   * For an account the actor tried to log in to: it got in, it was only tried, or it does not
   * exist on the host (sshd "invalid user"). Null for anything else.
   */
  standing?: 'got_in' | 'tried' | 'no_such_account' | null;
  /** Peak risk (the same figure for the same entity in the queue, the detail and the graph). */
  risk: number;
  firstSeen: number | null;
  /** Events of this entity in the case. */
  events: number;
}

export interface DetectorContribution {
  detector: string;
  kind: string;
  title: string;
  alerts: number;
  maxScore: number | null;
  /** Risk points the detector's alerts added; share is their part of the incident's total. */
  points: number;
  share: number;
  firstTs: number | null;
  lastTs: number | null;
}

/** Why a line is on an incident's first page, which samples its whole span. */
export type EvidenceReason = 'outcome' | 'first' | 'last' | 'success' | 'rule' | 'sample';

export interface IncidentEvidenceLine {
  id: number;
  ts: number | null;
  source: string;
  lineNo: number;
  raw: string;
  /** The outcome (a login that succeeded). */
  pinned?: boolean;
  /** On the sampled first page: why this line was chosen. */
  why?: EvidenceReason;
}

/** Every evidence line of an incident in event-time order, a page at a time. */
export interface IncidentEvidencePage {
  rows: IncidentEvidenceLine[];
  offset: number;
  total: number;
}

/** An account the incident's actor got into. */
export interface IncidentAccess {
  user: string;
  /** Addresses its logins came from. */
  from: string[];
  firstTs: number | null;
  lastTs: number | null;
  logins: number;
  /** The first successful login line. */
  eventId: number;
  /** It came after the incident's last alert (within a day). */
  afterIncident: boolean;
}

/** What came of the incident, first thing on its page: who got in, from where, when. */
export interface IncidentOutcome {
  /** One sentence; empty when the incident is not about logins. */
  headline: string;
  access: IncidentAccess[];
  /** Evidence lines shown at the top: the first login of each account. */
  pinned: number[];
}

export interface IncidentTimelineSeries {
  /** e.g. `ensemble/auth/blend`, `behaviour`, `sigma`. */
  name: string;
  detector: string;
  /** [time (epoch ms), score, threshold or null] in time order. */
  points: [number, number, number | null][];
  /** Alerts of this detector that belong to the incident. */
  markers: { ts: number; title: string }[];
}

export interface IncidentGraph {
  nodes: { id: string; type: string; value: string; risk: number; weight: number; actor: boolean }[];
  edges: { source: string; target: string; weight: number }[];
}

export interface IncidentAlert {
  id: number;
  detector: string;
  kind: string;
  title: string;
  severity: string;
  score: number | null;
  firstTs: number | null;
  lastTs: number | null;
}

export interface IncidentDetail {
  incident: IncidentRow;
  outcome: IncidentOutcome;
  explanation: IncidentExplanation;
  entities: IncidentEntity[];
  contributions: DetectorContribution[];
  /**
   * A sample of at most `evidenceLimit` lines over the whole span, in event-time order: the first
   * and last, the outcome, successes, rule hits, and lines spread evenly (`why` says which).
   * `incidents.getEvidence` pages through all of them.
   */
  evidence: IncidentEvidenceLine[];
  /** Evidence lines in all: those its alerts cite and its actor's lines between its first and last alert. */
  evidenceTotal: number;
  timelines: IncidentTimelineSeries[];
  /** The window the timelines cover. */
  window: { from: number; to: number } | null;
  graph: IncidentGraph;
  alerts: IncidentAlert[];
  note: string | null;
  /** A campaign's addresses, most active first (lifted ones on top); empty for a plain incident. */
  members: CampaignMember[];
  /** The campaign this incident belongs to, for a member or a lifted member. */
  campaign: { id: string; title: string; memberCount: number } | null;
}

export interface IncidentsPage {
  rows: IncidentRow[];
  offset: number;
  total: number;
  /** Incidents in the whole case per facet value (before filters). */
  counts: {
    category: Record<string, number>;
    severity: Record<string, number>;
    status: Record<string, number>;
    label: Record<string, number>;
    kind: Record<string, number>;
  };
}

export interface RiskRow {
  type: string;
  value: string;
  /** Decayed to the time of the case's latest alert. */
  risk: number;
  peak: number;
  peakTs: number | null;
  alerts: number;
  firstTs: number | null;
  lastTs: number | null;
}

export const LLM_PROVIDERS = ['openai', 'ollama'] as const;

export interface LlmSettings {
  enabled: boolean;
  provider: (typeof LLM_PROVIDERS)[number];
  /** e.g. http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8080/v1 (OpenAI-compatible). */
  baseUrl: string;
  model: string;
  timeoutMs: number;
  /** The key itself never crosses the contract. */
  hasApiKey: boolean;
}

export interface Rephrasing {
  text: string;
  source: 'llm' | 'deterministic';
  /** Why the deterministic text was used, when the LLM was on. */
  error: string | null;
  /** Secrets replaced before anything was sent. */
  redactions: number;
}

export interface SampleCase {
  /** The bundled archive (resources/samples/sample-case.tar.gz). */
  archive: string;
  archiveExists: boolean;
  /** Where the sample case lives in the cases folder. */
  casePath: string;
  caseExists: boolean;
}

export interface IncidentsChange {
  reason: 'rebuilt' | 'updated';
  total: number;
}

const incidentId = z.string().trim().min(1).max(64);

export const incidentsMethods = {
  /** The queue: filtered, searched and sorted in the engine. */
  'incidents.list': {
    input: z
      .object({
        /**
         * The Events query language over INCIDENT_FIELDS (src-shared/query-fields.ts); free text
         * matches title, summary, pattern, id and entity values, case-insensitively.
         */
        query: z.string().max(4000).default(''),
        category: z.enum(INCIDENT_CATEGORIES).optional(),
        severity: z.enum(INCIDENT_SEVERITIES).optional(),
        status: z.enum(INCIDENT_STATUSES).optional(),
        /** `none` lists unlabelled incidents. */
        label: z.enum([...INCIDENT_LABELS, 'none']).optional(),
        kind: z.enum(INCIDENT_KINDS).optional(),
        /** Only the incidents of this campaign (its members and lifted members). */
        campaignId: incidentId.optional(),
        /** Members of campaigns too, not only the queue's rows. */
        all: z.boolean().default(false),
        sort: z.enum(['priority', 'severity', 'first', 'last', 'events', 'risk', 'category']).default('priority'),
        desc: z.boolean().default(true),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(10_000).default(2000),
      })
      .strict(),
    output: reply<IncidentsPage>(),
  },
  'incidents.get': {
    input: z
      .object({
        id: incidentId,
        evidenceLimit: z.number().int().min(0).max(2000).default(200),
      })
      .strict(),
    output: reply<IncidentDetail>(),
  },
  /** Every evidence line of an incident (see IncidentDetail.evidenceTotal), in event-time order. */
  'incidents.getEvidence': {
    input: z
      .object({
        id: incidentId,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: reply<IncidentEvidencePage>(),
  },
  /** Kept by incident id, so it survives re-runs of detection. */
  'incidents.setStatus': {
    input: z
      .object({
        id: incidentId,
        status: z.enum(INCIDENT_STATUSES).optional(),
        /** null clears the label. */
        label: z.enum(INCIDENT_LABELS).nullable().optional(),
        note: z.string().max(10_000).nullable().optional(),
      })
      .strict(),
    output: reply<IncidentRow>(),
  },
  /** Entities by decayed risk. */
  'incidents.listRisk': {
    input: z
      .object({
        type: z.string().max(40).optional(),
        /** Only these values (e.g. the entities a view shows). */
        values: z.array(z.string().max(2000)).max(5000).optional(),
        limit: z.number().int().min(1).max(10_000).default(200),
      })
      .strict(),
    output: reply<RiskRow[]>(),
  },
  'incidents.getLlmSettings': { input: empty, output: reply<LlmSettings>() },
  'incidents.setLlmSettings': {
    input: z
      .object({
        enabled: z.boolean(),
        provider: z.enum(LLM_PROVIDERS),
        baseUrl: z.string().trim().max(2000).url().or(z.literal('')),
        model: z.string().trim().max(200),
        timeoutMs: z.number().int().min(500).max(120_000).default(15_000),
        /** Omitted keeps the stored key; '' removes it. */
        apiKey: z.string().max(4000).optional(),
      })
      .strict(),
    output: reply<LlmSettings>(),
  },
  /** The explanation in the LLM's words when configured; otherwise (or on any failure) the deterministic text. */
  'incidents.rephrase': { input: z.object({ id: incidentId }).strict(), output: reply<Rephrasing>() },
  /** Where the bundled sample archive is and whether the sample case already exists. */
  'incidents.getSample': { input: empty, output: reply<SampleCase>() },
} as const;

export const incidentsEvents = {
  /** The queue changed: rebuilt after detection, or an analyst changed an incident. */
  'incidents.changed': reply<IncidentsChange>(),
} as const;
