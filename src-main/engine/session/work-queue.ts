/**
 * One case's long work, one piece at a time: imports and whole-case detection passes never overlap
 * (they share the case's one writer and the detectors' state). Closing stops the running piece
 * with `CaseClosing` (the work is owed, not cancelled) and drops what waits.
 */
import { CaseClosing } from '../errors';

export type Work = (signal: AbortSignal) => Promise<void>;

export class WorkQueue {
  private pump: Promise<void> = Promise.resolve();
  private current: { key: unknown; abort: AbortController } | null = null;
  private closed = false;

  /** Queue work; `key` names it so it can be found (an import id) while it runs. */
  schedule(work: Work, key: unknown = null): void {
    this.pump = this.pump
      .then(async () => {
        if (this.closed) return;
        const abort = new AbortController();
        this.current = { key, abort };
        try {
          await work(abort.signal);
        } finally {
          this.current = null;
        }
      })
      .catch((err: unknown) => console.error('[vigil] case work:', err));
  }

  /** The running work's key, or undefined when nothing runs. */
  get running(): unknown {
    return this.current?.key;
  }

  /** Stop the running work if its key is `key` (a cancel); true when it was running. */
  abort(key: unknown, reason?: unknown): boolean {
    if (!this.current || this.current.key !== key) return false;
    this.current.abort.abort(reason);
    return true;
  }

  /** Resolves once nothing runs or waits, including work queued meanwhile. */
  async idle(): Promise<void> {
    for (;;) {
      const pump = this.pump;
      await pump;
      if (pump === this.pump) return;
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Stop the running work (owed, not cancelled), drop the rest, wait for it to let go. */
  async close(): Promise<void> {
    this.closed = true;
    this.current?.abort.abort(new CaseClosing());
    await this.idle();
  }
}
