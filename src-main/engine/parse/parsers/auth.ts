import type { NormalizedEvent } from '../../../../src-shared/event';
import { baseAppName, linuxLogSource } from './logsource';
import { isIpLiteral, parseUint } from './net';

/**
 * Linux authentication semantics on top of a syslog header: who, from where, did what, and did
 * it work. Actions are short verbs: ssh_login, ssh_invalid_user, ssh_disconnect, ssh_max_attempts,
 * ssh_connect, auth_failure, session_open, session_close, sudo, su, user_add, user_delete,
 * user_modify, group_add, group_delete, password_change, cron_exec.
 * For account management lines `user` is the account acted upon (the log names no actor).
 */

type Handler = (ev: NormalizedEvent, msg: string) => void;

const SSH_INVALID = /^[Ii]nvalid user (.*?) from (\S+?)(?: port (\d+))?\s*$/;
const SSH_USERAUTH_INVALID = /^input_userauth_request: invalid user (.*?) \[preauth\]/;
const SSH_DISCONNECT =
  /^(?:Disconnected from|Connection closed by|Connection reset by|Disconnecting) (?:(?:authenticating|invalid) user (.*?) |user (.*?) )?(\S+?)(?: port (\d+))?(?=$| |: )/;
const SSH_RECEIVED_DISCONNECT = /^Received disconnect from (\S+?)(?: port (\d+))?:/;
const SSH_MAX_ATTEMPTS =
  /^error: maximum authentication attempts exceeded for (invalid user )?(.*?) from (\S+) port (\d+)/;
const SSH_CONNECTION_FROM = /^Connection from (\S+) port (\d+) on (\S+) port (\d+)/;
const SSH_REPEATED = /^message repeated (\d+) times: \[ ?(.*)\]$/;
const SSH_BRACKET_IP = /\[([0-9a-fA-F:.]+)\]/;
const FROM_IP = / from (\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]+)(?=[\s:]|$)/;
const STARTING_SESSION = /^Starting session: .*? for (\S+) from (\S+) port (\d+)/;

const PAM_NO_USER = /^user "?([^"]*?)"? does not exist/;
const PASSWORD_CHANGED = /^password changed for (\S+)/;

const SU_FOR_BY = /^(Successful|FAILED) su for (\S+) by (\S+)/;
const SU_TTY = /^([+-]) (\S+) ([^:\s]+):(\S+)/;
const SU_TO = /^(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)/;

const LOGIND_NEW = /^New session (\S+) of user ([^.\s]+(?:\.[^.\s]+)*)\.?$/;
const LOGIND_REMOVED = /^Removed session (\S+?)\.?$/;

const NEW_USER = /^new user: name=([^,]+), UID=(\d+), GID=(\d+), home=([^,]*), shell=([^,]*)/;
const NEW_GROUP = /^(?:new group|group added to \S+): name=([^,]+), GID=(\d+)/;
const FAILED_ADDING = /^failed adding user '([^']*)'/;
const QUOTED_USER = /'([^']*)'/;
const CRON_CMD = /^\((\S+)\) CMD \((.*)\)$/;

function setIp(ev: NormalizedEvent, host: string): void {
  if (isIpLiteral(host)) ev.src_ip = host;
  else if (host.length > 0) ev.fields.rhost = host;
}

function setUser(ev: NormalizedEvent, user: string | undefined): void {
  if (user !== undefined && user.length > 0) ev.user = user;
}

/**
 * `Accepted|Failed|Postponed <method> for [invalid user ]<user> from <host> port <port> ...`,
 * cut by hand (this is the hottest auth line). The last ` from ` is the real one: a user name
 * that itself contains " from 1.2.3.4" cannot fake the source.
 */
