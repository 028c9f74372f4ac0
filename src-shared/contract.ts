/**
 * The contract between the renderer and the engine: every method (`domain.verbNoun`) with its
 * zod input schema and reply type, and every pushed event (`domain.pastTense`) with its payload.
 * Hosts validate inputs against these schemas; the typed client derives its types from here.
 */
import { z } from 'zod';
import { experimentsMethods } from './contract-experiments';
import { graphEvents, graphMethods } from './contract-graph';
import { alertingEvents, alertingMethods } from './contract-alerting';
import { incidentsEvents, incidentsMethods } from './contract-incidents';
import { rulesEvents, rulesMethods } from './contract-rules';
import { triageEvents, triageMethods } from './contract-triage';
import { empty, filePath, reply } from './contract-util';
import { DETECTORS } from './detectors';
import type { AlertRow, AppInfo, CollectorStatus, Timeline, CaseInfo, DetectionProgress, DetectionRun, DetectionSettings, EntityRow, EventDetail, EventsHistogram, EventsPage, ImportJob, ImportProgress, Page, RecentCase, SourceRow, StartImportResult, TemplateRow } from './dto';


/** What every Events method narrows by. */
const eventFilter = {
  /**
   * The query language (src-shared/query.ts): words, "phrases", prefix*, field:value with
   * wildcards, comparisons and ranges, AND / OR / NOT / -term, parentheses. A query that does not
   * parse is refused with `invalid_input` and details {position, length}.
   */
  query: z.string().max(4000).default(''),
  /** Only events at or after this time (epoch ms). */
  from: z.number().int().optional(),
  /** Only events before this time (epoch ms). */
  to: z.number().int().optional(),
  /** Only events of this template. */
  templateId: z.string().max(64).optional(),
  /** Only events that mention this entity (its UUID). */
  entityId: z.string().uuid().optional(),
};

const coreMethods = {
  'app.getInfo': { input: empty, output: reply<AppInfo>() },

  'cases.create': {
    input: z
      .object({
        name: z.string().trim().min(1, 'a case needs a name').max(120),
        /** Full path of the new file; defaults to `<casesDir>/<name>.vigil`. */
        path: filePath.optional(),
      })
      .strict(),
    output: reply<CaseInfo>(),
  },
  'cases.open': { input: z.object({ path: filePath }).strict(), output: reply<CaseInfo>() },
  'cases.close': { input: empty, output: reply<null>() },
  'cases.getCurrent': { input: empty, output: reply<CaseInfo | null>() },
  'cases.listRecent': { input: empty, output: reply<RecentCase[]>() },
  'cases.forgetRecent': { input: z.object({ path: filePath }).strict(), output: reply<RecentCase[]>() },

  'ingest.startImport': {
    input: z
      .object({
        /** Files, folders or archives (.gz, .bz2, .zip, .tar, .tar.gz/.tgz). */
        paths: z.array(filePath).min(1).max(1000),
        /** Import even when the same content is already in the case. */
        force: z.boolean().default(false),
        format: z.enum(['auto', 'syslog5424', 'syslog3164', 'auth', 'access', 'jsonl', 'raw']).default('auto'),
      })
      .strict(),
    output: reply<StartImportResult>(),
  },
  'ingest.cancelImport': { input: z.object({ importId: z.number().int().positive() }).strict(), output: reply<ImportJob>() },
  /** Continue an interrupted, cancelled or failed import from its last checkpoint. */
  'ingest.resumeImport': { input: z.object({ importId: z.number().int().positive() }).strict(), output: reply<ImportJob>() },
  'ingest.listImports': { input: empty, output: reply<ImportJob[]>() },
  /**
   * Resolves once no import and no detection pass is running or queued, including the passes that
   * imports queue when they end. For headless callers (`vigil analyze`, the HTTP API).
   */
  'ingest.waitIdle': { input: empty, output: reply<null>() },
  'ingest.listSources': { input: empty, output: reply<SourceRow[]>() },

  'collector.getStatus': { input: empty, output: reply<CollectorStatus>() },
  /**
   * Start the live collector with a configuration (or the case's saved one). The engine validates
   * it in full and names every problem; here it only has to be a plain object.
   */
  'collector.start': { input: z.object({ config: z.record(z.string(), z.unknown()).optional() }).strict(), output: reply<CollectorStatus>() },
  'collector.stop': { input: empty, output: reply<CollectorStatus>() },

  /** Forget every finding and run every detector over the whole case again, in event-time order. */
  'detect.rerun': { input: empty, output: reply<null>() },
  'detect.listRuns': { input: empty, output: reply<DetectionRun[]>() },
  'detect.getSettings': { input: empty, output: reply<DetectionSettings>() },
  /** At most a day: a buffer that long would hold a day of events in memory. */
  'detect.setSettings': { input: z.object({ latenessMs: z.number().int().min(0).max(86_400_000) }).strict(), output: reply<DetectionSettings>() },
  'alerts.list': {
    input: z
      .object({
        detector: z.enum(DETECTORS).optional(),
        kind: z.string().max(200).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: reply<Page<AlertRow>>(),
  },

  /** Each detector's score per time bucket with thresholds and alerts, downsampled to fit a chart. */
  'timelines.get': {
    input: z
      .object({
        sourceType: z.string().max(100).optional(),
        from: z.number().int().optional(),
        to: z.number().int().optional(),
        maxPoints: z.number().int().min(10).max(5000).default(1500),
      })
      .strict(),
    output: reply<Timeline>(),
  },

  'templates.list': {
    input: z
      .object({
        query: z.string().max(1000).default(''),
        sort: z.enum(['count', 'rare', 'id']).default('count'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: reply<Page<TemplateRow>>(),
  },
  'entities.list': {
    input: z
      .object({
        type: z.enum(['ip', 'user', 'host', 'process', 'file', 'domain', 'url', 'user_agent']).optional(),
        query: z.string().max(1000).default(''),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: reply<Page<EntityRow>>(),
  },

  'events.search': {
    input: z
      .object({
        ...eventFilter,
        /** Event time (untimed lines first, then by time) or the order lines were read. */
        order: z.enum(['time', 'file']).default('time'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(200),
      })
      .strict(),
    output: reply<EventsPage>(),
  },
  /** Matches of the same filter per time bucket, for the hit histogram. */
  'events.histogram': {
    input: z
      .object({
        ...eventFilter,
        buckets: z.number().int().min(1).max(1000).default(120),
      })
      .strict(),
    output: reply<EventsHistogram>(),
  },
  /** One event in full: fields, template, entities and its whole line. */
  'events.get': { input: z.object({ id: z.number().int().positive() }).strict(), output: reply<EventDetail>() },
} as const;

export const methods = {
  ...coreMethods,
  ...rulesMethods,
  ...experimentsMethods,
  ...graphMethods,
  ...incidentsMethods,
  ...triageMethods,
  ...alertingMethods,
} as const;

export const events = {
  'cases.changed': reply<CaseInfo | null>(),
  'ingest.progressed': reply<ImportProgress>(),
  'ingest.finished': reply<ImportJob>(),
  'detect.progressed': reply<DetectionProgress>(),
  'collector.updated': reply<CollectorStatus>(),
  'detect.finished': reply<DetectionRun>(),
  ...rulesEvents,
  ...graphEvents,
  ...incidentsEvents,
  ...triageEvents,
  ...alertingEvents,
} as const;

export type MethodName = keyof typeof methods;
export type EventName = keyof typeof events;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodParsedInput<M extends MethodName> = z.output<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = (typeof methods)[M]['output'];
export type EventPayload<E extends EventName> = (typeof events)[E];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(methods, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
