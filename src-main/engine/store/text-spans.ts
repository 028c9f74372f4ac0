/**
 * Event texts stored as where they sit in the raw line instead of as copies of it.
 *
 * A parsed line's message, path, user agent and Drain parameters are nearly always pieces of its
 * raw text: an access line's row held its request, path and agent twice over, and those copies
 * were a fifth of the cost of storing it (binding and writing 650 bytes a row instead of 430).
 * Each is stored as a span of `raw` instead when it occurs in it:
 *
 * - message: `message_at` (where it starts, as before for a message that is the line's tail) and
 *   `message_len`; read back in JavaScript only (rowToEvent, rawRowToEvent).
 * - params: the JSON list keeps a string where a parameter is not in the line and holds
 *   `[start, length]` where it is; read back in JavaScript only.
 * - path and user_agent: `path_span` / `user_agent_span` (start · 2^26 + length), with `path` and
 *   `user_agent` generated columns over them (migration 17), because searches filter on them in
 *   SQL. SQLite's substr() counts characters where JavaScript counts UTF-16 units: the two agree
 *   unless the line holds a character outside the Basic Multilingual Plane (a surrogate pair), so
 *   such lines, and lines holding NUL, keep their texts. Spans pack as start · 2^26 + length
 *   (migration-formats.ts: the generated columns read them so).
 */

import { SPAN_SCALE } from './migration-formats';

const NOT_SQL_SAFE = /[\0\uD800-\uDFFF]/;

/** Whether SQLite's character offsets into `raw` equal JavaScript's. */
export function sqlSpansFit(raw: string): boolean {
  return !NOT_SQL_SAFE.test(raw);
}

/** `value`'s span in `raw` for a SQL-read column, or null when it must be stored as text. */
export function sqlSpan(raw: string, value: string | null, fits: boolean): number | null {
  if (value === null || !fits || value.length >= SPAN_SCALE) return null;
  const at = raw.indexOf(value);
  return at < 0 || at >= SPAN_SCALE ? null : at * SPAN_SCALE + value.length;
}

/** A message's row values: [message text, message_at, message_len]. */
export function messageColumns(raw: string, message: string): [string | null, number | null, number | null] {
  if (message === raw) return [null, null, null];
  // A tail keeps the old form (no length), so rows written before lengths existed read the same.
  if (raw.endsWith(message)) return [null, raw.length - message.length, null];
  const at = message.length > 0 ? raw.indexOf(message) : -1;
  return at < 0 ? [message, null, null] : [null, at, message.length];
}

/** The message from its row values. */
export function messageOf(raw: string, text: string | null, at: number | null, len: number | null): string {
  if (text !== null) return text;
  if (at === null) return raw;
  return len === null ? raw.slice(at) : raw.slice(at, at + len);
}

/**
 * Drain parameters as stored: JSON, a parameter found in the line as its [start, length]; null
 * when there are none or none is in the line (then they are stored as a list of texts).
 */
export function encodeParams(raw: string, params: readonly string[]): string | null {
  if (params.length === 0) return null;
  let from = 0;
  let found = false;
  let out = '[';
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    // Parameters come in line order: look after the last one first, then anywhere.
    let at = p.length > 0 ? raw.indexOf(p, from) : -1;
    if (at < 0 && p.length > 0) at = raw.indexOf(p);
    if (i > 0) out += ',';
    if (at < 0) out += JSON.stringify(p);
    else {
      out += `[${at},${p.length}]`;
      from = at + p.length;
      found = true;
    }
  }
  return found ? out + ']' : null;
}

/**
 * Parameters from their stored JSON, parsed by the caller (which may share it between rows: a list
 * of texts is returned as it is).
 */
export function decodeParams(raw: string, parsed: readonly (string | readonly [number, number])[]): string[] {
  if (parsed.every((p) => typeof p === 'string')) return parsed as string[];
  const out = new Array<string>(parsed.length);
  for (let i = 0; i < parsed.length; i++) {
    const p = parsed[i]!;
    out[i] = typeof p === 'string' ? p : raw.slice(p[0], p[0] + p[1]);
  }
  return out;
}
