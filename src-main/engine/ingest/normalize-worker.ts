/**
 * An import's normalizing thread: parses its lines, mines their templates and extracts their
 * entities, and hands the engine thread rows ready to store (EventWriter.insertBatch), so that
 * parsing one batch overlaps storing the one before. Holds the case's template miner for the
 * import's duration (CaseModels.lend) and reports its state on request. See normalizer-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Drain } from '../parse/drain';
import { SourceNormalizer } from '../pipeline/normalize';
import { widen, type BatchTemplate, type NormalizedBatch } from '../store/event-writer';
import { EntityPacker, eventValues, ROW_WIDTH, RowPacker } from '../store/row-batch';
import type { NormalizeRequest, NormalizeReply, NormalizerThreadData } from './normalizer-thread';

const port = parentPort!;
const data = workerData as NormalizerThreadData;
const drain = Drain.restore(data.drain);
const sources = new Map<number, SourceNormalizer>();

function normalize(source: SourceNormalizer, lines: readonly string[]): NormalizedBatch {
  const rows = new RowPacker(lines.length);
  const entities = new EntityPacker();
  const templates = new Map<string, BatchTemplate>();
  const row: unknown[] = new Array(ROW_WIDTH);
  const unparsedBefore = source.unparsed;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const { event, entities: found } = source.line(line);
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
      case 'warm': {
        const source = sources.get(m.key);
        if (!source) throw new Error(`no source ${m.key} in the normalizing thread`);
        source.warm(m.lines);
        return;
      }
      case 'close':
        sources.delete(m.key);
        return;
      case 'lines': {
        const source = sources.get(m.key);
        if (!source) throw new Error(`no source ${m.key} in the normalizing thread`);
        // One string crosses faster than thousands: the lines come joined.
        const batch = normalize(source, m.count > 0 ? m.lines.split('\n') : []);
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
    }
  } catch (err) {
    reply = { kind: 'error', message: String((err as Error)?.stack ?? err) };
  }
  port.postMessage(reply);
});
