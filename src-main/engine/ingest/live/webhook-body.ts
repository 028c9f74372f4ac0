/**
 * A webhook body to lines: one JSON object, an array of them, or JSON lines. Objects are handed
 * on as compact JSON; a string element is taken as a raw log line. Lines that are not JSON are
 * counted as malformed rather than guessed at.
 */

export interface WebhookLines {
  lines: string[];
  malformed: number;
}

function toLine(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 ? value : null;
  if (value === null || value === undefined) return null;
  return JSON.stringify(value);
}

export function webhookBodyToLines(text: string): WebhookLines {
  const out: WebhookLines = { lines: [], malformed: 0 };
  const trimmed = text.trim();
  if (trimmed.length === 0) return out;
  let whole: unknown;
  let parsed = false;
  try {
    whole = JSON.parse(trimmed);
    parsed = true;
  } catch {
    // Not one JSON document: JSON lines, read below.
  }
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