function sshAuth(ev: NormalizedEvent, msg: string): boolean {
  let outcome: NormalizedEvent['outcome'];
  let at: number;
  if (msg.startsWith('Accepted ')) {
    outcome = 'success';
    at = 9;
  } else if (msg.startsWith('Failed ')) {
    outcome = 'failure';
    at = 7;
  } else if (msg.startsWith('Postponed ')) {
    outcome = 'unknown';
    at = 10;
  } else {
    return false;
  }
  const methodEnd = msg.indexOf(' ', at);
  if (methodEnd <= at || !msg.startsWith(' for ', methodEnd)) return false;
  let userAt = methodEnd + 5;
  const invalid = msg.startsWith('invalid user ', userAt);
  if (invalid) userAt += 13;
  const fromAt = msg.lastIndexOf(' from ');
  if (fromAt < userAt - 1) return false;
  const hostAt = fromAt + 6;
  const hostEnd = msg.indexOf(' ', hostAt);
  if (hostEnd <= hostAt || !msg.startsWith(' port ', hostEnd)) return false;
  let portEnd = hostEnd + 6;
  while (portEnd < msg.length && msg.charCodeAt(portEnd) >= 48 && msg.charCodeAt(portEnd) <= 57) portEnd++;
  if (portEnd === hostEnd + 6) return false;
  ev.action = 'ssh_login';
  ev.outcome = outcome;
  ev.fields.auth_method = msg.slice(at, methodEnd);
  if (invalid) ev.fields.invalid_user = true;
  if (fromAt > userAt) ev.user = msg.slice(userAt, fromAt);
  setIp(ev, msg.slice(hostAt, hostEnd));
  ev.fields.src_port = parseUint(msg.slice(hostEnd + 6, portEnd));
  return true;
}

function sshd(ev: NormalizedEvent, msg: string): void {
  const c = msg.charCodeAt(0);
  let m: RegExpExecArray | null;
  if ((c === 65 /* A */ || c === 70 /* F */ || c === 80 /* P */) && sshAuth(ev, msg)) return;
  if (c === 73 /* I */ || c === 105 /* i */) {
    if ((m = SSH_INVALID.exec(msg)) !== null) {
      ev.action = 'ssh_invalid_user';
      ev.outcome = 'failure';
      setUser(ev, m[1]);
      setIp(ev, m[2]!);
      if (m[3] !== undefined) ev.fields.src_port = parseUint(m[3]!);
      return;
    }
    if ((m = SSH_USERAUTH_INVALID.exec(msg)) !== null) {
      setUser(ev, m[1]);
      return;
    }
  }
  if (c === 68 /* D */ || c === 67 /* C */) {
    if ((m = SSH_DISCONNECT.exec(msg)) !== null) {
      ev.action = msg.startsWith('Disconnecting') ? 'ssh_max_attempts' : 'ssh_disconnect';
      if (ev.action === 'ssh_max_attempts') ev.outcome = 'failure';
      setUser(ev, m[1] ?? m[2]);
      setIp(ev, m[3]!);
      if (m[4] !== undefined) ev.fields.src_port = parseUint(m[4]!);
      return;
    }
    if (msg.startsWith('Disconnecting: Too many authentication failures')) {
      ev.action = 'ssh_max_attempts';
      ev.outcome = 'failure';
      return;
    }
    if ((m = SSH_CONNECTION_FROM.exec(msg)) !== null) {
      ev.action = 'ssh_connect';
      setIp(ev, m[1]!);
      ev.fields.src_port = parseUint(m[2]!);
      if (isIpLiteral(m[3]!)) ev.dst_ip = m[3]!;
      ev.fields.dst_port = parseUint(m[4]!);
      return;
    }
  }
  if (c === 82 /* R */) {
    if ((m = SSH_RECEIVED_DISCONNECT.exec(msg)) !== null) {
      ev.action = 'ssh_disconnect';
      setIp(ev, m[1]!);
      if (m[2] !== undefined) ev.fields.src_port = parseUint(m[2]!);
      return;
    }
  }
  if (c === 114 /* r */ && msg.startsWith('reverse mapping') && (m = SSH_BRACKET_IP.exec(msg)) !== null) {
    setIp(ev, m[1]!);
    return;
  }
  if (c === 101 /* e */ && (m = SSH_MAX_ATTEMPTS.exec(msg)) !== null) {
    ev.action = 'ssh_max_attempts';
    ev.outcome = 'failure';
    if (m[1] !== undefined) ev.fields.invalid_user = true;
    setUser(ev, m[2]);
    setIp(ev, m[3]!);
    ev.fields.src_port = parseUint(m[4]!);
    return;
  }
  if (c === 109 /* m */ && (m = SSH_REPEATED.exec(msg)) !== null) {
    // syslog folded identical lines: classify the inner one and keep the repeat count.
    ev.fields.repeated = parseUint(m[1]!);
    sshd(ev, m[2]!);
    return;
  }
  if (c === 83 /* S */ && (m = STARTING_SESSION.exec(msg)) !== null) {
    setUser(ev, m[1]);
    setIp(ev, m[2]!);
    ev.fields.src_port = parseUint(m[3]!);
    return;
  }
  if (pam(ev, msg)) return;
  if ((m = FROM_IP.exec(msg)) !== null) setIp(ev, m[1]!);
}

