/**
 * The alerting domain of the contract: live alert rules, sinks (where alerts go), the outbox with
 * its dead letters, and the alert history of an incident. Secrets of sinks (webhook URLs, tokens,
 * HMAC and routing keys) go in once and never come back out: replies only say whether one is stored.
 */
import { z } from 'zod';
import { INCIDENT_CATEGORIES, INCIDENT_SEVERITIES, type IncidentCategory, type IncidentSeverity } from './contract-incidents';
import { empty, reply } from './contract-util';

export const SINK_KINDS = ['desktop', 'webhook', 'slack', 'teams', 'pagerduty', 'syslog', 'jsonl'] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

export const OUTBOX_STATUSES = ['pending', 'sent', 'dead', 'discarded'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** What happened to an incident's alert, one line of its history. */
export const HISTORY_EVENTS = [
  'queued',
  'deferred',
  'deduplicated',
  'rate_limited',
  'retrying',
  'sent',
  'failed',
  'retried',
  'discarded',
] as const;
export type HistoryEvent = (typeof HISTORY_EVENTS)[number];

/** Local wall-clock hours during which a rule's alerts wait (e.g. 22:00 to 07:00). */
export interface QuietHours {
  start: string;
  end: string;
}

export interface RateLimit {
  /** At most this many notifications (one per incident, whatever the number of sinks) ... */
  count: number;
  /** ... in this sliding window. */
  windowMs: number;
}

export interface AlertRule {
  id: number;
  name: string;
  enabled: boolean;
  /** Empty: every category. */
  categories: IncidentCategory[];
  minSeverity: IncidentSeverity;
  /** 0..100, the incident's priority. */
  minPriority: number;
  sinkIds: string[];
  /** Changes of an alerted incident within this window only count up; after it, they alert again. */
  dedupWindowMs: number;
  /** Only incidents that live collection creates or changes notify (imports are remembered silently). */
  liveOnly: boolean;
  quietHours: QuietHours | null;
  rateLimit: RateLimit | null;
  createdAt: number;
}

/** Settings of a sink that are not secret; which apply depends on the kind. */
export interface SinkSettings {
  /** pagerduty: the Events API v2 endpoint (default https://events.pagerduty.com/v2/enqueue). */
  endpoint?: string;
  /** syslog */
  host?: string;
  port?: number;
  protocol?: 'udp' | 'tcp';
  /** syslog facility 0..23 (default 13, log audit). */
  facility?: number;
  appName?: string;
  /** jsonl: an absolute file path; lines are appended. */
  path?: string;
  /** webhook: the header that carries the HMAC-SHA256 signature (default X-Vigil-Signature). */
  signatureHeader?: string;
}

/** Secrets of a sink, write-only. */
export interface SinkSecrets {
  /** webhook, slack, teams: the URL (incoming webhook URLs carry their token). */
  url?: string;
  /** webhook: custom headers (e.g. Authorization). */
  headers?: Record<string, string>;
  /** webhook: key of the HMAC-SHA256 signature; no key, no signature. */
  hmacKey?: string;
  /** pagerduty: the integration's routing key. */
  routingKey?: string;
}

export interface SinkRow {
  id: string;
  name: string;
  kind: SinkKind;
  enabled: boolean;
  settings: SinkSettings;
  /** Where alerts go, with any token elided, e.g. `https://hooks.slack.com/…`. */
  target: string;
  /** none: the kind needs no secret or none was given; stored; locked: sealed by the desktop app's keychain, not readable here. */
  secret: 'none' | 'stored' | 'locked';
  /** Names of the custom headers (values are secret). */
  headerNames: string[];
  hmac: boolean;
  maxAttempts: number;
  /** The first retry waits this long; each further one twice as long (capped at an hour). */
  backoffMs: number;
  createdAt: number;
  counts: { pending: number; sent: number; dead: number };
}

export interface AlertingSettings {
  rules: AlertRule[];
  sinks: SinkRow[];
  /** How sink secrets are kept on this machine. */
  secretStore: { file: string; scheme: 'keychain' | 'file'; problem: string | null };
  /** The desktop app shows desktop alerts as system notifications itself; the browser host needs the page's permission. */
  desktopHost: boolean;
}

/** The message every sink renders in its own format. */
export interface AlertMessage {
  /** 'test' for a test alert, which names no incident. */
  reason: 'new' | 'updated' | 'test';
  incidentId: string | null;
  title: string;
  summary: string;
  category: IncidentCategory | null;
  pattern: string | null;
  severity: IncidentSeverity;
  priority: number;
  confidence: number;
  firstTs: number | null;
  lastTs: number | null;
  groupKey: string | null;
  entities: { type: string; value: string }[];
  tags: string[];
  eventCount: number;
  alertCount: number;
  /** Changes of the incident folded into this alert by the dedup window. */
  repeats: number;
  rule: string | null;
  caseName: string;
  createdAt: number;
}

export interface OutboxRow {
  id: number;
  sinkId: string;
  sinkName: string;
  sinkKind: SinkKind;
  ruleId: number | null;
  incidentId: string | null;
  title: string;
  reason: AlertMessage['reason'];
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  repeats: number;
  createdAt: number;
  sentAt: number | null;
}

export interface HistoryRow {
  id: number;
  at: number;
  event: HistoryEvent;
  incidentId: string | null;
  ruleId: number | null;
  ruleName: string | null;
  sinkId: string | null;
  sinkName: string | null;
  outboxId: number | null;
  detail: string;
}

export interface TestResult {
  outboxId: number;
  status: OutboxStatus;
  error: string | null;
}

export interface DesktopNotification {
  outboxId: number;
  incidentId: string | null;
  title: string;
  body: string;
  severity: IncidentSeverity;
}

export interface AlertingChange {
  reason: 'settings' | 'outbox';
}

const sinkId = z.string().trim().min(1).max(64);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time is HH:MM, 00:00 to 23:59');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'a header name is letters, digits and -');

export const alertingMethods = {
  'alerting.getSettings': { input: empty, output: reply<AlertingSettings>() },
  /** Creates a rule, or replaces the one with `id`. */
  'alerting.saveRule': {
    input: z
      .object({
        id: z.number().int().positive().optional(),
        name: z.string().trim().min(1, 'a rule needs a name').max(100),
        enabled: z.boolean().default(true),
        categories: z.array(z.enum(INCIDENT_CATEGORIES)).max(INCIDENT_CATEGORIES.length).default([]),
        minSeverity: z.enum(INCIDENT_SEVERITIES).default('high'),
        minPriority: z.number().min(0).max(100).default(0),
        sinkIds: z.array(sinkId).max(50).default([]),
        dedupWindowMs: z
          .number()
          .int()
          .min(0)
          .max(7 * 86_400_000)
          .default(3_600_000),
        liveOnly: z.boolean().default(true),
        quietHours: z.object({ start: hhmm, end: hhmm }).strict().nullable().default(null),
        rateLimit: z
          .object({
            count: z.number().int().min(1).max(10_000),
            windowMs: z
              .number()
              .int()
              .min(1000)
              .max(7 * 86_400_000),
          })
          .strict()
          .nullable()
          .default(null),
      })
      .strict(),
    output: reply<AlertRule>(),
  },
  'alerting.deleteRule': { input: z.object({ id: z.number().int().positive() }).strict(), output: reply<null>() },
  /** Creates a sink, or updates the one with `id`; omitted `secrets` keeps the stored ones. */
  'alerting.saveSink': {
    input: z
      .object({
        id: sinkId.optional(),
        name: z.string().trim().min(1, 'a sink needs a name').max(100),
        kind: z.enum(SINK_KINDS),
        enabled: z.boolean().default(true),
        settings: z
          .object({
            endpoint: z.string().trim().max(2000).optional(),
            host: z.string().trim().max(255).optional(),
            port: z.number().int().min(1).max(65_535).optional(),
            protocol: z.enum(['udp', 'tcp']).optional(),
            facility: z.number().int().min(0).max(23).optional(),
            appName: z.string().trim().max(48).optional(),
            path: z.string().trim().max(4096).optional(),
            signatureHeader: headerName.optional(),
          })
          .strict()
          .default({}),
        secrets: z
          .object({
            url: z.string().trim().max(4000).optional(),
            headers: z.record(headerName, z.string().max(8000)).optional(),
            hmacKey: z.string().max(4000).optional(),
            routingKey: z.string().trim().max(200).optional(),
          })
          .strict()
          .optional(),
        maxAttempts: z.number().int().min(1).max(50).default(6),
        backoffMs: z.number().int().min(100).max(3_600_000).default(5000),
      })
      .strict(),
    output: reply<SinkRow>(),
  },
  /** Deletes the sink, its secret and its undelivered alerts; rules stop naming it. */
  'alerting.deleteSink': { input: z.object({ id: sinkId }).strict(), output: reply<null>() },
  /** Sends a test alert through the sink now and waits for the first attempt's outcome. */
  'alerting.testSink': { input: z.object({ id: sinkId }).strict(), output: reply<TestResult>() },
  'alerting.listOutbox': {
    input: z
      .object({
        status: z.enum(OUTBOX_STATUSES).optional(),
        limit: z.number().int().min(1).max(5000).default(200),
      })
      .strict(),
    output: reply<OutboxRow[]>(),
  },
  /** Dead letters back into the outbox, as new (attempts start over). */
  'alerting.retryDead': {
    input: z.object({ ids: z.array(z.number().int().positive()).min(1).max(5000) }).strict(),
    output: reply<number>(),
  },
  /** Dead letters set aside (kept, listed as discarded); `undo` puts discarded ones back among the dead letters. */
  'alerting.discardDead': {
    input: z.object({ ids: z.array(z.number().int().positive()).min(1).max(5000), undo: z.boolean().default(false) }).strict(),
    output: reply<number>(),
  },
  /** Every alert sent, deduplicated, deferred or failed for an incident, newest first. */
  'alerting.incidentHistory': {
    input: z.object({ incidentId: z.string().trim().min(1).max(64), limit: z.number().int().min(1).max(5000).default(200) }).strict(),
    output: reply<HistoryRow[]>(),
  },
} as const;

export const alertingEvents = {
  /** Rules, sinks, the outbox or a history changed. */
  'alerting.changed': reply<AlertingChange>(),
  /** A desktop sink's alert: the host shows it as a notification; clicking it opens the incident. */
  'alerting.notify': reply<DesktopNotification>(),
  /** Sent by the Electron host when its notification was clicked. */
  'alerting.openIncident': reply<{ incidentId: string }>(),
} as const;
