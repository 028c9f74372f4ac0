/**
 * Everything of one open case, in one object: its store, template miner, importer, live collector,
 * detection, incidents and alerting, the queue that keeps its long work in turn, and the bus its
 * parts speak through. Made when a case opens, closed when it closes; no part of a case lives in a
 * module-level map.
 */
import type { EventName, EventPayload } from '../../../src-shared/contract';
import { Alerting } from '../alerting';
import { Detection, type DetectionOptions } from '../detect/detection';
import { refreshRisk } from '../graph/results';
import { CaseGraph } from '../graph/runtime';
import { attachIncidents } from '../incidents';
import type { LiveIncidents } from '../incidents/live';
import { Importer, type ImporterOptions } from '../ingest/importer';
import { LiveIngest } from '../ingest/live-ingest';
import { CaseModels } from '../pipeline/case-models';
import type { CaseDb } from '../store/case-db';
import { EventsQuery } from '../store/events-query';
import { CaseBus } from './bus';
import { WorkQueue } from './work-queue';

/** How often the workbench hears that the case grew while collecting. */
const CHANGED_EVERY_MS = 1000;

export interface SessionOptions {
  rulesDir: string | null;
  nativeBinding?: string;
  dataDir: string;
  /** Batch sizes, thread thresholds (tests make them small). */
  importer?: ImporterOptions;
  detection?: DetectionOptions;
  /** The contract's events, for the renderer. */
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
}

export class CaseSession {
  readonly bus = new CaseBus();
  readonly work = new WorkQueue();
  readonly models: CaseModels;
  readonly detection: Detection;
  readonly importer: Importer;
  readonly live: LiveIngest;
  readonly events: EventsQuery;
  readonly alerting: Alerting;
  readonly liveIncidents: LiveIncidents;
  /** The case's entity graph: its stage, the version of its metrics, its progress to the workbench. */
  readonly graph: CaseGraph;
  private closed = false;
  private grownTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly store: CaseDb,
    opts: SessionOptions,
  ) {
    const db = store.db;
    const emit = opts.emit;
    this.models = new CaseModels(db);
    this.graph = new CaseGraph((n) => {
      if (!this.closed) emit(n.name, n.payload);
    });
    // Listeners run in the order they subscribe: incidents are rebuilt at a pass's end before
    // anything acts on them.
    this.liveIncidents = attachIncidents(db, this.bus);
    this.bus.on('incidentsRebuilt', ({ scope }) => {
      // The graph's vertices show the risk register's figures: refresh them from the new register.
      try {
        db.transaction(() => refreshRisk(db))();
        this.graph.metricsChanged();
      } catch (err) {
        console.error('[vigil] refreshing graph risk failed:', err);
      }
      // A pass's end is told by `detect.finished`; a live rebuild has no run, so say it here.
      if (scope === 'live' && !this.closed) {
        emit('incidents.changed', { reason: 'rebuilt', total: db.prepare('SELECT count(*) FROM incidents').pluck().get() as number });
      }
    });
    // The importer first: imports a crash interrupted are queued to resume before detection
    // queues the pass over the whole case that repairs its findings (it then covers them too).
    this.importer = new Importer(store, this.models, this.bus, this.work, {
      progressed: (p) => emit('ingest.progressed', p),
      finished: (job) => {
        emit('ingest.finished', job);
        if (!this.closed) emit('cases.changed', store.info());
      },
    }, opts.importer);
    this.detection = new Detection(
      db,
      opts.rulesDir,
      this.bus,
      this.work,
      {
        progressed: (p) => emit('detect.progressed', p),
        finished: (run) => emit('detect.finished', run),
      },
      this.graph,
      { ...opts.detection, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) },
    );
    // Tell the workbench the case grew, at most once a second, and always after the last batch.
    let lastChanged = 0;
    const grown = () => {
      this.grownTimer = null;
      if (this.closed) return;
      lastChanged = Date.now();
      emit('cases.changed', store.info());
    };
    this.live = new LiveIngest(db, this.models, this.bus, {
      updated: (status) => emit('collector.updated', status),
      stored: () => {
        if (this.grownTimer) return;
        this.grownTimer = setTimeout(grown, Math.max(0, lastChanged + CHANGED_EVERY_MS - Date.now()));
      },
    });
    this.events = new EventsQuery(db);
    this.alerting = new Alerting(db, { emit, dataDir: opts.dataDir }, this.bus);
    this.alerting.start();
  }

  /** Stop the collector, stop (and owe) the running import or pass, stop alerting, close the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.live.stop();
    this.liveIncidents.close();
    if (this.grownTimer) clearTimeout(this.grownTimer);
    this.importer.close();
    await this.work.close();
    await this.alerting.stop();
    this.store.close();
  }
}
