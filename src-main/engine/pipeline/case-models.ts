/**
 * The streaming models of one case (the Drain miner today; detectors as they arrive): restored
 * from the case when it opens, fed every stored batch, saved with each import checkpoint, and put
 * back to that checkpoint when an interrupted import resumes.
 */
import type { Database, Statement } from 'better-sqlite3';
import { Drain, type DrainState, type TemplateInfo } from '../parse/drain';
import { SourceNormalizer, type SourceOptions } from './normalize';

const DRAIN_KEY = 'drain';

export class CaseModels {
  private drain: Drain;
  private readonly load: Statement;
  private readonly save: Statement;

  constructor(db: Database) {
    this.load = db.prepare('SELECT value FROM model_state WHERE key = ?').pluck();
    this.save = db.prepare(
      'INSERT INTO model_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.drain = this.restoreDrain();
  }

  sourceNormalizer(opts: SourceOptions): SourceNormalizer {
    return new SourceNormalizer(this.drain, opts);
  }

  templateInfo(id: string): TemplateInfo | undefined {
    return this.drain.get(id);
  }

  /** Persist model state; call inside the transaction that records the checkpoint. */
  checkpoint(): void {
    this.save.run(DRAIN_KEY, JSON.stringify(this.drain.state()), Date.now());
  }

  /** Go back to the last checkpoint's state. */
  rollBack(): void {
    this.drain = this.restoreDrain();
  }

  private restoreDrain(): Drain {
    const saved = this.load.get(DRAIN_KEY) as string | undefined;
    return saved ? Drain.restore(JSON.parse(saved) as DrainState) : new Drain();
  }
}
