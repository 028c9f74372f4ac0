/**
 * Network services that log logins through syslog: vsftpd and ProFTPD, Dovecot (IMAP/POP3 login
 * processes and its auth process), Postfix SASL, and web servers whose error log goes to syslog.
 * Formats as the programs document or write them:
 *   vsftpd   `[bob] FAIL LOGIN: Client "1.2.3.4"`, `[bob] OK LOGIN: Client "::ffff:1.2.3.4"`
 *   proftpd  `ftp.example.com (name[1.2.3.4]) - USER bob (Login failed): Incorrect password`,
 *            `... - USER bob: no such user found from name [1.2.3.4] to 10.0.0.1:21`,
 *            `... - USER bob: Login successful.`, `... - Maximum login attempts (3) exceeded`
 *   dovecot  `imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<bob>, method=PLAIN, rip=1.2.3.4, ...`,
 *            `imap-login: Login: user=<bob>, method=PLAIN, rip=1.2.3.4, ...`,
 *            `auth: passwd-file(bob,1.2.3.4,<sess>): Password mismatch` / `unknown user` (auth_verbose)
 *   postfix  `warning: unknown[1.2.3.4]: SASL LOGIN authentication failed: UGFzc3dvcmQ6[, sasl_username=bob]`,
 *            `4B3C5D: client=name[1.2.3.4], sasl_method=PLAIN, sasl_username=bob`
 */
import { AUTH_FIELDS, type NormalizedEvent } from '../../../../../src-shared/event';
import type { ParseContext } from '../context';
import { parseUint } from '../net';
import { setIp, setUser } from './common';
import { pam } from './pam';
import { webAuthError } from '../weberror';

const VSFTPD = /^(?:\[pid \d+\] )?\[([^\]]*)\] (FAIL|OK) LOGIN: Client "([^"]+)"/;
const PROFTPD = /^\S+ \((\S*?)\[([^\]]+)\]\) - (.*)$/;
const PROFTPD_FAILED = /^USER (\S+) \(Login failed\): (.*)$/;
const PROFTPD_NO_USER = /^USER (\S+): no such user found/;
const PROFTPD_OK = /^USER (\S+): Login successful/;
const PROFTPD_MAX = /^Maximum login attempts \((\d+)\) exceeded/;

const DOVECOT_LOGIN = /^(imap|pop3|managesieve|submission|lmtp)-login: (.*)$/;
const DOVECOT_FAILED =
  /^(?:Disconnected|Aborted login)(?:: [^(]*)? \(auth failed, (\d+) attempts?[^)]*\): user=<([^>]*)>(?:, method=([\w-]+))?, rip=([^,]+)/;
const DOVECOT_OK = /^Login: user=<([^>]*)>(?:, method=([\w-]+))?, rip=([^,]+)/;
const DOVECOT_AUTH = /^auth(?:-worker\(\d+\))?: ([\w-]+)\(([^,()]*),([^,()]+)(?:,<[^>]*>)?\): (.*)$/;

const POSTFIX_FAILED = /^warning: (\S*?)\[([^\]]+)\]: SASL (\S+) authentication failed: (.*)$/;
const POSTFIX_OK = /client=(\S*?)\[([^\]]+)\](?:, sasl_method=(\S+?))?, sasl_username=(\S+)/;
const POSTFIX_LOST = /^lost connection after AUTH from (\S*?)\[([^\]]+)\]/;
const SASL_USER = /sasl_username=(\S+)/;

export function vsftpd(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  const m = VSFTPD.exec(msg);
  if (m === null) {
    pam(ev, msg, ctx, 'vsftpd');
    return;
  }
  ev.action = 'ftp_login';
  setUser(ev, m[1]);
  setIp(ev, m[3]!);
  ctx.auth.record(ev, { service: 'ftp', reporter: 'vsftpd', result: m[2] === 'OK' ? 'success' : 'failure', method: 'password' });
}

