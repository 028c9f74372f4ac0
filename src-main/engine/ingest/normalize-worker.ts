/**
 * An import's normalizing thread: parses its lines, mines their templates and extracts their
 * entities, and hands the engine thread rows ready to store (EventWriter.addBatch), so that
 * parsing one batch overlaps storing the one before. Holds the case's template miner for the
 * import's duration (CaseModels.lend) and reports its state on request. See normalizer-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { AlertInput, AlertSink } from '../store/alerts';
import type { ScorePoint } from '../detect/ensemble';
import { EnsembleStage } from '../detect/ensemble-stage';
import type { SidePassData } from '../detect/side-pass';
import { SigmaStage } from '../detect/sigma-stage';
import { Drain } from '../parse/drain';
import { SourceNormalizer } from '../pipeline/normalize';
import type { BatchTemplate, NormalizedBatch } from '../store/event-writer';
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
  private readonly db: Database.Database;
  private readonly sigma: SigmaStage;
  private readonly ensemble: EnsembleStage;
  private readonly waiting: NormalizedEvent[][] = [];
  private readonly alerts: AlertInput[] = [];
  private readonly points: ScorePoint[] = [];
  private readonly sink: AlertSink = { add: (a) => this.alerts.push(a) };
  private readonly ms = { sigma: 0, ensemble: 0 };

  constructor(side: SidePassData) {
    this.db = new Database(side.dbPath, {
      readonly: true,
      fileMustExist: true,
      ...(side.nativeBinding ? { nativeBinding: side.nativeBinding } : {}),
    });
    this.db.pragma('cache_size = -8192');
    this.sigma = new SigmaStage(this.db, side.rulesDir, { storeHits: false });
    this.ensemble = new EnsembleStage(null, (p) => this.points.push(p));
    this.ensemble.restore(side.ensemble);
  }

  normalized(events: NormalizedEvent[]): void {
    this.waiting.push(events);
  }

  stored(ids: Float64Array): void {
    const events = this.waiting.shift();
    if (!events || events.length !== ids.length) throw new Error('stored rows do not match the batch they were normalized in');
    for (let i = 0; i < events.length; i++) events[i]!.id = ids[i]!;
    let t = performance.now();
    this.sigma.consume(events, this.sink);
    this.ms.sigma += performance.now() - t;
    t = performance.now();
    this.ensemble.consume(events, this.sink);
    this.ms.ensemble += performance.now() - t;
  }

  finish(seq: number): NormalizeReply {
    let t = performance.now();
    this.sigma.finish(this.sink);
    this.ms.sigma += performance.now() - t;
    t = performance.now();
    this.ensemble.finish(this.sink);
    this.ms.ensemble += performance.now() - t;
    this.close();
    return {
      kind: 'detected',
      seq,
      result: {
        alerts: this.alerts,
        hits: [...this.sigma.takeHits()],
        points: this.points,
        ms: { sigma: Math.round(this.ms.sigma), ensemble: Math.round(this.ms.ensemble) },
        ensemble: this.ensemble.state(),
      },
    };
  }

  close(): void {
    this.waiting.length = 0;
    if (this.db.open) this.db.close();
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
      widen(t, ts);
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
    entities: entities.finish(),
    templates: [...templates.values()],
  };
}

function widen(acc: { first: number | null; last: number | null }, ts: number | null): void {
  if (ts === null) return;
  if (acc.first === null || ts < acc.first) acc.first = ts;
  if (acc.last === null || ts > acc.last) acc.last = ts;
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
