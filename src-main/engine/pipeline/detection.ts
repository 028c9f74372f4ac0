/**
 * Detection passes: every stage (Sigma, behaviour, and the detectors to come) fed the case's
 * events in event-time order. An import is followed by a pass over its own events, continuing the
 * stages' state; "re-run detection" clears every finding and passes over the whole case afresh.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { DetectionProgress, DetectionRun } from '../../../src-shared/dto';
import { BehaviourStage } from '../detect/behaviour-stage';
import { PopulationStage } from '../detect/population-stage';
import { EnsembleStage } from '../detect/ensemble-stage';
import { graphStages } from '../detect/graph-stage';
import { afterDetection, clearIncidentFindings } from '../incidents';
import { SidePass, type SidePassData, type SidePassResult } from '../detect/side-pass';
import { SigmaStage } from '../detect/sigma-stage';
import { AlertWriter } from '../store/alerts';
import { TimeOrderedEvents } from '../store/event-rows';
import type { Stage } from './stage';
import type { NormalizedEvent } from '../../../src-shared/event';
import { CaseClosing } from '../errors';

const PAGE = 1000;
const PROGRESS_INTERVAL_MS = 200;

export interface DetectionEvents {
  progressed(p: DetectionProgress): void;
  finished(run: DetectionRun): void;
}

interface RunRow {
  id: number;
  scope: 'import' | 'all';
  import_id: number | null;
  status: DetectionRun['status'];
  events: number;
  alerts: number;
  started_at: number;
  finished_at: number | null;
  error: string | null;
}

export function toRun(r: RunRow): DetectionRun {
  return {
    id: r.id,
    scope: r.scope,
    importId: r.import_id,
    status: r.status,
    events: r.events,
    alerts: r.alerts,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

/** See Detection.follow. */
export interface FollowedPass {
  /** What the normalizing thread needs to run Sigma and the ensemble (as the side pass does). */
  readonly side: SidePassData;
  /** This thread's stages take a stored batch, in event-time order; inside the batch's transaction. */
  consume(events: NormalizedEvent[]): void;
  /** The import ended done and in order: store the thread's findings, finish, build incidents. */
  finish(side: SidePassResult): DetectionRun;
  /**
   * The pass cannot stand (rows out of order, the import stopped). If its stages saw events, a
   * pass over the whole case must follow: now, or, with `leaveRunning` (the case is closing), when
   * the case opens again.
   */
  abandon(reason: string, leaveRunning?: boolean): void;
}

export interface DetectionOptions {
  /** better-sqlite3's native module, for the detection worker's connection (Electron). */
  nativeBinding?: string;
  /**
   * Passes over at least this many events run Sigma and the ensemble in a worker thread, beside
   * the other stages (side-pass.ts); smaller ones are over before a worker would have started.
   * Default 50,000; the environment variable VIGIL_SIDE_THREAD_MIN overrides it (Infinity: never).
   */
  sideThreadMin?: number;
}

const SIDE_THREAD_MIN = 50_000;

export class Detection {
  readonly sigma: SigmaStage;
  private ensemble: EnsembleStage;
  private stages: Stage[];
  private readonly loadState: Statement;
  private readonly saveState: Statement;

