/**
 * The normalized event (DESIGN.md, pipeline step 3). Every parser produces it, every detector
 * consumes it, and it crosses the contract as plain JSON: epoch-ms numbers, strings, nulls.
 */
export type Outcome = 'success' | 'failure' | 'unknown';

export interface LogSource {
  product: string | null;
  service: string | null;
  category: string | null;
}

export interface NormalizedEvent {
  /** Row id in the case; 0 until stored. */
  id: number;
  /** Event time, epoch ms (UTC). Null when the line carries no usable time. */
  ts: number | null;
  /** Where the line came from: a file path, an archive member path, or a listener name. */
  source: string;
  host: string | null;
  app: string | null;
  pid: number | null;
  /** Syslog severity 0 (emergency) .. 7 (debug), or null. */
  severity: number | null;
  message: string;
  template_id: string | null;
  /** Values of the template's wildcards, in order. */
  params: string[];
  logsource: LogSource;
  src_ip: string | null;
  dst_ip: string | null;
  user: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  bytes: number | null;
  user_agent: string | null;
  outcome: Outcome;
  /** A short verb for what happened, e.g. "ssh_login", "sudo", "http_request", "user_add". */
  action: string | null;
  /** Extra fields that a parser found and that have no column of their own (JSON lines, kv). */
  fields: Record<string, string | number | boolean | null>;
  /** The parser that produced the event: "syslog5424", "syslog3164", "auth", "access", "jsonl", "raw". */
  parser: string;
  raw: string;
}

/**
 * What an authentication attempt is for, whichever program logged it: one list, read by the
 * parsers that set it, the detectors that count attempts per service and the bundled rules.
 * `mail` is IMAP/POP3 (Dovecot), `smtp` SMTP AUTH (Postfix SASL), `http` web logins (basic auth,
 * login and registration forms).
 */
export const AUTH_SERVICES = ['ssh', 'su', 'sudo', 'login', 'ftp', 'mail', 'smtp', 'http', 'other'] as const;
export type AuthService = (typeof AUTH_SERVICES)[number];

/**
 * The authentication meaning of a line (DESIGN.md step 3), the same shape for sshd, pam_unix, su,
 * sudo, login, gdm, FTP and mail servers and web logins, so that detectors and rules count
 * attempts, not a program's wording. It lives in the event's columns and in `fields` under
 * AUTH_FIELDS (stored, searched and matched by Sigma like any field); read it with `authOf` and
 * write it with `setAuth`.
 *
 * A line is an attempt when `fields.auth_service` is set. `attempts` is how many new attempts the
 * line stands for: 1, more for a summary ("3 incorrect password attempts", "message repeated 5
 * times"), and 0 when another line already reported the same attempt (Debian's pam_unix line
 * beside sshd's "Failed password": same host, source and account within seconds, or the same
 * process). Counting `attempts` counts every attempt once.
 */
export interface AuthAttempt {
  /** The `outcome` column: 'unknown' only for web logins whose answer does not say (a form that answers 200 either way). */
  result: Outcome;
  /** `fields.auth_attempts`. */
  attempts: number;
  /** `fields.account_exists`: false for "Invalid user", "user unknown", "not found"; null when the line does not say. */
  accountExists: boolean | null;
  /** The `user` column: the account whose credentials were tried (su's target, sudo's invoking user). */
  target: string | null;
  /** Where the attempt came from. Resolved offline only: a host name stays a name. */
  source: AuthSource | null;
  service: AuthService;
  /** `fields.auth_method`: password, publickey, keyboard-interactive, none, basic, form, plain, login, sudoers... */
  method: string | null;
}

/**
 * An address (`src_ip`), a host name the log gave instead (`fields.src_host`, e.g. pam's rhost=),
 * or, for local attempts, the invoking account (`fields.src_user`: su's and sudo's caller) or the
 * console of the logging host (kind 'host', the host's own name).
 */
export interface AuthSource {
  kind: 'ip' | 'host' | 'user';
  value: string;
}

/** Where the parts of AuthAttempt that have no column of their own are kept in `fields`. */
export const AUTH_FIELDS = {
  service: 'auth_service',
  attempts: 'auth_attempts',
  method: 'auth_method',
  accountExists: 'account_exists',
  sourceHost: 'src_host',
  sourceUser: 'src_user',
  /** Set to true on an attempt made at the logging host's own console (no remote source, no caller). */
  console: 'src_console',
} as const;

const SERVICE_SET: ReadonlySet<string> = new Set(AUTH_SERVICES);

/** The attempt a line stands for, or null when it is no authentication attempt. */
export function authOf(ev: NormalizedEvent): AuthAttempt | null {
  const f = ev.fields;
  const service = f[AUTH_FIELDS.service];
  if (typeof service !== 'string' || !SERVICE_SET.has(service)) return null;
  const attempts = f[AUTH_FIELDS.attempts];
  const exists = f[AUTH_FIELDS.accountExists];
  const method = f[AUTH_FIELDS.method];
  return {
    result: ev.outcome,
    attempts: typeof attempts === 'number' && attempts >= 0 ? attempts : 1,
    accountExists: typeof exists === 'boolean' ? exists : null,
    target: ev.user !== null && ev.user !== '' ? ev.user : null,
    source: authSourceOf(ev),
    service: service as AuthService,
    method: typeof method === 'string' ? method : null,
  };
}

/** The source of an attempt: its address, else the host name or local caller the log gave. */
export function authSourceOf(ev: NormalizedEvent): AuthSource | null {
  if (ev.src_ip !== null && ev.src_ip !== '') return { kind: 'ip', value: ev.src_ip };
  const f = ev.fields;
  const host = f[AUTH_FIELDS.sourceHost];
  if (typeof host === 'string' && host !== '') return { kind: 'host', value: host };
  const user = f[AUTH_FIELDS.sourceUser];
  if (typeof user === 'string' && user !== '') return { kind: 'user', value: user };
  if (f[AUTH_FIELDS.console] === true && ev.host !== null && ev.host !== '') return { kind: 'host', value: ev.host };
  return null;
}

/** Marks `ev` as an authentication attempt; the target, source and result go in their columns. */
export function setAuth(
  ev: NormalizedEvent,
  a: { service: AuthService; result: Outcome; attempts?: number; method?: string | null; accountExists?: boolean | null },
): void {
  const f = ev.fields;
  f[AUTH_FIELDS.service] = a.service;
  f[AUTH_FIELDS.attempts] = a.attempts ?? 1;
  if (a.method) f[AUTH_FIELDS.method] = a.method;
  if (a.accountExists !== undefined && a.accountExists !== null) f[AUTH_FIELDS.accountExists] = a.accountExists;
  ev.outcome = a.result;
}

export function emptyEvent(raw: string, source: string): NormalizedEvent {
  return {
    id: 0,
    ts: null,
    source,
    host: null,
    app: null,
    pid: null,
    severity: null,
    message: raw,
    template_id: null,
    params: [],
    logsource: { product: null, service: null, category: null },
    src_ip: null,
    dst_ip: null,
    user: null,
    method: null,
    path: null,
    status: null,
    bytes: null,
    user_agent: null,
    outcome: 'unknown',
    action: null,
    fields: {},
    parser: 'raw',
    raw,
  };
}
