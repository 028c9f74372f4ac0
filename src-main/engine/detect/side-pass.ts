/**
 * Half of a detection pass on the second core. The engine thread reads the pass's events and runs
 * behaviour and graph; a worker (side-worker.ts) reads the same events through a read-only
 * connection of its own and runs Sigma and the anomaly ensemble, which need nothing from the case
 * but the events (and the ensemble's state, handed over at the start and back at the end). Their
 * alerts and score points come back as plain objects and are stored by the engine thread, the
 * case's one writer.
 *
 * The worker is a file of its own: `side-worker.js` beside the bundle, or the TypeScript source
 * run through tsx under tests and benchmarks. Where neither is found the pass runs every stage on
 * the engine thread as before.
 */
import { Worker } from 'node:worker_threads';
import { workerScript, type WorkerScript } from '../worker-script';
import type { AlertInput } from '../store/alerts';
import type { EnsembleSetState, ScorePoint } from './ensemble';

export interface SidePassData {
  dbPath: string;
  rulesDir: string | null;
  importId: number | null;
  nativeBinding?: string;
  /** The ensemble's state to continue from. */
  ensemble: EnsembleSetState;
}

export type SidePassMessage =
  | { kind: 'results'; alerts: AlertInput[]; hits: [string, number][]; points: ScorePoint[] }
  | {
      kind: 'done';
      alerts: AlertInput[];
      hits: [string, number][];
      points: ScorePoint[];
      ms: { sigma: number; ensemble: number };
      ensemble: EnsembleSetState;
    }
  | { kind: 'error'; message: string };

export interface SidePassResult {
  alerts: AlertInput[];
  /** Sigma rule hits. */
  hits: Map<string, number>;
  points: ScorePoint[];
  /** The worker's own time in each stage. */
  ms: { sigma: number; ensemble: number };
  /** The ensemble's state after the pass. */
  ensemble: EnsembleSetState;
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
  private readonly points: ScorePoint[] = [];
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
          resolve({ alerts: this.alerts, hits: this.hits, points: this.points, ms: m.ms, ensemble: m.ensemble });
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

  cancel(): void {
    if (this.ended) return;
    this.ended = true;
    void this.worker.terminate();
  }
}
