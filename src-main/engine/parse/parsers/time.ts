import type { ParseContext } from './context';

const DAY_MS = 86_400_000;
/**
 * How far past the reference time a yearless line may fall before it is taken to be from the year
 * before: a day, for lines written in local time up to 14 hours ahead of UTC.
 */
export const FUTURE_TOLERANCE_MS = DAY_MS;

const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Month names keyed by their three char codes packed in one number: no substring per lookup. */
const MONTH_BY_CODE = new Map<number, number>(
  MONTH_NAMES.map((name, i) => [name.charCodeAt(0) * 65536 + name.charCodeAt(1) * 256 + name.charCodeAt(2), i]),
);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Month index of a three-letter English abbreviation at `at`, or -1. */
export function monthAt(s: string, at: number): number {
  const b = s.charCodeAt(at + 1);
  const c = s.charCodeAt(at + 2);
  if (b > 255 || c > 255) return -1;
  return MONTH_BY_CODE.get(s.charCodeAt(at) * 65536 + b * 256 + c) ?? -1;
}

/** One ASCII digit at `at`, or -1. */
export function digitAt(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  return a >= 0 && a <= 9 ? a : -1;
}

/** Two ASCII digits at `at` as a number, or -1. */
export function twoDigits(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9) return -1;
  return a * 10 + b;
}

/** `HH:MM:SS` at `at` as seconds of the day, or -1. */
export function clockAt(s: string, at: number): number {
  if (s.charCodeAt(at + 2) !== 58 || s.charCodeAt(at + 5) !== 58) return -1;
  const h = twoDigits(s, at);
  const m = twoDigits(s, at + 3);
  const sec = twoDigits(s, at + 6);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return -1;
  return h * 3600 + m * 60 + sec;
}

