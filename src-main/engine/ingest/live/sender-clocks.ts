/**
 * Which time a live line gets. A sender's header time is the event's time when it is believable:
 * not after the receive time (beyond a few minutes of clock jitter) and not older than the trust
 * window, so a forwarder catching up after an outage keeps its backlog's real times. A sender whose
 * clock is off shows it as a steady offset between its header times and their receive times; once
 * that is seen (and only then) its lines are corrected by it, and the collector panel shows it. A
 * line with no usable header time takes its own receive time, never a neighbour's.
 */

const MINUTE = 60_000;
/** A header this far after its receive time is clock jitter, not skew. */
const FUTURE_JITTER_MS = 5 * MINUTE;
/** An offset this large, held steady, is a clock that is off. */
export const SKEW_MIN_MS = 2 * MINUTE;
/** How steady: the offsets seen over the sample may differ by this much (second stamps, transit). */
const SKEW_SPREAD_MS = 5_000;
/** The sample: lines received over at least this long (a backlog comes in a burst, not over time). */
const SKEW_SPAN_MS = 20_000;
const SKEW_MIN_LINES = 5;
const SAMPLE_MAX = 64;
/** Senders remembered (a relay of many hosts is one sender per host; the quietest are forgotten). */
const MAX_CLOCKS = 1000;

export const DEFAULT_TRUST_DAYS = 7;

export type TimeChoice = 'header' | 'received' | 'corrected';

export interface TimeVerdict {
  ts: number;
  how: TimeChoice;
  /** The skew applied (`corrected`), header time minus true time. */
  skewMs?: number;
}

export interface SenderClock {
  sender: string;
  lines: number;
  /** Header time minus receive time, held steady; null until a steady sample was seen. */
  skewMs: number | null;
  /** Lines whose header time was corrected by the skew. */
  corrected: number;
  /** Lines that took their receive time: no header time, or one outside the trust window. */
  received: number;
  lastSeen: number;
}

interface Clock extends SenderClock {
  samples: { at: number; offset: number }[];
}

export class SenderClocks {
  private readonly clocks = new Map<string, Clock>();

  constructor(private readonly trustWindowMs: number = DEFAULT_TRUST_DAYS * 86_400_000) {}

  /** The time of one line from `sender` whose header said `header` (null: none), received at `receivedAt`. */
  judge(sender: string, header: number | null, receivedAt: number): TimeVerdict {
    const c = this.clock(sender, receivedAt);
    c.lines++;
    c.lastSeen = receivedAt;
    if (header === null || !Number.isFinite(header)) {
      c.received++;
      return { ts: receivedAt, how: 'received' };
    }
    this.observe(c, header, receivedAt);
    if (c.skewMs !== null && c.skewMs !== 0) {
      const ts = header - c.skewMs;
      if (this.believable(ts, receivedAt)) {
        c.corrected++;
        return { ts, how: 'corrected', skewMs: c.skewMs };
      }
    } else if (this.believable(header, receivedAt)) {
      return { ts: header, how: 'header' };
    }
    c.received++;
    return { ts: receivedAt, how: 'received' };
  }

  /** Every sender seen, the ones with a skew first, then the busiest. */
  list(limit = 50): SenderClock[] {
    return [...this.clocks.values()]
      .map(({ samples: _samples, ...rest }) => rest)
      .sort((a, b) => Number(b.skewMs !== null && b.skewMs !== 0) - Number(a.skewMs !== null && a.skewMs !== 0) || b.lines - a.lines)
      .slice(0, limit);
  }

  private believable(ts: number, receivedAt: number): boolean {
    return ts <= receivedAt + FUTURE_JITTER_MS && ts >= receivedAt - this.trustWindowMs;
  }

  private clock(sender: string, now: number): Clock {
    let c = this.clocks.get(sender);
    if (c) return c;
    if (this.clocks.size >= MAX_CLOCKS) {
      let quietest: Clock | null = null;
      for (const k of this.clocks.values()) if (!quietest || k.lastSeen < quietest.lastSeen) quietest = k;
      this.clocks.delete(quietest!.sender);
    }
    c = { sender, lines: 0, skewMs: null, corrected: 0, received: 0, lastSeen: now, samples: [] };
    this.clocks.set(sender, c);
    return c;
  }

  /**
   * Keep the offset in the sender's sample, and judge its clock when the sample spans long enough:
   * offsets that hold steady say how far off it is (0 when within SKEW_MIN_MS). A backlog replayed
   * in a burst spans too short a time; one replayed slowly has offsets that shrink as it catches
   * up, so neither is taken for skew.
   */
  private observe(c: Clock, header: number, receivedAt: number): void {
    const s = c.samples;
    s.push({ at: receivedAt, offset: header - receivedAt });
    while (s.length > SAMPLE_MAX || (s.length > SKEW_MIN_LINES && receivedAt - s[1]!.at >= SKEW_SPAN_MS)) s.shift();
    if (s.length < SKEW_MIN_LINES || receivedAt - s[0]!.at < SKEW_SPAN_MS) return;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of s) {
      lo = Math.min(lo, x.offset);
      hi = Math.max(hi, x.offset);
    }
    if (hi - lo > SKEW_SPREAD_MS) return;
    const sorted = s.map((x) => x.offset).sort((a, b) => a - b);
    const median = sorted[sorted.length >> 1]!;
    c.skewMs = Math.abs(median) >= SKEW_MIN_MS ? Math.round(median / 1000) * 1000 : 0;
  }
}
