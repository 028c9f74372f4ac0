/**
 * Collects a scenario's log lines in the files they belong to, and reads them back through the
 * parsers an import uses, so the events tests get are what Vigil makes of the files on disk: a
 * generator and its detector do not agree by construction, they meet through the real formats.
 * Login lines are written in the recorder's login dialect (dialects.ts), web logins in its web
 * dialect (an API answering 401, a form answering 200 on failure, basic auth).
 */
import type { NormalizedEvent } from '../../../src-shared/event';
import { parseAccess } from '../parse/parsers/access';
import { createParseContext, type ParseContext } from '../parse/parsers/context';
import { parseSyslog3164 } from '../parse/parsers/syslog3164';
import { DIALECT_WRITERS, type LoginDialect } from './dialects';
import { apacheStamp, syslogStamp, wholeSecond } from './format';

export const AUTH_LOG_NAME = 'auth.log';
export const ACCESS_LOG_NAME = 'access.log';

/** How a site's login answers: an API (401 refused, 200 in), a form (200 shown again, 302 in), HTTP basic auth. */
export const WEB_DIALECTS = ['api', 'form', 'basic'] as const;
export type WebDialect = (typeof WEB_DIALECTS)[number];

interface LogRecord {
  ts: number;
  seq: number;
  file: string;
  kind: 'syslog' | 'access';
  raw: string;
}

export interface HttpRequest {
  ip: string;
  user?: string | null;
  /** The account a login request tried, when the log line would not name it (a form post). */
  account?: string | null;
  method?: string;
  path: string;
  status: number;
  bytes?: number;
  referer?: string;
  userAgent: string;
}

export interface RecorderOptions {
  login?: LoginDialect;
  web?: WebDialect;
}

const LOGIN_PATH = /(^|\/)(login|signin|wp-login\.php)(\/|\.|$|\?)/;

export class ScenarioRecorder {
  private readonly records: LogRecord[] = [];
  private seq = 0;
  /** Addresses that made login attempts (their lines are in the login dialect's file). */
  private readonly loginSources = new Set<string>();
  readonly dialect: LoginDialect;
  readonly web: WebDialect;

  constructor(
    readonly host: string,
    opts: RecorderOptions = {},
  ) {
    this.dialect = opts.login ?? 'openssh';
    this.web = opts.web ?? 'api';
  }

  /** The file login lines go to in this dialect; other auth lines (sudo, cron) share it. */
  get authFile(): string {
    return DIALECT_WRITERS[this.dialect].file;
  }

  /** A source of login attempts: its lines are the login dialect's. */
  sawLogin(ip: string): void {
    this.loginSources.add(ip);
  }

  /** How the logs name a source: its address, or, for a login source, the host name a dialect shows instead. */
  shows(ip: string): string {
    return this.loginSources.has(ip) ? DIALECT_WRITERS[this.dialect].shows(ip) : ip;
  }

  /** One syslog line: "<stamp> <host> <app>[<pid>]: <message>" (pid omitted when null, as sudo writes). */
  auth(ts: number, app: string, pid: number | null, message: string): void {
    const t = wholeSecond(ts);
    const tag = pid === null ? `${app}:` : `${app}[${pid}]:`;
    this.records.push({
      ts: t,
      seq: this.seq++,
      file: this.authFile,
      kind: 'syslog',
      raw: `${syslogStamp(t)} ${this.host} ${tag} ${message}`,
    });
  }

  /** One Apache combined line; a login request as the web dialect answers it. */
  access(ts: number, req: HttpRequest): void {
    const t = wholeSecond(ts);
    const r = this.web === 'api' ? req : webDialect(req, this.web);
    const method = r.method ?? 'GET';
    const bytes = r.bytes ?? (r.status === 304 ? 0 : 512);
    const raw =
      `${r.ip} - ${r.user ?? '-'} ${apacheStamp(t)} "${method} ${r.path} HTTP/1.1" ${r.status} ${bytes === 0 ? '-' : bytes} ` +
      `"${r.referer ?? '-'}" "${r.userAgent}"`;
    this.records.push({ ts: t, seq: this.seq++, file: ACCESS_LOG_NAME, kind: 'access', raw });
  }

  /**
   * Time-ordered events (ids 1..N in that order) read by the parsers, file by file as an import
   * reads them, and each file's lines. `authLines` are the login dialect's file, `accessLines`
   * the access log; `files` has every file.
   */
  finish(): { events: NormalizedEvent[]; authLines: string[]; accessLines: string[]; files: Map<string, string[]> } {
    const sorted = this.records.slice().sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const files = new Map<string, string[]>();
    const contexts = new Map<string, ParseContext>();
    const end = sorted.length ? sorted[sorted.length - 1]!.ts : 0;
    const events = sorted.map((r, i) => {
      let lines = files.get(r.file);
      if (lines === undefined) files.set(r.file, (lines = []));
      lines.push(r.raw);
      let ctx = contexts.get(r.file);
      if (ctx === undefined) contexts.set(r.file, (ctx = createParseContext(r.file, { referenceTime: end })));
      const ev = (r.kind === 'access' ? parseAccess(r.raw, ctx) : parseSyslog3164(r.raw, ctx, 'auth'))!;
      // The line's own time is the truth: a yearless stamp is dated by the import from the file's time.
      ev.ts = r.ts;
      ev.id = i + 1;
      return ev;
    });
    return { events, authLines: files.get(this.authFile) ?? [], accessLines: files.get(ACCESS_LOG_NAME) ?? [], files };
  }
}

/** A request to a login endpoint as a site of another convention answers it. */
function webDialect(r: HttpRequest, dialect: WebDialect): HttpRequest {
  const login = (r.method ?? 'GET') === 'POST' && LOGIN_PATH.test(r.path);
  if (!login) return r;
  const ok = r.status < 400;
  if (dialect === 'form') {
    // Plone's and WordPress's convention: a wrong password shows the form again (200), a right one redirects.
    return { ...r, path: '/login_form', user: null, status: ok ? 302 : 200, bytes: ok ? 0 : 8120 };
  }
  // HTTP basic auth: the client sends the account with every request; the server refuses with 401.
  return { ...r, method: 'GET', path: '/admin/', user: r.user ?? r.account ?? 'admin', status: ok ? 200 : 401, bytes: ok ? 4810 : 381 };
}
