/**
 * Sessions and per-IP windows: the two groupings the feature vectors are computed over.
 *
 * Sessions: key (src_ip, user, user_agent); a session ends after `sessionGapMs` of inactivity
 * (default 30 min) or at `maxGroupMs`. Events without a source IP (cron, local sudo) are left out:
 * the behavioural models are about remote actors.
 *
 * IP windows: tumbling, `ipWindowMs` long (default 10 min), aligned to the epoch. Tumbling rather
 * than sliding because each event then lands in exactly one window, the windows of a replay are
 * identical to those of a live run, and a window closes at a fixed event time without waiting for
 * a gap; the cost is that a burst straddling a boundary is split, which the per-minute burst
 * features and the gap-based sessions make up for.
 *
 * Both close on the watermark (event time), never the wall clock. Open state is one LRU map per
 * grouping, so the stalest group is always at the front: expiry scans stop at the first live
 * entry, and when the cap is hit the stalest group is closed early.
 */
import { ActivityStats } from './activity';
import type { EventFacts } from './eventFacts';
import type { GroupKind } from './features';

export interface OpenGroup {
  kind: GroupKind;
  key: string;
  ip: string;
  user: string | null;
  userAgent: string | null;
  /** IP windows: window start; sessions: first event time. */
  windowStart: number;
  stats: ActivityStats;
  /** Event time the group last moved to the back of the open map. */
  moved: number;
}

export type CloseReason = 'gap' | 'window_end' | 'max_length' | 'evicted' | 'flush';

export type GroupSink = (g: OpenGroup, reason: CloseReason) => void;

interface GroupLimits {
  maxDistinct: number;
  maxEvidence: number;
  maxOpen: number;
}

abstract class Grouper {
  protected readonly open = new Map<string, OpenGroup>();

  constructor(
    protected readonly limits: GroupLimits,
    protected readonly sink: GroupSink,
  ) {}

  get openCount(): number {
    return this.open.size;
  }

  protected touch(g: OpenGroup, f: EventFacts, isNew: boolean): void {
    // Moving on every event was a hot spot; moving at most once per second of event time keeps
    // the map ordered by activity to within a second, which only delays a close by as much.
    if (isNew || f.ts - g.moved >= 1000) {
      this.open.delete(g.key);
      this.open.set(g.key, g);
      g.moved = f.ts;
    }
    g.stats.add(f);
    if (this.open.size > this.limits.maxOpen) {
      const [k, stalest] = this.open.entries().next().value as [string, OpenGroup];
      this.open.delete(k);
      this.sink(stalest, 'evicted');
    }
  }

  protected newGroup(kind: GroupKind, key: string, f: EventFacts, windowStart: number, user: string | null, ua: string | null): OpenGroup {
    return {
      kind,
      key,
      ip: f.source as string,
      user,
      userAgent: ua,
      windowStart,
      stats: new ActivityStats(this.limits.maxDistinct, this.limits.maxEvidence),
      moved: f.ts,
    };
  }

  protected abstract expired(g: OpenGroup, watermark: number): CloseReason | null;

  advance(watermark: number): void {
    for (const [k, g] of this.open) {
      const reason = this.expired(g, watermark);
      if (reason === null) break;
      this.open.delete(k);
      this.sink(g, reason);
    }
  }

  flush(): void {
    for (const g of this.open.values()) this.sink(g, 'flush');
    this.open.clear();
  }
}

export class SessionTracker extends Grouper {
  constructor(
    private readonly gapMs: number,
    private readonly maxLengthMs: number,
    limits: GroupLimits,
    sink: GroupSink,
  ) {
    super(limits, sink);
  }

  add(f: EventFacts): void {
    if (f.source === null) return;
    const key = `${f.source}\u0000${f.user ?? ''}\u0000${f.userAgent ?? ''}`;
    let g = this.open.get(key);
    if (g !== undefined && (f.ts - g.stats.last >= this.gapMs || f.ts - g.stats.first >= this.maxLengthMs)) {
      this.open.delete(key);
      this.sink(g, f.ts - g.stats.last >= this.gapMs ? 'gap' : 'max_length');
      g = undefined;
    }
    const isNew = g === undefined;
    g ??= this.newGroup('session', key, f, f.ts, f.user, f.userAgent);
    this.touch(g, f, isNew);
  }

  protected expired(g: OpenGroup, watermark: number): CloseReason | null {
    if (watermark - g.stats.last >= this.gapMs) return 'gap';
    if (watermark - g.stats.first >= this.maxLengthMs) return 'max_length';
    return null;
  }
}

export class IpWindowTracker extends Grouper {
  constructor(
    private readonly windowMs: number,
    limits: GroupLimits,
    sink: GroupSink,
  ) {
    super(limits, sink);
  }

  add(f: EventFacts): void {
    if (f.source === null) return;
    const start = Math.floor(f.ts / this.windowMs) * this.windowMs;
    let g = this.open.get(f.source);
    // A late event for an already-advanced window stays in the current one: bounded error,
    // no reopening of closed windows.
    if (g !== undefined && start > g.windowStart) {
      this.open.delete(f.source);
      this.sink(g, 'window_end');
      g = undefined;
    }
    const isNew = g === undefined;
    g ??= this.newGroup('ip_window', f.source, f, start, null, null);
    this.touch(g, f, isNew);
  }

  protected expired(g: OpenGroup, watermark: number): CloseReason | null {
    return watermark >= g.windowStart + this.windowMs ? 'window_end' : null;
  }
}
