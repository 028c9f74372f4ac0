/**
 * Detection passes: every stage (Sigma, behaviour, and the detectors to come) fed the case's
 * events in event-time order. An import is followed by a pass over its own events, continuing the
 * stages' state; "re-run detection" clears every finding and passes over the whole case afresh.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { DetectionProgress, DetectionRun } from '../../../src-shared/dto';
import { BehaviourStage } from '../detect/behaviour-stage';
import { EnsembleStage } from '../detect/ensemble-stage';
import { graphStages } from '../detect/graph-stage';
import { afterDetection, clearIncidentFindings } from '../incidents';
import { SigmaPass } from '../detect/sigma-pass';
import { SigmaStage } from '../detect/sigma-stage';
import { AlertWriter } from '../store/alerts';
import { TimeOrderedEvents } from '../store/event-rows';
import type { Stage } from './stage';
import type { NormalizedEvent } from '../../../src-shared/event';

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

export interface DetectionOptions {
  /** better-sqlite3's native module, for the Sigma worker's connection (Electron). */
  nativeBinding?: string;
  /**
   * Passes over at least this many events evaluate Sigma in a worker thread, beside the other
   * stages (sigma-pass.ts); smaller ones are over before a worker would have started. Default
   * 50,000; the environment variable VIGIL_SIGMA_THREAD_MIN overrides it (Infinity: never).
   */
  sigmaThreadMin?: number;
}

const SIGMA_THREAD_MIN = 50_000;

export class Detection {
  readonly sigma: SigmaStage;
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
    this.stages = [this.sigma, new BehaviourStage(db), new EnsembleStage(db), ...graphStages(db)];
    for (const s of this.stages) {
      const saved = this.loadState.get(`stage:${s.name}`) as string | undefined;
      if (saved) s.restore(JSON.parse(saved));
    }
    // A pass cut short by a crash left partial findings: the honest repair is a full pass.
    const cut = db.prepare(`SELECT count(*) FROM detection_runs WHERE status = 'running'`).pluck().get() as number;
    if (cut > 0) db.prepare(`UPDATE detection_runs SET status = 'failed', error = 'interrupted; detection re-ran over the whole case' WHERE status = 'running'`).run();
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
    const sigmaPass = this.startSigmaPass(importId, total);
    let sigmaDone = false;
    try {
      const stages = sigmaPass ? this.stages.filter((s) => s !== this.sigma) : this.stages;
      const stageMs: Record<string, number> = { read: 0 };
      for (const s of this.stages) stageMs[s.name] = 0;
      let readFrom = performance.now();
      for (const page of new TimeOrderedEvents(db, importId).pages(PAGE)) {
        stageMs.read! += performance.now() - readFrom;
        if (signal?.aborted) throw new Error('cancelled');
        db.transaction(() => {
          for (const s of stages) {
            const t = performance.now();
            s.consume(page, sink);
            stageMs[s.name]! += performance.now() - t;
          }
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
      // Sigma's alerts are stored before any stage finishes: the graph's risk and the incidents
      // are computed from every alert of the pass.
      if (sigmaPass) {
        const t = performance.now();
        // Closing the case or cancelling must not wait for the worker to finish its pass.
        if (signal?.aborted) throw new Error('cancelled');
        const cancelled = new Promise<Error>((resolve) => signal?.addEventListener('abort', () => resolve(new Error('cancelled')), { once: true }));
        const result = await Promise.race([sigmaPass.done.catch((err: Error) => err), cancelled]);
        if (signal?.aborted) throw new Error('cancelled');
        stageMs.sigma_wait = performance.now() - t;
        if (result instanceof Error) {
          // Nothing of the failed worker was stored: evaluate here instead, reading the events again.
          console.warn(`vigil: the Sigma worker failed (${result.message}); evaluating Sigma on the engine thread`);
          const t2 = performance.now();
          for (const page of new TimeOrderedEvents(db, importId).pages(PAGE)) {
            if (signal?.aborted) throw new Error('cancelled');
            db.transaction(() => this.sigma.consume(page, sink))();
            await new Promise((r) => setImmediate(r));
          }
          stageMs.sigma = performance.now() - t2;
        } else {
          db.transaction(() => {
            for (const a of result.alerts) sink.add(a);
            this.sigma.addHits(result.hits);
            progress.run(done, sink.added, run.id);
          })();
          // Engine-thread time stays under `sigma` (none); the worker's own time is reported apart.
          stageMs.sigma_worker = result.ms;
          // The worker flushed its own windows; the engine thread's engine saw none of these events.
          this.sigma.restore();
          sigmaDone = true;
        }
      }
      // Each stage finishes (trains, flushes) in a transaction of its own, with the workbench's
      // queries let in between: one transaction for all of them froze queries for a second and
      // more. A crash in between leaves the run 'running', which the next open repairs with a
      // full pass, as for a crash between pages.
      for (const s of this.stages) {
        if (s === this.sigma && sigmaDone) continue;
        const t = performance.now();
        db.transaction(() => s.finish(sink))();
        stageMs[s.name]! += performance.now() - t;
        await new Promise((r) => setImmediate(r));
      }
      db.transaction(() => {
        this.checkpoint();
        progress.run(done, sink.added, run.id);
        afterDetection(db, { runId: run.id, scope: scope === 'all' ? 'all' : 'import' });
      })();
      for (const k of Object.keys(stageMs)) stageMs[k] = Math.round(stageMs[k]!);
      return this.finish(run.id, 'done', null, stageMs);
    } catch (err) {
      sigmaPass?.cancel();
      const cancelled = signal?.aborted ?? false;
      return this.finish(run.id, cancelled ? 'cancelled' : 'failed', cancelled ? null : (err as Error).message);
    }
  }

  private startSigmaPass(importId: number | null, total: number): SigmaPass | null {
    const env = process.env.VIGIL_SIGMA_THREAD_MIN;
    const min = env !== undefined && env !== '' && !Number.isNaN(Number(env)) ? Number(env) : (this.options.sigmaThreadMin ?? SIGMA_THREAD_MIN);
    if (total < min) return null;
    const dbPath = this.db.name;
    if (!dbPath || dbPath === ':memory:' || this.db.memory) return null;
    return SigmaPass.start({ dbPath, rulesDir: this.rulesDir, importId, nativeBinding: this.options.nativeBinding });
  }

  /**
   * Live events as they are stored, in arrival order (close to event time); call inside the
   * batch's transaction. Returns the number of alerts raised.
   */
  consumeLive(events: readonly NormalizedEvent[]): number {
    const sink = this.liveSink ?? (this.liveSink = new AlertWriter(this.db, null));
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
    this.stages = [this.sigma, new BehaviourStage(this.db), new EnsembleStage(this.db), ...graphStages(this.db)];
  }
}
