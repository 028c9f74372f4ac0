/**
 * Linux authentication semantics on top of a syslog header: who, from where, did what, and did
 * it work. Actions are short verbs: ssh_login, ssh_invalid_user, ssh_disconnect, ssh_max_attempts,
 * ssh_connect, auth_failure, session_open, session_close, sudo, su, login, ftp_login, mail_login,
 * mail_auth, smtp_auth, web_login, user_add, user_delete, user_modify, group_add, group_delete,
 * password_change, cron_exec. Whatever the program's wording, a line that reports a login attempt
 * carries the one auth meaning of the normalized event (src-shared/event.ts, AuthAttempt).
 * For account management lines `user` is the account acted upon (the log names no actor).
 */
import type { NormalizedEvent } from '../../../../../src-shared/event';
import type { ParseContext } from '../context';
import { baseAppName, linuxLogSource } from '../logsource';
import type { Handler } from './common';
import { accounts, cron, login, logind, su, sudo } from './local';
import { pam } from './pam';
import { dovecot, proftpd, smtpd, vsftpd, webServer } from './services';
import { sshd } from './sshd';

const pamOnly: Handler = (ev, msg, ctx) => {
  pam(ev, msg, ctx, baseAppName(ev.app ?? ''));
};

const HANDLERS: Record<string, Handler> = {
  sshd,
  'sshd-session': sshd,
  'sshd-auth': sshd,
  sudo,
  su,
  login,
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
  vsftpd,
  proftpd,
  dovecot,
  'imap-login': dovecot,
  'pop3-login': dovecot,
  smtpd,
  nginx: webServer,
  apache2: webServer,
  httpd: webServer,
  unix_chkpwd: pamOnly,
  polkitd: pamOnly,
  pkexec: pamOnly,
};

interface AppInfo {
  handler: Handler | undefined;
  /** Old PAM tags such as `sshd(pam_unix)` name the module in the app, not in the message. */
  pamModule: string | null;
  base: string;
}

const appInfoCache = new Map<string, AppInfo>();
const MAX_CACHED_APPS = 4096;
// Consecutive lines mostly share their app: a string compare is cheaper than hashing a fresh slice.
let lastApp = '';
let lastInfo: AppInfo = { handler: undefined, pamModule: null, base: '' };

function appInfo(app: string): AppInfo {
  if (app === lastApp) return lastInfo;
  let info = appInfoCache.get(app);
  if (info === undefined) {
    const base = baseAppName(app);
    const open = app.indexOf('(pam_');
    const close = app.indexOf(')', open);
    // journald writes gdm's helper as `gdm-password]`: the bracket is part of its name.
    const clean = base.endsWith(']') ? base.slice(0, -1) : base;
    info = {
      handler: HANDLERS[clean],
      pamModule: open === -1 ? null : app.slice(open + 1, close === -1 ? app.length : close),
      base: clean,
    };
    // Bounded: a hostile stream of distinct app names must not grow memory.
    if (appInfoCache.size >= MAX_CACHED_APPS) appInfoCache.clear();
    appInfoCache.set(app, info);
  }
  lastApp = app;
  lastInfo = info;
  return info;
}

/** Programs whose PAM lines in an old `app(pam_unix)` tag go to the program's own handler (it knows their service). */
const OWN_PAM: ReadonlySet<Handler> = new Set([sshd, su, login, sudo]);

/**
 * Adds auth fields when the line comes from an auth app or is a PAM message, and sets the
 * logsource. Returns false (event untouched) for anything else.
 */
export function applyAuth(ev: NormalizedEvent, ctx: ParseContext): boolean {
  const app = ev.app;
  if (app === null) return false;
  const { handler, pamModule, base } = appInfo(app);
  const msg = ev.message;
  if (handler === undefined) {
    if (pamModule === null && !msg.startsWith('pam_')) return false;
    pam(ev, msg, ctx, base);
  } else if (pamModule !== null && !OWN_PAM.has(handler)) {
    pam(ev, msg, ctx, base);
  } else if (handler(ev, msg, ctx) === false) {
    return false;
  }
  if (pamModule !== null) ev.fields.pam_module = pamModule;
  ev.logsource = linuxLogSource(app, 'auth');
  return true;
}
