/**
 * One detection pass: a feed of stored events goes through a reorder buffer on event time and then
 * through the engine thread's stages; the side stages (Sigma, the ensemble) get the same batches in
 * a worker with a buffer of their own, or run here when there is no worker. The feed is an import's
 * batches as they are stored, the stored case page by page (a re-run), or live batches.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { NormalizedEvent } from '../../../src-shared/event';
import type { AlertWriter } from '../store/alerts';
import { ReorderBuffer } from './reorder';
import type { SideBatch, SidePass } from './side-pass';
import type { Stage } from './stage';

export class DetectionPass {
  private readonly buffer: ReorderBuffer<NormalizedEvent>;
  private readonly progressRow: Statement;
  /** Events fed so far. */
  events = 0;
  /** Milliseconds in each stage on this thread, and reading (`read`) when the pass reads the case. */
  readonly stageMs: Record<string, number> = {};

  constructor(
    private readonly db: Database,
    /** The run row it reports to; null for the live pass, which has none. */
    readonly runId: number | null,
    /** The stages this thread runs, in the order each batch goes through them. */
    readonly stages: Stage[],
    readonly sink: AlertWriter,
    /** The side stages' worker, or null when `stages` holds them too. */
    readonly side: SidePass | null,
    latenessMs: number,
  ) {
    this.buffer = new ReorderBuffer(latenessMs);
    this.progressRow = db.prepare('UPDATE detection_runs SET events = ?, alerts = ?, late = ? WHERE id = ?');
    for (const s of stages) this.stageMs[s.name] = 0;
  }

  /** Events that came later than the buffer's lateness allowed (scored where they arrived). */
  get late(): number {
    return this.buffer.late;
  }

  /**
   * Stored events, inside their batch's transaction; `sideBatch` is what the side worker needs to
   * rebuild them (its buffers move to the worker).
   */
  feed(events: NormalizedEvent[], sideBatch?: SideBatch): void {
    this.consume(this.buffer.push(events));
    this.events += events.length;
    if (sideBatch) this.side?.feed(sideBatch);
    this.saveProgress();
  }

  /** The end of the feed: what the buffer still holds goes through the stages. */
  flush(): void {
    this.consume(this.buffer.flush());
    this.saveProgress();
  }

  saveProgress(late = this.late): void {
    if (this.runId !== null) this.progressRow.run(this.events, this.sink.added, late, this.runId);
  }

  private consume(events: NormalizedEvent[]): void {
    if (events.length === 0) return;
    for (const s of this.stages) {
      const t = performance.now();
      s.consume(events, this.sink);
      this.stageMs[s.name]! += performance.now() - t;
    }
  }
}
