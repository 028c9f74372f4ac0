/**
 * Masking before template mining: variable values inside each whitespace token are replaced with
 * typed placeholders, so "rhost=10.0.0.7" and "rhost=10.0.0.9" become the same token
 * "rhost=<IP>" and Drain compares structure, not values. The replaced values are kept, in order,
 * because they are the template's parameters.
 */
import {
  endsValue,
  hexRunEnd,
  isAlnum,
  isDigit,
  isHex,
  isLetter,
  scanDate,
  scanEmail,
  scanIPv4,
  scanIPv6,
  scanMac,
  scanNumber,
  scanPath,
  scanTime,
  scanUrl,
  scanUuid,
} from './mask-scan';

export const PLACEHOLDER = {
  ip: '<IP>',
  mac: '<MAC>',
  uuid: '<UUID>',
  hex: '<HEX>',
  num: '<NUM>',
  path: '<PATH>',
  url: '<URL>',
  email: '<EMAIL>',
  date: '<DATE>',
  time: '<TIME>',
  timestamp: '<TS>',
  /** A token too long to be anything but data (base64 blobs, dumps). */
  long: '<LONG>',
  /** Drain's wildcard; also used for the tail of a message cut at maxTokens. */
  any: '<*>',
} as const;

/** Tokens longer than this are masked whole: scanning them buys nothing and they bloat templates. */
export const MAX_TOKEN_LENGTH = 256;
export const DEFAULT_MAX_TOKENS = 256;

const NO_VALUES: readonly string[] = Object.freeze([]);

