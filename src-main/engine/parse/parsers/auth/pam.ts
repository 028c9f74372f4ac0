/**
 * PAM lines, whichever program loaded the module: `pam_unix(sshd:auth): authentication failure;
 * ... rhost=1.2.3.4 user=root`, Red Hat's old `sshd(pam_unix)[pid]: authentication failure; ...`
 * (module in the tag, no service prefix), `PAM 5 more authentication failures; ...`, `check pass;
 * user unknown`, sessions and password changes.
 */
import type { AuthService, NormalizedEvent } from '../../../../../src-shared/event';
import type { ParseContext } from '../context';
import { parseUint } from '../net';
import { setCaller, setConsole, setIp, setUser } from './common';

const PAM_NO_USER = /^user "?([^"]*?)"? does not exist/;
const PASSWORD_CHANGED = /^password changed for (\S+)/;

/** PAM service names (the `sshd` of `pam_unix(sshd:auth)`, or the program's name) -> what was logged into. */
const PAM_SERVICES: Record<string, AuthService> = {
  sshd: 'ssh',
  'sshd-session': 'ssh',
  'sshd-auth': 'ssh',
  su: 'su',
  'su-l': 'su',
  sudo: 'sudo',
  'sudo-i': 'sudo',
  login: 'login',
  remote: 'login',
  gdm: 'login',
  'gdm-password': 'login',
  'gdm-autologin': 'login',
  'gdm-fingerprint': 'login',
  lightdm: 'login',
  sddm: 'login',
  xdm: 'login',
  kdm: 'login',
  xscreensaver: 'login',
  vsftpd: 'ftp',
  proftpd: 'ftp',
  ftp: 'ftp',
  dovecot: 'mail',
  imap: 'mail',
  pop3: 'mail',
  smtp: 'smtp',
  polkit: 'other',
  'polkit-1': 'other',
  pkexec: 'other',
  runuser: 'su',
};

/** Sessions that only follow a successful authentication (cron, runuser and systemd-user open sessions without one). */
const SESSION_IS_LOGIN: ReadonlySet<AuthService> = new Set(['ssh', 'su', 'login']);

export function pamService(name: string | null | undefined): AuthService | null {
  if (!name) return null;
  return PAM_SERVICES[name] ?? (name.startsWith('gdm-') ? 'login' : null);
}

interface PamKeys {
  rhost: string;
  ruser: string;
  logname: string;
  tty: string;
}

/** `logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root` from `from` on. */
function pamKeyValues(ev: NormalizedEvent, body: string, from: number): PamKeys {
  const keys: PamKeys = { rhost: '', ruser: '', logname: '', tty: '' };
  const n = body.length;
  let i = from;
  while (i < n) {
    while (i < n && body.charCodeAt(i) === 32) i++;
    let end = body.indexOf(' ', i);
    if (end === -1) end = n;
    const eq = body.indexOf('=', i);
    if (eq > i && eq < end) {
      const key = body.slice(i, eq);
      const value = body.slice(eq + 1, end);
      if (key === 'user') {
        if (value.length > 0) ev.user = value;
      } else if (key === 'rhost' || key === 'ruser' || key === 'tty' || key === 'logname') {
        keys[key] = value;
        if (value.length > 0 && key !== 'rhost') ev.fields[key] = value;
      } else if ((key === 'uid' || key === 'euid') && value.length > 0) ev.fields[key] = parseUint(value);
    }
    i = end + 1;
  }
  return keys;
}

/** Who tried: the remote host, else the calling account (su, sudo), else the console of the host. */
function pamSource(ev: NormalizedEvent, k: PamKeys, service: AuthService): void {
  if (k.rhost.length > 0) setIp(ev, k.rhost);
  else if (k.ruser.length > 0) setCaller(ev, k.ruser);
  else if ((service === 'su' || service === 'sudo') && k.logname.length > 0) setCaller(ev, k.logname);
  else if (service === 'login') setConsole(ev);
}

/** `session opened for user X[(uid=N)][ by Y(uid=M)]` and `session closed for user X`. */
function pamSession(ev: NormalizedEvent, body: string, ctx: ParseContext, service: AuthService | null): void {
  const opened = body.charCodeAt(8) === 111; /* o */
  ev.action = opened ? 'session_open' : 'session_close';
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
  let by = '';
  const byAt = body.indexOf(' by ', end);
  if (byAt !== -1) {
    const open = body.indexOf('(uid=', byAt + 4);
    if (open !== -1) {
      by = body.slice(byAt + 4, open);
      if (by.length > 0) ev.fields.by_user = by;
      const close = body.indexOf(')', open + 5);
      if (close !== -1) ev.fields.by_uid = parseUint(body.slice(open + 5, close));
    }
  }
  // A login session is the success of the attempt before it, when the log says who made it: su's
  // caller, the console, or (sshd) the address its process logged.
  if (!opened || service === null || !SESSION_IS_LOGIN.has(service)) return;
  if (service === 'su') {
    if (by.length === 0 || by === ev.user) return;
    setCaller(ev, by);
  } else if (service === 'login') {
    if (by !== 'LOGIN' && by.length > 0) return;
    if (!ctx.auth.knowsSource(ev)) setConsole(ev);
  } else if (!ctx.auth.knowsSource(ev) || !ctx.auth.triedAccount(ev)) return;
  ctx.auth.record(ev, { service, reporter: 'session', result: 'success' });
}

/**
 * `pam_unix(svc:type): body` or a bare pam body (old `sshd(pam_unix)` tags); `fallback` names the
 * service when the line does not. True if handled.
 */
export function pam(ev: NormalizedEvent, msg: string, ctx: ParseContext, fallback: string | null): boolean {
  let body = msg;
  let pre = false;
  let serviceName = fallback;
  if (msg.startsWith('pam_')) {
    // `pam_unix(sshd:auth): body`
    const open = msg.indexOf('(', 4);
    const colon = open === -1 ? -1 : msg.indexOf(':', open);
    const close = colon === -1 ? -1 : msg.indexOf('): ', colon);
    if (close !== -1 && close - open < 64) {
      pre = true;
      ev.fields.pam_module = msg.slice(0, open);
      serviceName = msg.slice(open + 1, colon);
      ev.fields.pam_service = serviceName;
      ev.fields.pam_type = msg.slice(colon + 1, close);
      body = msg.slice(close + 3);
    }
  }
  const service = pamService(serviceName);
  const c = body.charCodeAt(0);
  if (c === 97 /* a */ || c === 80 /* P */) {
    const more = c === 80 && body.startsWith('PAM ') && body.includes(' more authentication failure');
    if (more || body.startsWith('authentication failure;')) {
      ev.action = 'auth_failure';
      ev.outcome = 'failure';
      const count = more ? parseUint(body.slice(4, body.indexOf(' ', 4))) : 1;
      if (more) ev.fields.repeated = count;
      const keys = pamKeyValues(ev, body, body.indexOf(';') + 1);
      if (service !== null) {
        pamSource(ev, keys, service);
        ctx.auth.record(ev, { service, reporter: 'pam', result: 'failure', count: Math.max(1, count), method: 'password' });
      } else if (keys.rhost.length > 0) setIp(ev, keys.rhost);
      return true;
    }
  }
  if (c === 115 /* s */ && (body.startsWith('session opened for user ') || body.startsWith('session closed for user '))) {
    pamSession(ev, body, ctx, service);
    return true;
  }
  if (c === 99 /* c */ && body.startsWith('check pass; user unknown')) {
    // The attempt follows in this process: for an account that does not exist.
    ctx.auth.note(ev, { unknownAccount: true });
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
