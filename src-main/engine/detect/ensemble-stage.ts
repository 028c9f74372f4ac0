/**
 * The streaming anomaly ensemble in the pipeline: per-bucket scores of every detector stored for
 * the timelines view, and alerts when the blended score crosses its EVT threshold.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { Stage } from './stage';
import type { AlertEntity, AlertInput, AlertSink, Severity } from '../store/alerts';
import { EnsembleSet, SERVER_ERROR_SUFFIX } from './ensemble';
import type { EnsembleAlert, EnsembleSetState, ScorePoint } from './ensemble';

export class EnsembleStage implements Stage {
  readonly name = 'ensemble';
  private set = new EnsembleSet();
  private readonly upsertPoint: Statement | null;

  /**
   * Without a database (a pass's worker), score points go to `onPoint` instead of the case.
   */
  constructor(
    db: Database | null,
    private readonly onPoint?: (p: ScorePoint) => void,
  ) {
    // Several keys can score in one bucket; the timeline shows the highest.
    this.upsertPoint = db && db.prepare(`
      INSERT INTO score_points (source_type, detector, bucket, score, threshold, key) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT(source_type, detector, bucket) DO UPDATE SET
        score = excluded.score, threshold = excluded.threshold, key = excluded.key
      WHERE excluded.score > score`);
  }

  consume(events: readonly NormalizedEvent[], sink: AlertSink): void {
    for (const ev of events) if (ev.ts !== null) this.set.push(ev);
    this.collect(sink);
  }

  finish(sink: AlertSink): void {
    this.collect(sink);
  }

  state(): EnsembleSetState {
    return this.set.state();
  }

  restore(state: unknown): void {
    this.set = new EnsembleSet();
    try {
      if (state) this.set.restore(state as EnsembleSetState);
    } catch {
      // A state from an older ensemble cannot continue; it starts afresh and says so in the run.
      this.set = new EnsembleSet();
    }
  }

  private collect(sink: AlertSink): void {
    const out = this.set.drain();
    for (const p of out.points) this.storePoint(p);
    for (const a of out.alerts) this.report(a, sink);
  }

  private storePoint(p: ScorePoint): void {
    if (!Number.isFinite(p.score)) return;
    if (this.onPoint) return this.onPoint(p);
    this.upsertPoint?.run(p.sourceType, p.detector, p.bucket, p.score, p.threshold !== null && Number.isFinite(p.threshold) ? p.threshold : null, `${p.key.kind}:${p.key.value}`);
  }

  private report(a: EnsembleAlert, sink: AlertSink): void {
    sink.add(ensembleAlert(a));
  }

  /** Score points computed elsewhere (a pass's worker); call inside a transaction. */
  storePoints(points: readonly ScorePoint[]): void {
    for (const p of points) this.storePoint(p);
  }
}

/** An ensemble decision as an alert: about its entity, or about a source or template series. */
export function ensembleAlert(a: EnsembleAlert): AlertInput {
  const entities: AlertEntity[] = [];
  if (a.key.kind === 'entity') {
    const at = a.key.value.indexOf(':');
    if (at > 0) entities.push({ type: a.key.value.slice(0, at), value: a.key.value.slice(at + 1) });
  }
  const silence = a.count === 0;
  const serverErrors = a.key.kind === 'template' && a.key.value.endsWith(` ${SERVER_ERROR_SUFFIX}`);
  const what =
    a.key.kind === 'source'
      ? `source ${a.key.value}`
      : serverErrors
        ? `server errors (5xx) of template ${a.key.value.slice(0, -SERVER_ERROR_SUFFIX.length - 1)}`
        : a.key.kind === 'template'
          ? `template ${a.key.value}`
          : a.key.value;
  const ratio = a.threshold > 0 ? a.score / a.threshold : 1;
  const severity: Severity = ratio > 2 ? 'medium' : 'low';
  return {
    detector: 'ensemble',
    kind: silence ? 'silence' : a.key.kind,
    title: silence ? `Silence: ${what} went quiet` : `Unusual activity: ${what}`,
    severity,
    score: a.score,
    firstTs: a.bucket,
    lastTs: a.ts,
    key: a.key.kind === 'entity' ? a.key.value : `${a.key.kind}:${a.key.value}`,
    entities,
    evidence: a.evidence,
    details: { sourceType: a.sourceType, threshold: a.threshold, count: a.count, contributions: a.contributions, channelScores: a.channelScores },
    tags: [],
  };
}
