/**
 * The sink every listener writes into: it offers messages to the queue and keeps the counters the
 * collector panel shows (totals, live rate, drops by reason, top senders, the last lines).
 */
import { noRefusals, type RefusedCounts } from './connection-guard';
import type { LiveQueue } from './queue';
import { RateMeter } from './rate';
import { TopSenders, type SenderCount } from './top-senders';
import type { DropReason, LiveMessage, LiveSourceId, MessageSink } from './types';

/** Recent lines are cut to this length: the panel shows them, it does not need 10 MB of one. */
const RECENT_LINE_CHARS = 2000;

export interface ListenerCounters {
  received: number;
  /** Characters of accepted lines (bytes for ASCII). */
  bytes: number;
  drops: Record<DropReason, number>;
  connectionsOpen: number;
  connectionsTotal: number;
  /** Stream listeners: connections turned away or cut, by reason (see connection-guard.ts). */
  refused: RefusedCounts;
  /** Requests refused for a missing or wrong token/signature (HTTP receivers). */
  unauthorized: number;
  /** The last error the listener met (socket error, bad request), for the panel. */
  lastError: string | null;
  rate: RateMeter;
}

export interface RecentLine {
  source: LiveSourceId;
  sender: string;
  receivedAt: number;
  line: string;
}

export interface RecorderOptions {
  recentLines: number;
  topSenders: number;
  rateWindowSeconds: number;
  now: () => number;
}

export class Recorder implements MessageSink {
  private readonly counters = new Map<LiveSourceId, ListenerCounters>();
  private readonly total: RateMeter;
  private readonly senders: TopSenders;
  // A ring, like the queue: the panel reads it rarely, listeners write it constantly.
  private readonly recent: (RecentLine | undefined)[];
  private recentNext = 0;

  constructor(
    private readonly queue: LiveQueue,
    private readonly options: RecorderOptions,
  ) {
    this.total = new RateMeter(options.rateWindowSeconds);
    this.senders = new TopSenders(options.topSenders);
    this.recent = new Array<RecentLine | undefined>(Math.max(0, options.recentLines));
  }

  /** The counters of one listener, created on first use. */
  for(source: LiveSourceId): ListenerCounters {
    let c = this.counters.get(source);
    if (c === undefined) {
      c = {
        received: 0,
        bytes: 0,
        drops: { queueFull: 0, oversize: 0, malformed: 0 },
        connectionsOpen: 0,
        connectionsTotal: 0,
        refused: noRefusals(),
        unauthorized: 0,
        lastError: null,
        rate: new RateMeter(this.options.rateWindowSeconds),
      };
      this.counters.set(source, c);
    }
    return c;
  }

  push(msg: LiveMessage): boolean {
    if (!this.queue.tryOffer(msg)) return false;
    const c = this.for(msg.source);
    c.received++;
    c.bytes += msg.line.length;
    c.rate.add(1, msg.receivedAt);
    this.total.add(1, msg.receivedAt);
    this.senders.add(msg.sender);
    if (this.recent.length > 0) {
      this.recent[this.recentNext] = msg as RecentLine;
      this.recentNext = (this.recentNext + 1) % this.recent.length;
    }
    return true;
  }

  drop(source: LiveSourceId, reason: DropReason, _sender?: string, count = 1): void {
    this.for(source).drops[reason] += count;
    if (reason === 'queueFull') this.queue.countDrop(source, count);
  }

  noteError(source: LiveSourceId, err: unknown): void {
    this.for(source).lastError = err instanceof Error ? err.message : String(err);
  }

  totalRate(): number {
    return this.total.rate(this.options.now());
  }

  rateOf(source: LiveSourceId): number {
    return this.for(source).rate.rate(this.options.now());
  }

  totalPeak(): number {
    return this.total.peak(this.options.now());
  }

  peakOf(source: LiveSourceId): number {
    return this.for(source).rate.peak(this.options.now());
  }

  topSenders(n: number): SenderCount[] {
    return this.senders.top(n);
  }

  /** The last lines, oldest first, copied out so the panel never holds queue messages. */
  recentLines(): RecentLine[] {
    const out: RecentLine[] = [];
    for (let i = 0; i < this.recent.length; i++) {
      const r = this.recent[(this.recentNext + i) % this.recent.length];
      if (r === undefined) continue;
      out.push({ source: r.source, sender: r.sender, receivedAt: r.receivedAt, line: r.line.slice(0, RECENT_LINE_CHARS) });
    }
    return out;
  }
}
