/**
 * The engine: owns the open case and the pipeline, implements the contract's method table, and
 * pushes events. Pure Node; it runs inside a worker thread in both hosts (and in-process in tests).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { noting } from './activity';
import { EngineError } from './errors';
import { boundHeapGrowth } from './heap-policy';
import { experimentsHandlers } from './handlers/experiments';
import { graphHandlers } from './handlers/graph';
import { incidentsHandlers } from './handlers/incidents';
import { rulesHandlers } from './handlers/rules';
import { triageHandlers } from './handlers/triage';
import { alertingHandlers } from './handlers/alerting';
import type { EngineContext, EngineOptions, Handlers, OpenCase } from './engine-context';
import { CaseSession } from './session/case-session';
import { CaseDb } from './store/case-db';
import { RecentCases } from './store/recent';

export type { DomainHandlers, EngineContext, EngineOptions, Handlers, OpenCase } from './engine-context';

export class Engine {
  private current: OpenCase | null = null;
  private readonly recent: RecentCases;
  readonly casesDir: string;

  constructor(private readonly opts: EngineOptions) {
    boundHeapGrowth();
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
      const store = CaseDb.create(target, name, { nativeBinding: this.opts.nativeBinding, pageCacheMiB: this.opts.pageCacheMiB });
      return this.adopt(store);
    },
    'cases.open': async ({ path }) => {
      const target = resolve(path);
      if (this.current?.store.path === target) return this.current.store.info();
      const store = CaseDb.open(target, { nativeBinding: this.opts.nativeBinding, pageCacheMiB: this.opts.pageCacheMiB });
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

    'ingest.startImport': ({ paths, force, format }) => this.open().importer.start(paths.map((p) => resolve(p)), { force, format }),
    'ingest.cancelImport': ({ importId }) => this.open().importer.cancel(importId),
    'ingest.resumeImport': ({ importId }) => this.open().importer.resume(importId),
    'ingest.listImports': () => this.open().importer.list(),
    'ingest.waitIdle': async () => {
      await this.open().work.idle();
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
      this.open().detection.rerun();
      return null;
    },
    'detect.listRuns': () => this.open().detection.list(),
    'detect.getSettings': () => this.open().detection.settings(),
    'detect.setSettings': ({ latenessMs }) => {
      const d = this.open().detection;
      d.latenessMs = latenessMs;
      return d.settings();
    },
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
    this.current = new CaseSession(store, {
      rulesDir: this.opts.rulesDir ?? null,
      dataDir: this.opts.dataDir,
      emit: this.opts.emit,
      ...(this.opts.nativeBinding ? { nativeBinding: this.opts.nativeBinding } : {}),
    });
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
    await c.close();
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
