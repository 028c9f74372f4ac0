import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { ParseContext } from './context';
import { clockAt, monthAt, toEpochMs, twoDigits } from './time';
import { parseUint } from './net';
import { applyWebLogin } from './web-login';

/**
 * Apache / Nginx access logs: common, combined, vhost_combined (a leading `vhost:port`) and any
 * of them with trailing fields such as the request time. Quoted fields may hold `\"`.
 * Cut by hand rather than by one big regex: this is the hottest web-log path.
 */
const FLOAT_RE = /^"?(\d+(?:\.\d+)?)"?$/;
const SP = 32;
const QUOTE = 34;

function unescape(s: string): string {
  return s.indexOf('\\') === -1 ? s : s.replace(/\\(["\\])/g, '$1');
}

/** Index of the quote closing the string opened at `open`, skipping backslash escapes; or -1. */
function closingQuote(line: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const q = line.indexOf('"', from);
    if (q === -1) return -1;
    let k = q - 1;
    while (k > open && line.charCodeAt(k) === 92) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q + 1;
  }
}

/** End of a run of digits (or a lone `-`) starting at `i`; `i` when there is none. */
function numberEnd(line: string, i: number, maxDigits: number): number {
  if (line.charCodeAt(i) === 45) return i + 1;
  let j = i;
  while (j - i < maxDigits && line.charCodeAt(j) >= 48 && line.charCodeAt(j) <= 57) j++;
  return j;
}

/** `10/Oct/2000:13:55:36 -0700` as epoch ms, or null. */
export function parseClfTime(s: string): number | null {
  if (s === lastClfText) return lastClfMs;
  const ms = clfTime(s, 0, s.length);
  lastClfText = s;
  lastClfMs = ms;
  return ms;
}

// Busy servers log many lines per second: the same time text repeats.
let lastClfText = '';
let lastClfMs: number | null = null;

/** The CLF time in s[at, end), read in place (no substring on the per-line path). */
function clfTime(s: string, at: number, end: number): number | null {
  const day = twoDigits(s, at);
  const month = monthAt(s, at + 3);
  if (day < 1 || month < 0 || s.charCodeAt(at + 2) !== 47 || s.charCodeAt(at + 6) !== 47 || s.charCodeAt(at + 11) !== 58) return null;
  const y1 = twoDigits(s, at + 7);
  const y2 = twoDigits(s, at + 9);
  const sod = clockAt(s, at + 12);
  if (y1 < 0 || y2 < 0 || sod < 0) return null;
  let offset = 0;
  let millis = 0;
  let i = at + 20;
  if (i < end && s.charCodeAt(i) === 46) {
    // Some setups log milliseconds: `13:55:36.123 -0700`.
    let j = i + 1;
    let scale = 100;
    while (j < end && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) {
      millis += (s.charCodeAt(j) - 48) * scale;
      scale /= 10;
      j++;
    }
    millis = Math.floor(millis);
    i = j;
  }
  if (i < end) {
    if (end !== i + 6) return null;
    const sign = s.charCodeAt(i + 1);
    const hh = twoDigits(s, i + 2);
    const mm = twoDigits(s, i + 4);
    if (s.charCodeAt(i) !== SP || (sign !== 43 && sign !== 45) || hh < 0 || mm < 0) return null;
    offset = (sign === 45 ? -1 : 1) * (hh * 60 + mm);
  }
  const ms = toEpochMs(y1 * 100 + y2, month, day, sod, millis, offset);
  return Number.isNaN(ms) ? null : ms;
}

/** Sigma product from the file path: the line itself does not say which server wrote it. */
function productFromSource(source: string): string | null {
  if (source === lastSource) return lastProduct;
  const s = source.toLowerCase();
  lastSource = source;
  lastProduct = s.includes('apache') || s.includes('httpd') ? 'apache' : s.includes('nginx') ? 'nginx' : null;
  return lastProduct;
}

let lastSource = '';
let lastProduct: string | null = null;

export function parseAccess(line: string, ctx: ParseContext): NormalizedEvent | null {
  // `[vhost ]client ident user [time] "request" status bytes[ "referrer" "agent"][ rest]`
  const br = line.indexOf(' [');
  if (br < 5 || br > 400) return null;
  // Three (`client ident user`) or four (`vhost client ident user`) non-empty tokens before the time.
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a < 1 || b <= a + 1 || b >= br) return null;
  const c = line.indexOf(' ', b + 1);
  if (c <= b + 1) return null;
  let vhost: string | undefined;
  let clientAt = 0;
  let clientEnd = a;
  let identEnd = b;
  if (c !== br) {
    if (c > br || line.indexOf(' ', c + 1) !== br || br <= c + 1) return null;
    vhost = line.slice(0, a);
    clientAt = a + 1;
    clientEnd = b;
    identEnd = c;
  }
  const tsEnd = line.indexOf(']', br + 2);
  if (tsEnd - br - 2 < 20 || tsEnd - br - 2 > 40 || line.charCodeAt(tsEnd + 1) !== SP || line.charCodeAt(tsEnd + 2) !== QUOTE) return null;
  const reqEnd = closingQuote(line, tsEnd + 2);
  if (reqEnd === -1 || line.charCodeAt(reqEnd + 1) !== SP) return null;
  const statusAt = reqEnd + 2;
  const statusEnd = numberEnd(line, statusAt, 3);
  if (line.charCodeAt(statusEnd) !== SP || (statusEnd - statusAt !== 3 && line.charCodeAt(statusAt) !== 45)) return null;
  const bytesAt = statusEnd + 1;
  const bytesEnd = numberEnd(line, bytesAt, 15);
  if (bytesEnd === bytesAt || (bytesEnd < line.length && line.charCodeAt(bytesEnd) !== SP)) return null;
  const ts = clfTime(line, br + 2, tsEnd);
  if (ts === null) return null;

  const ev = emptyEvent(line, ctx.source);
  ev.parser = 'access';
  ev.ts = ts;
  ev.action = 'http_request';
  if (vhost !== undefined) ev.fields.vhost = vhost;
  ev.src_ip = line.slice(clientAt, clientEnd);
  const ident = line.slice(clientEnd + 1, identEnd);
  if (ident !== '-') ev.fields.ident = ident;
  const user = line.slice(identEnd + 1, br);
  if (user !== '-') ev.user = user;

  const request = unescape(line.slice(tsEnd + 3, reqEnd));
  ev.message = request;
  const m1 = request.indexOf(' ');
  if (m1 > 0 && isMethod(request, m1)) {
    ev.method = request.slice(0, m1);
    const m2 = lastSpace(request);
    if (m2 > m1 && isHttpVersionAt(request, m2 + 1)) {
      ev.path = request.slice(m1 + 1, m2);
      ev.fields.protocol = request.slice(m2 + 1);
    } else {
      ev.path = request.slice(m1 + 1);
    }
  } else if (request !== '-') {
    ev.fields.request = request;
  }
  if (line.charCodeAt(statusAt) !== 45) {
    ev.status = parseUint(line.slice(statusAt, statusEnd));
    ev.outcome = ev.status < 400 ? 'success' : 'failure';
  }
  ev.bytes = line.charCodeAt(bytesAt) === 45 ? 0 : parseUint(line.slice(bytesAt, bytesEnd));

  // Optional ` "referrer" "agent"`, then anything else (request time, upstream, ...).
  let restAt = bytesEnd + 1;
  if (line.charCodeAt(bytesEnd + 1) === QUOTE) {
    const refEnd = closingQuote(line, bytesEnd + 1);
    const uaEnd = refEnd !== -1 && line.charCodeAt(refEnd + 1) === SP && line.charCodeAt(refEnd + 2) === QUOTE ? closingQuote(line, refEnd + 2) : -1;
    if (uaEnd !== -1 && (uaEnd + 1 === line.length || line.charCodeAt(uaEnd + 1) === SP)) {
      const referrer = line.slice(bytesEnd + 2, refEnd);
      if (referrer !== '-') ev.fields.referrer = unescape(referrer);
      const agent = line.slice(refEnd + 3, uaEnd);
      if (agent !== '-') ev.user_agent = unescape(agent);
      restAt = uaEnd + 2;
    }
  }
  if (restAt < line.length) {
    const extra = line.slice(restAt);
    const t = FLOAT_RE.exec(extra);
    if (t !== null) ev.fields.request_time = Number(t[1]);
    else ev.fields.extra = extra;
  }
  ev.logsource = {
    product: vhost !== undefined ? 'apache' : productFromSource(ctx.source),
    service: 'access',
    category: 'webserver',
  };
  applyWebLogin(ev, ctx);
  return ev;
}

/** request.lastIndexOf(' '), by hand: the protocol is a few characters from the end. */
function lastSpace(s: string): number {
  let k = s.length - 1;
  while (k >= 0 && s.charCodeAt(k) !== SP) k--;
  return k;
}

/** s.startsWith('HTTP/', at). */
function isHttpVersionAt(s: string, at: number): boolean {
  return (
    at + 5 <= s.length &&
    s.charCodeAt(at) === 72 &&
    s.charCodeAt(at + 1) === 84 &&
    s.charCodeAt(at + 2) === 84 &&
    s.charCodeAt(at + 3) === 80 &&
    s.charCodeAt(at + 4) === 47
  );
}

/** An HTTP method token: letters (any case), digits, `_` and `-`, starting with a letter. */
function isMethod(s: string, end: number): boolean {
  if (end > 32) return false;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!letter && (i === 0 || !((c >= 48 && c <= 57) || c === 95 || c === 45))) return false;
  }
  return true;
}
