import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { ParseContext } from './context';
import { parseIsoTimestamp } from './time';
import { readPri } from './syslog3164';
import { applyAuth } from './auth/index';
import { linuxLogSource } from './logsource';

const NIL = '-';
/** Structured data is kept field by field, but a hostile line must not create thousands of keys. */
const MAX_SD_PARAMS = 64;

/** Next space-delimited header field at `i`: [value, index after the following space], or null. */
function field(line: string, i: number): [string, number] | null {
  const sp = line.indexOf(' ', i);
  if (sp <= i) return null;
  return [line.slice(i, sp), sp + 1];
}

/**
 * Parses `[id k="v" ...][id2 ...]` at `i` into `fields` as `id.k`. Returns the index after the
 * last `]`, or -1 when the structured data is malformed.
 */
function readStructuredData(line: string, i: number, fields: NormalizedEvent['fields']): number {
  let count = 0;
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 91) {
    i++;
    let j = i;
    while (j < n) {
      const c = line.charCodeAt(j);
      if (c === 32 || c === 93) break;
      j++;
    }
    if (j === i || j >= n) return -1;
    const sdId = line.slice(i, j);
    let params = 0;
    i = j;
    while (i < n && line.charCodeAt(i) === 32) {
      i++;
      const eq = line.indexOf('="', i);
      if (eq <= i) return -1;
      const name = line.slice(i, eq);
      if (name.includes(' ') || name.includes(']')) return -1;
      i = eq + 2;
      // PARAM-VALUE: `"`, `\` and `]` are escaped with a backslash.
      let value = '';
      let runStart = i;
      for (;;) {
        if (i >= n) return -1;
        const c = line.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 && i + 1 < n) {
          const next = line.charCodeAt(i + 1);
          if (next === 34 || next === 92 || next === 93) {
            value += line.slice(runStart, i);
            runStart = i + 1;
            i += 2;
            continue;
          }
        }
        i++;
      }
      value += line.slice(runStart, i);
      i++;
      params++;
      if (count++ < MAX_SD_PARAMS) fields[`${sdId}.${name}`] = value;
    }
    if (line.charCodeAt(i) !== 93) return -1;
    i++;
    if (params === 0 && count++ < MAX_SD_PARAMS) fields[sdId] = true;
  }
  return i;
}

/** RFC 5424: `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`. */
export function parseSyslog5424(line: string, ctx: ParseContext): NormalizedEvent | null {
  const p = readPri(line);
  if (p === null) return null;
  let i = p.next;
  const v = line.charCodeAt(i);
  if (v < 49 || v > 57) return null;
  i++;
  if (line.charCodeAt(i) >= 48 && line.charCodeAt(i) <= 57) i++;
  if (line.charCodeAt(i) !== 32) return null;
  i++;

  const tsField = field(line, i);
  if (tsField === null) return null;
  let ts: number | null = null;
  if (tsField[0] !== NIL) {
    ts = parseIsoTimestamp(tsField[0], ctx.tzOffsetMinutes);
    if (ts === null) return null;
  }
  const host = field(line, tsField[1]);
  if (host === null) return null;
  const app = field(line, host[1]);
  if (app === null) return null;
  const procid = field(line, app[1]);
  if (procid === null) return null;
  const msgid = field(line, procid[1]);
  if (msgid === null) return null;
  i = msgid[1];

  const ev = emptyEvent(line, ctx.source);
  ev.parser = 'syslog5424';
  ev.ts = ts;
  ev.severity = p.pri & 7;
  ev.fields.facility = p.pri >> 3;
  if (host[0] !== NIL) ev.host = host[0];
  if (app[0] !== NIL) ev.app = app[0];
  if (procid[0] !== NIL) {
    const pid = Number(procid[0]);
    if (Number.isInteger(pid) && pid >= 0) ev.pid = pid;
    else ev.fields.procid = procid[0];
  }
  if (msgid[0] !== NIL) ev.fields.msgid = msgid[0];

  if (line.charCodeAt(i) === 45 /* - */) {
    i++;
  } else if (line.charCodeAt(i) === 91 /* [ */) {
    const end = readStructuredData(line, i, ev.fields);
    if (end === -1) ev.fields.sd_malformed = true;
    else i = end;
  }
  if (line.charCodeAt(i) === 32) i++;
  let msg = line.slice(i);
  if (msg.charCodeAt(0) === 0xfeff) msg = msg.slice(1);
  ev.message = msg;
  if (!applyAuth(ev, ctx)) ev.logsource = linuxLogSource(ev.app, 'syslog');
  return ev;
}
