/**
 * The Sigma half of a detection pass, in a thread of its own: reads the pass's events in event-time
 * order through its own read-only connection, evaluates every rule, and posts the alerts back for
 * the engine thread to store. Runs beside the other stages, so a pass takes the longer of the two
 * halves instead of their sum. See sigma-pass.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import { TimeOrderedEvents } from '../store/event-rows';
import type { AlertInput } from '../store/alerts';
import { buildSigmaEngine, sigmaAlert } from './sigma-stage';
import type { SigmaPassData, SigmaPassMessage } from './sigma-pass';

const PAGE = 1000;
/** Alerts go back in batches: one message per page would cost more than it carries. */
const POST_EVERY = 10_000;

function run(data: SigmaPassData): void {
  const port = parentPort!;
  const db = new Database(data.dbPath, { readonly: true, fileMustExist: true, ...(data.nativeBinding ? { nativeBinding: data.nativeBinding } : {}) });
  try {
    db.pragma('cache_size = -32768');
    const engine = buildSigmaEngine(db, data.rulesDir);
    let alerts: AlertInput[] = [];
    let hits = new Map<string, number>();
    let events = 0;
    let sinceLast = 0;
    let busy = 0;
    const post = (final: boolean) => {
      const msg: SigmaPassMessage = final ? { kind: 'done', alerts, hits: [...hits], events, ms: Math.round(busy) } : { kind: 'alerts', alerts, hits: [...hits], events };
      port.postMessage(msg);
      alerts = [];
      hits = new Map();
      sinceLast = 0;
    };
    const report = (ev: NormalizedEvent | null, m: Parameters<typeof sigmaAlert>[0]) => {
      hits.set(m.ruleId, (hits.get(m.ruleId) ?? 0) + 1);
      alerts.push(sigmaAlert(m, ev));
    };
    for (const page of new TimeOrderedEvents(db, data.importId).pages(PAGE)) {
      const t = performance.now();
      for (const ev of page) for (const m of engine.evaluate(ev)) report(ev, m);
      busy += performance.now() - t;
      events += page.length;
      sinceLast += page.length;
      if (sinceLast >= POST_EVERY) post(false);
    }
    const t = performance.now();
    for (const m of engine.flush()) report(null, m);
    busy += performance.now() - t;
    post(true);
  } finally {
    db.close();
  }
}

try {
  run(workerData as SigmaPassData);
} catch (err) {
  const msg: SigmaPassMessage = { kind: 'error', message: (err as Error)?.message ?? String(err) };
  parentPort!.postMessage(msg);
}