/** `logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root` from `from` on. */
function pamKeyValues(ev: NormalizedEvent, body: string, from: number): void {
  const n = body.length;
  let i = from;
  while (i < n) {
    while (i < n && body.charCodeAt(i) === 32) i++;
    let end = body.indexOf(' ', i);
    if (end === -1) end = n;
    const eq = body.indexOf('=', i);
    if (eq > i && eq < end - 1) {
      const key = body.slice(i, eq);
      const value = body.slice(eq + 1, end);
      if (key === 'user') ev.user = value;
      else if (key === 'rhost') setIp(ev, value);
      else if (key === 'ruser' || key === 'tty' || key === 'logname') ev.fields[key] = value;
      else if (key === 'uid' || key === 'euid') ev.fields[key] = parseUint(value);
    }
    i = end + 1;
  }
}

/** `session opened for user X[(uid=N)][ by Y(uid=M)]` and `session closed for user X`. */
function pamSession(ev: NormalizedEvent, body: string): void {
  ev.action = body.charCodeAt(8) === 111 /* o */ ? 'session_open' : 'session_close';
  ev.outcome = 'success';
  const at = 24;
  let end = at;
  const n = body.length;
  while (end < n) {
    const ch = body.charCodeAt(end);
    if (ch === 32 || ch === 40) break;
    end++;
  }
  if (end > at) ev.user = body.slice(at, end);
  const by = body.indexOf(' by ', end);
  if (by === -1) return;
  const open = body.indexOf('(uid=', by + 4);
  if (open === -1) return;
  if (open > by + 4) ev.fields.by_user = body.slice(by + 4, open);
  const close = body.indexOf(')', open + 5);
  if (close !== -1) ev.fields.by_uid = parseUint(body.slice(open + 5, close));
}

/** `pam_unix(svc:type): body` or a bare pam body (old `sshd(pam_unix)` tags). True if handled. */
function pam(ev: NormalizedEvent, msg: string): boolean {
  let body = msg;
  let pre = false;
  if (msg.startsWith('pam_')) {
    // `pam_unix(sshd:auth): body`
    const open = msg.indexOf('(', 4);
    const colon = open === -1 ? -1 : msg.indexOf(':', open);
    const close = colon === -1 ? -1 : msg.indexOf('): ', colon);
    if (close !== -1 && close - open < 64) {
      pre = true;
      ev.fields.pam_module = msg.slice(0, open);
      ev.fields.pam_service = msg.slice(open + 1, colon);
      ev.fields.pam_type = msg.slice(colon + 1, close);
      body = msg.slice(close + 3);
    }
  }
  const c = body.charCodeAt(0);
  if (c === 97 /* a */ || c === 80 /* P */) {
    const more = c === 80 && body.startsWith('PAM ') && body.includes(' more authentication failure');
    if (more || body.startsWith('authentication failure;')) {
      ev.action = 'auth_failure';
      ev.outcome = 'failure';
      if (more) ev.fields.repeated = parseUint(body.slice(4, body.indexOf(' ', 4)));
      pamKeyValues(ev, body, body.indexOf(';') + 1);
      return true;
    }
  }
  if (c === 115 /* s */ && (body.startsWith('session opened for user ') || body.startsWith('session closed for user '))) {
    pamSession(ev, body);
    return true;
  }
  let m: RegExpExecArray | null;
  if (c === 112 /* p */ && (m = PASSWORD_CHANGED.exec(body)) !== null) {
    ev.action = 'password_change';
    ev.outcome = 'success';
    ev.user = m[1]!;
    return true;
  }
  if (c === 117 /* u */ && (m = PAM_NO_USER.exec(body)) !== null) {
    setUser(ev, m[1]);
    ev.outcome = 'failure';
    if (ev.fields.pam_type === 'chauthtok') ev.action = 'password_change';
    return true;
  }
  return pre;
}

