import type { NormalizedEvent } from '../../../../src-shared/event';

/**
 * Per-source memory for year inference: BSD syslog timestamps carry no year, so the year of
 * the first line comes from the reference time and later lines follow the month sequence.
 */
export interface YearState {
  /** Year of the most recent line, or null before the first dated line. */
  year: number | null;
  /** Month (0-11) of the most recent line, or -1. */
  lastMonth: number;
}

export interface ParseContext {
  /** File path, archive member path or listener name; copied to event.source. */
  source: string;
  /** Epoch ms the yearless timestamps are judged against (file mtime on import, receive time live). */
  referenceTime: number;
  /** Offset east of UTC, in minutes, for timestamps that carry no zone. Default 0 (UTC). */
  tzOffsetMinutes: number;
  /** Mutable per-source state; one context per source, never shared between sources. */
  state: YearState;
}

/** A parser: an event when the line fits its format, null when it does not. */
export type LineParser = (line: string, ctx: ParseContext) => NormalizedEvent | null;

export interface ParseContextOptions {
  referenceTime?: number;
  tzOffsetMinutes?: number;
}

export function createParseContext(source: string, options: ParseContextOptions = {}): ParseContext {
  return {
    source,
    referenceTime: options.referenceTime ?? Date.now(),
    tzOffsetMinutes: options.tzOffsetMinutes ?? 0,
    state: { year: null, lastMonth: -1 },
  };
}