export function daysInMonth(year: number, month: number): number {
  if (month !== 1) return DAYS_IN_MONTH[month]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** A yearless time stamp: month 0-11, day of the month, second of the day. */
export interface YearlessStamp {
  month: number;
  day: number;
  secondOfDay: number;
}

/**
 * The `Mmm dd hh:mm:ss` stamp a syslog line starts with (after an optional `<PRI>`), or null.
 * Used on a file's last line, so that the year of its first line can be chosen to fit its end.
 */
export function yearlessStamp(line: string): YearlessStamp | null {
  let i = 0;
  if (line.charCodeAt(0) === 60) {
    const close = line.indexOf('>');
    if (close < 2 || close > 4) return null;
    i = close + 1;
  }
  const month = monthAt(line, i);
  if (month < 0 || line.charCodeAt(i + 3) !== 32 || line.charCodeAt(i + 6) !== 32) return null;
  const day = line.charCodeAt(i + 4) === 32 ? digitAt(line, i + 5) : twoDigits(line, i + 4);
  const secondOfDay = clockAt(line, i + 7);
  if (day < 1 || day > 31 || secondOfDay < 0) return null;
  return { month, day, secondOfDay };
}

/** Epoch ms of a yearless stamp in a given year, in the context's zone. */
function stampAt(ctx: ParseContext, year: number, s: YearlessStamp): number {
  return Date.UTC(year, s.month, s.day) + s.secondOfDay * 1000 - ctx.tzOffsetMinutes * 60_000;
}

/** Position of a stamp within any year, for ordering two stamps of one file. */
function calendarKey(s: YearlessStamp): number {
  return (s.month * 32 + s.day) * 86_400 + s.secondOfDay;
}

/**
 * The year of a file's first yearless line: the latest year that dates no line of the file after
 * the reference time (the file's own time: its last write). When the file's last line is known,
 * it is the latest line, and the first is a year earlier if it comes later in the calendar
 * (the file turns a new year); otherwise the first line itself must not be in the future.
 */
function firstYear(ctx: ParseContext, first: YearlessStamp): number {
  const limit = ctx.referenceTime + FUTURE_TOLERANCE_MS;
  const anchor = ctx.lastStamp ?? first;
  let year = new Date(ctx.referenceTime).getUTCFullYear() + 1;
  while (stampAt(ctx, year, anchor) > limit) year--;
  if (ctx.lastStamp && calendarKey(ctx.lastStamp) < calendarKey(first)) year--;
  return year;
}

/**
 * Year of a yearless (month, day) line. The first line's year comes from `firstYear`; afterwards
 * a backwards jump of six months or more (December → January) starts a new year, and a forward
 * jump of that size is a straggler from the year before. A new year that would date lines after
 * the reference time is not started: those lines are counted (`futureKept`) and stay in the year.
 */
export function inferYear(ctx: ParseContext, month: number, day: number, secondOfDay: number): number {
  const st = ctx.state;
  let year: number;
  if (st.year === null) {
    year = firstYear(ctx, { month, day, secondOfDay });
    st.year = year;
    st.lastMonth = month;
  } else {
    const last = st.lastMonth;
    year = st.year;
    if (month < last && last - month >= 6) {
      if (stampAt(ctx, st.year + 1, { month, day, secondOfDay }) > ctx.referenceTime + FUTURE_TOLERANCE_MS) st.futureKept++;
      else year = ++st.year;
      st.lastMonth = month;
    } else if (month > last && month - last >= 6) year = st.year - 1;
    else st.lastMonth = month;
  }
  if (st.firstYear === null || year < st.firstYear) st.firstYear = year;
  if (st.lastYear === null || year > st.lastYear) st.lastYear = year;
  return year;
}

/** The last day converted: log lines come in time order, so most share their day. */
let cachedDayKey = -1;
let cachedDayMs = 0;

/** Epoch ms for calendar fields given in local time `tzOffsetMinutes` east of UTC; NaN if invalid. */
export function toEpochMs(
  year: number, month: number, day: number, secondOfDay: number, millis: number, tzOffsetMinutes: number,
): number {
  const key = (year * 12 + month) * 32 + day;
  if (key !== cachedDayKey) {
    // Date.UTC reads years 0-99 as 19xx; such years are not log times anyway.
    if (year < 100 || month < 0 || month > 11 || day < 1 || day > daysInMonth(year, month)) return NaN;
    cachedDayMs = Date.UTC(year, month, day);
    cachedDayKey = key;
  }
  return cachedDayMs + secondOfDay * 1000 + millis - tzOffsetMinutes * 60_000;
}

// YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM|±HHMM]
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Parses an RFC 3339 / ISO 8601 date-time. A missing zone means `defaultOffsetMinutes`;
 * Date.parse is avoided because it reads zoneless strings in the machine's local zone.
 */
export function parseIsoTimestamp(s: string, defaultOffsetMinutes: number): number | null {
  if (s.length < 19 || s.length > 40) return null;
  const m = ISO_RE.exec(s);
  if (m === null) return null;
  const month = Number(m[2]) - 1;
  const h = Number(m[4]);
  const min = Number(m[5]);
  const sec = Number(m[6]);
  if (month < 0 || month > 11 || h > 23 || min > 59 || sec > 60) return null;
  const frac = m[7];
  const millis = frac === undefined ? 0 : Math.floor(Number(frac.padEnd(3, '0').slice(0, 3)));
  const zone = m[8];
  let offset = defaultOffsetMinutes;
  if (zone !== undefined) offset = zone === 'Z' || zone === 'z' ? 0 : zoneOffsetMinutes(zone);
  const ms = toEpochMs(Number(m[1]), month, Number(m[3]), h * 3600 + min * 60 + sec, millis, offset);
  return Number.isNaN(ms) ? null : ms;
}

/** `+HH:MM`, `+HHMM` or `+HH` as minutes east of UTC. */
export function zoneOffsetMinutes(zone: string): number {
  const sign = zone.charCodeAt(0) === 45 ? -1 : 1;
  const digits = zone.length > 3 && zone.charCodeAt(3) === 58 ? zone.slice(1, 3) + zone.slice(4) : zone.slice(1);
  const h = Number(digits.slice(0, 2));
  const m = digits.length >= 4 ? Number(digits.slice(2, 4)) : 0;
  return sign * (h * 60 + m);
}

/**
 * An epoch number in seconds, milliseconds, microseconds or nanoseconds (told apart by
 * magnitude, which is unambiguous for dates between 1973 and 2286) as epoch ms.
 */
export function epochToMs(n: number): number | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  if (n >= 1e17) return Math.floor(n / 1e6);
  if (n >= 1e14) return Math.floor(n / 1e3);
  if (n >= 1e11) return Math.floor(n);
  return Math.floor(n * 1000);
}
