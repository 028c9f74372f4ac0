/**
 * Detection for one case: every stage (Sigma, behaviour, population, the ensemble, the graph)
 * fed the case's events in event-time order by one kind of pass (pass.ts), whatever the feed:
 * - an import's batches as they are stored (`batchStored`), ended when the import ends;
 * - the stored case page by page, when the analyst asks to re-run detection over it all;
 * - the live collector's batches.
 * A pass publishes its end (`passEnded`, inside the transaction that stores its findings);
 * incidents and alerting listen for that. A whole-case pass runs only when asked for, or to repair
 * a pass cut short by a crash or by closing the case.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { DetectionProgress, DetectionRun, DetectionSettings } from '../../../src-shared/dto';
import type { NormalizedEvent } from '../../../src-shared/event';
import { CaseClosing } from '../errors';
import type { CaseGraph } from '../graph/runtime';
import type { MemberSpan } from '../ingest/time-order';
import type { CaseBus, StoredBatch } from '../session/bus';
import type { WorkQueue } from '../session/work-queue';
import { AlertWriter } from '../store/alerts';
import { JsonColumns, packedToEvents, TimeOrderedEvents } from '../store/event-rows';
import { packEvents } from '../store/row-batch';
import { DetectionPass } from './pass';
import { DEFAULT_LATENESS_MS } from './reorder';
import { SidePass, type SidePassData, type SidePassResult } from './side-pass';
import { caseStages, type CaseStages } from './registry';
import type { Stage } from './stage';

const PAGE = 1000;
const PROGRESS_INTERVAL_MS = 200;
/**
 * Passes over at least this many events run Sigma, population and the ensemble in a worker thread,
 * beside the other stages; smaller ones are over before a worker would have started.
 */
const SIDE_THREAD_MIN = 50_000;
/** Live lines are scored as they come: a collector is not a file, and an incident must not wait. */
const LIVE_LATENESS_MS = 0;
const LATENESS_KEY = 'detect.lateness_ms';

export interface DetectionEvents {
  progressed(p: DetectionProgress): void;
  finished(run: DetectionRun): void;
}

export interface DetectionOptions {
  /** better-sqlite3's native module, for the detection worker's connection (Electron). */
  nativeBinding?: string;
  /** Passes over at least this many events use the worker (VIGIL_SIDE_THREAD_MIN overrides; Infinity: never). */
  sideThreadMin?: number;
}

interface RunRow {
  id: number;
  scope: 'import' | 'all';
  import_id: number | null;
  status: DetectionRun['status'];
  events: number;
  alerts: number;
  late: number;
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
    late: r.late,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    error: r.error,
  };
}

export class Detection {
  private stages: CaseStages;
  private readonly saveState: Statement;
  /** The pass following each running import, by import id. */
  private readonly importing = new Map<number, DetectionPass>();
  /**
   * Imports whose members overlap in time (an auth log and an access log of the same days): no
   * bounded buffer can put them in order as they are stored one after the other, so their pass
   * reads them back from the case in time order when the import ends.
   */
  private readonly storedFirst = new Set<number>();
  private live: DetectionPass | null = null;
  private readonly json = new JsonColumns();
  /** Set when the case owes a pass over everything: imports until then are not detected on their own. */
  private fullRunOwed = false;
  private lastProgress = 0;