  constructor(
    private readonly db: Database,
    private readonly rulesDir: string | null,
    private readonly events: DetectionEvents,
    private readonly options: DetectionOptions = {},
  ) {
    this.loadState = db.prepare('SELECT value FROM model_state WHERE key = ?').pluck();
    this.saveState = db.prepare(
      'INSERT INTO model_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.sigma = new SigmaStage(db, rulesDir);
    this.ensemble = new EnsembleStage(db);
    this.stages = this.freshStages();
    for (const s of this.stages) {
      const saved = this.loadState.get(`stage:${s.name}`) as string | undefined;
      if (saved) s.restore(JSON.parse(saved));
    }
    // A pass cut short by a crash left partial findings: the honest repair is a full pass.
    const cut = db.prepare(`SELECT count(*) FROM detection_runs WHERE status = 'running'`).pluck().get() as number;
    if (cut > 0)
      db.prepare(
        `UPDATE detection_runs SET status = 'cancelled', finished_at = coalesce(finished_at, ?), error = 'interrupted (the case was closed, or Vigil stopped); superseded by a pass over the whole case' WHERE status = 'running'`,
      ).run(Date.now());
    this.needsFullRun = cut > 0;
  }

  /** True when the case opened with an interrupted pass; the owner schedules a full run. */
  readonly needsFullRun: boolean;

  list(): DetectionRun[] {
    return (this.db.prepare('SELECT * FROM detection_runs ORDER BY id DESC LIMIT 100').all() as RunRow[]).map(toRun);
  }

  async run(scope: { importId: number } | 'all', signal?: AbortSignal): Promise<DetectionRun> {
    const db = this.db;
    const importId = scope === 'all' ? null : scope.importId;
    if (scope === 'all') this.clearFindings();
    const run = db
      .prepare(`INSERT INTO detection_runs (scope, import_id, status, started_at) VALUES (?, ?, 'running', ?) RETURNING *`)
      .get(scope === 'all' ? 'all' : 'import', importId, Date.now()) as RunRow;
    const total = db.prepare(`SELECT count(*) FROM events ${importId === null ? '' : 'WHERE import_id = ?'}`).pluck().get(...(importId === null ? [] : [importId])) as number;
    const sink = new AlertWriter(db, run.id);
    const progress = db.prepare('UPDATE detection_runs SET events = ?, alerts = ? WHERE id = ?');
    let done = 0;
    let last = 0;
    const liveAtStart = this.liveBatches;
    const side = this.startSidePass(importId, total);
    // The stages the worker runs; none once they are back on this thread, should it fail.
    let offloaded: Stage[] = side ? [this.sigma, this.ensemble] : [];
    try {
      const stages = this.stages.filter((s) => !offloaded.includes(s));
      const stageMs: Record<string, number> = { read: 0 };
      for (const s of this.stages) stageMs[s.name] = 0;
      const feed = (to: readonly Stage[], page: NormalizedEvent[]) => {
        for (const s of to) {
          const t = performance.now();
          s.consume(page, sink);
          stageMs[s.name]! += performance.now() - t;
        }
      };
      let readFrom = performance.now();
      for (const page of new TimeOrderedEvents(db, importId).pages(PAGE)) {
        stageMs.read! += performance.now() - readFrom;
        if (signal?.aborted) throw new Error('cancelled');
        db.transaction(() => {
          feed(stages, page);
          done += page.length;
          progress.run(done, sink.added, run.id);
        })();
        const now = Date.now();
        if (now - last > PROGRESS_INTERVAL_MS) {
          last = now;
          this.events.progressed({ runId: run.id, events: done, total, alerts: sink.added });
        }
        // Let queries from the workbench in between pages.
        await new Promise((r) => setImmediate(r));
        readFrom = performance.now();
      }
      // The worker's findings are stored before any stage finishes: the graph's risk and the
      // incidents are computed from every alert of the pass.
      if (side) {
        const t = performance.now();
        // Closing the case or cancelling must not wait for the worker to finish its pass.
        if (signal?.aborted) throw new Error('cancelled');
        const cancelled = new Promise<Error>((resolve) => signal?.addEventListener('abort', () => resolve(new Error('cancelled')), { once: true }));
        const result = await Promise.race([side.done.catch((err: Error) => err), cancelled]);
        if (signal?.aborted) throw new Error('cancelled');
        stageMs.side_wait = performance.now() - t;
        if (result instanceof Error) {
          // Nothing of the failed worker was stored, and this thread's stages still hold the state
          // the pass began with: run them here instead, reading the events again.
          console.warn(`vigil: the detection worker failed (${result.message}); running Sigma and the ensemble on the engine thread`);
          for (const page of new TimeOrderedEvents(db, importId).pages(PAGE)) {
            if (signal?.aborted) throw new Error('cancelled');
            db.transaction(() => feed(offloaded, page))();
            await new Promise((r) => setImmediate(r));
          }
          offloaded = [];
        } else {
          // Unless live batches came in meanwhile: this thread's stages learned from those, and
          // keep that (the pass's findings are stored either way).
          this.adoptSide(result, sink, stageMs, this.liveBatches === liveAtStart, () => progress.run(done, sink.added, run.id));
        }
      }
      // Each stage finishes (trains, flushes) in a transaction of its own, with the workbench's
      // queries let in between: one transaction for all of them froze queries for a second and
      // more. A crash in between leaves the run 'running', which the next open repairs with a
      // full pass, as for a crash between pages.
      for (const s of this.stages) {
        // The worker finished its own stages.
        if (offloaded.includes(s)) continue;
        const t = performance.now();
        db.transaction(() => s.finish(sink))();
        stageMs[s.name]! += performance.now() - t;
        await new Promise((r) => setImmediate(r));
      }
      return this.conclude(run.id, scope === 'all' ? 'all' : 'import', stageMs, () => progress.run(done, sink.added, run.id));
    } catch (err) {
      side?.cancel();
      // Closing the case does not cancel the pass: it stays running in the case, and the next
      // open runs a pass over the whole case in its place, as after a crash.
      if (signal?.reason instanceof CaseClosing) return toRun(db.prepare('SELECT * FROM detection_runs WHERE id = ?').get(run.id) as RunRow);
      const cancelled = signal?.aborted ?? false;
      return this.finish(run.id, cancelled ? 'cancelled' : 'failed', cancelled ? null : (err as Error).message);
    }
  }

  /**
   * A pass over an import run while it is stored, instead of after it: the import's normalizing
   * thread runs Sigma and the ensemble on the events it made (`side`), and this thread's stages get
   * each stored batch (`consume`). Equal to the pass that would follow the import as long as the
   * rows come in event-time order; only offered for the first import into a case, so that when
   * they do not, a pass over the whole case (`abandon`) costs what the import's own would have.
   * Null when the pass must read from the case (a live collection feeding the stages, an
   * in-memory case, a case with events already).
   */
  follow(importId: number): FollowedPass | null {
    const db = this.db;
    if (this.liveSink || db.memory) return null;
    const others = db.prepare('SELECT count(*) FROM (SELECT 1 FROM events WHERE import_id <> ? LIMIT 1)').pluck().get(importId) as number;
    if (others > 0) return null;
    const runRow = db
      .prepare(`INSERT INTO detection_runs (scope, import_id, status, started_at) VALUES ('import', ?, 'running', ?) RETURNING *`)
      .get(importId, Date.now()) as RunRow;
    const sink = new AlertWriter(db, runRow.id);
    const progress = db.prepare('UPDATE detection_runs SET events = ?, alerts = ? WHERE id = ?');
    const mine = this.stages.filter((s) => s !== this.sigma && s !== this.ensemble);
    const stageMs: Record<string, number> = { followed: 1 };
    for (const s of mine) stageMs[s.name] = 0;
    let done = 0;
    let ended = false;
    return {
      side: { dbPath: db.name, rulesDir: this.rulesDir, importId, nativeBinding: this.options.nativeBinding, ensemble: this.ensemble.state() },
      consume: (events) => {
        for (const s of mine) {
          const t = performance.now();
          s.consume(events, sink);
          stageMs[s.name]! += performance.now() - t;
        }
        done += events.length;
        progress.run(done, sink.added, runRow.id);
      },
      finish: (side) => {
        ended = true;
        const progressed = () => progress.run(done, sink.added, runRow.id);
        // A followed pass ends when live batches would have ended it: they never reached the stages.
        this.adoptSide(side, sink, stageMs, true, progressed);
        for (const s of mine) {
          const t = performance.now();
          db.transaction(() => s.finish(sink))();
          stageMs[s.name]! += performance.now() - t;
        }
        return this.conclude(runRow.id, 'import', stageMs, progressed);
      },
      abandon: (reason, leaveRunning = false) => {
        if (ended) return;
        ended = true;
        // Left running, the next open repairs it with a pass over the whole case, as after a crash.
        if (leaveRunning) return;
        // Not reported as finished: the pass that follows is the import's.
        db.prepare(`UPDATE detection_runs SET status = 'cancelled', finished_at = ?, error = ? WHERE id = ?`).run(Date.now(), `superseded by a pass over the whole case: ${reason}`, runRow.id);
      },
    };
  }

  /**
   * Store what the side half of a pass found (Sigma and the ensemble, run elsewhere) and, with
   * `continueFrom`, carry on from where it left those stages: it flushed Sigma's windows, and the
   * ensemble goes on from its state.
   */
  private adoptSide(result: SidePassResult, sink: AlertWriter, stageMs: Record<string, number>, continueFrom: boolean, progressed: () => void): void {
    const stored = performance.now();
    this.db.transaction(() => {
      for (const a of result.alerts) sink.add(a);
      this.sigma.addHits(result.hits);
      this.ensemble.storePoints(result.points);
      progressed();
    })();
    stageMs.side_store = performance.now() - stored;
    // Engine-thread time stays under the stages' names (none); the worker's is reported apart.
    stageMs.sigma_worker = result.ms.sigma;
    stageMs.ensemble_worker = result.ms.ensemble;
    if (continueFrom) {
      this.sigma.restore();
      this.ensemble.restore(result.ensemble);
    }
  }

  /** A pass's end once its stages finished: save their state, build incidents, report it done. */
  private conclude(runId: number, scope: 'import' | 'all', stageMs: Record<string, number>, progressed: () => void): DetectionRun {
    this.db.transaction(() => {
      let t = performance.now();
      this.checkpoint();
      stageMs.save_state = performance.now() - t;
      progressed();
      t = performance.now();
      afterDetection(this.db, { runId, scope });
      stageMs.incidents = performance.now() - t;
    })();
    for (const k of Object.keys(stageMs)) stageMs[k] = Math.round(stageMs[k]!);
    return this.finish(runId, 'done', null, stageMs);
  }

  private startSidePass(importId: number | null, total: number): SidePass | null {
    const env = process.env.VIGIL_SIDE_THREAD_MIN;
    const min = env !== undefined && env !== '' && !Number.isNaN(Number(env)) ? Number(env) : (this.options.sideThreadMin ?? SIDE_THREAD_MIN);
    if (total < min) return null;
    // A live collection feeds this thread's stages as it goes; they keep seeing every event.
    if (this.liveSink) return null;
    // In-memory and temporary databases have no file for a second connection.
    if (this.db.memory) return null;
    return SidePass.start({ dbPath: this.db.name, rulesDir: this.rulesDir, importId, nativeBinding: this.options.nativeBinding, ensemble: this.ensemble.state() });
  }

  /**
   * Live events as they are stored, in arrival order (close to event time); call inside the
   * batch's transaction. Returns the number of alerts raised.
   */
  consumeLive(events: readonly NormalizedEvent[]): number {
    const sink = this.liveSink ?? (this.liveSink = new AlertWriter(this.db, null));
    this.liveBatches++;
    const before = sink.added;
    for (const s of this.stages) s.consume(events, sink);
    return sink.added - before;
  }

  /** The collector stopped: close open windows and sessions, save the stages. Inside a transaction. */
  finishLive(): void {
    const sink = this.liveSink ?? new AlertWriter(this.db, null);
    for (const s of this.stages) s.finish(sink);
    this.checkpoint();
    this.liveSink = null;
    afterDetection(this.db, { runId: 0, scope: 'live' });
  }

  private liveSink: AlertWriter | null = null;
  /** Live batches fed to this thread's stages, so a pass can tell whether any came during it. */
  private liveBatches = 0;

  /** Save every stage's state; call inside a transaction. */
  checkpoint(): void {
    for (const s of this.stages) this.saveState.run(`stage:${s.name}`, JSON.stringify(s.state()), Date.now());
  }

  private finish(id: number, status: DetectionRun['status'], error: string | null, stageMs?: Record<string, number>): DetectionRun {
    const row = this.db
      .prepare('UPDATE detection_runs SET status = ?, finished_at = ?, error = ? WHERE id = ? RETURNING *')
      .get(status, Date.now(), error, id) as RunRow;
    const run: DetectionRun = stageMs ? { ...toRun(row), stageMs } : toRun(row);
    this.events.finished(run);
    return run;
  }

  /** Forget every finding and every stage's memory, before a pass over the whole case. */
  private clearFindings(): void {
    this.db.transaction(() => {
      this.db.exec(`
        DELETE FROM alerts;
        DELETE FROM behaviour_groups;
        DELETE FROM score_points;
        UPDATE rule_settings SET hits = 0;
        DELETE FROM model_state WHERE key LIKE 'stage:%';
      `);
      clearIncidentFindings(this.db);
    })();
    this.sigma.reload();
    this.ensemble = new EnsembleStage(this.db);
    this.stages = this.freshStages();
  }

  /** Every stage, in the order each page goes through them; `sigma` and `ensemble` as they are. */
  private freshStages(): Stage[] {
    return [this.sigma, new BehaviourStage(this.db), new PopulationStage(), this.ensemble, ...graphStages(this.db)];
  }
}