export function proftpd(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  const m = PROFTPD.exec(msg);
  if (m === null) {
    pam(ev, msg, ctx, 'proftpd');
    return;
  }
  const rest = m[3]!;
  let r: RegExpExecArray | null;
  setIp(ev, m[2]!);
  if (ev.src_ip === null) setIp(ev, m[1]!);
  if ((r = PROFTPD_FAILED.exec(rest)) !== null) {
    ev.action = 'ftp_login';
    setUser(ev, r[1]);
    ev.fields.reason = r[2]!;
    ctx.auth.record(ev, { service: 'ftp', reporter: 'proftpd', result: 'failure', method: 'password' });
  } else if ((r = PROFTPD_NO_USER.exec(rest)) !== null) {
    ev.action = 'ftp_login';
    setUser(ev, r[1]);
    ctx.auth.record(ev, { service: 'ftp', reporter: 'proftpd', result: 'failure', method: 'password', accountExists: false });
  } else if ((r = PROFTPD_OK.exec(rest)) !== null) {
    ev.action = 'ftp_login';
    setUser(ev, r[1]);
    ctx.auth.record(ev, { service: 'ftp', reporter: 'proftpd', result: 'success', method: 'password' });
  } else if (PROFTPD_MAX.test(rest)) {
    ev.action = 'ftp_max_attempts';
    ctx.auth.record(ev, { service: 'ftp', reporter: 'proftpd-max', result: 'failure', method: 'password' });
  }
}

export function dovecot(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  let m: RegExpExecArray | null;
  if ((m = DOVECOT_LOGIN.exec(msg)) !== null) {
    const protocol = m[1]!;
    const rest = m[2]!;
    const service = protocol === 'submission' ? 'smtp' : 'mail';
    ev.fields.protocol = protocol;
    let r: RegExpExecArray | null;
    if ((r = DOVECOT_FAILED.exec(rest)) !== null) {
      ev.action = 'mail_login';
      setUser(ev, r[2]);
      setIp(ev, r[4]!);
      ctx.auth.record(ev, {
        service,
        reporter: 'dovecot-login',
        result: 'failure',
        count: parseUint(r[1]!),
        method: r[3]?.toLowerCase() ?? null,
        anyProcess: true,
      });
    } else if ((r = DOVECOT_OK.exec(rest)) !== null) {
      ev.action = 'mail_login';
      setUser(ev, r[1]);
      setIp(ev, r[3]!);
      ctx.auth.record(ev, { service, reporter: 'dovecot-login', result: 'success', method: r[2]?.toLowerCase() ?? null, anyProcess: true });
    }
    return;
  }
  if ((m = DOVECOT_AUTH.exec(msg)) !== null) {
    const reason = m[4]!;
    const unknown = /unknown user/i.test(reason);
    if (!unknown && !/mismatch|authentication failure|auth failed/i.test(reason)) return;
    ev.action = 'mail_auth';
    setUser(ev, m[2]);
    setIp(ev, m[3]!);
    ev.fields.reason = reason;
    ctx.auth.record(ev, {
      service: 'mail',
      reporter: 'dovecot-auth',
      result: 'failure',
      method: 'password',
      accountExists: unknown ? false : null,
      anyProcess: true,
    });
    return;
  }
  pam(ev, msg, ctx, 'dovecot');
}

export function smtpd(ev: NormalizedEvent, msg: string, ctx: ParseContext): void {
  let m: RegExpExecArray | null;
  if ((m = POSTFIX_FAILED.exec(msg)) !== null) {
    ev.action = 'smtp_auth';
    setIp(ev, m[2]!);
    if (m[1] !== 'unknown' && m[1]!.length > 0) ev.fields[AUTH_FIELDS.sourceHost] = m[1]!;
    const user = SASL_USER.exec(m[4]!);
    if (user !== null) setUser(ev, user[1]);
    ctx.auth.record(ev, { service: 'smtp', reporter: 'postfix', result: 'failure', method: m[3]!.toLowerCase() });
    return;
  }
  if ((m = POSTFIX_LOST.exec(msg)) !== null) {
    ev.action = 'smtp_auth';
    setIp(ev, m[2]!);
    // A bot that drops the connection after AUTH: one failed try, unless a SASL failure said so already.
    ctx.auth.record(ev, { service: 'smtp', reporter: 'postfix-lost', result: 'failure', method: null });
    return;
  }
  if (msg.includes('sasl_username=') && (m = POSTFIX_OK.exec(msg)) !== null) {
    ev.action = 'smtp_auth';
    setIp(ev, m[2]!);
    if (m[1] !== 'unknown' && m[1]!.length > 0) ev.fields[AUTH_FIELDS.sourceHost] = m[1]!;
    setUser(ev, m[4]);
    ctx.auth.record(ev, { service: 'smtp', reporter: 'postfix', result: 'success', method: m[3]?.toLowerCase() ?? null });
    return;
  }
  pam(ev, msg, ctx, 'smtp');
}

/** Apache's or nginx's error log sent to syslog: the basic-auth refusals in it. */
export function webServer(ev: NormalizedEvent, msg: string, ctx: ParseContext): boolean {
  webAuthError(ev, msg, ctx);
  return ev.action === 'web_login';
}