  constructor(
    private readonly db: Database,
    private readonly rulesDir: string | null,
    private readonly bus: CaseBus,
    private readonly work: WorkQueue,
    private readonly events: DetectionEvents,
    private readonly graph: CaseGraph,
    private readonly options: DetectionOptions = {},
  ) {
    this.saveState = db.prepare(
      'INSERT INTO model_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.stages = caseStages({ db, graph }, rulesDir);
    const load = db.prepare('SELECT value FROM model_state WHERE key = ?').pluck();
    for (const s of this.stages.all) {
      const saved = load.get(`stage:${s.name}`) as string | undefined;
      if (saved) s.restore(JSON.parse(saved));
    }
    bus.on('importSurveyed', ({ importId, members }) => {
      if (overlapping(members, this.latenessMs)) this.storedFirst.add(importId);
    });
    bus.on('batchStored', (b) => this.importBatch(b));
    bus.on('liveStored', ({ events }) => this.consumeLive(events));
    bus.on('importEnded', ({ importId, status, signal }) => this.endImport(importId, status, signal));
    bus.on('liveStopped', () => this.finishLive());
    // A pass cut short by a crash or by closing the case left partial findings: the honest repair
    // is a pass over the whole case, after any import that resumes.
    const cut = db.prepare(`SELECT count(*) FROM detection_runs WHERE status = 'running'`).pluck().get() as number;
    if (cut > 0) {
      db.prepare(
        `UPDATE detection_runs SET status = 'cancelled', finished_at = coalesce(finished_at, ?), error = 'interrupted (the case was closed, or Vigil stopped); superseded by a pass over the whole case' WHERE status = 'running'`,
      ).run(Date.now());
      this.rerun();
    }
  }

  get sigma() {
    return this.stages.sigma;
  }

  list(): DetectionRun[] {
    return (this.db.prepare('SELECT * FROM detection_runs ORDER BY id DESC LIMIT 100').all() as RunRow[]).map(toRun);
  }

  settings(): DetectionSettings {
    return { latenessMs: this.latenessMs, defaultLatenessMs: DEFAULT_LATENESS_MS };
  }

  /** How late an imported line may be and still take its place in time (per case). */
  get latenessMs(): number {
    const v = Number(this.db.prepare('SELECT value FROM case_meta WHERE key = ?').pluck().get(LATENESS_KEY));
    return Number.isFinite(v) && v >= 0 ? v : DEFAULT_LATENESS_MS;
  }

  set latenessMs(ms: number) {
    this.db.prepare('INSERT INTO case_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(LATENESS_KEY, String(ms));
  }

  /** Forget every finding and pass over the whole case again, after whatever runs now. */
  rerun(): void {
    this.fullRunOwed = true;
    this.work.schedule(async (signal) => void (await this.runAll(signal)));
  }

  /** Live events as they are stored (inside the batch's transaction). */
  consumeLive(events: NormalizedEvent[]): void {
    if (!this.live) this.live = new DetectionPass(this.db, null, this.stages.all, new AlertWriter(this.db, null), null, LIVE_LATENESS_MS);
    const before = this.live.sink.changed;
    this.live.feed(events);
    this.bus.emit('liveAdvanced', { alerts: this.live.sink.changed - before });
  }

  /** The collector stopped: close open windows and sessions, save the stages. Inside a transaction. */
  finishLive(): void {
    const live = this.live;
    if (!live) return;
    this.live = null;
    live.flush();
    for (const s of live.stages) s.finish(live.sink);
    this.checkpoint();
    this.bus.emit('passEnded', { runId: 0, scope: 'live' });
  }

  /** Save every stage's state; call inside a transaction. */
  checkpoint(): void {
    for (const s of this.stages.all) this.saveState.run(`stage:${s.name}`, JSON.stringify(s.state()), Date.now());
  }

  /** A batch of an import, stored: feed it to the import's pass (begun at its first batch). */
  private importBatch(b: StoredBatch): void {
    if (this.fullRunOwed || this.storedFirst.has(b.importId)) return;
    let pass = this.importing.get(b.importId);
    if (!pass) this.importing.set(b.importId, (pass = this.begin(b)));
    const events = this.eventsOf(b);
    // The worker rebuilds the events from the packed rows (their buffers move to it).
    const side = pass.side ? { rows: b.packed ?? packEvents(events, b.lines), lines: b.joined ?? b.lines.join('\n'), ids: b.ids, sourceId: b.sourceId, sourceName: b.sourceName } : undefined;
    pass.feed(events, side);
    this.storeSidePoints(pass);
    this.progressed(pass, null);
  }

  /** The pass for an import: the side stages in a worker when the import is large (it came from the normalizing thread). */
  private begin(b: StoredBatch): DetectionPass {
    const runId = this.newRun('import', b.importId);
    // A live collection feeds this thread's stages as it goes; an import meanwhile shares them.
    const side = b.packed && !this.live && !this.db.memory && this.sideThreadMin() < Infinity ? this.startSide('fed', b.importId) : null;
    const stages = side ? this.stages.engine : this.stages.all;
    return new DetectionPass(this.db, runId, stages, new AlertWriter(this.db, runId), side, this.latenessMs);
  }

  /** The import ended: finish its pass (or, if the case is closing, leave it owed). */
  private async endImport(importId: number, status: string, signal: AbortSignal): Promise<void> {
    const pass = this.importing.get(importId);
    this.importing.delete(importId);
    if (this.storedFirst.delete(importId)) {
      if (status !== 'interrupted' && !this.fullRunOwed) await this.readPass(importId, signal);
      return;
    }
    if (!pass) return;
    if (status === 'interrupted') {
      pass.side?.cancel();
      return;
    }
    await this.end(pass, 'import', signal);
  }

  /** Forget every finding and every stage's memory, then pass over the whole stored case. */
  private async runAll(signal: AbortSignal): Promise<DetectionRun> {
    this.fullRunOwed = false;
    this.clearFindings();
    return this.readPass(null, signal);
  }

  /**
   * A pass that reads its events from the case in time order: the whole case (`importId` null),
   * or one import whose members overlap in time, continuing the stages' state.
   */
  private async readPass(importId: number | null, signal: AbortSignal): Promise<DetectionRun> {
    const scope = importId === null ? 'all' : 'import';
    const runId = this.newRun(scope, importId);
    const total = this.db.prepare(`SELECT count(*) FROM events ${importId === null ? '' : 'WHERE import_id = ?'}`).pluck().get(...(importId === null ? [] : [importId])) as number;
    // A live collection feeds this thread's stages as it goes: they keep seeing every event.
    const side = total >= this.sideThreadMin() && !this.db.memory && !this.live ? this.startSide('read', importId) : null;
    const pass = new DetectionPass(this.db, runId, side ? this.stages.engine : this.stages.all, new AlertWriter(this.db, runId), side, DEFAULT_LATENESS_MS);
    try {
      let t = performance.now();
      for (const page of new TimeOrderedEvents(this.db, importId).pages(PAGE)) {
        pass.stageMs.read = (pass.stageMs.read ?? 0) + performance.now() - t;
        if (signal.aborted) throw signal.reason ?? new Error('cancelled');
        this.db.transaction(() => {
          pass.feed(page);
          this.storeSidePoints(pass);
        })();
        this.progressed(pass, total);
        // Let queries from the workbench in between pages.
        await new Promise((r) => setImmediate(r));
        t = performance.now();
      }
    } catch (err) {
      return this.stop(pass, signal, err);
    }
    return this.end(pass, scope, signal);
  }

  /**
   * The end of a pass: the buffer flushed, the side worker's findings stored (before any stage
   * finishes: the graph's risk and the incidents are computed from every alert of the pass), each
   * stage finished in a transaction of its own, then the pass concluded.
   */
  private async end(pass: DetectionPass, scope: 'import' | 'all', signal: AbortSignal): Promise<DetectionRun> {
    const db = this.db;
    try {
      db.transaction(() => pass.flush())();
      if (pass.side) {
        const t = performance.now();
        pass.side.end();
        const closing = new Promise<Error>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason as Error), { once: true }));
        const result = await Promise.race([pass.side.done.catch((err: Error) => err), closing]);
        if (signal.aborted) throw signal.reason ?? new Error('cancelled');
        pass.stageMs.side_wait = performance.now() - t;
        if (result instanceof Error) await this.sideOnThisThread(pass, scope, result, signal);
        else this.adoptSide(pass, result);
      }
      // A crash between stages leaves the run 'running', which the next open repairs.
      for (const s of pass.stages) {
        const t = performance.now();
        db.transaction(() => s.finish(pass.sink))();
        pass.stageMs[s.name] = (pass.stageMs[s.name] ?? 0) + performance.now() - t;
        await new Promise((r) => setImmediate(r));
      }
      // The side worker's buffer saw the same events: its late ones are these.
      return this.conclude(pass, scope, pass.late);
    } catch (err) {
      return this.stop(pass, signal, err);
    }
  }

  /**
   * The worker failed: none of its alerts was stored (its score points were, and come again), and
   * this thread's Sigma and ensemble still hold the state the pass began with, so they run here
   * over the pass's events, read back in order.
   */
  private async sideOnThisThread(pass: DetectionPass, scope: 'import' | 'all', failure: Error, signal: AbortSignal): Promise<void> {
    console.warn(`vigil: the detection worker failed (${failure.message}); running Sigma, population and the ensemble on the engine thread`);
    const side = this.stages.side;
    for (const page of new TimeOrderedEvents(this.db, scope === 'all' ? null : this.runImport(pass.runId!)).pages(PAGE)) {
      if (signal.aborted) throw signal.reason ?? new Error('cancelled');
      this.db.transaction(() => {
        for (const s of side) s.consume(page, pass.sink);
      })();
      await new Promise((r) => setImmediate(r));
    }
    for (const s of side) this.db.transaction(() => s.finish(pass.sink))();
  }

  /** The score points the side worker sent back since the last batch; inside a transaction. */
  private storeSidePoints(pass: DetectionPass): void {
    if (pass.side) this.stages.ensemble.storePoints(pass.side.takePoints());
  }

  /** Store what the worker found, and carry on from where it left the side stages. */
  private adoptSide(pass: DetectionPass, result: SidePassResult): void {
    const t = performance.now();
    this.db.transaction(() => {
      for (const a of result.alerts) pass.sink.add(a);
      this.stages.sigma.addHits(result.hits);
      this.stages.ensemble.storePoints(result.points);
    })();
    pass.stageMs.side_store = performance.now() - t;
    pass.stageMs.sigma_worker = result.ms.sigma;
    pass.stageMs.population_worker = result.ms.population;
    pass.stageMs.ensemble_worker = result.ms.ensemble;
    // Unless live batches came in meanwhile: the stages learned from those and keep it.
    if (!this.live) {
      this.stages.sigma.restore();
      this.stages.ensemble.restore(result.ensemble);
      this.stages.population.restore(result.population);
    }
  }

  /** Save the stages' state and publish the pass's end (incidents are built on it), then report it done. */
  private conclude(pass: DetectionPass, scope: 'import' | 'all', late: number): DetectionRun {
    this.db.transaction(() => {
      let t = performance.now();
      this.checkpoint();
      pass.stageMs.save_state = performance.now() - t;
      pass.saveProgress(late);
      t = performance.now();
      this.bus.emit('passEnded', { runId: pass.runId!, scope });
      pass.stageMs.incidents = performance.now() - t;
    })();
    const stageMs: Record<string, number> = {};
    for (const [k, v] of Object.entries(pass.stageMs)) stageMs[k] = Math.round(v);
    return this.finish(pass.runId!, 'done', null, stageMs);
  }

  /** A pass that stopped before its end: owed when the case is closing, else cancelled or failed. */
  private stop(pass: DetectionPass, signal: AbortSignal, err: unknown): DetectionRun {
    pass.side?.cancel();
    // Closing the case does not cancel the pass: it stays running in the case, and the next open
    // runs a pass over the whole case in its place, as after a crash.
    if (signal.reason instanceof CaseClosing) return toRun(this.db.prepare('SELECT * FROM detection_runs WHERE id = ?').get(pass.runId) as RunRow);
    const cancelled = signal.aborted;
    return this.finish(pass.runId!, cancelled ? 'cancelled' : 'failed', cancelled ? null : ((err as Error)?.message ?? String(err)));
  }

  private finish(id: number, status: DetectionRun['status'], error: string | null, stageMs?: Record<string, number>): DetectionRun {
    const row = this.db.prepare('UPDATE detection_runs SET status = ?, finished_at = ?, error = ? WHERE id = ? RETURNING *').get(status, Date.now(), error, id) as RunRow;
    const run: DetectionRun = stageMs ? { ...toRun(row), stageMs } : toRun(row);
    this.events.finished(run);
    return run;
  }

  private newRun(scope: 'import' | 'all', importId: number | null): number {
    return this.db.prepare(`INSERT INTO detection_runs (scope, import_id, status, started_at) VALUES (?, ?, 'running', ?) RETURNING id`).pluck().get(scope, importId, Date.now()) as number;
  }

  private runImport(runId: number): number | null {
    return this.db.prepare('SELECT import_id FROM detection_runs WHERE id = ?').pluck().get(runId) as number | null;
  }

  private startSide(mode: 'fed' | 'read', importId: number | null): SidePass | null {
    const data: SidePassData = {
      dbPath: this.db.name,
      rulesDir: this.rulesDir,
      importId,
      mode,
      latenessMs: this.latenessMs,
      ensemble: this.stages.ensemble.state(),
      population: this.stages.population.state(),
      ...(this.options.nativeBinding ? { nativeBinding: this.options.nativeBinding } : {}),
    };
    return SidePass.start(data);
  }

  private sideThreadMin(): number {
    const env = process.env.VIGIL_SIDE_THREAD_MIN;
    return env !== undefined && env !== '' && !Number.isNaN(Number(env)) ? Number(env) : (this.options.sideThreadMin ?? SIDE_THREAD_MIN);
  }

  private eventsOf(b: StoredBatch): NormalizedEvent[] {
    return b.events ?? packedToEvents(b.packed!, b.lines, b.ids, b.sourceId, b.sourceName, this.json);
  }

  private progressed(pass: DetectionPass, total: number | null): void {
    const now = Date.now();
    if (now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    this.events.progressed({ runId: pass.runId!, events: pass.events, total: total ?? pass.events, alerts: pass.sink.added });
  }

  /** Forget every finding and every stage's memory, before a pass over the whole case. */
  private clearFindings(): void {
    this.db.transaction(() => {
      this.db.exec(`
        DELETE FROM alerts;
        DELETE FROM behaviour_scores;
        DELETE FROM behaviour_groups;
        DELETE FROM score_points;
        UPDATE rule_settings SET hits = 0;
        DELETE FROM model_state WHERE key LIKE 'stage:%';
      `);
      this.bus.emit('findingsCleared', {});
    })();
    this.stages.sigma.reload();
    this.stages = caseStages({ db: this.db, graph: this.graph }, this.rulesDir, this.stages.sigma);
    // The collector's pass goes on with the new stages (it holds nothing: it scores as lines come).
    if (this.live) this.live = null;
  }
}

/**
 * True when some member begins before those read ahead of it have ended, by more than the
 * lateness: read one after the other, its lines would all come too late to put in order.
 */
export function overlapping(members: readonly MemberSpan[], latenessMs: number): boolean {
  let end = -Infinity;
  for (const m of members) {
    if (m.first === null || m.last === null) continue;
    if (m.first < end - latenessMs) return true;
    end = Math.max(end, m.last);
  }
  return false;
}

export type { Stage };
