/**
 * The side half of a detection pass, in a thread of its own: reads the pass's events in event-time
 * order through its own read-only connection, evaluates every Sigma rule and runs the anomaly
 * ensemble, and posts alerts and score points back for the engine thread to store. Runs beside the
 * engine thread's stages, so a pass takes the longer of the two halves instead of their sum. See
 * side-pass.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TimeOrderedEvents } from '../store/event-rows';
import type { SidePassData, SidePassMessage } from './side-pass';
import { SideStages } from './side-stages';

const PAGE = 1000;
/** Results go back in batches: one message per page would cost more than it carries. */
const POST_EVERY = 10_000;

function run(data: SidePassData): void {
  const port = parentPort!;
  const side = new SideStages(data);
  try {
    let sinceLast = 0;
    const post = (final: boolean) => {
      const found = side.take();
      const msg: SidePassMessage = final ? { kind: 'done', ...found, ms: side.times(), ensemble: side.ensembleState() } : { kind: 'results', ...found };
      port.postMessage(msg);
      sinceLast = 0;
    };
    for (const page of new TimeOrderedEvents(side.db, data.importId).pages(PAGE)) {
      side.consume(page);
      sinceLast += page.length;
      if (sinceLast >= POST_EVERY) post(false);
    }
    side.finish();
    post(true);
  } finally {
    side.close();
  }
}

try {
  run(workerData as SidePassData);
} catch (err) {
  const msg: SidePassMessage = { kind: 'error', message: (err as Error)?.message ?? String(err) };
  parentPort!.postMessage(msg);
}