export interface MaskedMessage {
  /** Whitespace-separated tokens of the message, as written. */
  tokens: string[];
  /** Same length: each token with its variable parts replaced by placeholders. */
  masked: string[];
  /** Same length: the values replaced in masked[i], in order (a shared empty array when none). */
  values: (readonly string[])[];
  /** Same length: SHAPE_* bits of each original token (has '.', '=', '['). */
  shapes: number[];
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

// Character classes seen in a token, gathered while tokenising so that a plain word costs one pass.
const F_DIGIT = 1;
const F_SLASH = 2;
const F_AT = 4;
const F_SCHEME = 8;
const F_COLON = 16;
const F_COLONS = 32;
const F_SPACE = 64;
const F_INTERESTING = F_DIGIT | F_SLASH | F_AT | F_COLONS;
/** Token shape bits exported in MaskedMessage.shapes, so later stages skip tokens cheaply. */
export const SHAPE_DOT = 128;
export const SHAPE_EQUALS = 256;
export const SHAPE_BRACKET = 512;

const CHAR_CLASS = new Uint16Array(128);
CHAR_CLASS[46] = SHAPE_DOT;
CHAR_CLASS[61] = SHAPE_EQUALS;
CHAR_CLASS[91] = SHAPE_BRACKET;
for (let c = 48; c <= 57; c++) CHAR_CLASS[c] = F_DIGIT;
CHAR_CLASS[47] = F_SLASH;
CHAR_CLASS[92] = F_SLASH;
CHAR_CLASS[64] = F_AT;
CHAR_CLASS[58] = F_COLON;
for (const c of [9, 10, 11, 12, 13, 32]) CHAR_CLASS[c] = F_SPACE;

/**
 * Tokenises by whitespace and masks each token. A message with more than maxTokens tokens keeps
 * its first maxTokens - 1 tokens; the rest becomes one final wildcard token, so a 10 MB line
 * costs one scan, not a million-token template.
 */
export function maskMessage(message: string, maxTokens = DEFAULT_MAX_TOKENS): MaskedMessage {
  const tokens: string[] = [];
  const masked: string[] = [];
  const values: (readonly string[])[] = [];
  const shapes: number[] = [];
  let found: string[] | null = null;
  const n = message.length;
  let i = 0;
  while (i < n) {
    let c = message.charCodeAt(i);
    if (c < 128 && CHAR_CLASS[c] === F_SPACE) {
      i++;
      continue;
    }
    if (tokens.length === maxTokens - 1) {
      let end = n;
      while (end > i && isSpace(message.charCodeAt(end - 1))) end--;
      const rest = message.slice(i, end);
      tokens.push(rest);
      masked.push(PLACEHOLDER.any);
      values.push([rest]);
      shapes.push(0);
      break;
    }
    const start = i;
    let flags = 0;
    for (; i < n; i++) {
      c = message.charCodeAt(i);
      if (c >= 128) continue;
      const cls = CHAR_CLASS[c] as number;
      if (cls === 0) continue;
      if (cls === F_SPACE) break;
      if (cls === F_COLON) {
        if (flags & F_COLON) flags |= F_COLONS;
        if (i + 2 < n && message.charCodeAt(i + 1) === 47 && message.charCodeAt(i + 2) === 47) flags |= F_SCHEME;
      }
      flags |= cls;
    }
    const token = message.slice(start, i);
    tokens.push(token);
    shapes.push(flags & (SHAPE_DOT | SHAPE_EQUALS | SHAPE_BRACKET));
    if ((flags & F_INTERESTING) === 0 && i - start <= MAX_TOKEN_LENGTH) {
      masked.push(token);
      values.push(NO_VALUES);
      continue;
    }
    found ??= [];
    const before = found.length;
    masked.push(maskFlagged(token, flags, found));
    values.push(found.length === before ? NO_VALUES : found.slice(before));
  }
  return { tokens, masked, values, shapes };
}

/**
 * Masks one token, appending each replaced value to `found`. Returns the token itself when it
 * holds nothing variable.
 */
export function maskToken(token: string, found: string[]): string {
  let flags = 0;
  for (let k = 0; k < token.length; k++) {
    const c = token.charCodeAt(k);
    if (c >= 48 && c <= 57) flags |= F_DIGIT;
    else if (c === 47 || c === 92) flags |= F_SLASH;
    else if (c === 64) flags |= F_AT;
    else if (c === 58) {
      flags |= flags & F_COLON ? F_COLONS : F_COLON;
      if (token.charCodeAt(k + 1) === 47 && token.charCodeAt(k + 2) === 47) flags |= F_SCHEME;
    }
  }
  return maskFlagged(token, flags, found);
}

function maskFlagged(token: string, flags: number, found: string[]): string {
  const n = token.length;
  if (n > MAX_TOKEN_LENGTH) {
    found.push(token);
    return PLACEHOLDER.long;
  }
  if ((flags & F_INTERESTING) === 0) return token;
  const slash = (flags & F_SLASH) !== 0;
  const at = (flags & F_AT) !== 0;
  const scheme = (flags & F_SCHEME) !== 0;
  const colons = flags & F_COLONS ? 2 : flags & F_COLON ? 1 : 0;

  let out = '';
  let last = 0;
  let i = 0;
  while (i < n) {
    const c = token.charCodeAt(i);
    // Values start only at a word boundary: "ssh2" and "tty2" are words, "uid=0" holds a value,
    // and "v1.2" or "file.2" continue the word before the dot.
    if (i > 0) {
      const prev = token.charCodeAt(i - 1);
      if (isAlnum(prev) || (prev === 46 && i > 1 && isAlnum(token.charCodeAt(i - 2)))) {
        i++;
        continue;
      }
    }
    let end = -1;
    let kind: string = PLACEHOLDER.num;
    if (scheme && isLetter(c)) {
      end = scanUrl(token, i);
      kind = PLACEHOLDER.url;
    }
    if (end < 0 && at && isAlnum(c)) {
      end = scanEmail(token, i);
      kind = PLACEHOLDER.email;
    }
    if (end < 0 && slash && (c === 47 || (isLetter(c) && token.charCodeAt(i + 1) === 58))) {
      end = scanPath(token, i);
      kind = PLACEHOLDER.path;
    }
    if (end < 0 && (isHex(c) || c === 58)) {
      const r = scanHexLed(token, i, colons);
      if (r !== null) {
        end = r.end;
        kind = r.kind;
      }
    }
    if (end < 0 && (c === 45 || c === 43) && isDigit(token.charCodeAt(i + 1))) {
      end = scanNumber(token, i);
      kind = PLACEHOLDER.num;
    }
    if (end > i) {
      out += token.slice(last, i) + kind;
      found.push(token.slice(i, end));
      last = end;
      i = end;
    } else {
      i++;
      // No value can start inside a word.
      if (isAlnum(c)) while (i < n && isAlnum(token.charCodeAt(i))) i++;
    }
  }
  return last === 0 ? token : out + token.slice(last);
}

interface Hit {
  end: number;
  kind: string;
}

/** Values that start with a hex digit or ':' — addresses, ids, dates, times, numbers. */
function scanHexLed(s: string, i: number, colons: number): Hit | null {
  const run = hexRunEnd(s, i);
  const len = run - i;
  const next = s.charCodeAt(run);
  const c = s.charCodeAt(i);
  if (len === 8 && next === 45) {
    const e = scanUuid(s, i);
    if (e > 0) return { end: e, kind: PLACEHOLDER.uuid };
  }
  if (len === 2 && (next === 58 || next === 45)) {
    const e = scanMac(s, i);
    if (e > 0) return { end: e, kind: PLACEHOLDER.mac };
  }
  if (len === 4 && (next === 45 || next === 47)) {
    const e = scanDate(s, i);
    if (e > 0) return { end: e >> 1, kind: e & 1 ? PLACEHOLDER.timestamp : PLACEHOLDER.date };
  }
  if (len === 2 && next === 58) {
    const e = scanTime(s, i);
    if (e > 0 && endsValue(s, e)) return { end: e, kind: PLACEHOLDER.time };
  }
  if (colons >= 2 && (next === 58 || c === 58)) {
    const e = scanIPv6(s, i);
    if (e > 0) return { end: e, kind: PLACEHOLDER.ip };
  }
  if (next === 46 && isDigit(c)) {
    const e = scanIPv4(s, i);
    if (e > 0) return { end: e, kind: PLACEHOLDER.ip };
  }
  if (c === 48 && (s.charCodeAt(i + 1) === 120 || s.charCodeAt(i + 1) === 88)) {
    const e = hexRunEnd(s, i + 2);
    if (e > i + 2 && endsValue(s, e)) return { end: e, kind: PLACEHOLDER.hex };
  }
  if (isDigit(c)) {
    const e = scanNumber(s, i);
    if (e > 0) return { end: e, kind: PLACEHOLDER.num };
  }
  // Long hex ids (hashes, session ids, object addresses) need a digit so that words don't match.
  if (len >= 8 && endsValue(s, run)) {
    for (let k = i; k < run; k++) {
      if (isDigit(s.charCodeAt(k))) return { end: run, kind: PLACEHOLDER.hex };
    }
  }
  return null;
}

/** True when a masked token holds a digit or a placeholder: such tokens never key the prefix tree. */
export function isVariableToken(masked: string): boolean {
  for (let k = 0; k < masked.length; k++) {
    const c = masked.charCodeAt(k);
    if (c >= 48 && c <= 57) return true;
    if (c === 60 && isPlaceholderAt(masked, k)) return true;
  }
  return false;
}

/** "<*>" or "<" + upper-case letters + ">" at position k. */
function isPlaceholderAt(s: string, k: number): boolean {
  if (s.charCodeAt(k + 1) === 42) return s.charCodeAt(k + 2) === 62;
  let p = k + 1;
  while (p < s.length && p - k <= 6) {
    const c = s.charCodeAt(p);
    if (c === 62) return p > k + 1;
    if (c < 65 || c > 90) return false;
    p++;
  }
  return false;
}
