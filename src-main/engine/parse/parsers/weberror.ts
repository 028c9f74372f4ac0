/**
 * Apache and nginx error logs. Every line becomes an event with its time (local time, as the
 * servers write it), level, pid and client; the basic-auth refusals are authentication attempts:
 *   Apache 2.4  `[Wed Oct 11 14:32:52.123456 2023] [auth_basic:error] [pid 1234:tid 5] [client 1.2.3.4:51234]
 *                AH01617: user bob: authentication failure for "/admin": Password Mismatch`
 *               `... AH01618: user bob not found: /admin`
 *   Apache 2.2  `[Wed Oct 11 14:32:52 2023] [error] [client 1.2.3.4] user bob: authentication failure for "/admin": Password Mismatch`
 *   nginx       `2023/10/11 14:32:52 [error] 1234#1234: *5 user "bob": password mismatch, client: 1.2.3.4, server: x,
 *                request: "GET /admin HTTP/1.1", host: "x"`, `... user "bob" was not found in "/etc/nginx/.htpasswd", ...`
 */
import { emptyEvent, type NormalizedEvent } from '../../../../src-shared/event';
import type { ParseContext } from './context';
import { isIpLiteral, parseUint } from './net';
import { clockAt, monthAt, toEpochMs, twoDigits } from './time';
import { plainIp, setUser } from './auth/common';

const LEVELS: Record<string, number> = { emerg: 0, alert: 1, crit: 2, error: 3, warn: 4, notice: 5, info: 6, debug: 7 };

const APACHE_HEAD =
  /^\[(?:[A-Z][a-z]{2}) ([A-Z][a-z]{2}) (\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))? (\d{4})\] \[(?:([\w-]+):)?(\w+)\](?: \[pid (\d+)(?::tid \d+)?\])?(?: \[client ([^\]]+)\])? ?(.*)$/;
const NGINX_HEAD = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}:\d{2}:\d{2}) \[(\w+)\] (\d+)#\d+: (?:\*\d+ )?(.*)$/;
const NGINX_CLIENT = /, client: ([^,]+)/;
const NGINX_REQUEST = /, request: "(\S+) (\S+)/;

const APACHE_FAILURE =
  /(?:AH0\d{4}: )?user (\S+?): (?:authentication failure for "([^"]*)"|password mismatch)(?:: (.*?))?(?:, referer: .*)?$/;
const APACHE_NOT_FOUND = /(?:AH0\d{4}: )?user [`']?(\S+?)'?(?: in realm `[^']*')? not found(?:: (\S+))?/;
const NGINX_FAILURE = /^user "([^"]*)": password mismatch/;
const NGINX_NOT_FOUND = /^user "([^"]*)" was not found in/;

export function parseWebError(line: string, ctx: ParseContext): NormalizedEvent | null {
  const c = line.charCodeAt(0);
  if (c === 91 /* [ */) return apache(line, ctx);
  if (c >= 48 && c <= 57 && line.charCodeAt(4) === 47) return nginx(line, ctx);
  return null;
}

function apache(line: string, ctx: ParseContext): NormalizedEvent | null {
  const m = APACHE_HEAD.exec(line);
  if (m === null) return null;
  const month = monthAt(m[1]!, 0);
  const sod = clockAt(m[3]!, 0);
  const millis = m[4] !== undefined ? Math.floor(Number(m[4].padEnd(3, '0').slice(0, 3))) : 0;
  const ts = toEpochMs(Number(m[5]), month, twoDigits(m[2]!, 0), sod, millis, ctx.tzOffsetMinutes);
  if (month < 0 || sod < 0 || Number.isNaN(ts)) return null;
  const ev = base(line, ctx, ts, 'apache', m[7]!, m[8] !== undefined ? parseUint(m[8]) : null, m[10]!);
  if (m[6] !== undefined) ev.fields.module = m[6];
  if (m[9] !== undefined) setClient(ev, m[9]);
  webAuthError(ev, ev.message, ctx);
  return ev;
}

function nginx(line: string, ctx: ParseContext): NormalizedEvent | null {
  const m = NGINX_HEAD.exec(line);
  if (m === null) return null;
  const ts = toEpochMs(Number(m[1]), Number(m[2]) - 1, Number(m[3]), clockAt(m[4]!, 0), 0, ctx.tzOffsetMinutes);
  if (Number.isNaN(ts)) return null;
  const ev = base(line, ctx, ts, 'nginx', m[5]!, parseUint(m[6]!), m[7]!);
  webAuthError(ev, ev.message, ctx);
  return ev;
}

function base(
  line: string,
  ctx: ParseContext,
  ts: number,
  product: string,
  level: string,
  pid: number | null,
  message: string,
): NormalizedEvent {
  const ev = emptyEvent(line, ctx.source);
  ev.parser = 'weberror';
  ev.ts = ts;
  ev.app = product;
  ev.pid = pid !== null && pid >= 0 ? pid : null;
  ev.severity = LEVELS[level.toLowerCase()] ?? null;
  ev.message = message;
  ev.logsource = { product, service: 'error', category: 'webserver' };
  return ev;
}

/** `1.2.3.4:51234`, `[2001:db8::1]:51234`, `2001:db8::1` or a bare address. */
function setClient(ev: NormalizedEvent, client: string): void {
  let addr = client;
  if (addr.startsWith('[')) addr = addr.slice(1, addr.indexOf(']') > 0 ? addr.indexOf(']') : addr.length);
  else if (!isIpLiteral(plainIp(addr))) {
    const colon = addr.lastIndexOf(':');
    if (colon > 0) addr = addr.slice(0, colon);
  }
  addr = plainIp(addr);
  if (isIpLiteral(addr)) ev.src_ip = addr;
}

/**
 * The basic-auth refusal in an error log message (from a file or from syslog), as an attempt on
 * the web server: the account named, the path asked for, whether the account exists.
 */
export function webAuthError(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  let m: RegExpExecArray | null;
  if (ev.src_ip === null) {
    const client = /\[client ([^\]]+)\]/.exec(msg) ?? NGINX_CLIENT.exec(msg);
    if (client !== null) setClient(ev, client[1]!.trim());
  }
  let exists: boolean | null = null;
  let user: string | undefined;
  let path: string | undefined;
  if ((m = NGINX_FAILURE.exec(msg)) !== null || (m = NGINX_NOT_FOUND.exec(msg)) !== null) {
    user = m[1];
    if (msg.includes('was not found')) exists = false;
    const req = NGINX_REQUEST.exec(msg);
    if (req !== null) {
      ev.method = req[1]!;
      path = req[2];
    }
  } else if (msg.includes('user ') && ((m = APACHE_FAILURE.exec(msg)) !== null || (m = APACHE_NOT_FOUND.exec(msg)) !== null)) {
    user = m[1];
    path = m[2];
    if (msg.includes('not found')) exists = false;
  } else return;
  ev.action = 'web_login';
  setUser(ev, user);
  if (path !== undefined && path.length > 0) ev.path = path;
  const method = /digest/i.test(msg) ? 'digest' : 'basic';
  ctx.auth.record(ev, { service: 'http', reporter: 'web-error', result: 'failure', method, accountExists: exists });
}
