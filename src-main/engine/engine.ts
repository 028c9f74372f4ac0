/**
 * The engine: owns the open case and the pipeline, implements the contract's method table, and
 * pushes events. Pure Node; it runs inside a worker thread in both hosts (and in-process in tests).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EventName, EventPayload, MethodName, MethodOutput, MethodParsedInput } from '../../src-shared/contract';
import { noting } from './activity';
import { EngineError } from './errors';
import { Importer } from './ingest/importer';
import { LiveIngest } from './ingest/live-ingest';
import { CaseModels } from './pipeline/case-models';
import { Detection } from './pipeline/detection';
import { experimentsHandlers } from './handlers/experiments';
import { graphHandlers } from './handlers/graph';
import { incidentsHandlers } from './handlers/incidents';
import { rulesHandlers } from './handlers/rules';
import { triageHandlers } from './handlers/triage';
import { alertingHandlers } from './handlers/alerting';
import { closeAlerting, openAlerting } from './alerting';
import { CaseDb } from './store/case-db';
import { EventsQuery } from './store/events-query';
import { RecentCases } from './store/recent';

export interface EngineOptions {
  /** Folder for app-wide state (recent cases, uploads) and, under cases/, new cases. */
  dataDir: string;
  version: string;
  nativeBinding?: string;
  /** Folder of the bundled Sigma rules (resources/sigma); none in tests that do not need them. */
  rulesDir?: string;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
}

