/** Times as analysts type them in queries and time boxes: ISO 8601 in UTC, to the precision given. */

const TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A moment in UTC with the span its precision names: `2015-05-17` is that whole day, `…T10` an
 * hour, `…T10:05:03Z` a second. A zone suffix (Z, +02:00) is honoured; none means UTC. Epoch
 * milliseconds (12+ digits) are a single millisecond. Null when the text is not a time.
 */
export function parseTime(text: string): { lo: number; hi: number } | null {
  const s = text.trim();
  if (/^\d{12,14}$/.test(s)) {
    const ms = Number(s);
    return { lo: ms, hi: ms + 1 };
  }
  const m = TIME.exec(s);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const parts = [
    Number(y),
    mo ? Number(mo) - 1 : 0,
    d ? Number(d) : 1,
    h ? Number(h) : 0,
    mi ? Number(mi) : 0,
    sec ? Number(sec) : 0,
    frac ? Number(frac.padEnd(3, '0')) : 0,
  ];
  if (parts[1]! > 11 || parts[2]! < 1 || parts[2]! > 31 || parts[3]! > 23 || parts[4]! > 59 || parts[5]! > 60) return null;
  let lo = Date.UTC(parts[0]!, parts[1]!, parts[2]!, parts[3]!, parts[4]!, parts[5]!, parts[6]!);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    lo -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  let hi: number;
  if (frac) hi = lo + 1;
  else if (sec) hi = lo + 1000;
  else if (mi) hi = lo + 60_000;
  else if (h) hi = lo + 3_600_000;
  else if (d) hi = lo + 86_400_000;
  else if (mo) hi = Date.UTC(parts[0]!, parts[1]! + 1, 1) + (lo - Date.UTC(parts[0]!, parts[1]!, 1));
  else hi = Date.UTC(parts[0]! + 1, 0, 1) + (lo - Date.UTC(parts[0]!, 0, 1));
  return { lo, hi };
}
