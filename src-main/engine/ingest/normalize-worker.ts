/**
 * An import's normalizing thread: parses its lines, mines their templates and extracts their
 * entities, and hands the engine thread rows ready to store (EventWriter.insertBatch), so that
 * parsing one batch overlaps storing the one before. Holds the case's template miner for the
 * import's duration (CaseModels.lend) and reports its state on request. See normalizer-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { SidePassData } from '../detect/side-pass';
import { SideStages } from '../detect/side-stages';
import { Drain } from '../parse/drain';
import { SourceNormalizer } from '../pipeline/normalize';
import { widen, type BatchTemplate, type NormalizedBatch } from '../store/event-writer';
import { EntityPacker, eventValues, ROW_WIDTH, RowPacker } from '../store/row-batch';
import type { NormalizeRequest, NormalizeReply, NormalizerThreadData } from './normalizer-thread';

const port = parentPort!;
const data = workerData as NormalizerThreadData;
const drain = Drain.restore(data.drain);
const sources = new Map<number, SourceNormalizer>();

/**
 * Sigma and the ensemble over the import's events, when the import's detection pass follows it
 * (Detection.follow): each batch's events wait here until the engine has stored them and says
 * with which ids, then go through both stages, as the side pass would read them back.
 */
class FollowingDetectors {
  private readonly side: SideStages;
  private readonly waiting: NormalizedEvent[][] = [];

  constructor(data: SidePassData) {
    this.side = new SideStages(data);
  }

  normalized(events: NormalizedEvent[]): void {
    this.waiting.push(events);
  }

  stored(ids: Float64Array): void {
    const events = this.waiting.shift();
    if (!events || events.length !== ids.length) throw new Error('stored rows do not match the batch they were normalized in');
    for (let i = 0; i < events.length; i++) events[i]!.id = ids[i]!;
    this.side.consume(events);
  }

  finish(seq: number): NormalizeReply {
    this.side.finish();
    const result = { ...this.side.take(), ms: this.side.times(), ensemble: this.side.ensembleState() };
    this.close();
    return { kind: 'detected', seq, result };
  }

  close(): void {
    this.waiting.length = 0;
    this.side.close();
  }
}

let detectors: FollowingDetectors | null = null;
let detectFailure: string | null = null;
try {
  if (data.detect) detectors = new FollowingDetectors(data.detect);
} catch (err) {
  detectFailure = String((err as Error)?.message ?? err);
}

function normalize(source: SourceNormalizer, lines: readonly string[], keep: NormalizedEvent[] | null): NormalizedBatch {
  const rows = new RowPacker(lines.length);
  const entities = new EntityPacker();
  const templates = new Map<string, BatchTemplate>();
  const row: unknown[] = new Array(ROW_WIDTH);
  const unparsedBefore = source.unparsed;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const { event, entities: found } = source.line(line);
    keep?.push(event);
    eventValues(event, row, 0);
    rows.add(row, line);
    const ts = event.ts;
    for (const e of found) entities.add(i, e.id, e.type, e.value, ts);
    if (event.template_id) {
      let t = templates.get(event.template_id);
      if (!t) templates.set(event.template_id, (t = { id: event.template_id, template: '', examples: [], first: ts, last: ts, at: [] }));
      t.at.push(i);
      widen(t, ts, ts);
    }
  }
  for (const t of templates.values()) {
    const info = drain.get(t.id);
    t.template = info?.template ?? '';
    t.examples = info?.examples ?? [];
  }
  return {
    rows: rows.finish(),
    unparsed: source.unparsed - unparsedBefore,
    years: source.assumedYears(),
    entities: entities.finish(),
    templates: [...templates.values()],
  };
}

port.on('message', (m: NormalizeRequest) => {
  let reply: NormalizeReply;
  try {
    switch (m.kind) {
      case 'source':
        sources.set(m.key, new SourceNormalizer(drain, m.options));
        return;
      case 'close':
        sources.delete(m.key);
        return;
      case 'lines': {
        const source = sources.get(m.key);
        if (!source) throw new Error(`no source ${m.key} in the normalizing thread`);
        // One string crosses faster than thousands: the lines come joined.
        const keep: NormalizedEvent[] | null = detectors ? [] : null;
        const batch = normalize(source, m.count > 0 ? m.lines.split('\n') : [], keep);
        if (keep) detectors!.normalized(keep);
        const { rows, entities } = batch;
        port.postMessage({ kind: 'batch', seq: m.seq, batch } satisfies NormalizeReply, [
          rows.nums.buffer,
          rows.codes.buffer,
          entities.first.buffer,
          entities.ends.buffer,
          entities.at.buffer,
          entities.last.buffer,
        ] as ArrayBuffer[]);
        return;
      }
      case 'state':
        reply = { kind: 'state', seq: m.seq, state: drain.state() };
        break;
      case 'stored':
        try {
          detectors?.stored(m.ids);
        } catch (err) {
          // The import goes on; the engine hears of it when it asks for the findings.
          detectFailure = String((err as Error)?.message ?? err);
          detectors?.close();
          detectors = null;
        }
        return;
      case 'unfollow':
        detectors?.close();
        detectors = null;
        return;
      case 'detected':
        try {
          if (!detectors) throw new Error(detectFailure ?? 'the normalizing thread is not running detectors');
          reply = detectors.finish(m.seq);
        } catch (err) {
          reply = { kind: 'detected', seq: m.seq, result: null, error: String((err as Error)?.message ?? err) };
        }
        detectors = null;
        break;
    }
  } catch (err) {
    reply = { kind: 'error', message: String((err as Error)?.stack ?? err) };
  }
  port.postMessage(reply);
});