function sudo(ev: NormalizedEvent, msg: string): void {
  const start = msg.search(/\S/);
  if (start < 0) return;
  if (msg.startsWith('pam_', start)) {
    pam(ev, msg.slice(start));
    return;
  }
  const sep = msg.indexOf(' : ', start);
  if (sep === -1) return;
  ev.action = 'sudo';
  ev.user = msg.slice(start, sep);
  const rest = msg.slice(sep + 3);
  // COMMAND is last and may itself contain " ; ", so it is cut off before splitting the rest.
  const cmdAt = rest.indexOf('COMMAND=');
  const head = cmdAt === -1 ? rest : rest.slice(0, cmdAt);
  if (cmdAt !== -1) ev.fields.command = rest.slice(cmdAt + 8);
  let failure: string | null = null;
  for (const part of head.split(' ; ')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const eq = p.indexOf('=');
    if (eq <= 0 || !/^[A-Z_]+$/.test(p.slice(0, eq))) {
      failure = p;
      continue;
    }
    const key = p.slice(0, eq);
    const value = p.slice(eq + 1);
    if (key === 'TTY') ev.fields.tty = value;
    else if (key === 'PWD') ev.fields.pwd = value;
    else if (key === 'USER') ev.fields.target_user = value;
    else if (key === 'GROUP') ev.fields.target_group = value;
  }
  if (failure !== null) {
    ev.outcome = 'failure';
    ev.fields.reason = failure;
  } else {
    ev.outcome = 'success';
  }
}

function su(ev: NormalizedEvent, msg: string): void {
  let m: RegExpExecArray | null;
  if ((m = SU_FOR_BY.exec(msg)) !== null) {
    ev.action = 'su';
    ev.outcome = m[1] === 'Successful' ? 'success' : 'failure';
    ev.fields.target_user = m[2]!;
    ev.user = m[3]!;
  } else if ((m = SU_TTY.exec(msg)) !== null) {
    ev.action = 'su';
    ev.outcome = m[1] === '+' ? 'success' : 'failure';
    ev.fields.tty = m[2]!;
    ev.user = m[3]!;
    ev.fields.target_user = m[4]!;
  } else if ((m = SU_TO.exec(msg)) !== null) {
    ev.action = 'su';
    ev.outcome = m[1] === undefined ? 'success' : 'failure';
    ev.fields.target_user = m[2]!;
    ev.user = m[3]!;
    ev.fields.tty = m[4]!;
  } else {
    pam(ev, msg);
  }
}

function logind(ev: NormalizedEvent, msg: string): void {
  let m: RegExpExecArray | null;
  if ((m = LOGIND_NEW.exec(msg)) !== null) {
    ev.action = 'session_open';
    ev.outcome = 'success';
    ev.fields.session_id = m[1]!;
    ev.user = m[2]!;
  } else if ((m = LOGIND_REMOVED.exec(msg)) !== null) {
    ev.action = 'session_close';
    ev.outcome = 'success';
    ev.fields.session_id = m[1]!;
  }
}

