/**
 * The streaming models of one case (the Drain miner today; detectors as they arrive): restored
 * from the case when it opens, fed every stored batch, saved with each import checkpoint, and put
 * back to that checkpoint when an interrupted import resumes.
 *
 * An import may lend the miner to the thread that normalizes its lines: while it is lent, nothing
 * here may mine with it, and whoever needs it (the live collector) asks for it back and waits.
 */
import type { Database, Statement } from 'better-sqlite3';
import { Drain, type DrainState, type TemplateInfo } from '../parse/drain';
import { SourceNormalizer, type SourceOptions } from './normalize';

const DRAIN_KEY = 'drain';

export class CaseModels {
  private readonly drain: Drain;
  private readonly load: Statement;
  private readonly save: Statement;
  /** Set while the miner is lent: called once to ask for it back. */
  private lentTo: { askBack: () => void; asked: boolean } | null = null;
  private readonly waiting: (() => void)[] = [];

  constructor(db: Database) {
    this.load = db.prepare('SELECT value FROM model_state WHERE key = ?').pluck();
    this.save = db.prepare(
      'INSERT INTO model_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    );
    this.drain = new Drain();
    this.restoreDrain();
  }

  sourceNormalizer(opts: SourceOptions): SourceNormalizer {
    return new SourceNormalizer(this.drain, opts);
  }

  templateInfo(id: string): TemplateInfo | undefined {
    return this.drain.get(id);
  }

  /** Persist model state; call inside the transaction that records the checkpoint. */
  checkpoint(): void {
    if (this.lentTo) throw new Error('the template miner is lent out; checkpoint with the borrower’s state');
    this.save.run(DRAIN_KEY, JSON.stringify(this.drain.state()), Date.now());
  }

  /** Persist a lent miner's state, as the borrower reports it. */
  checkpointLent(state: DrainState): void {
    this.save.run(DRAIN_KEY, JSON.stringify(state), Date.now());
  }

  /** Go back to the last checkpoint's state. */
  rollBack(): void {
    this.restoreDrain();
  }

  get lent(): boolean {
    return this.lentTo !== null;
  }

  /**
   * Lend the miner: its state goes to the borrower, who mines with a copy until it gives the
   * state back with `giveBack`. `askBack` is called (once) when someone else needs it.
   */
  lend(askBack: () => void): DrainState {
    if (this.lentTo) throw new Error('the template miner is already lent out');
    this.lentTo = { askBack, asked: false };
    return this.drain.state();
  }

  /** End a loan: `state` is the borrower's miner, or null to go back to the last checkpoint. */
  giveBack(state: DrainState | null): void {
    if (state) this.drain.load(state);
    else this.restoreDrain();
    this.lentTo = null;
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  /** Resolves when the miner is here; asks the borrower to give it back if it is lent. */
  async home(): Promise<void> {
    const loan = this.lentTo;
    if (!loan) return;
    const back = new Promise<void>((resolve) => this.waiting.push(resolve));
    if (!loan.asked) {
      loan.asked = true;
      loan.askBack();
    }
    await back;
  }

  private restoreDrain(): void {
    const saved = this.load.get(DRAIN_KEY) as string | undefined;
    this.drain.load(saved ? (JSON.parse(saved) as DrainState) : new Drain().state());
  }
}
