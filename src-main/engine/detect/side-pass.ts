/**
 * Half of a detection pass on the second core. The engine thread runs behaviour and graph on the
 * pass's events; a worker (side-worker.ts) runs Sigma, the population detectors and the anomaly
 * ensemble, which need nothing from the case but the events (and the population's and ensemble's
 * state, handed over at the start and back at the end). Their alerts and score points come back
 * as plain objects and are stored by the engine thread, the case's one writer: the alerts when the
 * pass ends, the score points with the next batch (held to the end, a million-line import's 300K
 * points were half the engine's heap).
 *
 * The worker gets its events one of two ways: `fed`, the batches of an import as they are stored
 * (packed rows and their lines, put back in time order by a reorder buffer of its own, as the
 * engine thread's), or `read`, the stored events in time order through a read-only connection of
 * its own (a pass over the whole case).
 *
 * The worker is a file of its own: `side-worker.js` beside the bundle, or the TypeScript source run
 * through tsx under tests and benchmarks. Where neither is found the pass runs every stage on the
 * engine thread.
 */
import { Worker } from 'node:worker_threads';
import type { AlertInput } from '../store/alerts';
import type { PackedRows } from '../store/row-batch';
import { workerScript, type WorkerScript } from '../worker-script';
import type { EnsembleSetState, ScorePoint } from './ensemble';
import type { PopulationState } from './population-stage';

export interface SidePassData {
  dbPath: string;
  rulesDir: string | null;
  nativeBinding?: string;
  /** The ensemble's state to continue from. */
  ensemble: EnsembleSetState;
  /** The population detectors' state to continue from. */
  population: PopulationState;
  /** `read`: the stored events of `importId` (null: the whole case); `fed`: batches sent to it. */
  mode: 'read' | 'fed';
  importId: number | null;
  /** The reorder buffer's lateness for fed events (ms). */
  latenessMs: number;
}

/** One stored batch, as the worker needs it to rebuild the events. */
export interface SideBatch {
  rows: PackedRows;
  /** The batch's lines joined with '\n' (a line never holds one): one string crosses faster than thousands. */
  lines: string;
  ids: Float64Array;
  sourceId: number;
  sourceName: string;
}

export type SideFeedMessage = { kind: 'batch'; batch: SideBatch } | { kind: 'end' };

/** Per stage, the worker's own time in it (ms). */
export interface SideTimes {
  sigma: number;
  population: number;
  ensemble: number;
}

export type SidePassMessage =
  | { kind: 'results'; alerts: AlertInput[]; hits: [string, number][]; points: ScorePoint[] }
  | {
      kind: 'done';
      alerts: AlertInput[];
      hits: [string, number][];
      points: ScorePoint[];
      ms: SideTimes;
      ensemble: EnsembleSetState;
      population: PopulationState;
      late: number;
    }
  | { kind: 'error'; message: string };

export interface SidePassResult {
  alerts: AlertInput[];
  /** Sigma rule hits. */
  hits: Map<string, number>;
  points: ScorePoint[];
  /** The worker's own time in each stage. */
  ms: SideTimes;
  /** The ensemble's state after the pass. */
  ensemble: EnsembleSetState;
  /** The population detectors' state after the pass. */
  population: PopulationState;
  /** Fed events that came too late for the reorder buffer. */
  late: number;
}

function sideWorkerScript(): WorkerScript | null {
  return workerScript(import.meta.url, 'side-worker', 'side-worker.ts');
}

/**
 * One pass's side half in a worker. Results are kept until the worker is done, so a worker that
 * fails half way leaves nothing behind and the caller can run those stages on its own thread.
 */
export class SidePass {
  private readonly worker: Worker;
  private readonly alerts: AlertInput[] = [];
  /** Score points come back but not yet taken by the engine thread. */
  private points: ScorePoint[] = [];
  private readonly hits = new Map<string, number>();
  private ended = false;
  readonly done: Promise<SidePassResult>;

  private constructor(script: WorkerScript, data: SidePassData) {
    this.worker = new Worker(script.code, { eval: script.eval, workerData: data });
    this.done = new Promise<SidePassResult>((resolve, reject) => {
      const fail = (message: string) => {
        if (this.ended) return;
        this.ended = true;
        void this.worker.terminate();
        reject(new Error(message));
      };
      this.worker.on('message', (m: SidePassMessage) => {
        if (m.kind === 'error') return fail(m.message);
        for (const a of m.alerts) this.alerts.push(a);
        for (const p of m.points) this.points.push(p);
        for (const [rule, n] of m.hits) this.hits.set(rule, (this.hits.get(rule) ?? 0) + n);
        if (m.kind === 'done' && !this.ended) {
          this.ended = true;
          resolve({ alerts: this.alerts, hits: this.hits, points: this.points, ms: m.ms, ensemble: m.ensemble, population: m.population, late: m.late });
        }
      });
      this.worker.on('error', (err) => fail(err.message));
      this.worker.on('exit', (code) => fail(`the detection worker stopped (exit code ${code}) before it was done`));
    });
    // The caller awaits `done` only at the end of its pass; a failure before then is not unhandled.
    this.done.catch(() => undefined);
  }

  /** Start a pass, or null where this build has no worker script. */
  static start(data: SidePassData): SidePass | null {
    const s = sideWorkerScript();
    return s ? new SidePass(s, data) : null;
  }

  /**
   * Score points the worker sent since the last call, to store now (inside a transaction). A
   * worker that fails later leaves them stored: the pass's Sigma and ensemble then run again on
   * the engine thread over the same events, and a point is upserted as the highest score of its
   * bucket, so the same points come again.
   */
  takePoints(): ScorePoint[] {
    const points = this.points;
    this.points = [];
    return points;
  }

  /** A stored batch (fed mode); its packed buffers move to the worker. */
  feed(batch: SideBatch): void {
    if (this.ended) return;
    const { rows } = batch;
    this.worker.postMessage({ kind: 'batch', batch } satisfies SideFeedMessage, [rows.nums.buffer, rows.codes.buffer, batch.ids.buffer] as ArrayBuffer[]);
  }

  /** No more batches (fed mode): the worker flushes its buffer, finishes and reports. */
  end(): void {
    if (!this.ended) this.worker.postMessage({ kind: 'end' } satisfies SideFeedMessage);
  }

  cancel(): void {
    if (this.ended) return;
    this.ended = true;
    void this.worker.terminate();
  }
}