function accounts(ev: NormalizedEvent, msg: string): void {
  let m: RegExpExecArray | null;
  if ((m = NEW_USER.exec(msg)) !== null) {
    ev.action = 'user_add';
    ev.outcome = 'success';
    ev.user = m[1]!;
    ev.fields.uid = parseUint(m[2]!);
    ev.fields.gid = parseUint(m[3]!);
    ev.fields.home = m[4]!;
    ev.fields.shell = m[5]!;
  } else if ((m = NEW_GROUP.exec(msg)) !== null) {
    ev.action = 'group_add';
    ev.outcome = 'success';
    ev.fields.group = m[1]!;
    ev.fields.gid = parseUint(m[2]!);
  } else if ((m = FAILED_ADDING.exec(msg)) !== null) {
    ev.action = 'user_add';
    ev.outcome = 'failure';
    setUser(ev, m[1]);
  } else if (msg.startsWith('pam_')) {
    pam(ev, msg);
  } else {
    const quoted = QUOTED_USER.exec(msg);
    const lower = msg.toLowerCase();
    if (lower.includes('password')) ev.action = 'password_change';
    else if (lower.startsWith('delete user')) ev.action = 'user_delete';
    else if (lower.startsWith('removed group') || (lower.startsWith('group ') && lower.includes('removed'))) ev.action = 'group_delete';
    else if (quoted !== null) ev.action = 'user_modify';
    if (ev.action !== null) ev.outcome = lower.includes('fail') ? 'failure' : 'success';
    if (quoted !== null) setUser(ev, quoted[1]);
  }
}

function cron(ev: NormalizedEvent, msg: string): void {
  const m = msg.charCodeAt(0) === 40 ? CRON_CMD.exec(msg) : null;
  if (m !== null) {
    ev.action = 'cron_exec';
    ev.user = m[1]!;
    ev.fields.command = m[2]!;
  } else {
    pam(ev, msg);
  }
}

function pamOnly(ev: NormalizedEvent, msg: string): void {
  pam(ev, msg);
}

const HANDLERS: Record<string, Handler> = {
  sshd,
  'sshd-session': sshd,
  'sshd-auth': sshd,
  sudo,
  su,
  'systemd-logind': logind,
  useradd: accounts,
  groupadd: accounts,
  usermod: accounts,
  userdel: accounts,
  groupdel: accounts,
  groupmod: accounts,
  gpasswd: accounts,
  passwd: accounts,
  chpasswd: accounts,
  chage: accounts,
  newusers: accounts,
  CRON: cron,
  cron,
  crond: cron,
  login: pamOnly,
  'unix_chkpwd': pamOnly,
  polkitd: pamOnly,
  pkexec: pamOnly,
};

/**
 * Adds auth fields when the line comes from an auth app or is a PAM message, and sets the
 * logsource. Returns false (event untouched) for anything else.
 */
interface AppInfo {
  handler: Handler | undefined;
  /** Old PAM tags such as `sshd(pam_unix)` name the module in the app, not in the message. */
  pamModule: string | null;
}

const appInfoCache = new Map<string, AppInfo>();
const MAX_CACHED_APPS = 4096;
// Consecutive lines mostly share their app: a string compare is cheaper than hashing a fresh slice.
let lastApp = '';
let lastInfo: AppInfo = { handler: undefined, pamModule: null };

function appInfo(app: string): AppInfo {
  if (app === lastApp) return lastInfo;
  let info = appInfoCache.get(app);
  if (info === undefined) {
    const base = baseAppName(app);
    const open = app.indexOf('(pam_');
    const close = app.indexOf(')', open);
    info = {
      handler: HANDLERS[base],
      pamModule: open === -1 ? null : app.slice(open + 1, close === -1 ? app.length : close),
    };
    // Bounded: a hostile stream of distinct app names must not grow memory.
    if (appInfoCache.size >= MAX_CACHED_APPS) appInfoCache.clear();
    appInfoCache.set(app, info);
  }
  lastApp = app;
  lastInfo = info;
  return info;
}

/**
 * Adds auth fields when the line comes from an auth app or is a PAM message, and sets the
 * logsource. Returns false (event untouched) for anything else.
 */
export function applyAuth(ev: NormalizedEvent): boolean {
  const app = ev.app;
  if (app === null) return false;
  const { handler, pamModule } = appInfo(app);
  const msg = ev.message;
  if (handler === undefined) {
    if (pamModule === null && !msg.startsWith('pam_')) return false;
    pam(ev, msg);
  } else if (pamModule !== null && handler !== sshd && handler !== su) {
    pam(ev, msg);
  } else {
    handler(ev, msg);
  }
  if (pamModule !== null) ev.fields.pam_module = pamModule;
  ev.logsource = linuxLogSource(app, 'auth');
  return true;
}
