import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { ParseContext } from './context';
import { clockAt, digitAt, inferYear, monthAt, parseIsoTimestamp, toEpochMs, twoDigits } from './time';
import { linuxLogSource } from './logsource';
import { applyAuth } from './auth/index';

const SP = 32;
const COLON = 58;
const LBRACKET = 91;
const RBRACKET = 93;
/** Longest `app[pid]` tag accepted; RFC 3164 allows 32 characters, real ones run longer. */
const MAX_TAG = 64;
/** Longest host name accepted (DNS allows 253). */
const MAX_HOST = 255;

/** The decimal number in [from, to), or -1 unless it is 1-9 digits and nothing else. */
function digitsValue(s: string, from: number, to: number): number {
  if (to <= from || to - from > 9) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Reads `<PRI>` at the start of a line: the PRI value and the index after `>`, or null. */
export function readPri(line: string): { pri: number; next: number } | null {
  if (line.charCodeAt(0) !== 60) return null;
  let pri = 0;
  let i = 1;
  for (; i < 5; i++) {
    const c = line.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    pri = pri * 10 + c;
  }
  if (i === 1 || i === 5 || line.charCodeAt(i) !== 62 || pri > 191) return null;
  return { pri, next: i + 1 };
}

/**
 * RFC 3164 (BSD) syslog: `[<PRI>]Mmm dd hh:mm:ss host app[pid]: msg`, also with the RFC 3339
 * timestamp rsyslog writes by default on current distributions. The host may be missing (local
 * senders) and the tag too. Lines from auth apps (sshd, sudo, su, pam, ...) get the auth fields
 * and parser 'auth'; `fallbackService` is the Sigma service of the other apps.
 */
export function parseSyslog3164(
  line: string,
  ctx: ParseContext,
  fallbackService: 'auth' | 'syslog' = 'syslog',
): NormalizedEvent | null {
  let i = 0;
  let pri = -1;
  if (line.charCodeAt(0) === 60) {
    const p = readPri(line);
    if (p === null) return null;
    pri = p.pri;
    i = p.next;
  }

  let ts: number | null;
  const month = monthAt(line, i);
  if (month >= 0) {
    // `Mmm dd hh:mm:ss` with the day space- or zero-padded.
    if (line.charCodeAt(i + 3) !== SP || line.charCodeAt(i + 6) !== SP) return null;
    const day = line.charCodeAt(i + 4) === SP ? digitAt(line, i + 5) : twoDigits(line, i + 4);
    const sod = clockAt(line, i + 7);
    if (day < 1 || sod < 0) return null;
    i += 15;
    let millis = 0;
    if (line.charCodeAt(i) === 46) {
      // Fractional seconds, as some daemons add.
      let j = i + 1;
      let scale = 100;
      while (j < line.length && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) {
        millis += (line.charCodeAt(j) - 48) * scale;
        scale /= 10;
        j++;
      }
      millis = Math.floor(millis);
      i = j;
    }
    if (i < line.length && line.charCodeAt(i) !== SP) return null;
    const year = inferYear(ctx, month, day, sod);
    const ms = toEpochMs(year, month, day, sod, millis, ctx.tzOffsetMinutes);
    ts = Number.isNaN(ms) ? null : ms;
  } else {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57 || line.charCodeAt(i + 4) !== 45) return null;
    let end = line.indexOf(' ', i);
    if (end === -1) end = line.length;
    ts = parseIsoTimestamp(line.slice(i, end), ctx.tzOffsetMinutes);
    if (ts === null) return null;
    i = end;
  }
  if (line.charCodeAt(i) === SP) i++;

  const ev = emptyEvent(line, ctx.source);
  ev.parser = 'syslog3164';
  ev.ts = ts;
  if (pri >= 0) {
    ev.severity = pri & 7;
    ev.fields.facility = pri >> 3;
  }

  // Host: the next token, unless that token is already the tag (no host written). Manual scans:
  // these tokens are short and one loop beats several indexOf calls.
  const n = line.length;
  let j = i;
  let tagLike = false;
  while (j < n) {
    const c = line.charCodeAt(j);
    if (c === SP) break;
    if (c === LBRACKET) tagLike = true;
    j++;
  }
  if (j > i && j - i <= MAX_HOST && !tagLike && line.charCodeAt(j - 1) !== COLON) {
    ev.host = line.slice(i, j);
    i = j + 1;
    while (line.charCodeAt(i) === SP) i++;
  }

  // Tag: `app[pid]:` or `app:` up to the first colon, at most one space inside.
  let colon = -1;
  let spaces = 0;
  const limit = Math.min(n, i + MAX_TAG + 1);
  for (let k = i; k < limit; k++) {
    const c = line.charCodeAt(k);
    if (c === COLON) {
      colon = k;
      break;
    }
    if (c === SP && ++spaces > 1) break;
  }
  if (colon > i && line.charCodeAt(colon - 1) !== SP) {
    let appEnd = colon;
    if (line.charCodeAt(colon - 1) === RBRACKET) {
      let lb = colon - 2;
      while (lb > i && line.charCodeAt(lb) !== LBRACKET) lb--;
      if (lb > i) {
        appEnd = lb;
        const pid = digitsValue(line, lb + 1, colon - 1);
        if (pid >= 0) ev.pid = pid;
        else ev.fields.procid = line.slice(lb + 1, colon - 1);
      }
    }
    ev.app = line.slice(i, appEnd);
    i = line.charCodeAt(colon + 1) === SP ? colon + 2 : colon + 1;
  }
  ev.message = line.slice(i);
  if (applyAuth(ev, ctx)) ev.parser = 'auth';
  else ev.logsource = linuxLogSource(ev.app, fallbackService);
  return ev;
}
