/**
 * The outbox pump: delivers due alerts outside any transaction, a few at a time, retries failures
 * with exponential backoff and moves what keeps failing to the dead letters. The outbox is in the
 * case, so a closed app or a crash loses nothing: pending rows go out when the case opens again.
 */
import type { Database } from 'better-sqlite3';
import type { AlertingChange, DesktopNotification, TestResult } from '../../../src-shared/contract-alerting';
import { EngineError } from '../errors';
import type { SecretStore } from './secrets';
import { DeliveryError, deliver } from './sinks';
import { addHistory, dueItems, getSink, outboxItem, type OutboxItem } from './store';

export interface DeliveryOptions {
  now(): number;
  notify(n: DesktopNotification): void;
  changed(c: AlertingChange): void;
  /** How often due rows are looked for (retries come due on this beat). */
  tickMs?: number;
  timeoutMs?: number;
  concurrency?: number;
}

const MAX_BACKOFF_MS = 3_600_000;
/** A disabled sink's alerts wait, checked again this often. */
const DISABLED_WAIT_MS = 60_000;

/** The wait before retry n (1-based): base, 2·base, 4·base, ... capped, plus up to 10% jitter. */
export function backoffDelay(attempt: number, baseMs: number, random = Math.random): number {
  const d = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(d * (1 + 0.1 * random()));
}

export class AlertDelivery {
  private timer: NodeJS.Timeout | null = null;
  private readonly inflight = new Map<number, Promise<void>>();
  /**
   * A sink that just failed is left alone until its retry is due: its other alerts wait instead
   * of each hammering a receiver that is down (they keep their attempts).
   */
  private readonly cooling = new Map<string, number>();
  private stopped = false;
  private pumping = false;
  private changeTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly secrets: SecretStore,
    private readonly opts: DeliveryOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.pump(), this.opts.tickMs ?? 1000);
    this.timer.unref();
    this.kick();
  }

  /** Look for due alerts soon (after the current transaction, if any, has committed). */
  kick(): void {
    setImmediate(() => this.pump());
  }

  /** Stop taking new work and wait for what is in flight; pending rows stay for next time. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.changeTimer) clearTimeout(this.changeTimer);
    await Promise.allSettled([...this.inflight.values()]);
  }

  /** One attempt now for this row (a test alert), and its outcome. */
  async attemptNow(id: number): Promise<TestResult> {
    const existing = this.inflight.get(id);
    if (existing) await existing;
    else {
      const item = outboxItem(this.db, id);
      if (item) await this.track(item);
    }
    const row = this.db.prepare('SELECT status, last_error FROM alert_outbox WHERE id = ?').get(id) as
      { status: TestResult['status']; last_error: string | null } | undefined;
    if (!row) throw new EngineError('not_found', `No alert ${id} in the outbox.`);
    return { outboxId: id, status: row.status, error: row.last_error };
  }

  pump(): void {
    if (this.stopped || this.pumping || !this.db.open) return;
    this.pumping = true;
    try {
      const room = (this.opts.concurrency ?? 4) - this.inflight.size;
      if (room <= 0) return;
      const now = this.opts.now();
      const cooling = [...this.cooling].filter(([, until]) => until > now).map(([id]) => id);
      for (const item of dueItems(this.db, now, room, [...this.inflight.keys()], cooling)) void this.track(item);
    } finally {
      this.pumping = false;
    }
  }

  private track(item: OutboxItem): Promise<void> {
    const p = this.attempt(item)
      .catch((err: unknown) => console.error('[vigil] alert delivery failed unexpectedly:', err))
      .finally(() => {
        this.inflight.delete(item.id);
        if (!this.stopped) this.kick();
      });
    this.inflight.set(item.id, p);
    return p;
  }

  private async attempt(item: OutboxItem): Promise<void> {
    const db = this.db;
    const sink = getSink(db, item.sinkId);
    const now = () => this.opts.now();
    const history = (event: 'sent' | 'retrying' | 'failed', detail: string) =>
      addHistory(db, {
        at: now(),
        event,
        incidentId: item.incidentId,
        ruleId: item.ruleId,
        sinkId: item.sinkId,
        outboxId: item.id,
        detail,
      });

    if (!sink) {
      db.prepare(`UPDATE alert_outbox SET status = 'dead', last_error = 'the sink was deleted' WHERE id = ?`).run(item.id);
      history('failed', 'the sink was deleted');
      return this.changed();
    }
    if (!sink.enabled && item.message.reason !== 'test') {
      db.prepare('UPDATE alert_outbox SET next_attempt_at = ? WHERE id = ?').run(now() + DISABLED_WAIT_MS, item.id);
      return;
    }
    const attempts = item.attempts + 1;
    try {
      let secrets;
      try {
        secrets = await this.secrets.get(sink.id);
      } catch (err) {
        throw new DeliveryError((err as Error).message, true);
      }
      await deliver(sink, secrets, item.message, {
        outboxId: item.id,
        notify: (n) => this.opts.notify(n),
        timeoutMs: this.opts.timeoutMs ?? 10_000,
      });
      if (!db.open) return;
      this.cooling.delete(sink.id);
      db.prepare(
        `UPDATE alert_outbox SET status = 'sent', attempts = ?, sent_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'`,
      ).run(attempts, now(), item.id);
      history('sent', `to ${sink.name} (${sink.kind})${attempts > 1 ? ` on attempt ${attempts}` : ''}`);
    } catch (err) {
      if (!db.open) return;
      const message = (err as Error).message;
      const permanent = err instanceof DeliveryError && err.permanent;
      if (permanent || attempts >= sink.maxAttempts) {
        db.prepare(`UPDATE alert_outbox SET status = 'dead', attempts = ?, last_error = ? WHERE id = ? AND status = 'pending'`).run(
          attempts,
          message,
          item.id,
        );
        history('failed', `${sink.name}: ${message}${permanent ? '' : ` (gave up after ${attempts} attempts)`}`);
      } else {
        const wait = backoffDelay(attempts, sink.backoffMs);
        this.cooling.set(sink.id, now() + wait);
        db.prepare(`UPDATE alert_outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'pending'`).run(
          attempts,
          message,
          now() + wait,
          item.id,
        );
        history('retrying', `${sink.name}: ${message}; attempt ${attempts + 1} of ${sink.maxAttempts} in ${Math.round(wait / 100) / 10} s`);
      }
    }
    this.changed();
  }

  /** Tell the workbench, at most five times a second. */
  private changed(): void {
    if (this.changeTimer || this.stopped) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = null;
      this.opts.changed({ reason: 'outbox' });
    }, 200);
  }
}
