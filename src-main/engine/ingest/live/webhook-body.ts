/**
 * A webhook body to lines: one JSON object, an array of them, or JSON lines. Objects are handed
 * on as compact JSON; a string element is taken as a raw log line. Lines that are not JSON are
 * counted as malformed rather than guessed at. JSON nested deeper than MAX_DEPTH is refused
 * before it is parsed: a body nested 100,000 deep parses, but re-serialising (or walking) it
 * overflows the stack.
 */
import { HttpError } from './http-body';

/** The same bound as the contract's inputs (dispatcher.ts). */
export const MAX_DEPTH = 64;

export interface WebhookLines {
  lines: string[];
  malformed: number;
}

function toLine(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value : null;
  if (value === null || value === undefined) return null;
  return JSON.stringify(value);
}

/**
 * Whether JSON text nests objects and arrays deeper than `limit` (brackets inside strings do not
 * count). Linear, and stops at the first level past the limit.
 */
export function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export function webhookBodyToLines(text: string): WebhookLines {
  const out: WebhookLines = { lines: [], malformed: 0 };
  const trimmed = text.trim();
  if (trimmed.length === 0) return out;
  let whole: unknown;
  let parsed = false;
  const deep = nestedDeeperThan(trimmed, MAX_DEPTH);
  try {
    whole = JSON.parse(trimmed);
    parsed = true;
  } catch {
    // Not one JSON document: JSON lines, read below.
  }
  if (parsed && deep) throw new HttpError(400, `the JSON body is nested deeper than ${MAX_DEPTH} levels`);
  if (parsed) {
    for (const value of Array.isArray(whole) ? whole : [whole]) {
      const line = toLine(value);
      if (line === null) out.malformed++;
      else out.lines.push(line);
    }
    return out;
  }
  for (const raw of trimmed.split('\n')) {
    const line = raw.trim();
    if (line.length === 0) continue;
    if (deep && nestedDeeperThan(line, MAX_DEPTH)) {
      out.malformed++;
      continue;
    }
    try {
      const value: unknown = JSON.parse(line);
      // Re-serialise only what is not already a one-line object, to keep the sender's text.
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) out.lines.push(line);
      else {
        const l = toLine(value);
        if (l === null) out.malformed++;
        else out.lines.push(l);
      }
    } catch {
      out.malformed++;
    }
  }
  return out;
}
