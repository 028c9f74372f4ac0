/**
 * Collects the scenario's log lines together with the NormalizedEvent each line stands for, so
 * tests get events without a parser and the files on disk say exactly the same thing.
 */
import { type NormalizedEvent, type Outcome, emptyEvent } from '../../../src-shared/event';
import { apacheStamp, syslogStamp, wholeSecond } from './format';

export const AUTH_LOG_NAME = 'auth.log';
export const ACCESS_LOG_NAME = 'access.log';

interface LogRecord {
  ts: number;
  seq: number;
  file: 'auth' | 'access';
  event: NormalizedEvent;
}

export interface AuthFields {
  action: string;
  outcome?: Outcome;
  user?: string | null;
  ip?: string | null;
  severity?: number;
}

export interface HttpRequest {
  ip: string;
  user?: string | null;
  method?: string;
  path: string;
  status: number;
  bytes?: number;
  referer?: string;
  userAgent: string;
}

const LOGIN_PATH = /(^|\/)(login|signin|wp-login\.php)(\/|\.|$|\?)/;

export class ScenarioRecorder {
  private readonly records: LogRecord[] = [];
  private seq = 0;

  constructor(readonly host: string) {}

  /** One syslog line of auth.log: "<stamp> <host> <app>[<pid>]: <message>" (pid omitted for sudo). */
  auth(ts: number, app: string, pid: number | null, message: string, f: AuthFields): void {
    const t = wholeSecond(ts);
    const tag = pid === null ? `${app}:` : `${app}[${pid}]:`;
    const raw = `${syslogStamp(t)} ${this.host} ${tag} ${message}`;
    const ev = emptyEvent(raw, AUTH_LOG_NAME);
    ev.ts = t;
    ev.host = this.host;
    ev.app = app;
    ev.pid = pid;
    ev.severity = f.severity ?? 6;
    ev.message = message;
    ev.logsource = { product: 'linux', service: app === 'sshd' ? 'sshd' : app.toLowerCase(), category: 'authentication' };
    ev.src_ip = f.ip ?? null;
    ev.user = f.user ?? null;
    ev.outcome = f.outcome ?? 'unknown';
    ev.action = f.action;
    ev.parser = 'auth';
    this.records.push({ ts: t, seq: this.seq++, file: 'auth', event: ev });
  }

  /** One Apache combined line. */
  access(ts: number, r: HttpRequest): void {
    const t = wholeSecond(ts);
    const method = r.method ?? 'GET';
    const bytes = r.bytes ?? (r.status === 304 ? 0 : 512);
    const user = r.user ?? null;
    const raw =
      `${r.ip} - ${user ?? '-'} ${apacheStamp(t)} "${method} ${r.path} HTTP/1.1" ${r.status} ${bytes === 0 ? '-' : bytes} ` +
      `"${r.referer ?? '-'}" "${r.userAgent}"`;
    const ev = emptyEvent(raw, ACCESS_LOG_NAME);
    ev.ts = t;
    ev.host = this.host;
    ev.app = 'apache';
    ev.severity = r.status >= 500 ? 3 : r.status >= 400 ? 4 : 6;
    ev.logsource = { product: 'apache', service: 'access', category: 'webserver' };
    ev.src_ip = r.ip;
    ev.user = user;
    ev.method = method;
    ev.path = r.path;
    ev.status = r.status;
    ev.bytes = bytes === 0 ? null : bytes;
    ev.user_agent = r.userAgent;
    // Only a login endpoint's answer says whether an authentication worked.
    ev.outcome = LOGIN_PATH.test(r.path) ? (r.status < 400 ? 'success' : r.status === 401 || r.status === 403 ? 'failure' : 'unknown') : 'unknown';
    ev.action = 'http_request';
    ev.parser = 'access';
    this.records.push({ ts: t, seq: this.seq++, file: 'access', event: ev });
  }

  /** Time-ordered events (ids 1..N in that order) and the two files' lines. */
  finish(): { events: NormalizedEvent[]; authLines: string[]; accessLines: string[] } {
    const sorted = this.records.slice().sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const authLines: string[] = [];
    const accessLines: string[] = [];
    const events = sorted.map((r, i) => {
      r.event.id = i + 1;
      (r.file === 'auth' ? authLines : accessLines).push(r.event.raw);
      return r.event;
    });
    return { events, authLines, accessLines };
  }
}
