/**
 * The side half of a detection pass, in a thread of its own: reads the pass's events in event-time
 * order through its own read-only connection, evaluates every Sigma rule and runs the anomaly
 * ensemble, and posts alerts and score points back for the engine thread to store. Runs beside the
 * engine thread's stages, so a pass takes the longer of the two halves instead of their sum. See
 * side-pass.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { TimeOrderedEvents } from '../store/event-rows';
import type { AlertInput, AlertSink } from '../store/alerts';
import type { ScorePoint } from './ensemble';
import { EnsembleStage } from './ensemble-stage';
import { SigmaStage } from './sigma-stage';
import type { SidePassData, SidePassMessage } from './side-pass';

const PAGE = 1000;
/** Results go back in batches: one message per page would cost more than it carries. */
const POST_EVERY = 10_000;

function run(data: SidePassData): void {
  const port = parentPort!;
  const db = new Database(data.dbPath, {
    readonly: true,
    fileMustExist: true,
    ...(data.nativeBinding ? { nativeBinding: data.nativeBinding } : {}),
  });
  try {
    // It reads each page once, in order: a small cache is enough, and the case's memory bar counts it.
    db.pragma('cache_size = -8192');
    const sigma = new SigmaStage(db, data.rulesDir, { storeHits: false });
    let points: ScorePoint[] = [];
    const ensemble = new EnsembleStage(null, (p) => points.push(p));
    ensemble.restore(data.ensemble);
    const stages = [sigma, ensemble];
    let alerts: AlertInput[] = [];
    const sink: AlertSink = { add: (a) => alerts.push(a) };
    let sinceLast = 0;
    const ms = { sigma: 0, ensemble: 0 };
    const post = (final: boolean) => {
      const base = { alerts, hits: [...sigma.takeHits()], points };
      const msg: SidePassMessage = final
        ? { kind: 'done', ...base, ms: { sigma: Math.round(ms.sigma), ensemble: Math.round(ms.ensemble) }, ensemble: ensemble.state() }
        : { kind: 'results', ...base };
      port.postMessage(msg);
      alerts = [];
      points = [];
      sinceLast = 0;
    };
    for (const page of new TimeOrderedEvents(db, data.importId).pages(PAGE)) {
      for (const s of stages) {
        const t = performance.now();
        s.consume(page, sink);
        ms[s.name] += performance.now() - t;
      }
      sinceLast += page.length;
      if (sinceLast >= POST_EVERY) post(false);
    }
    for (const s of stages) {
      const t = performance.now();
      s.finish(sink);
      ms[s.name] += performance.now() - t;
    }
    post(true);
  } finally {
    db.close();
  }
}

try {
  run(workerData as SidePassData);
} catch (err) {
  const msg: SidePassMessage = { kind: 'error', message: (err as Error)?.message ?? String(err) };
  parentPort!.postMessage(msg);
}
