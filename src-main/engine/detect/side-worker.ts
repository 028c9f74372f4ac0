/**
 * The side half of a detection pass, in a thread of its own: Sigma, population and the ensemble over
 * the pass's events, fed as an import stores them or read from the case in time order, with
 * alerts and score points posted back for the engine thread to store. See side-pass.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizedEvent } from '../../../src-shared/event';
import { JsonColumns, packedToEvents, TimeOrderedEvents } from '../store/event-rows';
import { ReorderBuffer } from './reorder';
import type { SideFeedMessage, SidePassData, SidePassMessage } from './side-pass';
import { SideStages } from './side-stages';

const PAGE = 1000;
/** Results go back in batches: one message per page would cost more than it carries. */
const POST_EVERY = 10_000;

const port = parentPort!;
const data = workerData as SidePassData;

function start(): void {
  const side = new SideStages(data);
  let sinceLast = 0;
  const post = (final: boolean, late = 0) => {
    const found = side.take();
    const msg: SidePassMessage = final ? { kind: 'done', ...found, ms: side.times(), ensemble: side.ensembleState(), population: side.populationState(), late } : { kind: 'results', ...found };
    port.postMessage(msg);
    sinceLast = 0;
  };
  const consume = (events: NormalizedEvent[]) => {
    if (events.length === 0) return;
    side.consume(events);
    sinceLast += events.length;
    if (sinceLast >= POST_EVERY) post(false);
  };

  if (data.mode === 'read') {
    try {
      for (const page of new TimeOrderedEvents(side.db, data.importId).pages(PAGE)) consume(page);
      side.finish();
      post(true);
    } finally {
      side.close();
    }
    return;
  }

  const buffer = new ReorderBuffer<NormalizedEvent>(data.latenessMs);
  const json = new JsonColumns();
  port.on('message', (m: SideFeedMessage) => {
    try {
      if (m.kind === 'batch') {
        const b = m.batch;
        const lines = b.rows.n > 0 ? b.lines.split('\n') : [];
        consume(buffer.push(packedToEvents(b.rows, lines, b.ids, b.sourceId, b.sourceName, json)));
        return;
      }
      consume(buffer.flush());
      side.finish();
      post(true, buffer.late);
      side.close();
      port.close();
    } catch (err) {
      fail(err);
    }
  });
}

function fail(err: unknown): void {
  const msg: SidePassMessage = { kind: 'error', message: (err as Error)?.message ?? String(err) };
  port.postMessage(msg);
}

try {
  start();
} catch (err) {
  fail(err);
}
