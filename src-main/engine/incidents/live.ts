/**
 * Incidents while collecting: the live pass never ends while the collector runs, so incidents are
 * rebuilt from its findings as they come, throttled: a burst of lines costs one rebuild, and a
 * steady stream one a second. The rebuild is published like a pass's (`incidentsRebuilt`, scope
 * live), so alerting runs its rules on it and the workbench refreshes in place.
 */
import type { Database } from 'better-sqlite3';
import type { CaseBus } from '../session/bus';
import { rebuildIncidents } from './persist';

/** After the first new finding of a quiet spell: long enough to gather the rest of its burst. */
export const LIVE_SETTLE_MS = 150;
/** Between two live rebuilds at least this long, however fast findings arrive. */
export const LIVE_REBUILD_MS = 1000;
/**
 * And at least this many times as long as the last rebuild took: on a large case a rebuild costs
 * more, and the collector's batches must keep most of the engine thread.
 */
const LIVE_DUTY = 5;

export class LiveIncidents {
  private timer: NodeJS.Timeout | null = null;
  private lastRebuild = 0;
  private lastCostMs = 0;
  private closed = false;
  /** Rebuilds done (tests and the status read it). */
  rebuilds = 0;

  constructor(
    private readonly db: Database,
    private readonly bus: CaseBus,
    private readonly opts: { settleMs?: number; intervalMs?: number } = {},
  ) {
    bus.on('liveAdvanced', ({ alerts }) => {
      if (alerts > 0) this.schedule();
    });
    // The collector stopped: its pass's end rebuilds incidents; a pending live rebuild is moot.
    bus.on('liveStopped', () => this.cancel());
    bus.on('findingsCleared', () => this.cancel());
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    const settle = this.opts.settleMs ?? LIVE_SETTLE_MS;
    const interval = this.opts.intervalMs ?? LIVE_REBUILD_MS;
    const wait = Math.max(settle, this.lastRebuild + Math.max(interval, this.lastCostMs * LIVE_DUTY) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.rebuild();
    }, wait);
  }

  private rebuild(): void {
    if (this.closed || !this.db.open) return;
    this.lastRebuild = Date.now();
    const t = performance.now();
    try {
      this.db.transaction(() => {
        rebuildIncidents(this.db);
        this.bus.emit('incidentsRebuilt', { runId: 0, scope: 'live' });
      })();
      this.rebuilds++;
    } catch (err) {
      console.error('[vigil] building incidents while collecting failed:', err);
    }
    this.lastCostMs = performance.now() - t;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  close(): void {
    this.closed = true;
    this.cancel();
  }
}
