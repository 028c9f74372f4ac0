import type { NormalizedEvent } from '../../../../src-shared/event';
import { AuthLedger } from './auth/ledger';
import type { YearlessStamp } from './time';

/**
 * Per-source memory for year inference: BSD syslog timestamps carry no year, so the year of
 * the first line comes from the reference time and later lines follow the month sequence.
 */
export interface YearState {
  /** Year of the most recent line, or null before the first dated line. */
  year: number | null;
  /** Month (0-11) of the most recent line, or -1. */
  lastMonth: number;
  /** The earliest and latest year given to a yearless line, so an import can say what it assumed. */
  firstYear: number | null;
  lastYear: number | null;
  /** Lines kept in their year because the next would have dated them after the reference time. */
  futureKept: number;
}

/** What year inference assumed for a source's yearless lines. */
export interface AssumedYears {
  first: number;
  last: number;
  /** Lines kept in the last year because a new one would have dated them after the reference. */
  futureKept: number;
}

export interface ParseContext {
  /** File path, archive member path or listener name; copied to event.source. */
  source: string;
  /**
   * Epoch ms the yearless timestamps are judged against: no line is dated after it (the file's or
   * archive member's own time on import, the receive time live).
   */
  referenceTime: number;
  /** The stamp of the file's last line, when known: the first line's year is chosen to fit it. */
  lastStamp: YearlessStamp | null;
  /** Offset east of UTC, in minutes, for timestamps that carry no zone. Default 0 (UTC). */
  tzOffsetMinutes: number;
  /** Mutable per-source state; one context per source, never shared between sources. */
  state: YearState;
  /** Authentication lines of this source so far: which attempt a line reports (auth/ledger.ts). */
  auth: AuthLedger;
}

/** A parser: an event when the line fits its format, null when it does not. */
export type LineParser = (line: string, ctx: ParseContext) => NormalizedEvent | null;

export interface ParseContextOptions {
  referenceTime?: number;
  tzOffsetMinutes?: number;
  lastStamp?: YearlessStamp | null;
}

export function createParseContext(source: string, options: ParseContextOptions = {}): ParseContext {
  return {
    source,
    referenceTime: options.referenceTime ?? Date.now(),
    lastStamp: options.lastStamp ?? null,
    tzOffsetMinutes: options.tzOffsetMinutes ?? 0,
    state: { year: null, lastMonth: -1, firstYear: null, lastYear: null, futureKept: 0 },
    auth: new AuthLedger(),
  };
}