export type Handlers = {
  [M in MethodName]: (input: MethodParsedInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;
};

/** Handlers of the methods whose names start with a domain prefix, e.g. `rules.`. */
export type DomainHandlers<P extends string> = {
  [M in MethodName as M extends `${P}.${string}` ? M : never]: Handlers[M];
};

/** What a domain's handlers may use of the engine. */
export interface EngineContext {
  /** The open case, or a `no_case_open` error. */
  open(): OpenCase;
  emit: EngineOptions['emit'];
  options(): EngineOptions;
}

export interface OpenCase {
  store: CaseDb;
  importer: Importer;
  detection: Detection;
  events: EventsQuery;
  live: LiveIngest;
}

export class Engine {
  private current: OpenCase | null = null;
  private readonly recent: RecentCases;
  readonly casesDir: string;

  constructor(private readonly opts: EngineOptions) {
    this.recent = new RecentCases(opts.dataDir);
    this.casesDir = join(opts.dataDir, 'cases');
  }

  private readonly context: EngineContext = {
    open: () => this.open(),
    emit: (name, payload) => this.opts.emit(name, payload),
    options: () => this.opts,
  };

  readonly handlers: Handlers = noting({
    ...rulesHandlers(this.context),
    ...experimentsHandlers(this.context),
    ...graphHandlers(this.context),
    ...incidentsHandlers(this.context),
    ...triageHandlers(this.context),
    ...alertingHandlers(this.context),
    'app.getInfo': () => ({ version: this.opts.version, casesDir: this.casesDir }),

    'cases.create': async ({ name, path }) => {
      const target = resolve(path ?? join(this.casesDir, `${safeFileName(name)}.vigil`));
      mkdirSync(resolve(target, '..'), { recursive: true });
      const store = CaseDb.create(target, name, { nativeBinding: this.opts.nativeBinding });
      return this.adopt(store);
    },
    'cases.open': async ({ path }) => {
      const target = resolve(path);
      if (this.current?.store.path === target) return this.current.store.info();
      const store = CaseDb.open(target, { nativeBinding: this.opts.nativeBinding });
      return this.adopt(store);
    },
    'cases.close': async () => {
      await this.closeCurrent();
      this.opts.emit('cases.changed', null);
      return null;
    },
    'cases.getCurrent': () => this.current?.store.info() ?? null,
    'cases.listRecent': () => this.recent.list(),
    'cases.forgetRecent': ({ path }) => {
      this.recent.forget(path);
      return this.recent.list();
    },

    'ingest.startImport': ({ paths, force, format, detectWhileImporting }) =>
      this.open().importer.start(
        paths.map((p) => resolve(p)),
        { force, format, follow: detectWhileImporting },
      ),
    'ingest.cancelImport': ({ importId }) => this.open().importer.cancel(importId),
    'ingest.resumeImport': ({ importId }) => this.open().importer.resume(importId),
    'ingest.listImports': () => this.open().importer.list(),
    'ingest.waitIdle': async () => {
      await this.open().importer.whenIdle();
      return null;
    },
    'ingest.listSources': () => this.open().importer.sources(),

    'collector.getStatus': () => this.open().live.status(),
    'collector.start': ({ config }) => {
      const c = this.open();
      c.store.checkpointInBackground();
      return c.live.start(config);
    },
    'collector.stop': () => this.open().live.stop(),

    'detect.rerun': () => {
      const c = this.open();
      c.importer.schedule(async (signal) => void (await c.detection.run('all', signal)));
      return null;
    },
    'detect.listRuns': () => this.open().detection.list(),
    'alerts.list': ({ detector, kind, offset, limit }) => this.open().events.alerts(detector, kind, offset, limit),

    'events.search': ({ query, from, to, templateId, entityId, order, offset, limit, after }) =>
      this.open().events.page({ query, from, to, templateId, entityId }, order, offset, limit, after),
    'events.histogram': ({ query, from, to, templateId, entityId, buckets }) =>
      this.open().events.search.histogram({ query, from, to, templateId, entityId }, buckets),
    'events.get': ({ id }) => this.open().events.search.get(id),
    'timelines.get': ({ sourceType, from, to, maxPoints }) => this.open().events.timeline(sourceType, from, to, maxPoints),
    'templates.list': ({ query, sort, offset, limit }) => this.open().events.templates(query, sort, offset, limit),
    'entities.list': ({ type, query, offset, limit }) => this.open().events.entities(type, query, offset, limit),
  });

  async close(): Promise<void> {
    await this.closeCurrent();
  }

  private async adopt(store: CaseDb): Promise<ReturnType<CaseDb['info']>> {
    await this.closeCurrent();
    const detection = new Detection(
      store.db,
      this.opts.rulesDir ?? null,
      {
        progressed: (p) => this.opts.emit('detect.progressed', p),
        finished: (run) => this.opts.emit('detect.finished', run),
      },
      { nativeBinding: this.opts.nativeBinding },
    );
    const models = new CaseModels(store.db);
    const importer = new Importer(
      store,
      models,
      {
        progressed: (p) => this.opts.emit('ingest.progressed', p),
        finished: (job) => {
          this.opts.emit('ingest.finished', job);
          if (this.current?.store === store) this.opts.emit('cases.changed', store.info());
        },
      },
      async (importId, signal, scope) => void (await detection.run(scope === 'all' ? 'all' : { importId }, signal)),
      undefined,
      detection,
    );
    if (detection.needsFullRun) importer.schedule(async (signal) => void (await detection.run('all', signal)));
    let lastChanged = 0;
    const live = new LiveIngest(store.db, models, detection, {
      updated: (status) => this.opts.emit('collector.updated', status),
      stored: () => {
        // Tell the workbench the case grew, at most once a second.
        const now = Date.now();
        if (now - lastChanged > 1000 && this.current?.store === store) {
          lastChanged = now;
          this.opts.emit('cases.changed', store.info());
        }
      },
    });
    this.current = { store, importer, detection, events: new EventsQuery(store.db), live };
    openAlerting(store.db, this.context);
    const info = store.info();
    this.recent.touch(info.path, info.name);
    this.opts.emit('cases.changed', info);
    return info;
  }

  private open(): OpenCase {
    if (!this.current) throw new EngineError('no_case_open', 'Open or create a case first.');
    return this.current;
  }

  private async closeCurrent(): Promise<void> {
    const c = this.current;
    if (!c) return;
    this.current = null;
    await c.live.stop();
    await c.importer.close();
    await closeAlerting(c.store.db);
    c.store.close();
  }
}

/** A case name becomes a file name: keep it readable, drop what file systems refuse. */
export function safeFileName(name: string): string {
  const cleaned = name
    .replace(/[\\/:*?"<>|\x00-\x1f]/g, '-')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 100);
  return cleaned || 'case';
}
